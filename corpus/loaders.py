"""Load plan documents (txt, md, docx, pdf, html, xlsx, xls, csv) into plain-text `Document`s.

Every loader produces the same plain-text layout so one chunker serves all formats:

- one paragraph per line, headings on their own line (``一、…``, ``（一）…``, ``第一章 …``);
- tables in the *cell-per-line* layout of the shipped seed: each cell on its own line starting with a
  tab, rows separated by a blank line (a docx/html/md/pdf/spreadsheet table becomes exactly that);
- merged cells: a cell merged across columns appears once; a cell merged down rows (a 类别 spanning
  three rows) keeps its text in the first row and is an empty cell below, the seed's own way of
  saying "same as above".

Spreadsheets, CSV and PDF tables are read in :mod:`corpus.table_loaders`.

Metadata (title, issuer, date, source) comes from a sidecar ``<file>.meta.yaml`` next to the file when
present (e.g. ``plan.txt.meta.yaml``), else it is inferred from the first lines: the title line, an
issuing body line (…局/委/厅/政府/办公室…) and a date line like ``（2021年11月）``.

>>> doc = load_document(Path("plan.txt"))  # doctest: +SKIP
>>> doc.issuer, doc.date  # doctest: +SKIP
('某市经济和信息化局', '2021-11')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".xls", ".csv")
SIDECAR_SUFFIX = ".meta.yaml"
# libyaml's safe loader when installed: a plan scan reads every sidecar.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Conversion leftovers of Word → text tools, e.g. "[bookmark: _GoBack]"; they carry no content.
_ARTIFACT_RE = re.compile(r"\[bookmark:[^\]]*\]\s*")
_ISSUER_RE = re.compile(r"(局|委员会|委|厅|政府|办公室|办公厅|部|院|中心|公司|集团|协会|研究会)$")
_DATE_RE = re.compile(r"^[（(]?\s*(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*日)?\s*[）)]?$")
_HEADING_START_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百\d]+[章节])"
)


class LoaderError(ValueError):
    """A document cannot be read (unsupported type, unreadable or empty file)."""


@dataclass(frozen=True)
class Document:
    """A plan document as plain text plus metadata.

    >>> Document(id="d1", text="一、背景", source="plan.txt", title="规划", issuer="", date="")
    Document(id='d1', ...)

    `id` is a content hash of the source name and text, so the same file always gets the same id.
    """

    id: str
    text: str
    source: str
    title: str
    issuer: str
    date: str
    path: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def sidecar_path(path: Path) -> Path:
    """The metadata sidecar of `path`: ``plan.txt`` → ``plan.txt.meta.yaml``."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def document_id(source: str, text: str) -> str:
    """Stable id of a document: sha256 of its source name and text, 16 hex digits."""
    return hashlib.sha256(f"{source}\x00{text}".encode()).hexdigest()[:16]


def clean_text(text: str) -> str:
    """Normalise line ends, drop conversion artefacts and trailing spaces; keep the layout.

    >>> clean_text("二、过程\\r\\n[bookmark: _GoBack]根据…  \\n")
    '二、过程\\n根据…\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").replace("\u3000", " ")
    text = _ARTIFACT_RE.sub("", text)
    # A lone tab is an empty table cell (cell-per-line layout), so tabs survive the trailing strip.
    lines = [line.rstrip(" ") if "\t" in line else line.rstrip() for line in text.split("\n")]
    lines = ["\t" if "\t" in line and not line.strip() else line for line in lines]
    # Leading spaces matter only for table cells (tab-indented); a lone leading space before a
    # heading such as " 附件" is noise.
    lines = [line if line.startswith("\t") else line.lstrip(" ") for line in lines]
    return "\n".join(lines).strip("\n") + "\n"


def table_to_text(rows: Iterable[Iterable[str]]) -> str:
    """Render table rows in the cell-per-line layout the chunker reads.

    >>> table_to_text([["类别", "指标"], ["综合", "增加值"]])
    '\\t类别\\n\\t指标\\n\\n\\t综合\\n\\t增加值\\n'
    """
    blocks = []
    for row in rows:
        cells = [" ".join(str(c).split()) for c in row]
        blocks.append("\n".join("\t" + c for c in cells))
    return "\n\n".join(blocks) + "\n"


def infer_metadata(text: str, fallback_title: str) -> dict[str, str]:
    """Guess title, issuer and date from the first lines of a document.

    >>> infer_metadata("关于规划的说明\\n某市经济和信息化局\\n（2021年11月）\\n\\n一、背景\\n", "x")
    {'title': '关于规划的说明', 'issuer': '某市经济和信息化局', 'date': '2021-11'}
    """
    head = [line.strip() for line in text.split("\n")[:8] if line.strip()]
    title, issuer, date = "", "", ""
    for line in head[:5]:
        if _HEADING_START_RE.match(line) or line.startswith("\t"):
            break
        m = _DATE_RE.match(line)
        if m and not date:
            year, month, day = m.groups()
            date = year + (f"-{int(month):02d}" if month else "") + (f"-{int(day):02d}" if day else "")
        elif not title and len(line) <= 80:
            title = line
        elif title and not issuer and len(line) <= 40 and _ISSUER_RE.search(line):
            issuer = line
    return {"title": title or fallback_title, "issuer": issuer, "date": date}


def read_text_file(path: Path) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM) or else GB18030.

    Raises:
        LoaderError: neither encoding decodes the file.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoaderError(f"无法识别文件编码 / cannot decode {path.name} as UTF-8 or GB18030")


def load_txt(path: Path) -> str:
    """Plain text as is (UTF-8, or GB18030 as found in many government files)."""
    return read_text_file(path)


_MD_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def load_markdown(path: Path) -> str:
    """Markdown with heading marks, emphasis and link syntax removed; pipe tables → cell layout."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            out.append(table_to_text(table).rstrip("\n"))
            table.clear()

    for line in read_text_file(path).replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 2:
            if not _MD_TABLE_SEP_RE.match(stripped):
                # Bold/code marks go; a single * stays (it marks older base-year data in plan tables).
                table.append([re.sub(r"\*\*|__|`", "", c).strip() for c in stripped.strip("|").split("|")])
            continue
        flush()
        stripped = re.sub(r"^#{1,6}\s+", "", stripped)
        stripped = re.sub(r"^[-*+]\s+", "", stripped)
        stripped = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", stripped)
        stripped = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", stripped)
        stripped = re.sub(r"(\*\*|__|\*|`)", "", stripped)
        out.append(stripped)
    flush()
    return "\n".join(out)


def _docx_rows(table: Any) -> list[list[str]]:
    """Rows of a Word table: a horizontal merge once, a vertical merge as an empty cell below its top."""
    rows: list[list[str]] = []
    above: list[Any] = []
    for row in table.rows:
        # python-docx expands merged cells: the same <w:tc> appears in every grid column it spans
        # and, for a vertical merge, in every row below its top.
        tcs = [cell._tc for cell in row.cells]
        cells: list[str] = []
        for j, cell in enumerate(row.cells):
            if j > 0 and tcs[j] is tcs[j - 1]:
                continue
            cells.append("" if j < len(above) and tcs[j] is above[j] else cell.text)
        rows.append(cells)
        above = tcs
    return rows


def load_docx(path: Path) -> str:
    """Word paragraphs and tables in document order (python-docx)."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a core dependency
        raise LoaderError("读取 docx 需要 python-docx / reading docx needs python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise LoaderError(f"无法读取 Word 文件 / cannot read docx {path.name}: {exc}") from exc
    out: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(Paragraph(block, document).text)
        elif tag == "tbl":
            rows = _docx_rows(Table(block, document))
            out.append("")
            out.append(table_to_text(rows).rstrip("\n"))
            out.append("")
    return "\n".join(out)


def load_pdf(path: Path) -> str:
    """Text lines and ruled tables of every page (see :func:`corpus.table_loaders.load_pdf`)."""
    from corpus.table_loaders import load_pdf as load

    return load(path)


def load_spreadsheet(path: Path) -> str:
    """Every sheet of an xlsx/xls workbook, or a CSV file (see :mod:`corpus.table_loaders`)."""
    from corpus import table_loaders

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return table_loaders.load_csv(path)
    return table_loaders.load_xls(path) if suffix == ".xls" else table_loaders.load_xlsx(path)


def _span(cell: Any, name: str) -> int:
    try:
        return max(1, int(cell.get(name, 1)))
    except (TypeError, ValueError):
        return 1


def _html_rows(table: Any) -> list[list[str]]:
    """Rows of an HTML table: colspan once, rowspan as an empty cell in the rows below (like docx)."""
    rows: list[list[str]] = []
    spans: dict[int, tuple[int, int]] = {}  # grid column → (rows still covered, its colspan)
    for tr in table.find_all("tr"):
        cells = tr.find_all(["td", "th"], recursive=False)
        out: list[str] = []
        below: dict[int, tuple[int, int]] = {}
        col = i = 0
        while i < len(cells) or any(c >= col for c in spans):
            if col in spans:
                left, width = spans[col]
                out.append("")
                if left > 1:
                    below[col] = (left - 1, width)
                col += width
            elif i < len(cells):
                cell, width = cells[i], _span(cells[i], "colspan")
                out.append(cell.get_text(" ", strip=True))
                if _span(cell, "rowspan") > 1:
                    below[col] = (_span(cell, "rowspan") - 1, width)
                col, i = col + width, i + 1
            else:
                col += 1
        spans = below
        rows.append(out)
    return rows


def load_html(path: Path) -> str:
    """Visible text of an HTML page: headings/paragraphs one per line, tables in cell layout."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text_file(path), "lxml")
    for tag in soup(["script", "style", "noscript", "head", "nav", "footer"]):
        tag.decompose()
    out: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "table", "pre", "blockquote"]):
        if element.find_parent("table") is not None:
            continue
        if element.name == "table":
            rows = _html_rows(element)
            out.extend(["", table_to_text([r for r in rows if r]).rstrip("\n"), ""])
        elif element.find_parent(["p", "li"]) is None:
            out.append(element.get_text("", strip=True))
    if not any(line.strip() for line in out):
        body = soup.body or soup
        out = [line.strip() for line in body.get_text("\n").split("\n")]
    return "\n".join(out)


LOADERS: dict[str, Callable[[Path], str]] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".docx": load_docx,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".xlsx": load_spreadsheet,
    ".xls": load_spreadsheet,
    ".csv": load_spreadsheet,
}


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata from ``<file>.meta.yaml``; {} when absent. Raises LoaderError on invalid YAML."""
    meta_path = sidecar_path(path)
    if not meta_path.is_file():
        return {}
    try:
        data = yaml.load(meta_path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise LoaderError(f"元数据文件格式错误 / invalid YAML in {meta_path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise LoaderError(f"元数据文件应为映射 / {meta_path.name} must be a YAML mapping")
    return {str(k): v for k, v in data.items()}


def load_document(path: Path) -> Document:
    """Read one document of a supported type into a `Document`.

    >>> load_document(Path("plan.docx")).title  # doctest: +SKIP
    '某市数字经济发展“十四五”规划'

    Raises:
        LoaderError: unsupported suffix, unreadable file, or no text at all.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise LoaderError(
            f"不支持的文件类型 / unsupported document type '{suffix}' ({path.name}); "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not path.is_file():
        raise LoaderError(f"文件不存在 / no such file: {path}")
    text = clean_text(loader(path))
    if not text.strip():
        raise LoaderError(f"文件没有文字内容 / no text found in {path.name}")
    meta = read_sidecar(path)
    inferred = infer_metadata(text, fallback_title=path.stem)
    source = str(meta.get("source") or path.name)
    return Document(
        id=document_id(source, text),
        text=text,
        source=source,
        title=str(meta.get("title") or inferred["title"]),
        issuer=str(meta.get("issuer") or inferred["issuer"]),
        date=str(meta.get("date") or inferred["date"]),
        path=path,
        metadata={k: v for k, v in meta.items() if k not in {"title", "issuer", "date", "source"}},
    )


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into the sorted list of loadable document files (sidecars excluded).

    >>> discover([Path("corpus/documents")])  # doctest: +SKIP
    [PosixPath('corpus/documents/wenzhou-digital-economy-14fyp-drafting-note.txt')]
    """
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in path.rglob("*"):
                if child.is_file() and _is_document(child):
                    found.add(child)
        elif path.is_file() and _is_document(path):
            found.add(path)
    return sorted(found, key=lambda p: (p.name, str(p)))


def _is_document(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.endswith(SIDECAR_SUFFIX)
