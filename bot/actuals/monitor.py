"""Plan monitoring as one object: the actuals store, the plans' tables and the evaluation rules.

Front ends (HTTP, CLI, chat) call this; it holds no state besides the store.

>>> from indicators.catalog import load_default_table
>>> from bot.actuals.store import open_store
>>> monitor = Monitor(open_store("sqlite://"), lambda plan: load_default_table(), default_plan="p")
>>> monitor.import_records([{"indicator": "5G基站数", "year": 2025, "value": 3.05, "unit": "万个"}]).status
'imported'
>>> row = monitor.evaluation(None, 2025).rows[-3]
>>> row.indicator, row.actual, row.status
('5G基站数量', 30500.0, '完成')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.actuals.importer import ImportReport, parse_file, parse_records, store_report
from bot.actuals.store import Actual, ActualsStore
from indicators.catalog import IndicatorTable
from indicators.engine import DEFAULT_TOLERANCE_PCT
from indicators.evaluation import APPROX_BAND_PCT, ActualPoint, Evaluation, evaluate
from indicators.model import Indicator


class UnknownPlan(KeyError):
    """No plan of that id (or no plan given and no default)."""


class Monitor:
    """Import, list and evaluate actual figures of the plans ``tables`` knows."""

    def __init__(
        self,
        store: ActualsStore,
        tables: Callable[[str], IndicatorTable],
        default_plan: str | None = None,
        tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
        band_pct: float = APPROX_BAND_PCT,
        titles: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.titles = titles
        self.tables = tables
        self.default_plan = default_plan
        self.tolerance_pct = tolerance_pct
        self.band_pct = band_pct

    def plan(self, plan: str | None) -> tuple[str, IndicatorTable]:
        """The plan id (``plan`` or the default) and its table.

        Raises:
            UnknownPlan: unknown id, or none given and no default.
        """
        plan_id = plan or self.default_plan
        if not plan_id:
            raise UnknownPlan("未指定规划 / no plan given and no default plan")
        try:
            return plan_id, self.tables(plan_id)
        except KeyError:
            raise UnknownPlan(f"未知规划“{plan_id}” / unknown plan {plan_id!r}") from None

    def title(self, plan: str | None) -> str:
        """The plan's title for reports (its id when no title is known)."""
        plan_id, _ = self.plan(plan)
        return self.titles(plan_id) if self.titles else plan_id

    def indicator(self, plan: str | None, name: str) -> Indicator:
        """The row ``name`` (name or alias) of the plan; KeyError with a bilingual message otherwise."""
        return self.plan(plan)[1].get(name)

    def import_file(
        self, data: bytes, filename: str, plan: str | None = None, dry_run: bool = False, partial: bool = False,
        before_commit: Callable[[], None] | None = None,
    ) -> ImportReport:  # fmt: skip
        """Parse and store a CSV/XLSX file (see :mod:`bot.actuals.importer`)."""
        report = parse_file(data, filename, self.tables, plan, self.default_plan)
        return store_report(self.store, report, partial=partial, dry_run=dry_run, before_commit=before_commit)

    def import_records(
        self, records: Sequence[Mapping[str, Any]], plan: str | None = None, dry_run: bool = False,
        partial: bool = False,
    ) -> ImportReport:  # fmt: skip
        """Parse and store JSON rows."""
        report = parse_records(records, self.tables, plan, self.default_plan)
        return store_report(self.store, report, partial=partial, dry_run=dry_run)

    def latest(self, plan: str | None, indicator: str | None = None, year: int | None = None) -> list[Actual]:
        """Newest value per indicator and year (``indicator`` as name or alias)."""
        plan_id, table = self.plan(plan)
        name = table.get(indicator).name if indicator else None
        return self.store.latest(plan_id, name, year)

    def history(self, plan: str | None, indicator: str, year: int | None = None) -> list[Actual]:
        """All revisions of one indicator."""
        plan_id, table = self.plan(plan)
        return self.store.history(plan_id, table.get(indicator).name, year)

    def has_data(self, plan: str | None) -> bool:
        return bool(self.latest(plan))

    def latest_year(self, plan: str | None) -> int | None:
        """The newest year with any actual figure."""
        years = [a.year for a in self.latest(plan)]
        return max(years) if years else None

    def evaluation(self, plan: str | None, year: int) -> Evaluation:
        """Every indicator of the plan in ``year`` against its newest actual for that year.

        Raises:
            UnknownPlan: see :meth:`plan`.
            ValueError: ``year`` outside the plan period.
        """
        plan_id, table = self.plan(plan)
        points = {a.indicator: ActualPoint(a.year, a.value, a.source) for a in self.store.latest(plan_id, year=year)}
        return evaluate(plan_id, table.indicators, year, points, self.tolerance_pct, self.band_pct)
