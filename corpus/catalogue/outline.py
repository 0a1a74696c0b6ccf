"""A plan's text as a tree of headings, 专栏 boxes and list items, with offsets (pure, no I/O).

>>> root = read_outline("三、主要内容\\n（四）主要任务。一是甲工程。\\n（五）保障措施。一是健全机制。")
>>> [(n.title, n.inline) for n in root.children[0].children]
[('（四）主要任务', True), ('（五）保障措施', True)]
>>> root.children[0].children[0].path
'三、主要内容 > （四）主要任务'

Lines are read with the chunker's heading rules (:func:`corpus.chunking.heading_level`,
:func:`corpus.chunking.split_heading`), so heading paths equal the chunks' sections:

- ``第X章`` ``第X节`` ``一、`` ``（一）`` ``1.`` ``（1）`` headings, nested by their marker's level; ``附件``
  closes everything before it; a heading followed by text on its line is *inline*: its scope is that
  line, the next unmarked paragraph belongs to its parent again (as in the chunker);
- Markdown: ``## 二、重点任务`` is a heading of level 2 (the number of ``#``; a ``#`` title on the first
  line is the document's title, as in loaded text), ``**…**`` and ``>`` wrappers are dropped;
- ``专栏1 …`` opens a box inside the current heading; numbered or bulleted lines after it are its
  entries until a heading of the enclosing level or above;
- ``- 名称：说明`` (or ``*`` / ``•``) is a list item under the current heading or box;
- tab-indented lines (tables) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from corpus.chunking import SECTION_SEP, heading_level, split_heading

_CN = "一二三四五六七八九十百零〇两"
_MARKER_RE = re.compile(
    rf"^(?:第[{_CN}\d]+[章篇部分节]|[{_CN}]+[、．.]|[（(][{_CN}\d]+[）)]|\d{{1,2}}(?:[.．、](?!\d)|\s)|"
    rf"专栏\s*[{_CN}\d]*\s*[:：]?|附\s*件\s*[\d{_CN}]*\s*[:：]?)\s*"
)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+")
_BOX_RE = re.compile(rf"^专栏\s*[{_CN}\d]*\s*[:：]?\s*\S")
_BULLET_RE = re.compile(r"^[-*•·]\s+")
_NAME_END_RE = re.compile(r"[：:。；;，,]")
ITEM_LEVEL = 100.0


def heading_name(title: str) -> str:
    """A heading's name: its marker and closing punctuation removed.

    >>> heading_name("第三章 做强数字产业"), heading_name("（一）前言"), heading_name("专栏2 重点工程")
    ('做强数字产业', '前言', '重点工程')
    """
    return _MARKER_RE.sub("", title.strip(), count=1).strip().rstrip("。：:；; ")


@dataclass(eq=False)
class OutlineNode:
    """A heading, box or list item; `body` holds its own paragraphs as (offset, text).

    `start`/`own_end` span the heading line and its own paragraphs (what a citation quotes); `end`
    also covers everything under it.
    """

    level: float
    title: str
    kind: str  # "root" | "heading" | "box" | "item"
    start: int
    end: int
    inline: bool = False
    path: str = ""
    own_end: int = 0
    body: list[tuple[int, str]] = field(default_factory=list)
    children: list[OutlineNode] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The title without its marker."""
        return heading_name(self.title)

    def walk(self) -> Iterator[OutlineNode]:
        """This node and every node under it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def full_text(self) -> str:
        """Own paragraphs, then the titles and paragraphs of everything under it."""
        parts = [text for _, text in self.body]
        for child in self.children:
            parts.append(child.title)
            parts.append(child.full_text())
        return "\n".join(p for p in parts if p)


def _unwrap(line: str, offset: int) -> tuple[str, int, int | None]:
    """Drop Markdown wrappers; returns (content, its offset, Markdown heading level or None)."""
    md_level = None
    m = re.match(r"^>\s*", line)
    if m:
        line, offset = line[m.end() :], offset + m.end()
    m = _MD_HEADING_RE.match(line)
    if m:
        md_level = len(m.group(1))
        line, offset = line[m.end() :], offset + m.end()
    if line.startswith("**"):
        close = line.find("**", 2)
        if close > 2:
            line, offset = line[2:close] + line[close + 2 :], offset + 2
    return line.strip(), offset, md_level


def _item_title(content: str) -> tuple[str, int] | None:
    """(title, offset of the rest) of a list item ``名称：说明``; None when it has no short lead-in."""
    m = _NAME_END_RE.search(content)
    if m is None:
        return (content, len(content)) if len(content) <= 30 else None
    if m.start() == 0 or m.start() > 30:
        return None
    return content[: m.start()], m.end()


def read_outline(text: str) -> OutlineNode:
    """Parse `text` into a tree under a root node (see the module docstring for the rules)."""
    root = OutlineNode(level=-1.0, title="", kind="root", start=0, end=len(text))
    stack: list[OutlineNode] = [root]
    pos = 0
    for raw in text.split("\n"):
        line_start, pos = pos, pos + len(raw) + 1
        stripped = raw.strip()
        if not stripped or raw.startswith("\t"):
            continue
        content, offset, md_level = _unwrap(stripped, line_start + raw.index(stripped))
        if not content:
            continue
        line_end = offset + len(content)
        if md_level == 1 and not root.children and not root.body:
            md_level = None  # "# 标题" on the first line is the document's title, not a section
        node = _classify(content, offset, md_level, stack)
        if node is None:
            while len(stack) > 1 and (stack[-1].inline or stack[-1].kind == "item"):
                stack.pop()
            stack[-1].body.append((offset, content))
            stack[-1].own_end = max(stack[-1].own_end, line_end)
        else:
            if node.level == 0:
                del stack[1:]
            while len(stack) > 1 and (stack[-1].level >= node.level or stack[-1].inline):
                stack.pop()
            stack[-1].children.append(node)
            node.path = SECTION_SEP.join([*(n.title for n in stack[1:]), node.title])
            stack.append(node)
        for n in stack:
            n.end = max(n.end, line_end) if n.kind != "root" else n.end
    return root


def _classify(content: str, offset: int, md_level: int | None, stack: list[OutlineNode]) -> OutlineNode | None:
    """A new node for a heading, box or item line; None for a paragraph."""
    if md_level is not None:
        title = content.rstrip("。：:；; ")
        return OutlineNode(md_level, title, "heading", offset, offset + len(content), own_end=offset + len(content))
    if _BOX_RE.match(content) and len(content) <= 40:
        enclosing = next(n for n in reversed(stack) if n.kind in ("heading", "root") and not n.inline)
        end = offset + len(content)
        return OutlineNode(enclosing.level + 0.5, content.rstrip("。：: "), "box", offset, end, own_end=end)
    bullet = _BULLET_RE.match(content)
    if bullet:
        item = _item_title(content[bullet.end() :])
        if item is None:
            return None
        title, rest_at = item
        end = offset + len(content)
        node = OutlineNode(ITEM_LEVEL, title, "item", offset, end, inline=True, own_end=end)
        _add_rest(node, content, bullet.end() + rest_at, offset)
        return node
    level = heading_level(content)
    head = split_heading(content) if level is not None else None
    if level is None or head is None:
        return None
    title, inline = head
    end = offset + len(content)
    node = OutlineNode(float(level), title, "heading", offset, end, inline=inline, own_end=end)
    if inline:
        _add_rest(node, content, len(title) + 1, offset)
    return node


def _add_rest(node: OutlineNode, content: str, at: int, offset: int) -> None:
    """The text after an inline title becomes the node's first paragraph."""
    rest = content[at:]
    if rest.strip():
        node.body.append((offset + at + len(rest) - len(rest.lstrip()), rest.strip()))
