"""A plan's documents → its typed content: indicator table and task catalogue, with problems reported.

>>> data = load_plan(info)  # doctest: +SKIP
>>> data.table.indicators[0].plan_id == info.id  # doctest: +SKIP
True

Everything here is per plan and keyed by the plan id: every indicator row and the catalogue carry it.
Enrichment that a team wrote for one plan (curated aliases, a hand-checked task catalogue) is named
in that plan's sidecar and used for that plan only.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from corpus.catalogue.enrichment import load_plan_catalogue
from corpus.catalogue.loader import CatalogueError, TaskCatalogue, load_catalogue
from corpus.loaders import Document, LoaderError, load_document
from corpus.plans.meta import region_mentions
from corpus.plans.model import PlanInfo
from indicators.catalog import IndicatorTable, apply_aliases, load_aliases, load_drop_words
from indicators.model import Indicator
from indicators.tables import TableParse, parse_indicator_tables
from indicators.vocabulary import apply_generated_aliases

log = logging.getLogger(__name__)


@dataclass
class PlanData:
    """A plan's documents and what was parsed from them."""

    info: PlanInfo
    documents: list[Document]
    table: IndicatorTable
    catalogue: TaskCatalogue
    problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The prose of the plan (every document's text, in file order)."""
        return "\n".join(d.text for d in self.documents)


def empty_catalogue(source: str, plan_id: str) -> TaskCatalogue:
    return TaskCatalogue(tasks=(), safeguards=(), source=source, declared_tasks=0, declared_subtasks=0,
                         plan_id=plan_id)


def parse_tables(documents: list[Document]) -> TableParse:
    """Every indicator table of the plan's documents, parsed together.

    The documents are read as one text so that notes anywhere in the plan (the period, “标*为2019年
    数据”, the declared indicator count) apply to a table in any of its files (e.g. a workbook).
    """
    return parse_indicator_tables("\n\n".join(d.text for d in documents))


def _with_aliases(info: PlanInfo, rows: list[Indicator], problems: list[str]) -> list[Indicator]:
    """Aliases generated from each row's label (collisions dropped), then the plan's curated ones."""
    rows = [dataclasses.replace(r, plan_id=info.id) for r in apply_generated_aliases(rows)]
    curated = info.enrichment.get("aliases")
    if curated is not None:
        # Curated aliases may name two rows on purpose (劳动生产率): the resolver then asks which.
        try:
            rows = apply_aliases(rows, load_aliases(curated))
        except (OSError, ValueError) as exc:
            problems.append(f"别名文件无法使用 / alias file not used: {exc}")
    return rows


def drop_words(info: PlanInfo) -> tuple[str, ...]:
    """Words that name the plan's region, not a metric (the resolver's noise), plus the plan's own list."""
    words = list(region_mentions(info.region, info.level))  # type: ignore[arg-type]
    path = info.enrichment.get("drop_words")
    if path is not None and path.is_file():
        words += load_drop_words(path)
    return tuple(dict.fromkeys(words))


def _catalogue(info: PlanInfo, documents: list[Document], problems: list[str]) -> TaskCatalogue:
    text = "\n".join(d.text for d in documents)
    source = documents[0].source if documents else ""
    curated = info.enrichment.get("catalogue")
    if curated is not None:
        try:
            return dataclasses.replace(load_catalogue(curated, text), plan_id=info.id)
        except CatalogueError as exc:
            problems.append(f"任务目录未通过核对，改用文档结构 / curated catalogue rejected: {exc}")
    try:
        return load_plan_catalogue(text, source, plan_id=info.id)
    except CatalogueError as exc:
        problems.append(f"任务目录无法使用 / catalogue not used: {exc}")
        return empty_catalogue(source, info.id)


def load_plan(info: PlanInfo) -> PlanData:
    """Read a plan's files and parse its table and tasks. Unreadable files are problems, not crashes.

    Raises:
        LoaderError: none of the plan's files could be read.
    """
    documents: list[Document] = []
    problems: list[str] = []
    for path in info.paths:
        try:
            documents.append(load_document(path))
        except LoaderError as exc:
            problems.append(str(exc))
    if not documents:
        raise LoaderError(f"规划 {info.id} 没有可读文件 / no readable file: {'; '.join(problems)}")
    parsed = parse_tables(documents)
    problems += parsed.problems
    rows = _with_aliases(info, parsed.rows, problems)
    table = IndicatorTable(
        rows, parsed.declared_count, documents[0].source, parsed.unparsed, parsed.problems, drop_words(info)
    )
    catalogue = _catalogue(info, documents, problems)
    for p in problems:
        log.warning("plan %s: %s", info.id, p)
    return PlanData(info=info, documents=documents, table=table, catalogue=catalogue, problems=problems)
