"""Every indicator table in any plan's text → typed rows, plus the rows that could not be read.

>>> text = ("“十四五”主要指标\\n\\t指标\\n\\t单位\\n\\t2020年\\n\\t2025年\\n\\n"
...         "\\t单位GDP能耗\\n\\t吨标准煤/万元\\n\\t0.5\\n\\t0.43以下\\n\\n\\t新指标\\n\\t个\\n\\t—\\n\\t10\\n")
>>> result = parse_indicator_tables(text)
>>> [(r.name, r.unit, r.target_qualifier) for r in result.rows]
[('单位GDP能耗', '吨标准煤/万元', 'at_most')]
>>> result.unparsed[0].label, result.unparsed[0].reason
('新指标', '缺少基期值 / no base value')

The text is what :mod:`corpus.loaders` produces for every format: each table cell on its own line
starting with a tab, rows separated by a blank line, a non-table line ending the table. A table is
an indicator table when one of its first rows is a header :func:`indicators.table_header.recognise_header`
accepts; other tables (projects, tasks) are skipped quietly.

Row rules:

- An empty category cell keeps the category of the row above (a merged cell in the original);
  so does an empty 属性 cell. A row whose only text is one cell outside the value columns (or a
  row merged across the whole width) is a section row: its text becomes the category below it.
- The unit comes from a 单位 column, else from the label's "（亿元）", else a "%" or a unit written
  in the value cells; a name ending in 率 without any unit is a percentage (``unit_inferred``).
- A row that cannot become an :class:`Indicator` (no base, words instead of a number, a range,
  a cell count that does not match the header …) is never dropped: it is an :class:`UnparsedRow`
  with the reason, and a line in ``problems``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from indicators.model import PERCENT_UNIT, PP_UNIT, Basis, Indicator
from indicators.table import TableParseError, declared_indicator_count, parse_basis, parse_override, split_label
from indicators.table_header import HeaderMap, bare_year, header_key, infer_years, recognise_header, star_year
from indicators.table_values import NO_VALUE, CellValue, normalise_cell, parse_cell

# A header is looked for in a table's first rows only: a title row or two may sit above it.
HEADER_SEARCH_ROWS = 3
# Lines allowed between an indicator table and a headerless table that continues it (page number,
# running title of a PDF page break).
CONTINUATION_GAP_LINES = 4
_VALUE_ROLES = ("unit", "base", "target", "growth", "attribute", "basis")
_NUMBERING_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十]+[）)]|\d+[、.])\s*")
_ATTRIBUTES = {"预期": "预期性", "预期性": "预期性", "约束": "约束性", "约束性": "约束性"}


@dataclass(frozen=True)
class TextTable:
    """One cell-per-line table of a text: its rows and the 1-based lines of its first and last cell."""

    rows: tuple[tuple[str, ...], ...]
    line: int
    end: int = 0


@dataclass(frozen=True)
class UnparsedRow:
    """A row of an indicator table that did not become an :class:`Indicator`, and why.

    >>> UnparsedRow("综合", "新指标", ("综合", "新指标", "—", "10"), "缺少基期值 / no base value").text
    '综合｜新指标｜—｜10'
    """

    category: str
    label: str
    cells: tuple[str, ...]
    reason: str
    line: int = 0

    @property
    def text(self) -> str:
        """The row as the plan prints it (non-empty cells joined by ｜), for quoting."""
        return "｜".join(c for c in self.cells if c.strip())


@dataclass
class TableParse:
    """Everything read from a plan's indicator tables.

    ``rows`` are the typed rows in text order; ``unparsed`` the rows that could not be typed;
    ``problems`` one Chinese/English sentence per unparsed row or ignored header column (empty when
    all is well); ``declared_count`` the number the prose declares ("31项主要发展指标") or None;
    ``tables`` how many indicator tables were found.
    """

    rows: list[Indicator]
    unparsed: list[UnparsedRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    declared_count: int | None = None
    tables: int = 0


def text_tables(text: str) -> list[TextTable]:
    """All cell-per-line tables of ``text`` (a line that is neither a cell nor blank ends a table).

    >>> [t.rows for t in text_tables("说明\\n\\t甲\\n\\t乙\\n\\n\\t1\\n\\t2\\n正文\\n\\tx\\n")]
    [(('甲', '乙'), ('1', '2')), (('x',),)]
    """
    tables: list[TextTable] = []
    rows: list[tuple[str, ...]] = []
    current: list[str] = []
    first_line = last_line = 0

    def close_row() -> None:
        if current:
            rows.append(tuple(current))
            current.clear()

    def close_table() -> None:
        close_row()
        if rows:
            tables.append(TextTable(tuple(rows), first_line, last_line))
            rows.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t"):
            if not rows and not current:
                first_line = number
            current.append(line[1:].strip())
            last_line = number
        elif not line.strip():
            close_row()
        else:
            close_table()
    close_table()
    return tables


def _section_title(text: str) -> str:
    return _NUMBERING_RE.sub("", text).strip()


def _is_empty(cell: str) -> bool:
    return normalise_cell(cell) in NO_VALUE


def _growth_basis(header: HeaderMap, cell: str, is_percent: bool) -> Basis | None:
    """A rule from a 年均增速/年均增量 column (None when the cell has no number or is a total 增量)."""
    try:
        value = parse_cell(cell)
    except TableParseError:
        return None
    if value.value is None:
        return None
    head = header_key(header.growth_header)
    text = f"{header.growth_header}：{cell.strip()}"
    if "增量" in head or "增加" in head:
        if "年均" not in head:
            return None  # a total increase over the period, kept as text only
        if is_percent:
            return Basis(kind="pp_increment", text=text, pp=value.value)
        return Basis(kind="increment", text=text, amount=value.value)
    if PP_UNIT in header.growth_header or PP_UNIT in cell:
        return Basis(kind="pp_increment", text=text, pp=value.value)
    return Basis(kind="growth_rate", text=text, rate_pct=value.value, rate_at_least=value.qualifier == "at_least")


def _unit(header: HeaderMap, row: tuple[str, ...], label_unit: str, inferred: bool,
          cells: tuple[CellValue, CellValue]) -> tuple[str, bool]:
    unit_cell = header.cell(row, "unit")
    unit = label_unit
    if unit_cell and not _is_empty(unit_cell):
        unit, inferred = unit_cell.strip("（）() "), False
        unit = PERCENT_UNIT if normalise_cell(unit) == PERCENT_UNIT else unit
    for cell in cells:
        if cell.percent:
            if unit not in ("", PERCENT_UNIT) and not inferred:
                raise TableParseError(
                    f"数值带%但单位为“{unit}” / the value {cell.text!r} has % but the unit is {unit!r}"
                )
            unit, inferred = PERCENT_UNIT, False
        elif cell.unit:
            if unit and not inferred and cell.unit != unit:
                raise TableParseError(
                    f"数值单位“{cell.unit}”与单位“{unit}”不符 / the value {cell.text!r} is in {cell.unit!r}, "
                    f"the row in {unit!r}"
                )
            unit, inferred = cell.unit, False
    return unit, inferred


@dataclass
class _RowContext:
    """What carries from row to row within one table."""

    header: HeaderMap
    base_year: int
    target_year: int
    star_year: int
    category: str = ""
    attribute: str = ""
    years_known: bool = True


def _indicator(ctx: _RowContext, row: tuple[str, ...]) -> Indicator:
    header = ctx.header
    label = header.cell(row, "label")
    if "base" not in header.columns:
        raise TableParseError("表中没有基期列 / the table has no base column")
    name, label_unit, inferred, glosses = split_label(label)
    base = parse_cell(header.cell(row, "base"))
    target = parse_cell(header.cell(row, "target"))
    if target.value is None:
        raise TableParseError("缺少目标值 / no target value")
    if base.value is None:
        raise TableParseError("缺少基期值 / no base value")
    unit, inferred = _unit(header, row, label_unit, inferred, (base, target))
    b_year = base.year or (ctx.star_year if base.star else ctx.base_year)
    t_year = target.year or (ctx.star_year if target.star else ctx.target_year)
    if b_year >= t_year:
        raise TableParseError(f"基期年份{b_year}须早于目标年份{t_year} / base year must precede target year")
    basis = header.cell(row, "basis")
    parsed = parse_basis(basis)
    growth = header.cell(row, "growth")
    if growth and not _is_empty(growth):
        hinted = _growth_basis(header, growth, unit == PERCENT_UNIT)
        basis = "；".join(t for t in (basis, f"{header.growth_header}：{growth}") if t)
        # The 测算依据's own rule wins; the growth column fills in where it states none.
        parsed = (
            replace(hinted, text=basis, document=parsed.document)
            if hinted and parsed.kind in ("reference", "other")
            else replace(parsed, text=basis)
        )
    return Indicator(
        category=ctx.category,
        name=name,
        label=label,
        unit=unit,
        unit_inferred=inferred,
        base_year=b_year,
        base_value=base.value,
        target_year=t_year,
        target_value=target.value,
        target_qualifier=target.qualifier,
        target_text=target.text,
        basis=basis,
        basis_parsed=parsed,
        override_base=parse_override(basis),
        aliases=glosses,
        attribute=ctx.attribute,
    )


def _read_row(ctx: _RowContext, row: tuple[str, ...]) -> Indicator | str | None:
    """An Indicator, or a section title (str), or None for a blank row; raises with the reason."""
    header = ctx.header
    filled = [(i, c) for i, c in enumerate(row) if c.strip()]
    if not filled:
        return None
    # A 序号 such as "一" next to a 领域 name does not make the row a data row; a lone text in the
    # 序号 column does count (a row merged across the width keeps its text in the first cell).
    numbered = [(i, c) for i, c in filled if i != header.columns.get("seq")]
    filled = numbered or filled
    distinct = {c for _, c in filled}
    value_columns = {header.columns[r] for r in _VALUE_ROLES if r in header.columns}
    label_only = [i for i, _ in filled] == [header.columns["label"]] and "category" in header.columns
    if len(distinct) == 1 and (
        len(row) < len(header.cells) or (not {i for i, _ in filled} & value_columns and not label_only)
    ):
        return _section_title(filled[0][1])
    if len(row) != len(header.cells):
        extra = row[len(header.cells) :]
        if len(row) < len(header.cells) or any(c.strip() for c in extra):
            raise TableParseError(
                f"单元格数{len(row)}与表头{len(header.cells)}列不符 / the row has {len(row)} cells, "
                f"the header {len(header.cells)}"
            )
    category = header.cell(row, "category")
    ctx.category = category or ctx.category
    attribute = header.cell(row, "attribute")
    if attribute:
        ctx.attribute = _ATTRIBUTES.get(normalise_cell(attribute), attribute)
    if not header.cell(row, "label"):
        raise TableParseError("缺少指标名称 / no indicator name")
    return _indicator(ctx, row)


def _header_of(table: TextTable) -> tuple[int, HeaderMap] | None:
    for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        header = recognise_header(row)
        if header is not None:
            return index, header
    return None


def _years_row(ctx: _RowContext, row: tuple[str, ...]) -> bool:
    """A second header row that only gives the years under 基期/目标 ("2020年", "2025年"): take them."""
    header = ctx.header
    filled = [c for c in row if c.strip()]
    base, target = bare_year(header.cell(row, "base")), bare_year(header.cell(row, "target"))
    if header.cell(row, "label") or not filled or target is None or len(filled) != 1 + (base is not None):
        return False
    ctx.target_year = target
    if base is not None:
        ctx.base_year, ctx.star_year = base, base - 1
    ctx.years_known = bool(ctx.base_year)
    return True


def _start(header: HeaderMap, text: str, out: TableParse) -> _RowContext:
    out.tables += 1
    out.problems.extend(
        f"表头列“{cell}”未识别，已忽略 / header column {cell!r} not recognised, ignored" for cell in header.ignored
    )
    base_year, target_year = infer_years(header, text)
    known = base_year is not None and target_year is not None
    return _RowContext(header, base_year or 0, target_year or 0, star_year(text, base_year or 0), years_known=known)


def _parse_rows(ctx: _RowContext, table: TextTable, first: int, out: TableParse) -> None:
    header = ctx.header
    for offset, row in enumerate(table.rows[first:], start=first):
        line = table.line + sum(len(r) + 1 for r in table.rows[:offset])
        if recognise_header(row) is not None:
            continue  # the header repeated at the top of a new page (PDF) is not a row
        try:
            if not ctx.years_known:
                raise TableParseError("无法确定基期与目标年份 / cannot tell the base and target years")
            result = _read_row(ctx, row)
        except TableParseError as exc:
            label = header.cell(row, "label")
            out.unparsed.append(UnparsedRow(ctx.category, label, row, str(exc), line))
            out.problems.append(f"第{line}行“{label or '｜'.join(row)}”未能解析：{exc}")
            continue
        if isinstance(result, str):
            ctx.category, ctx.attribute = result, ""
        elif result is not None:
            out.rows.append(result)


def parse_indicator_tables(text: str) -> TableParse:
    """Parse every indicator table of a plan's text (any layout the loaders produce).

    >>> parse_indicator_tables("正文，没有表格。").problems[0][:6]
    '未找到指标表'

    A table without a header of its own that starts right after an indicator table (within
    ``CONTINUATION_GAP_LINES`` lines, e.g. a page number) and has the same number of columns
    continues it: a PDF table split by a page break.
    """
    out = TableParse(rows=[], declared_count=declared_indicator_count(text))
    open_ctx: _RowContext | None = None
    open_end = 0
    for table in text_tables(text):
        found = _header_of(table)
        if found is None:
            width = max(len(r) for r in table.rows)
            if open_ctx and table.line - open_end <= CONTINUATION_GAP_LINES and width == len(open_ctx.header.cells):
                _parse_rows(open_ctx, table, 0, out)
                open_end = table.end
            else:
                open_ctx = None
            continue
        index, header = found
        ctx = _start(header, text, out)
        first = index + 1
        if first < len(table.rows) and _years_row(ctx, table.rows[first]):
            first += 1
        _parse_rows(ctx, table, first, out)
        open_ctx, open_end = ctx, table.end
    if out.tables == 0:
        out.problems.append(
            "未找到指标表（表头须含指标列与目标列） / no indicator table found "
            "(a header needs an indicator and a target column)"
        )
    return out
