"""Read an uploaded CSV or XLSX into rows of cells, and find the header row and the file's shape.

>>> rows = read_rows("标题\\n指标,单位,2021,2022\\n5G基站数,个,12000,16000\\n".encode(), "a.csv")
>>> find_layout(rows).shape, find_layout(rows).header_row
('wide', 1)

Two shapes: **wide** (one row per indicator, one column per year, optional title rows above the
header, a 单位 column and a 数据来源 column) and **long** (columns plan, indicator, year, value and
optionally unit, source, note; Chinese headers 规划/指标/年份/数值 work too).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Literal

Cell = str | float | int | None
Shape = Literal["wide", "long"]

_YEAR = re.compile(r"^(20[0-9]{2})(年|年度|年实际|年完成|年实际值|年完成值)?$")
_ROLES: dict[str, tuple[str, ...]] = {
    # role → header words (after NFKC + lower case); first role that matches wins
    "plan": ("plan", "plan_id", "规划", "规划编号", "规划id"),
    "year": ("year", "年份", "年度", "年"),
    "value": ("value", "actual", "数值", "实际值", "完成值", "实绩", "值"),
    "unit": ("unit", "单位", "计量单位"),
    "source": ("source", "数据来源", "来源", "统计口径/来源"),
    "note": ("note", "备注", "说明"),
    "indicator": ("indicator", "指标", "指标名称", "名称", "项目", "指标项"),
    "seq": ("序号", "编号", "no", "no."),
}


class FileFormatError(ValueError):
    """The file cannot be read as CSV/XLSX or has no recognisable header."""


def _key(cell: Cell) -> str:
    return unicodedata.normalize("NFKC", str(cell if cell is not None else "")).strip().lower()


def year_of(cell: Cell) -> int | None:
    """The year a header cell names: 2021, "2021", "2021年", "2021年实际" → 2021.

    >>> year_of("2023年"), year_of(2024.0), year_of("单位")
    (2023, 2024, None)
    """
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    m = _YEAR.match(_key(cell).replace(" ", ""))
    return int(m.group(1)) if m else None


def read_rows(data: bytes, filename: str) -> list[list[Cell]]:
    """Cells of the first worksheet (XLSX) or of the CSV (UTF-8, UTF-8 with BOM or GB18030).

    Raises:
        FileFormatError: not an XLSX/CSV, or not decodable.
    """
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return _read_xlsx(data)
    if not name.endswith((".csv", ".txt")) and name:
        raise FileFormatError(f"只支持CSV或XLSX文件：{filename} / only CSV or XLSX files are supported: {filename}")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileFormatError("CSV文件编码无法识别（请用UTF-8或GBK） / CSV encoding not recognised (use UTF-8 or GBK)")
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(data: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(f"XLSX文件无法读取 / the XLSX file cannot be read: {exc}") from exc
    sheet = book.worksheets[0]
    rows: list[list[Cell]] = []
    for values in sheet.iter_rows(values_only=True):
        rows.append([v if isinstance(v, str | int | float) or v is None else str(v) for v in values])
    book.close()
    return rows


def role_of(cell: Cell) -> str | None:
    """The column a header cell names (indicator, unit, source, note, plan, year, value, seq) or None."""
    key = _key(cell).replace(" ", "")
    if not key:
        return None
    for role, words in _ROLES.items():
        if key in words:
            return role
    if "来源" in key:
        return "source"
    if "单位" in key:
        return "unit"
    if "指标" in key:
        return "indicator"
    return None


@dataclass(frozen=True)
class Layout:
    """Where the data is: the header row (0-based), the shape and which column holds what."""

    shape: Shape
    header_row: int
    columns: dict[str, int] = field(default_factory=dict)
    year_columns: dict[int, int] = field(default_factory=dict)  # column → year (wide shape)


def find_layout(rows: list[list[Cell]], scan: int = 30) -> Layout:
    """Detect the header row (within the first ``scan`` rows) and the shape.

    Raises:
        FileFormatError: no row looks like a wide header (a label column and year columns) or a long
            one (indicator, year and value columns).
    """
    for i, row in enumerate(rows[:scan]):
        roles = {c: role_of(cell) for c, cell in enumerate(row)}
        columns: dict[str, int] = {}
        for c, role in roles.items():
            if role is not None and role not in columns:
                columns[role] = c
        years = {c: y for c, cell in enumerate(row) if (y := year_of(cell)) is not None}
        if {"indicator", "year", "value"} <= columns.keys():
            return Layout("long", i, columns)
        if years:
            if "indicator" not in columns:
                free = [c for c, cell in enumerate(row) if c not in years and roles[c] is None and _key(cell)]
                others = [c for c in range(len(row)) if c not in years and roles[c] is None]
                if not (free or others):
                    continue
                columns["indicator"] = (free or others)[0]
            return Layout("wide", i, columns, years)
    raise FileFormatError(
        "未找到表头：宽表需要“指标”列和年份列（如2021、2022年），长表需要指标、年份、数值列 / no header row found: "
        "a wide table needs an indicator column and year columns, a long table indicator, year and value columns"
    )
