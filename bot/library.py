"""The plans a running service answers from: one `PlanContext` per plan, kept in step with the disk.

A context holds everything the chat needs about one plan: its metadata, indicator table, task
catalogue, search index (filtered to that plan by construction), passage reader and task matcher.
`PlanLibrary` builds the contexts at start-up and, when `PlanRegistry.generation()` changes (an
ingest or removal by any process), rebuilds only the plans that changed and swaps one dictionary
reference, so a request sees the old library or the new one, never a mix.

>>> library = PlanLibrary(registry, build_context)  # doctest: +SKIP
>>> library.warm_up(); library.ids()  # doctest: +SKIP
['wenzhou-digital-economy-14fyp']
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.answer_text import ChunkFinder, section_index
from bot.match import MatchResult, TaskMatcher, indicator_target_labels
from bot.passages import PassageReader
from bot.schemas import TaskOut
from corpus.catalogue.loader import TaskCatalogue
from corpus.plans.loading import PlanData
from corpus.plans.model import PlanInfo
from corpus.plans.registry import PlanRegistry
from corpus.types import Chunk, Hit
from indicators.catalog import IndicatorTable

log = logging.getLogger("policybot.library")

_TASK_SUFFIX = ("工程", "行动", "计划", "专项")


def task_aliases(catalogue: TaskCatalogue, curated: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Short names users give main tasks: curated ones (data) plus the name without 工程/行动.

    >>> from corpus.catalogue.loader import MainTask, TaskCitation, TaskCatalogue
    >>> t = MainTask(ordinal=1, name="农业数字化转型工程", subtasks=(), citation=TaskCitation("", "", ""),
    ...              declared_subtasks=0)
    >>> task_aliases(TaskCatalogue(tasks=(t,), safeguards=(), source="", declared_tasks=1, declared_subtasks=0))
    {'农业数字化转型工程': ['农业数字化转型']}
    """
    out: dict[str, list[str]] = {}
    for task in catalogue.tasks:
        names = list((curated or {}).get(task.name, []))
        for suffix in _TASK_SUFFIX:
            if task.name.endswith(suffix) and len(task.name) - len(suffix) >= 4:
                names.append(task.name[: -len(suffix)])
        out[task.name] = list(dict.fromkeys(names))
    return out


@dataclass
class PlanContext:
    """One plan, ready to answer from."""

    info: PlanInfo
    data: PlanData
    index: Any  # corpus.index.CorpusIndex (or any Retriever with .chunks)
    reader: PassageReader
    matcher: TaskMatcher | None
    task_alias_map: dict[str, list[str]] = field(default_factory=dict)
    _finder: ChunkFinder | None = None
    _sections: dict[str, Chunk] | None = None
    _prose: str | None = None
    _named: list[str] | None = None

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def table(self) -> IndicatorTable:
        return self.data.table

    @property
    def catalogue(self) -> TaskCatalogue:
        return self.data.catalogue

    @property
    def chunks(self) -> list[Chunk]:
        return list(self.index.chunks)

    @property
    def finder(self) -> ChunkFinder:
        if self._finder is None:
            self._finder = ChunkFinder(self.chunks)
        return self._finder

    @property
    def sections(self) -> dict[str, Chunk]:
        if self._sections is None:
            self._sections = section_index(self.chunks)
        return self._sections

    @property
    def prose(self) -> str:
        """The plan's text with indicator labels blanked out: what it says beyond the table's row names."""
        if self._prose is None:
            labels = sorted({i.label for i in self.table.indicators}, key=len, reverse=True)
            # Headings live in the chunks' section paths as well as in their text.
            sections = dict.fromkeys(c.section for c in self.chunks)
            text = "\n".join([*(c.text for c in self.chunks), *sections])
            for label in labels:
                text = text.replace(label, "\x00")
            self._prose = text
        return self._prose

    def task_outs(self, result: MatchResult) -> list[TaskOut]:
        """Matched sub-tasks in the reply contract's form, each naming this plan."""
        outs = result.task_outs(indicator_target_labels(self.table.indicators))
        return [o.model_copy(update={"plan": self.id, "plan_title": self.info.title}) for o in outs]

    def search(self, query: str, k: int) -> list[Hit]:
        return list(self.index.search(query, k=k))

    def named_terms(self) -> list[str]:
        """Words of the plan's text that contain a name of the plan (某市大学, 某市大数据局): a plan
        mention is never cut out of them."""
        if self._named is None:
            import jieba

            names = [m for m in self.info.mentions if len(m) >= 2]
            title = re.sub(r"[“”\"'‘’《》]", "", self.info.title)
            words = {w for w in jieba.cut("\n".join(c.text for c in self.chunks)) if len(w) >= 3}
            # A word that is part of the plan's own title (浙江省制造业) still names the plan.
            self._named = sorted(w for w in words if any(n in w and n != w for n in names) and w not in title)
        return self._named

    def vocabulary(self) -> list[str]:
        """Plan terms for jieba and the coverage check: indicator names/aliases, task and sub-task names."""
        return plan_vocabulary(self.table, self.catalogue)


def plan_vocabulary(table: IndicatorTable, catalogue: TaskCatalogue) -> list[str]:
    terms = [t for ind in table.indicators for t in (ind.name, *ind.aliases)]
    terms += [t.name for t in catalogue.tasks] + [s.name for s in catalogue.subtasks]
    terms += [s.name for s in catalogue.safeguards]
    return list(dict.fromkeys(t for t in terms if t))


ContextBuilder = Callable[[PlanInfo], PlanContext]


class PlanLibrary:
    """All plan contexts, the default plan, and the reload-on-change loop (see the module docstring).

    Args:
        registry: where plans are found.
        build: plan → context (loads, indexes, warms up); called once per new or changed plan.
        default: a plan id, ``"auto"`` (the plan whose metadata says ``default: true``, else the only
            shipped plan) or ``""`` for no default plan.
        on_removed: called with the context of a plan that left the registry (deletes its index data).
    """

    def __init__(self, registry: PlanRegistry, build: ContextBuilder, default: str = "auto",
                 on_removed: Callable[[PlanContext], None] | None = None) -> None:
        self.registry = registry
        self._on_removed = on_removed
        self._build = build
        self._default_setting = default
        self._contexts: dict[str, PlanContext] = {}
        self._generation = -1
        # The generation number plus the plan folders: a plan committed by an ingest that was killed
        # before it could bump the number is still noticed.
        self._fingerprint: tuple[int, tuple[str, ...]] = (-1, ())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listeners: list[Callable[[PlanLibrary], None]] = []

    # -- reading --------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        return list(self._contexts)

    def contexts(self) -> list[PlanContext]:
        return list(self._contexts.values())

    def get(self, plan_id: str) -> PlanContext:
        """Raises KeyError with a bilingual message for an unknown id."""
        try:
            return self._contexts[plan_id]
        except KeyError:
            raise KeyError(f"没有编号为 {plan_id} 的规划 / no plan with id {plan_id!r}") from None

    def __contains__(self, plan_id: object) -> bool:
        return plan_id in self._contexts

    def __len__(self) -> int:
        return len(self._contexts)

    @property
    def default_id(self) -> str | None:
        """The deployment's default plan (None: no default, every question is scoped by itself)."""
        setting = self._default_setting
        if setting == "":
            return None
        if setting != "auto":
            return setting if setting in self._contexts else None
        marked = [c.id for c in self._contexts.values() if c.info.default]
        if marked:
            return marked[0]
        shipped = [c.id for c in self._contexts.values() if c.info.shipped]
        return shipped[0] if len(shipped) == 1 else (self.ids()[0] if len(self._contexts) == 1 else None)

    @property
    def generation(self) -> int:
        return self._generation

    # -- loading --------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Build every plan's context (the first start builds indexes; later starts reuse them)."""
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> bool:
        """Reload when the registry's generation changed; returns True when the plan set changed."""
        generation = self.registry.generation()
        fingerprint = (generation, self.registry.folders())
        if not force and fingerprint == self._fingerprint:
            return False
        with self._lock:
            if not force and fingerprint == self._fingerprint:
                return False
            infos = self.registry.scan()
            current = self._contexts
            contexts: dict[str, PlanContext] = {}
            for info in infos:
                old = current.get(info.id)
                if old is not None and old.info.content_hash == info.content_hash:
                    contexts[info.id] = old
                    continue
                try:
                    contexts[info.id] = self._build(info)
                except Exception as exc:  # one broken plan must not take the others down
                    log.error("plan %s not loaded: %s", info.id, exc)
            removed = set(current) - set(contexts)
            gone = set(current) - {info.id for info in infos}  # not a plan whose rebuild failed
            changed = removed or set(contexts) != set(current) or any(
                contexts[i] is not current.get(i) for i in contexts
            )
            self._contexts = contexts
            self._generation = generation
            self._fingerprint = fingerprint
        for plan_id in sorted(gone):
            if self._on_removed is not None:
                try:
                    self._on_removed(current[plan_id])
                except Exception as exc:  # the plan is gone either way; its files can be deleted later
                    log.error("plan %s removed, its index data not deleted: %s", plan_id, exc)
        if changed:
            log.info("plan library: %s (generation %s)", ", ".join(self.ids()) or "no plans", generation)
            for listener in list(self.listeners):
                listener(self)
        return bool(changed)

    def watch(self, every_seconds: float = 2.0) -> None:
        """Poll the registry in a daemon thread until `close` (every worker of a server does this)."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(every_seconds):
                try:
                    self.refresh()
                except Exception as exc:  # keep watching; the next poll retries
                    log.error("plan library refresh failed: %s", exc)

        self._thread = threading.Thread(target=loop, name="plan-library-watch", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def describe(contexts: Sequence[PlanContext]) -> str:
    """《A》、《B》 for help and refusal texts."""
    return "、".join(c.info.display for c in contexts)


def wait_for(predicate: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass (used by CLI and tests)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
