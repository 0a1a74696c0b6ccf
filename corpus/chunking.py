"""Structure-aware chunking of Chinese official documents.

The chunker walks a `Document` line by line and keeps a heading stack, so every chunk knows its
heading path (``三、主要内容 > （四）主要任务``). It recognises

- headings ``第X章`` ``第X节`` ``一、`` ``（一）`` ``1.`` ``（1）`` and ``附件`` (which restarts the path);
  a heading followed by body text on the same line (``（四）主要任务。提出8大任务……``) is an *inline*
  heading whose scope is that line only — the next unmarked paragraph belongs to the parent again;
- tables in the cell-per-line layout (see `corpus.loaders`): every data row becomes its own
  ``table_row`` chunk that repeats the caption and the header (``类别：…｜指标：…｜2020年：…``), an empty
  first-column cell means "same as above", and a note such as ``备注：标*为2019年数据`` is appended to the
  rows it explains; the whole table is kept as a parent ``table`` chunk;
- inline enumerations ``一是……二是……`` inside a long paragraph: one ``list_item`` chunk per item (for the
  plan's task list: one chunk per 工程 with its sub-tasks, which are also parsed into metadata);
- other long paragraphs: short sentence windows.

Leaves (what retrieval matches on) carry ``metadata["leaf"] = True`` and a ``parent_id`` pointing at the
paragraph/section or table they came from, so a caller can expand a hit to its context.
Offsets: for every chunk except table rows/tables, ``document.text[chunk.start:chunk.end] == chunk.text``;
a table row's offsets span its cells in the document text (its text is the rendered row).

>>> chunks = chunk_document(load_document(Path("corpus/documents/plan.txt")))  # doctest: +SKIP
>>> [c.section for c in chunks if c.kind == "list_item"][0]  # doctest: +SKIP
'三、主要内容 > （三）总体要求'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpus.loaders import Document
from corpus.types import Chunk, ChunkKind

# Bump when chunk boundaries or texts change: it is part of the corpus hash, so indexes rebuild.
CHUNKER_VERSION = "structure-v4"
SECTION_SEP = " > "

_CN_NUM = "一二三四五六七八九十百零〇两"
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{_CN_NUM}\d]+[章篇部分]")),
    (2, re.compile(rf"^第[{_CN_NUM}\d]+节")),
    (3, re.compile(rf"^[{_CN_NUM}]+[、．.]")),
    (4, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (5, re.compile(r"^\d{1,2}(?:[.．、](?!\d)|\s)")),
    (6, re.compile(r"^[（(]\d{1,2}[）)]")),
)
_ANNEX_RE = re.compile(r"^附\s*件\s*[\d一二三四五六七八九十]*\s*[:：]?\s*(.*)$")
_ENUM_RE = re.compile(rf"(?:(?<=[。；;，,：:\s])|^)([{_CN_NUM}]+)是")
_SENT_END_RE = re.compile(r"[^。！？；!?;]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;]+$")
_CLAUSE_RE = re.compile(r"[^，,、]*[，,、]|[^，,、]+$")
_SUBTASKS_RE = re.compile(rf"包括(.+)等\s*([\d{_CN_NUM}]+)\s*项")
_NOTE_RE = re.compile(r"^(备注|注|说明)\s*[:：]")

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


@dataclass(frozen=True)
class ChunkerConfig:
    """Sizes in characters.

    leaf_max: a paragraph up to this long is one chunk; longer ones are split.
    window_max: sentence windows of a split paragraph stay under this (a longer sentence is split at
        commas).
    item_min: an enumeration item shorter than this (``二是发展原则；``) is merged into its neighbour.
    item_max: an enumeration item longer than this is further split into sentence windows.
    """

    leaf_max: int = 160
    window_max: int = 120
    item_min: int = 20
    item_max: int = 220


@dataclass
class _Heading:
    level: int
    title: str
    inline: bool = False


@dataclass
class _Builder:
    document: Document
    chunks: list[Chunk] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(
        self,
        text: str,
        section: str,
        start: int,
        end: int,
        kind: ChunkKind,
        leaf: bool,
        parent_id: str | None = None,
        **extra: Any,
    ) -> Chunk:
        doc = self.document
        base = f"{doc.source}\x00{section}\x00{kind}\x00{text}"
        digest = hashlib.sha256(base.encode()).hexdigest()[:16]
        n = 1
        while digest in self.seen:  # identical text twice in one section: keep both, ids stay stable
            n += 1
            digest = hashlib.sha256(f"{base}\x00{n}".encode()).hexdigest()[:16]
        self.seen.add(digest)
        metadata: dict[str, Any] = {
            "title": doc.title,
            "issuer": doc.issuer,
            "date": doc.date,
            "leaf": leaf,
        }
        metadata.update(extra)
        chunk = Chunk(
            id=digest,
            text=text,
            source=doc.source,
            section=section,
            start=start,
            end=end,
            kind=kind,
            doc_id=doc.id,
            parent_id=parent_id,
            metadata=metadata,
        )
        self.chunks.append(chunk)
        return chunk


def chinese_to_int(text: str) -> int | None:
    """Small Chinese or Arabic numerals: ``"十二"`` → 12, ``"8"`` → 8; None when not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def heading_level(line: str) -> int | None:
    """Level of a heading marker at the start of `line` (0 = 附件, 1 = 章 … 6 = （1））, else None.

    >>> heading_level("（四）主要任务"), heading_level("一是数字经济"), heading_level("附件")
    (4, None, 0)
    """
    if _ANNEX_RE.match(line) and len(line) <= 40:
        return 0
    for level, pattern in _HEADING_PATTERNS:
        if pattern.match(line):
            return level
    return None


def split_heading(line: str) -> tuple[str, bool] | None:
    """Heading title of `line` and whether body text follows on the same line.

    >>> split_heading("三、主要内容"), split_heading("（一）前言。讲述数字经济的法定含义。")
    (('三、主要内容', False), ('（一）前言', True))
    """
    if heading_level(line) is None:
        return None
    body_break = re.search(r"[。：:]", line)
    if body_break is None or body_break.end() >= len(line.rstrip()):
        if len(line) <= 40:
            return line.rstrip("。：: "), False
        return None
    title = line[: body_break.start()]
    if len(title) <= 30:
        return title, True
    return None


def _units(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.group().strip()]


def sentence_windows(text: str, window_max: int) -> list[tuple[int, int]]:
    """Split `text` into (start, end) windows of whole sentences (clauses for over-long sentences).

    >>> sentence_windows("甲。乙乙。丙丙丙。", 4)
    [(0, 2), (2, 5), (5, 9)]
    """
    pieces: list[tuple[int, int]] = []
    for s, e in _units(text, _SENT_END_RE):
        if e - s <= window_max:
            pieces.append((s, e))
            continue
        for cs, ce in _units(text[s:e], _CLAUSE_RE):
            pieces.append((s + cs, s + ce))
    windows: list[tuple[int, int]] = []
    for s, e in pieces:
        if windows and e - windows[-1][0] <= window_max:
            windows[-1] = (windows[-1][0], e)
        else:
            windows.append((s, e))
    return windows


def enumeration_items(text: str, item_min: int) -> list[tuple[int, int]] | None:
    """(start, end) spans of an inline ``一是……二是……`` list in `text`, preamble first; None if absent.

    Items must count up from 一是; an item shorter than `item_min` joins the previous span.

    >>> enumeration_items("提出两项。一是甲甲甲。二是乙乙乙。", 1)
    [(0, 5), (5, 11), (11, 17)]
    """
    starts: list[int] = []
    expected = 1
    for m in _ENUM_RE.finditer(text):
        if chinese_to_int(m.group(1)) == expected:
            starts.append(m.start())
            expected += 1
    if len(starts) < 2:
        return None
    bounds = ([0] if starts[0] > 0 else []) + starts + [len(text)]
    spans = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and (e - s < item_min or merged[-1][1] - merged[-1][0] < item_min):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def parse_subtasks(item: str) -> list[str]:
    """Sub-task names of a task item ``……包括A、B、C等3项子任务`` (empty list if none).

    >>> parse_subtasks("六是数字基建工程。包括全面建设5G等新一代网络基础设施、深化部署融合基础设施等2项子任务。")
    ['全面建设5G等新一代网络基础设施', '深化部署融合基础设施']
    """
    m = _SUBTASKS_RE.search(item)
    if not m:
        return []
    return [name.strip() for name in m.group(1).split("、") if name.strip()]


def _item_title(item: str) -> str:
    m = re.match(rf"^[{_CN_NUM}]+是(.+?)[。；;：:，,]", item)
    return m.group(1) if m else ""


def _path(stack: Sequence[_Heading]) -> str:
    return SECTION_SEP.join(h.title for h in stack)


class StructureChunker:
    """Document → chunks for Chinese official documents (see the module docstring).

    >>> chunks = StructureChunker().chunk(doc)  # doctest: +SKIP
    """

    version = CHUNKER_VERSION

    def __init__(self, config: ChunkerConfig | None = None) -> None:
        self.config = config or ChunkerConfig()

    def chunk(self, document: Document) -> list[Chunk]:
        """All chunks of `document`, parents before their leaves, in document order."""
        b = _Builder(document)
        text = document.text
        lines: list[tuple[int, str]] = []
        pos = 0
        for raw in text.split("\n"):
            lines.append((pos, raw))
            pos += len(raw) + 1
        stack: list[_Heading] = []
        front: list[tuple[int, str]] = []
        seen_heading = False
        i = 0
        while i < len(lines):
            start, line = lines[i]
            stripped = line.strip()
            if not stripped:
                i += 1
                continue
            if line.startswith("\t"):
                i = self._table(b, lines, i, stack, caption=None)
                continue
            head = split_heading(stripped)
            if head is not None:
                seen_heading = True
                if front:
                    self._front_matter(b, front)
                    front = []
                level = heading_level(stripped)
                assert level is not None
                title, inline = head
                if level == 0:
                    stack.clear()
                    title = re.sub(r"\s+", " ", title)
                else:
                    while stack and (stack[-1].level >= level or stack[-1].inline):
                        stack.pop()
                stack.append(_Heading(level, title, inline))
                if inline:
                    self._paragraph(b, _path(stack), start + line.index(stripped), stripped)
                    stack.pop()
                i += 1
                continue
            if not seen_heading and len(front) < 6 and len(stripped) <= 80 and "。" not in stripped[:-1]:
                front.append((start + line.index(stripped), stripped))
                i += 1
                continue
            if front:
                self._front_matter(b, front)
                front = []
            nxt = i + 1
            while nxt < len(lines) and not lines[nxt][1].strip():
                nxt += 1
            if nxt < len(lines) and lines[nxt][1].startswith("\t") and len(stripped) <= 60:
                i = self._table(b, lines, nxt, stack, caption=stripped)
                continue
            self._paragraph(b, _path(stack), start + line.index(stripped), stripped)
            i += 1
        if front:
            self._front_matter(b, front)
        return b.chunks

    def _front_matter(self, b: _Builder, front: list[tuple[int, str]]) -> None:
        start, end = front[0][0], front[-1][0] + len(front[-1][1])
        b.add(b.document.text[start:end], b.document.title, start, end, "metadata", leaf=True)

    def _paragraph(self, b: _Builder, section: str, start: int, text: str) -> None:
        cfg = self.config
        if len(text) <= cfg.leaf_max:
            chunk = b.add(text, section, start, start + len(text), "paragraph", leaf=True, **_task_meta(text))
            self._subtasks(b, chunk)
            return
        parent = b.add(text, section, start, start + len(text), "section", leaf=False)
        items = enumeration_items(text, cfg.item_min)
        if items is None:
            for s, e in sentence_windows(text, cfg.window_max):
                b.add(text[s:e], section, start + s, start + e, "paragraph", leaf=True, parent_id=parent.id)
            return
        for s, e in items:
            item = text[s:e]
            meta = _task_meta(item)
            title = _item_title(item)
            if e - s <= cfg.item_max:
                chunk = b.add(item, section, start + s, start + e, "list_item", leaf=True, parent_id=parent.id,
                              **meta)
                self._subtasks(b, chunk)
                continue
            mid = b.add(item, section, start + s, start + e, "list_item", leaf=False, parent_id=parent.id, **meta)
            self._subtasks(b, mid)
            for ws, we in sentence_windows(item, cfg.window_max):
                # The item's title (e.g. 发展目标) names what a window is about; BM25/embedding see it.
                extra = {"context": title} if title and ws > 0 else {}
                b.add(item[ws:we], section, start + s + ws, start + s + we, "paragraph", leaf=True,
                      parent_id=mid.id, **extra)

    def _subtasks(self, b: _Builder, item: Chunk) -> None:
        """One small matching chunk per sub-task name; a hit on it is reported as the whole item."""
        names = item.metadata.get("subtasks") or []
        title = item.metadata.get("item_title") or ""
        cursor = 0
        for name in names:
            at = item.text.find(name, cursor)
            if at < 0:
                continue
            cursor = at + len(name)
            section = item.section + (SECTION_SEP + title if title else "")
            b.add(name, section, item.start + at, item.start + at + len(name), "list_item", leaf=True,
                  parent_id=item.id, collapse=True, context=title)

    def _table(self, b: _Builder, lines: list[tuple[int, str]], i: int, stack: list[_Heading],
               caption: str | None) -> int:
        rows: list[tuple[int, int, list[str]]] = []
        current: list[str] = []
        row_start = row_end = lines[i][0]
        while i < len(lines):
            start, line = lines[i]
            if line.startswith("\t"):
                if not current:
                    row_start = start
                current.append(line.strip())
                row_end = start + len(line)
            elif not line.strip():
                if current:
                    rows.append((row_start, row_end, current))
                    current = []
            else:
                break
            i += 1
        if current:
            rows.append((row_start, row_end, current))
        note = ""
        j = i
        while j < len(lines) and not lines[j][1].strip():
            j += 1
        if j < len(lines) and _NOTE_RE.match(lines[j][1].strip()):
            note = lines[j][1].strip()
        path = [h.title for h in stack] + ([caption] if caption else [])
        section = SECTION_SEP.join(path)
        label = " ".join(path)
        if not rows:
            return i
        header, body = rows[0][2], rows[1:]
        t_start, t_end = rows[0][0], rows[-1][1]
        rendered: list[str] = []
        previous: list[str] = []
        cells_per_row: list[list[str]] = []
        for _, _, cells in body:
            cells = cells + [""] * (len(header) - len(cells))
            # An empty first column repeats the category above it (merged cell in the original).
            if previous and not cells[0]:
                cells[0] = previous[0]
            previous = cells
            cells_per_row.append(cells)
            parts = [f"{h}：{c}" for h, c in zip(header, cells, strict=False) if c]
            if note and "*" in note and any("*" in c for c in cells):
                parts.append(note)
            rendered.append("｜".join(parts))
        table_text = label + "\n" + "｜".join(header) + "\n" + "\n".join(rendered)
        parent = b.add(table_text, section, t_start, t_end, "table", leaf=False, header=header)
        for n, ((r_start, r_end, _), cells, row_text) in enumerate(
            zip(body, cells_per_row, rendered, strict=True), start=1
        ):
            b.add(
                f"{label}｜{row_text}" if label else row_text,
                section,
                r_start,
                r_end,
                "table_row",
                leaf=True,
                parent_id=parent.id,
                caption=label,
                row=n,
                cells=dict(zip(header, cells, strict=False)),
            )
        if not note:
            return i
        note_start = lines[j][0] + lines[j][1].index(note)
        b.add(note, section, note_start, note_start + len(note), "paragraph", leaf=True)
        return j + 1


def _task_meta(text: str) -> dict[str, Any]:
    subtasks = parse_subtasks(text)
    if not subtasks:
        return {}
    return {"item_title": _item_title(text), "subtasks": subtasks}


def chunk_document(document: Document, config: ChunkerConfig | None = None) -> list[Chunk]:
    """Chunk one document with the default `StructureChunker`."""
    return StructureChunker(config).chunk(document)


def chunk_documents(documents: Iterable[Document], config: ChunkerConfig | None = None) -> list[Chunk]:
    """Chunk several documents; order follows `documents`."""
    chunker = StructureChunker(config)
    return [c for d in documents for c in chunker.chunk(d)]


def leaves(chunks: Iterable[Chunk]) -> list[Chunk]:
    """The chunks retrieval matches on (``metadata["leaf"]``)."""
    return [c for c in chunks if c.metadata.get("leaf", True)]


def index_text(chunk: Chunk) -> str:
    """Text fed to the embedder: heading path, the item title a window belongs to, then the text.

    Table rows already start with their caption, so they are used as is.
    """
    if chunk.kind in ("table_row", "table", "metadata") or not chunk.section:
        return chunk.text
    context = chunk.metadata.get("context")
    head = chunk.section.replace(SECTION_SEP, " ") + (f" {context}" if context else "")
    return head + "\n" + chunk.text


def keyword_text(chunk: Chunk) -> str:
    """Text fed to BM25: as `index_text`, but a table row without its caption.

    The caption (``附件 …主要目标测算表``) repeats on every row, so for BM25 it only adds words such as
    目标/规划 to 30 chunks and drowns the one paragraph that really is about the plan's 目标.
    """
    caption = chunk.metadata.get("caption")
    if chunk.kind == "table_row" and caption and chunk.text.startswith(caption):
        return chunk.text[len(caption):].lstrip("｜")
    return index_text(chunk)


def corpus_terms(chunks: Iterable[Chunk]) -> list[str]:
    """Domain terms found by structure: table row labels (units stripped), task and sub-task names.

    The BM25 tokenizer adds them to its jieba dictionary next to the caller's `extra_terms`.
    """
    terms: set[str] = set()
    for c in chunks:
        cells = c.metadata.get("cells") or {}
        for value in list(cells.values())[:2]:
            name = re.sub(r"[（(][^）)]*[）)]$", "", str(value)).strip()
            if 2 <= len(name) <= 30 and not re.fullmatch(r"[\d.*%]+", name):
                terms.add(name)
        for name in c.metadata.get("subtasks") or []:
            terms.add(name)
        if c.metadata.get("item_title"):
            terms.add(c.metadata["item_title"])
    return sorted(terms)
