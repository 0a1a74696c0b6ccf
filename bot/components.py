"""The one place where settings become components (backends chosen here, heavy loading in warm-up).

>>> components = build_components(Settings())  # doctest: +SKIP
>>> components.chat.answer("5G基站2025年目标是多少？").answer  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.match import MatchResult, TaskMatcher, indicator_target_labels
from bot.passages import PassageReader
from bot.schemas import ChatService, TaskOut
from bot.service import DeterministicChatService
from bot.sessions import InMemorySessionStore, SessionStore, SqliteSessionStore
from bot.settings import Settings
from corpus.catalogue.loader import TaskCatalogue, load_catalogue
from indicators.catalog import DEFAULT_DOCUMENT, IndicatorTable, load_default_table

if TYPE_CHECKING:
    from bot.actuals.monitor import Monitor

log = logging.getLogger("policybot.components")


@dataclass
class Components:
    """Everything a front end needs, built once at startup."""

    settings: Settings
    table: IndicatorTable
    catalogue: TaskCatalogue
    index: Any  # corpus.index.CorpusIndex
    matcher: TaskMatcher
    reader: PassageReader
    sessions: SessionStore
    chat: ChatService
    deterministic: DeterministicChatService
    startup_seconds: float = 0.0
    monitor: Monitor | None = None  # actual figures and evaluation (None: not configured)

    def task_outs(self, result: MatchResult) -> list[TaskOut]:
        return _task_outs(self.table, result)


def _task_outs(table: IndicatorTable, result: MatchResult) -> list[TaskOut]:
    return result.task_outs(indicator_target_labels(table.indicators))


def vocabulary(table: IndicatorTable, catalogue: TaskCatalogue) -> list[str]:
    """Plan terms for jieba and the coverage check: indicator names/aliases, task and sub-task names."""
    terms = [t for ind in table.indicators for t in (ind.name, *ind.aliases)]
    terms += [t.name for t in catalogue.tasks] + [s.name for s in catalogue.subtasks]
    terms += [s.name for s in catalogue.safeguards]
    return list(dict.fromkeys(t for t in terms if t))


def document_paths(settings: Settings) -> list[Path]:
    paths = [settings.corpus.documents_dir, *settings.corpus.extra_paths]
    return [p for p in paths if p.exists()]


def build_index(settings: Settings, extra_terms: list[str]) -> Any:
    """Open (or build, when the corpus changed) the hybrid index described by the settings."""
    from corpus.factory import build_index as build_corpus_index
    from corpus.factory import make_embedder, make_reranker, make_store

    embedder = make_embedder(
        settings.embedding.mode, settings.embedding.model_path, cache_size=settings.embedding.query_cache_size
    )
    store = make_store(
        settings.vectorstore.mode,
        path=settings.data_dir / "chroma",
        host=settings.vectorstore.host,
        port=settings.vectorstore.port,
        collection=settings.vectorstore.collection,
    )
    index = build_corpus_index(
        document_paths(settings),
        settings.data_dir,
        embedder,
        store,
        extra_terms=extra_terms,
        rrf_k=settings.retrieval.rrf_k,
        fusion=settings.retrieval.fusion,
        reranker=make_reranker(settings.retrieval.rerank_model_path),
    )
    index.warm_up()
    return index


def prepare_index(settings: Settings) -> None:
    """Build or verify the persistent index (used before starting several workers)."""
    table = load_default_table()
    catalogue = load_catalogue()
    build_index(settings, vocabulary(table, catalogue))


# The shipped plan's id is its document's slug (stand-in until the plan registry assigns ids).
SHIPPED_PLAN_ID = DEFAULT_DOCUMENT.name.split("-drafting-note")[0]
DEFAULT_PLAN: str | None = SHIPPED_PLAN_ID


def plan_tables(plan_id: str) -> IndicatorTable:
    """Plan id → that plan's indicator table (the plan registry replaces this).

    Raises:
        KeyError: unknown plan id.
    """
    if plan_id != SHIPPED_PLAN_ID:
        raise KeyError(plan_id)
    return load_default_table()


def plan_title(plan_id: str) -> str:
    """A plan's title (the plan registry replaces this): the 《…》 name in the shipped document's sidecar."""
    if plan_id != SHIPPED_PLAN_ID:
        return plan_id
    from corpus.loaders import read_sidecar

    title = str(read_sidecar(DEFAULT_DOCUMENT).get("title", ""))
    named = re.search(r"《(.+?)》", title)
    return named.group(1) if named else (title or plan_id)


def make_monitor(settings: Settings) -> Monitor:
    """The actuals store at ``settings.database_url`` with the plans' tables and evaluation settings."""
    from bot.actuals.monitor import Monitor
    from bot.actuals.store import open_store

    return Monitor(
        open_store(settings.database_url),
        plan_tables,
        DEFAULT_PLAN,
        tolerance_pct=settings.monitoring.tolerance_pct,
        band_pct=settings.monitoring.approx_band_pct,
        titles=plan_title,
    )


def make_session_store(settings: Settings) -> SessionStore:
    if settings.session.backend == "sqlite":
        return SqliteSessionStore(
            settings.data_dir / "sessions.db", settings.session.ttl_seconds, settings.session.max_sessions
        )
    return InMemorySessionStore(settings.session.ttl_seconds, settings.session.max_sessions)


def build_components(settings: Settings) -> Components:
    """Load the table and catalogue, open the index, warm every model; seconds are logged."""
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    table = load_default_table()
    catalogue = load_catalogue()
    terms = vocabulary(table, catalogue)
    index = build_index(settings, terms)
    reader = PassageReader()
    reader.warm_up(index.chunks, extra_vocabulary=terms)
    matcher = TaskMatcher(catalogue, embedder=index.embedder, cache_dir=settings.data_dir / "cache")
    matcher.warm_up()
    sessions = make_session_store(settings)
    monitor = make_monitor(settings)
    deterministic = DeterministicChatService(
        table=table,
        retriever=index,
        chunks=lambda: index.chunks,
        catalogue=catalogue,
        matcher=matcher,
        reader=reader,
        sessions=sessions,
        task_outs=lambda result: _task_outs(table, result),  # type: ignore[arg-type]
        top_k=settings.retrieval.top_k,
        monitor=monitor,
    )
    chat: ChatService = deterministic
    if settings.llm.mode != "none":
        from bot.llm.factory import build_llm_service

        chat = build_llm_service(settings, deterministic=deterministic, table=table, retriever=index)
    seconds = time.perf_counter() - started
    log.info("components ready in %.2f s", seconds)
    return Components(
        settings=settings,
        table=table,
        catalogue=catalogue,
        index=index,
        matcher=matcher,
        reader=reader,
        sessions=sessions,
        chat=chat,
        deterministic=deterministic,
        startup_seconds=seconds,
        monitor=monitor,
    )
