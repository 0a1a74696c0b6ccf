"""Loaders for table-first formats: spreadsheets (xlsx/xls), CSV and PDF with drawn tables.

>>> grid_to_text([["主要指标表", None], ["指标", "2025年"], ["5G基站数量（个）", 30000.0]])
'主要指标表\\n\\n\\t指标\\n\\t2025年\\n\\n\\t5G基站数量（个）\\n\\t30000\\n'

Every loader returns the same plain text as :mod:`corpus.loaders` (tables in the cell-per-line
layout), so the chunker and :mod:`indicators.tables` read all formats alike:

- a sheet is its name on its own line (unless it is a default "Sheet1"), then its blocks (rows
  separated by empty rows); in a block, one-cell rows above the first multi-cell row (a title)
  and below the last one (a note) stay text lines, the rows in between are a table; columns empty
  in the whole table are dropped;
- a PDF page is its text lines and its ruled tables (pdfplumber) in top-to-bottom order; the
  text inside a table's box is not repeated as lines; a ruled box with a single column (a framed
  专栏 passage) stays text lines. A file pdfplumber cannot read falls back to pypdf's plain text.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from corpus.loaders import LoaderError, read_text_file, table_to_text

_CJK_RE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# Names a spreadsheet program gives by itself ("Sheet1", "工作表1") say nothing; they are not written.
_DEFAULT_SHEET_RE = re.compile(r"^(?:sheet|工作表)\s*\d*$", re.IGNORECASE)


def cell_text(value: Any, percent: bool = False) -> str:
    """A spreadsheet value as the plan prints it: 30000.0 → "30000"; 0.95 in a % cell → "95%".

    >>> cell_text(30000.0), cell_text(44.14), cell_text(0.4594, percent=True), cell_text(None)
    ('30000', '44.14', '45.94%', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float):
        # repr gives the shortest text that reads back as the same float (44.14, not 44.1400000001).
        number = Decimal(repr(float(value)))
        if percent:
            number *= 100
        text = format(number.normalize(), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return text + ("%" if percent else "")
    return str(value).strip()


def _is_table_row(row: Sequence[str]) -> bool:
    return sum(1 for c in row if c) >= 2


def grid_to_text(grid: Sequence[Sequence[Any]]) -> str:
    """Render a sheet's cells: title/note rows as lines, the rows between as cell-per-line tables.

    Empty rows separate blocks; a block without any multi-cell row is plain text lines.
    """
    rows = [[cell_text(v) if not isinstance(v, str) else v.strip() for v in row] for row in grid]
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if any(row):
            blocks[-1].append(row)
        elif blocks[-1]:
            blocks.append([])
    parts: list[str] = []
    for block in (b for b in blocks if b):
        table_rows = [i for i, row in enumerate(block) if _is_table_row(row)]
        if not table_rows:
            parts.append("\n".join(" ".join(c for c in row if c) for row in block))
            continue
        first, last = table_rows[0], table_rows[-1]
        head = [" ".join(c for c in row if c) for row in block[:first]]
        table = block[first : last + 1]
        width = max(len(r) for r in table)
        table = [r + [""] * (width - len(r)) for r in table]
        keep = [j for j in range(width) if any(r[j] for r in table)]
        body = table_to_text([[r[j] for j in keep] for r in table]).rstrip("\n")
        tail = [" ".join(c for c in row if c) for row in block[last + 1 :]]
        parts.append("\n\n".join(p for p in ("\n".join(head), body, "\n".join(tail)) if p))
    return "\n\n".join(parts) + "\n"


def _sheet_text(name: str, body: str) -> str:
    """A sheet's name as its heading line, then its body (a default name is left out)."""
    return body if _DEFAULT_SHEET_RE.match(name.strip()) else f"{name.strip()}\n\n{body}"


def load_xlsx(path: Path) -> str:
    """Every sheet of an xlsx workbook: the sheet name as a line, then its blocks (openpyxl).

    A number formatted as a percentage is written as one ("95%"); merged cells keep their text in
    the top-left cell and are empty elsewhere, which the indicator parser reads as "same as above".
    """
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a core dependency
        raise LoaderError("读取 xlsx 需要 openpyxl / reading xlsx needs openpyxl") from exc
    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:
        raise LoaderError(f"无法读取 Excel 文件 / cannot read xlsx {path.name}: {exc}") from exc
    parts: list[str] = []
    for sheet in workbook.worksheets:
        grid = [
            [
                cell_text(c.value, percent="%" in str(c.number_format))
                if isinstance(c.value, int | float) and not isinstance(c.value, bool)
                else cell_text(c.value)
                for c in row
            ]
            for row in sheet.iter_rows()
        ]
        parts.append(_sheet_text(sheet.title, grid_to_text(grid)))
    return "\n".join(parts)


def load_xls(path: Path) -> str:
    """Every sheet of a legacy xls workbook (pandas + xlrd), rendered like :func:`load_xlsx`."""
    try:
        import pandas as pd

        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="xlrd")
    except ImportError as exc:
        raise LoaderError("读取 xls 需要 xlrd（pip install xlrd） / reading xls needs xlrd") from exc
    except Exception as exc:
        raise LoaderError(f"无法读取 Excel 文件 / cannot read xls {path.name}: {exc}") from exc
    return "\n".join(_sheet_text(str(name), grid_to_text(frame.values.tolist())) for name, frame in sheets.items())


def load_csv(path: Path) -> str:
    """A CSV file (UTF-8 with or without BOM, or GB18030) rendered like one sheet.

    The csv module rather than pandas: a title row has one field and the header six, and pandas
    refuses such ragged files.
    """
    text = read_text_file(path)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:2048], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return grid_to_text(list(csv.reader(io.StringIO(text), dialect)))


def _join_wrapped(cell: str | None) -> str:
    """A PDF table cell wrapped over lines, joined back: no space between two CJK characters."""
    if not cell:
        return ""
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    out = lines[0] if lines else ""
    for line in lines[1:]:
        glue = "" if _CJK_RE.match(out[-1:]) or _CJK_RE.match(line[:1]) else " "
        out += glue + line
    return out


def _inside(obj: dict[str, Any], boxes: Sequence[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _pdf_page(page: Any) -> str:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    text_page = page.filter(lambda obj: not _inside(obj, boxes)) if boxes else page
    items: list[tuple[float, str]] = [(line["top"], line["text"]) for line in text_page.extract_text_lines()]
    for table in tables:
        raw = [[c or "" for c in row] for row in table.extract()]
        if max((sum(1 for c in row if c.strip()) for row in raw), default=0) <= 1:
            # A ruled box with one column is a framed passage (a 专栏), not a table: keep its lines.
            lines = [line.strip() for row in raw for c in row for line in c.split("\n") if line.strip()]
            items.append((table.bbox[1], "\n".join(lines)))
            continue
        rows = [[_join_wrapped(c) for c in row] for row in raw]
        rows = [r for r in rows if any(r)]
        items.append((table.bbox[1], "\n" + table_to_text(rows)))
    items.sort(key=lambda item: item[0])
    return "\n".join(text for _, text in items)


_CLOSING = "，。、；：！？）」』”’》,.;:!?)"
_ENDS_SENTENCE = "。；！？：…”」』)）"
_LINE_START = re.compile(
    r"^\s*(?:专栏\s*\d+|附件|附表|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|"
    r"第[一二三四五六七八九十\d]+[章节条]|\d+[.、．])"
)


def reflow(text: str) -> str:
    """Join the lines a PDF wrapped at its right margin back into paragraphs.

    A line is continued by the next when it is about as long as the page's longest lines (it hit the
    margin) and does not end a sentence, or when the next line starts with closing punctuation; table
    cells (tab lines), blank lines and headings are never joined.

    >>> reflow("一是构建产业大脑总体架构，汇聚数据，形成数\\n据仓。二是建设\\n（二）培育")
    '一是构建产业大脑总体架构，汇聚数据，形成数据仓。二是建设\\n（二）培育'
    """
    lines = text.split("\n")
    plain = [len(line.strip()) for line in lines if line.strip() and not line.startswith("\t")]
    width = sorted(plain)[int(len(plain) * 0.9)] if plain else 0
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        joinable = prev.strip() and not prev.startswith("\t") and line.strip() and not line.startswith("\t")
        if joinable and not _LINE_START.match(line):
            # Short pages (a title, a framed box) have no margin to wrap at: at least 20 characters.
            wrapped = len(prev.strip()) >= max(0.85 * width, 20) and prev.rstrip()[-1] not in _ENDS_SENTENCE
            if wrapped or line.lstrip()[:1] in _CLOSING:
                out[-1] = prev.rstrip() + line.strip()
                continue
        out.append(line)
    return "\n".join(out)


def load_pdf(path: Path) -> str:
    """Text lines and ruled tables of every page in reading order (pdfplumber; pypdf as fallback),
    with lines wrapped at the margin joined back into paragraphs (:func:`reflow`)."""
    try:
        import pdfplumber

        with pdfplumber.open(str(path)) as pdf:
            text = "\n".join(_pdf_page(page) for page in pdf.pages)
        if text.strip():
            return reflow(text)
    except Exception:
        # pdfplumber missing, or a file it cannot parse: pypdf below may still give the plain text.
        pass
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception as exc:
        raise LoaderError(f"无法读取 PDF 文件 / cannot read pdf {path.name}: {exc}") from exc
