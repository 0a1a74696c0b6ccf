"""The one place where settings become components (backends chosen here, heavy loading in warm-up).

>>> components = build_components(Settings())  # doctest: +SKIP
>>> components.chat.answer("5G基站2025年目标是多少？").answer  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.library import PlanContext, PlanLibrary, plan_vocabulary, task_aliases
from bot.match import MatchResult, TaskMatcher
from bot.passages import PassageReader
from bot.plan_notices import PlanNotices
from bot.schemas import ChatService, TaskOut
from bot.service import DeterministicChatService
from bot.sessions import InMemorySessionStore, SessionStore, SqliteSessionStore
from bot.settings import Settings
from corpus.catalogue.loader import TaskCatalogue
from corpus.plans.loading import load_plan
from corpus.plans.model import PlanInfo
from corpus.plans.registry import PlanRegistry
from corpus.types import Embedder
from indicators.catalog import IndicatorTable

if TYPE_CHECKING:
    from bot.actuals.monitor import Monitor

log = logging.getLogger("policybot.components")


@dataclass
class Components:
    """Everything a front end needs, built once at startup."""

    settings: Settings
    registry: PlanRegistry
    library: PlanLibrary
    embedder: Embedder
    sessions: SessionStore
    chat: ChatService
    deterministic: DeterministicChatService
    startup_seconds: float = 0.0
    monitor: Monitor | None = None  # actual figures and evaluation
    redis: Any = None  # the replicas' shared Redis client (bot.redis_state), when redis.url is set
    notices: PlanNotices | None = None  # plan-change notices between replicas (with redis.url)

    # The default plan's parts, for front ends and tests that work with one plan.
    def default_context(self) -> PlanContext:
        plan_id = self.library.default_id or (self.library.ids() or [""])[0]
        return self.library.get(plan_id)

    @property
    def table(self) -> IndicatorTable:
        return self.default_context().table

    @property
    def catalogue(self) -> TaskCatalogue:
        return self.default_context().catalogue

    @property
    def index(self) -> Any:
        return self.default_context().index

    @property
    def matcher(self) -> TaskMatcher | None:
        return self.default_context().matcher

    @property
    def reader(self) -> PassageReader:
        return self.default_context().reader

    def task_outs(self, result: MatchResult, context: PlanContext | None = None) -> list[TaskOut]:
        ctx = context or self.default_context()
        return ctx.task_outs(result)

    def plans_changed(self) -> None:
        """After an ingest or removal here: reload now and tell the other replicas (when Redis is shared)."""
        self.library.refresh()
        if self.notices is not None:
            self.notices.publish(self.library.generation)

    def close(self) -> None:
        if self.notices is not None:
            self.notices.close()
        self.library.close()


def make_embedder(settings: Settings) -> Embedder:
    from corpus.factory import make_embedder as factory

    emb = settings.embedding
    return factory(emb.mode, emb.model_path, cache_size=emb.query_cache_size)


def make_registry(settings: Settings) -> PlanRegistry:
    roots = [p for p in [settings.corpus.documents_dir, *settings.corpus.extra_paths] if p.exists()]
    return PlanRegistry(roots, settings.data_dir, max_file_mb=settings.corpus.max_file_mb)


def plan_index(settings: Settings, plan_id: str, embedder: Embedder, paths: Sequence[Path] = (),
               extra_terms: Sequence[str] = ()) -> Any:
    """The plan's own hybrid index (not opened): collection ``<collection>-<plan id>``, ``data_dir/index/<id>``."""
    from corpus.factory import build_index, make_reranker, make_store

    store = make_store(
        settings.vectorstore.mode,
        path=settings.data_dir / "chroma",
        host=settings.vectorstore.host,
        port=settings.vectorstore.port,
        collection=f"{settings.vectorstore.collection}-{plan_id}",
    )
    return build_index(
        list(paths),
        settings.data_dir / "index" / plan_id,
        embedder,
        store,
        extra_terms=extra_terms,
        rrf_k=settings.retrieval.rrf_k,
        fusion=settings.retrieval.fusion,
        reranker=make_reranker(settings.retrieval.rerank_model_path),
        plan_id=plan_id,
        dense=settings.retrieval.dense,
        shared_tokenizer="plan-index",  # one jieba dictionary for every plan's index (memory, see bm25.py)
    )


def build_plan_index(settings: Settings, info: PlanInfo, embedder: Embedder, extra_terms: list[str]) -> Any:
    """Open (or build, when the plan's files changed) the plan's own hybrid index."""
    index = plan_index(settings, info.id, embedder, info.paths, extra_terms)
    index.warm_up()
    return index


def _curated_task_aliases(info: PlanInfo) -> dict[str, list[str]]:
    path = info.enrichment.get("catalogue")
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    aliases = raw.get("task_aliases") if isinstance(raw, dict) else None
    return {str(k): [str(a) for a in v] for k, v in aliases.items()} if isinstance(aliases, dict) else {}


def build_context(settings: Settings, info: PlanInfo, embedder: Embedder) -> PlanContext:
    """Load one plan, open its index, warm its reader and matcher."""
    started = time.perf_counter()
    data = load_plan(info)
    terms = plan_vocabulary(data.table, data.catalogue)
    index = build_plan_index(settings, info, embedder, terms)
    reader = PassageReader()
    reader.warm_up(index.chunks, extra_vocabulary=terms)
    matcher = None
    if data.catalogue.subtasks:
        matcher = TaskMatcher(data.catalogue, embedder=embedder, cache_dir=settings.data_dir / "cache",
                              shared_tokenizer="plan-tasks")
        matcher.warm_up()
    ctx = PlanContext(
        info=info, data=data, index=index, reader=reader, matcher=matcher,
        task_alias_map=task_aliases(data.catalogue, _curated_task_aliases(info)),
    )
    log.info("plan %s ready in %.2f s (%d indicators, %d sub-tasks, %d chunks)", info.id,
             time.perf_counter() - started, len(data.table), len(data.catalogue.subtasks), len(index.chunks))
    return ctx


def remove_plan_data(settings: Settings, plan_id: str, embedder: Embedder | None = None) -> None:
    """Delete a removed plan's index data: its vector collection and ``data_dir/index/<plan id>``.

    Other plans' data is not touched. Idempotent: every server that notices the removal calls it.
    """
    plan_index(settings, plan_id, embedder or make_embedder(settings)).destroy()


def build_library(settings: Settings, embedder: Embedder | None = None) -> PlanLibrary:
    embedder = embedder or make_embedder(settings)
    library = PlanLibrary(
        make_registry(settings), lambda info: build_context(settings, info, embedder), default=settings.plans.default,
        on_removed=lambda ctx: remove_plan_data(settings, ctx.id, embedder),
    )
    library.warm_up()
    return library


def prepare_index(settings: Settings) -> None:
    """Build or verify every plan's persistent index (used before starting several workers)."""
    build_library(settings)


def make_monitor(settings: Settings, library: PlanLibrary | None = None) -> Monitor:
    """The actuals store at ``settings.database_url``, evaluating against the plans' tables.

    A server passes its library; a CLI call reads only the tables it needs (no index is built).
    """
    from bot.actuals.monitor import Monitor
    from bot.actuals.store import open_store

    store = open_store(settings.database_url)
    band = {"tolerance_pct": settings.monitoring.tolerance_pct, "band_pct": settings.monitoring.approx_band_pct}
    if library is not None:
        lib = library
        return Monitor(store, lambda plan_id: lib.get(plan_id).table, lib.default_id,
                       titles=lambda plan_id: lib.get(plan_id).info.title, **band)
    plans = {p.id: p for p in make_registry(settings).scan()}
    tables: dict[str, IndicatorTable] = {}

    def table(plan_id: str) -> IndicatorTable:
        if plan_id not in tables:
            tables[plan_id] = load_plan(plans[plan_id]).table  # KeyError for an unknown id
        return tables[plan_id]

    setting = settings.plans.default
    marked = [p.id for p in plans.values() if p.default]
    default = setting if setting not in ("auto", "") else (marked[0] if marked and setting == "auto" else None)
    if default is None and setting == "auto" and len(plans) == 1:
        default = next(iter(plans))
    return Monitor(store, table, default, titles=lambda plan_id: plans[plan_id].title, **band)


def make_redis(settings: Settings) -> Any:
    """The replicas' shared Redis client (None without ``redis.url``); connects lazily, on first use."""
    from bot.redis_state import redis_from_settings

    return redis_from_settings(settings)


def publish_plan_change(settings: Settings, generation: int) -> None:
    """Tell running replicas that the plans changed (a CLI ingest or removal); no-op without redis.url."""
    client = make_redis(settings)
    if client is not None:
        PlanNotices(client, refresh=lambda: None, prefix=settings.redis.prefix).publish(generation)
        client.close()


def make_session_store(settings: Settings, redis_client: Any = None) -> SessionStore:
    """The session store named by ``session.backend``.

    Raises:
        ValueError: ``redis`` is chosen without ``redis.url``.
    """
    if settings.session.backend == "redis":
        if not settings.redis.url:
            raise ValueError(
                "session.backend=redis needs POLICYBOT_REDIS_URL (e.g. redis://127.0.0.1:6379/0). Available "
                "backends without it: memory, sqlite"
            )
        from bot.redis_state import RedisSessionStore

        client = redis_client if redis_client is not None else make_redis(settings)
        return RedisSessionStore(
            client, settings.session.ttl_seconds, settings.session.max_sessions, prefix=settings.redis.prefix
        )
    if settings.session.backend == "sqlite":
        return SqliteSessionStore(
            settings.data_dir / "sessions.db", settings.session.ttl_seconds, settings.session.max_sessions
        )
    return InMemorySessionStore(settings.session.ttl_seconds, settings.session.max_sessions)


def build_components(settings: Settings, watch: bool = False) -> Components:
    """Load every plan, open the indexes, warm every model; seconds are logged.

    ``watch`` starts the library's poll for ingested or removed plans (servers do; one-shot CLI calls not).
    """
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = make_embedder(settings)
    library = build_library(settings, embedder)
    redis_client = make_redis(settings)
    sessions = make_session_store(settings, redis_client)
    monitor = make_monitor(settings, library)
    deterministic = DeterministicChatService(
        library=library, sessions=sessions, top_k=settings.retrieval.top_k, monitor=monitor
    )
    chat: ChatService = deterministic
    if settings.llm.mode != "none":
        from bot.llm.factory import build_llm_service

        chat = build_llm_service(settings, deterministic=deterministic, library=library)
    notices = None
    if watch:
        library.watch(settings.plans.watch_seconds)
        if redis_client is not None:
            notices = PlanNotices(redis_client, library.refresh, prefix=settings.redis.prefix)
            notices.start()
    seconds = time.perf_counter() - started
    log.info("components ready in %.2f s", seconds)
    return Components(
        settings=settings,
        registry=library.registry,
        library=library,
        embedder=embedder,
        sessions=sessions,
        chat=chat,
        deterministic=deterministic,
        startup_seconds=seconds,
        monitor=monitor,
        redis=redis_client,
        notices=notices,
    )
