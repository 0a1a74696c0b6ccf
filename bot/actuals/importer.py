"""Import actual figures: match labels with the plan's resolver, check years and units, store atomically.

>>> from indicators.catalog import load_default_table
>>> rows = [["指标", "单位", "2023"], ["5G基站数", "万个", "2.1"], ["新能源汽车产量", "万辆", "3"]]
>>> report = parse_rows(rows, lambda plan: load_default_table(), plan="p")
>>> [(v.indicator, v.year, v.value) for v in report.accepted]
[('5G基站数量', 2023, 21000.0)]
>>> [(r.line, r.label, r.reason.split(" / ")[0]) for r in report.rejected]
[(3, '新能源汽车产量', '指标表中没有匹配“新能源汽车产量”的指标')]

Every row that is not imported is reported by line and label with its reason: ``rejected`` rows
(errors: unknown indicator, unit that cannot be converted, year outside the plan, bad number,
duplicate) block the import unless ``partial``; ``skipped`` rows (a heading or note line without
figures) are reported but do not block. The import itself is one transaction (:meth:`ActualsStore.add`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.actuals.files import Cell, Layout, find_layout, read_rows
from bot.actuals.store import ActualIn, ActualsStore
from bot.normalize import normalize
from bot.resolver import resolve
from indicators.catalog import IndicatorTable
from indicators.model import Indicator
from indicators.units import UnitError, convert, known_unit

TableFor = Callable[[str], IndicatorTable]
_PAREN_UNIT = re.compile(r"[（(]([^（）()]{1,8})[)）]\s*$")
_BLANK = {"", "-", "—", "–", "－", "/", "／", "无", "n/a", "na", "none", "…"}


@dataclass(frozen=True)
class RowIssue:
    """A row (or one year of a row) that was not imported, and why (bilingual)."""

    line: int
    label: str
    reason: str
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "label": self.label, "year": self.year, "reason": self.reason}


@dataclass(frozen=True)
class ParsedValue:
    """A figure ready to store: matched indicator, value in the indicator's unit, what the file said."""

    line: int
    label: str
    plan_id: str
    indicator: str
    year: int
    value: float
    unit: str
    given: str
    source: str = ""
    note: str = ""

    def record(self) -> ActualIn:
        return ActualIn(self.plan_id, self.indicator, self.year, self.value, self.unit, self.source, self.note)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line, "label": self.label, "plan": self.plan_id, "indicator": self.indicator,
            "year": self.year, "value": self.value, "unit": self.unit, "given": self.given,
            "source": self.source, "note": self.note,
        }  # fmt: skip


@dataclass
class ImportReport:
    """What an import found, and whether it was stored (``status``: imported / rejected / dry_run)."""

    shape: str
    filename: str = ""
    accepted: list[ParsedValue] = field(default_factory=list)
    rejected: list[RowIssue] = field(default_factory=list)
    skipped: list[RowIssue] = field(default_factory=list)
    status: str = "parsed"
    batch: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "shape": self.shape,
            "filename": self.filename,
            "batch": self.batch,
            "imported": len(self.accepted) if self.status == "imported" else 0,
            "rows": [v.to_dict() for v in self.accepted],
            "rejected": [r.to_dict() for r in self.rejected],
            "skipped": [r.to_dict() for r in self.skipped],
        }

    def render(self) -> str:
        """Plain-text summary for the CLI: counts, then every row not imported with its reason."""
        head = {
            "imported": f"已导入{len(self.accepted)}个数值（批次{self.batch}）",
            "dry_run": f"试运行：可导入{len(self.accepted)}个数值，未写入",
            "rejected": f"未导入：{len(self.rejected)}行有错误（整批不导入，可加 --partial 只导入无误的行）",
        }.get(self.status, self.status)
        lines = [f"{head}；文件格式：{'宽表' if self.shape == 'wide' else '长表'}"]
        for issue in self.rejected:
            year = f"{issue.year}年 " if issue.year else ""
            lines.append(f"  ✗ 第{issue.line}行 {issue.label} {year}{issue.reason}")
        for issue in self.skipped:
            lines.append(f"  - 第{issue.line}行 {issue.label} 跳过：{issue.reason}")
        return "\n".join(lines)


def _text(row: Sequence[Cell], col: int | None) -> str:
    if col is None or col >= len(row) or row[col] is None:
        return ""
    cell = row[col]
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip().lower() in _BLANK)


def parse_number(cell: Cell) -> tuple[float, str]:
    """A number and a unit written in the cell ("45.6%" → (45.6, "%")).

    >>> parse_number("21,000"), parse_number("45.6%"), parse_number(12.5)
    ((21000.0, ''), (45.6, '%'), (12.5, ''))

    Raises:
        ValueError: not a number.
    """
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell), ""
    text = normalize(str(cell)).replace(",", "").replace(" ", "")
    unit = ""
    if text.endswith(("%", "‰")):
        text, unit = text[:-1], text[-1]
    try:
        return float(text), unit
    except ValueError:
        raise ValueError(f"无法识别的数值“{cell}” / not a number: {cell!r}") from None


def match_indicator(label: str, table: IndicatorTable) -> Indicator:
    """The row a file label names: verbatim name/label/alias first, then the plan's resolver.

    >>> from indicators.catalog import load_default_table
    >>> match_indicator("5G基站数（个）", load_default_table()).name
    '5G基站数量'

    Raises:
        KeyError: no row (the message names near candidates).
    """
    bare = _PAREN_UNIT.sub("", label).strip()
    for key in (label, bare):
        found = table.find(key)
        if len(found) == 1:
            return found[0]
    resolution = resolve(bare or label, table)
    if resolution.indicator is not None:
        return resolution.indicator
    near = "、".join(resolution.candidates[:3])
    hint_zh = f"（相近：{near}）" if near else ""
    raise KeyError(f"指标表中没有匹配“{label}”的指标{hint_zh} / no indicator of the plan matches {label!r}")


class _Parser:
    def __init__(self, tables: TableFor, plan: str | None, default_plan: str | None, layout: Layout) -> None:
        self.tables = tables
        self.plan = plan
        self.default_plan = default_plan
        self.layout = layout
        self.report = ImportReport(layout.shape)
        self.seen: dict[tuple[str, str, int], int] = {}

    def plan_for(self, cell_plan: str) -> tuple[str, IndicatorTable]:
        if cell_plan and self.plan and cell_plan != self.plan:
            raise ValueError(f"行中规划“{cell_plan}”与所选规划“{self.plan}”不符 / row plan differs from {self.plan}")
        plan = cell_plan or self.plan or self.default_plan
        if not plan:
            raise ValueError("未指定规划（--plan 或 plan 列） / no plan given (--plan or a plan column)")
        try:
            return plan, self.tables(plan)
        except KeyError:
            raise ValueError(f"未知规划“{plan}” / unknown plan {plan!r}") from None

    def unit_given(self, row: Sequence[Cell], label: str, cell_unit: str) -> str:
        unit = _text(row, self.layout.columns.get("unit"))
        if not unit:
            m = _PAREN_UNIT.search(label)
            unit = m.group(1) if m and known_unit(m.group(1)) else ""
        return unit or cell_unit

    def match(
        self, line: int, label: str, cell_plan: str = "", year: int | None = None
    ) -> tuple[str, Indicator] | None:
        """The plan and indicator a row names, or None after reporting the row."""
        try:
            plan, table = self.plan_for(cell_plan)
            return plan, match_indicator(label, table)
        except (KeyError, ValueError) as exc:
            self.report.rejected.append(RowIssue(line, label, str(exc.args[0]), year))
            return None

    def add(
        self, line: int, label: str, row: Sequence[Cell], year: int, raw: Cell, matched: tuple[str, Indicator]
    ) -> None:
        plan, ind = matched
        try:
            number, cell_unit = parse_number(raw)
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"数值须为非负数，当前为{raw} / value must be >= 0, got {raw}")
            if not ind.base_year <= year <= ind.target_year:
                raise ValueError(
                    f"年份{year}不在规划期{ind.base_year}–{ind.target_year}内 / year {year} outside "
                    f"{ind.base_year}–{ind.target_year}"
                )
            unit = self.unit_given(row, label, cell_unit)
            converted = convert(number, unit, ind.unit)
        except (ValueError, UnitError) as exc:
            self.report.rejected.append(RowIssue(line, label, str(exc.args[0]), year))
            return
        key = (plan, ind.name, year)
        if key in self.seen:
            why = f"与第{self.seen[key]}行重复（{ind.name} {year}年） / duplicate of line {self.seen[key]}"
            self.report.rejected.append(RowIssue(line, label, why, year))
            return
        self.seen[key] = line
        note = _text(row, self.layout.columns.get("note"))
        if converted.formula:
            note = "；".join(n for n in (note, f"单位换算：{converted.formula}") if n)
        given = f"{raw}{unit if unit != cell_unit else ''}"
        source = _text(row, self.layout.columns.get("source"))
        self.report.accepted.append(
            ParsedValue(line, label, plan, ind.name, year, converted.value, ind.unit, given, source, note)
        )

    def wide(self, rows: list[list[Cell]]) -> None:
        label_col = self.layout.columns["indicator"]
        for i in range(self.layout.header_row + 1, len(rows)):
            row, line = rows[i], i + 1
            label = _text(row, label_col)
            present = [(y, row[c]) for c, y in self.layout.year_columns.items() if c < len(row) and not _blank(row[c])]
            if not label and not present:
                continue
            if not label:
                self.report.rejected.append(RowIssue(line, "", "缺少指标名称 / the indicator name is missing"))
            elif not present:
                self.report.skipped.append(RowIssue(line, label, "该行没有数值 / no figures in this row"))
            matched = self.match(line, label) if label and present else None
            for year, raw in present if matched else []:
                self.add(line, label, row, year, raw, matched)  # type: ignore[arg-type]

    def long(self, rows: list[list[Cell]]) -> None:
        cols = self.layout.columns
        for i in range(self.layout.header_row + 1, len(rows)):
            row, line = rows[i], i + 1
            label, year_text, raw = _text(row, cols["indicator"]), _text(row, cols["year"]), _cell(row, cols["value"])
            if not label and not year_text and _blank(raw):
                continue
            if not label or _blank(raw):
                what = (
                    "缺少指标名称 / the indicator name is missing" if not label else "缺少数值 / the value is missing"
                )
                self.report.rejected.append(RowIssue(line, label, what))
                continue
            year = _year(year_text)
            if year is None:
                why = f"无法识别的年份“{year_text}” / not a year: {year_text!r}"
                self.report.rejected.append(RowIssue(line, label, why))
                continue
            matched = self.match(line, label, _text(row, cols.get("plan")), year)
            if matched is not None:
                self.add(line, label, row, year, raw, matched)


def _cell(row: Sequence[Cell], col: int) -> Cell:
    return row[col] if col < len(row) else None


def _year(text: str) -> int | None:
    m = re.fullmatch(r"(\d{4})(?:\.0)?年?", text.strip())
    return int(m.group(1)) if m else None


def parse_rows(
    rows: list[list[Cell]],
    tables: TableFor,
    plan: str | None = None,
    default_plan: str | None = None,
    filename: str = "",
) -> ImportReport:
    """Parse cell rows of either shape into figures to store and rows not imported.

    Raises:
        FileFormatError: no header row.
    """
    layout = find_layout(rows)
    parser = _Parser(tables, plan, default_plan, layout)
    parser.wide(rows) if layout.shape == "wide" else parser.long(rows)
    parser.report.filename = filename
    return parser.report


def parse_file(
    data: bytes, filename: str, tables: TableFor, plan: str | None = None, default_plan: str | None = None
) -> ImportReport:
    """:func:`parse_rows` on a CSV/XLSX file's bytes."""
    return parse_rows(read_rows(data, filename), tables, plan, default_plan, filename)


LONG_FIELDS = ("plan", "indicator", "year", "value", "unit", "source", "note")


def parse_records(
    records: Sequence[Mapping[str, Any]], tables: TableFor, plan: str | None = None, default_plan: str | None = None
) -> ImportReport:
    """JSON rows (``{"indicator", "year", "value"[, "unit", "source", "note", "plan"]}``) as a long table."""
    rows: list[list[Cell]] = [list(LONG_FIELDS)]
    rows += [[r.get(f) for f in LONG_FIELDS] for r in records]
    return parse_rows(rows, tables, plan, default_plan, "")


def store_report(
    store: ActualsStore,
    report: ImportReport,
    partial: bool = False,
    dry_run: bool = False,
    before_commit: Callable[[], None] | None = None,
) -> ImportReport:
    """Store the accepted figures in one transaction, unless a row was rejected (and not ``partial``)."""
    if report.rejected and not partial:
        report.status = "rejected"
    elif dry_run:
        report.status = "dry_run"
    elif not report.accepted:
        report.status = "rejected"
        report.rejected.append(RowIssue(0, "", "文件中没有可导入的数值 / no figures to import"))
    else:
        batch = store.add([v.record() for v in report.accepted], report.filename, before_commit=before_commit)
        report.status, report.batch = "imported", batch.id
    return report
