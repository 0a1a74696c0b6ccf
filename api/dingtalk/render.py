"""ChatReply → DingTalk markdown messages.

DingTalk markdown renders headings, bold, links, quotes and lists, but neither tables nor code
blocks, so tables become lists, fenced code becomes quoted lines, and the engine's figures, matched
tasks and citations are appended as lists. A message body may not exceed 20,000 bytes: longer
replies are split at line boundaries into at most `max_parts` messages, and what does not fit is
cut with a note saying so.

>>> from bot.schemas import ChatReply
>>> msgs = reply_messages(ChatReply(answer="| 指标 | 2025 |\\n|---|---|\\n| 5G基站 | 30000 |",
...                                 intent="indicator", session_id="s"), title="规划问答")
>>> msgs[0].markdown.text
'- 指标：5G基站；2025：30000'
"""

from __future__ import annotations

import json
import re

from api.dingtalk.models import AtSpec, MarkdownBody, MarkdownMessage
from bot.compose import COUNT_UNITS, quantity_name
from bot.schemas import ChatReply, Citation, FigureOut, TaskOut

MAX_MESSAGE_BYTES = 20_000
DEFAULT_MAX_PARTS = 3
TRIM_NOTE = "……（回答过长，后面的内容已省略。请把问题问得更具体一些，或在网页端查看完整回答。）"
CITATION_EXCERPT_CHARS = 100

_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_SEPARATOR_CELL = re.compile(r"^:?-{1,}:?$")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_NUMBERED_REFERENCE = re.compile(r"^\[\d+\]\s")
# Section headings the chat answer may already carry (bold line or markdown heading); when present,
# the matching list is not appended a second time.
_FIGURES_HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)(?:计算|计算依据|计算过程)(?:\*\*)?\s*$", re.M)
_CITATIONS_HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)(?:出处|来源|引用|参考)(?:\*\*)?\s*$", re.M)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table_to_list(rows: list[str]) -> list[str]:
    parsed = [_cells(row) for row in rows]
    header: list[str] | None = None
    if len(parsed) >= 2 and all(_TABLE_SEPARATOR_CELL.match(c) for c in parsed[1] if c):
        header, parsed = parsed[0], parsed[2:]
    out = []
    for cells in parsed:
        if header:
            pairs = [f"{h}：{c}" if h else c for h, c in zip(header, cells, strict=False) if c]
            out.append("- " + "；".join(pairs))
        else:
            out.append("- " + " / ".join(c for c in cells if c))
    return out


def to_dingtalk_markdown(text: str) -> str:
    """Rewrite markdown DingTalk cannot show: tables → lists, code blocks → quotes, `code` → code,
    and "[n] …" reference lines → list items.

    >>> to_dingtalk_markdown("```\\nx = 1\\n```\\n用 `pip`")
    '> x = 1\\n用 pip'
    """
    out: list[str] = []
    table: list[str] = []
    in_code = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            out.append("> " + line if line.strip() else ">")
            continue
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 2:
            table.append(stripped)
            continue
        if table:
            out.extend(_table_to_list(table))
            table = []
        line = _INLINE_CODE.sub(r"\1", line)
        # "[1] passage" lines would run together into one paragraph; DingTalk keeps list items apart.
        out.append("- " + line if _NUMBERED_REFERENCE.match(line) else line)
    if table:
        out.extend(_table_to_list(table))
    return "\n".join(out).strip("\n")


def format_number(value: float) -> str:
    """A plain number without float noise: 30000.0 → '30000', 27.0200001 → '27.02'.

    >>> format_number(30000.0), format_number(27.020000001), format_number(0.5)
    ('30000', '27.02', '0.5')
    """
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _figure_line(figure: FigureOut) -> str:
    quantity = quantity_name(figure.quantity)
    count = figure.unit in COUNT_UNITS and abs(figure.value) >= 10
    value = str(round(figure.value)) if count else format_number(figure.value)
    line = f"- {figure.indicator} {quantity}：**{value}{figure.unit}**"
    details = []
    if figure.formula:
        # The formula carries the inputs; their internal names (base=, target=) are not shown to users.
        details.append(f"公式 {figure.formula}" + (f" = {format_number(figure.value)}" if count else ""))
    if figure.note:
        details.append(figure.note)
    return line + (f"（{'；'.join(details)}）" if details else "")


def _task_line(task: TaskOut) -> str:
    line = f"- {task.task} › {task.subtask}"
    return line + (f"：{task.why}" if task.why else "")


def _citation_line(number: int, citation: Citation) -> str:
    excerpt = " ".join(citation.text.split())
    if len(excerpt) > CITATION_EXCERPT_CHARS:
        excerpt = excerpt[:CITATION_EXCERPT_CHARS] + "…"
    title = citation.title if citation.title and citation.title != citation.source else ""
    document = (title if "《" in title else f"《{title}》") if title else ""
    where = " ".join(part for part in (document, citation.section) if part) or "规划原文"
    return f"- [{number}] {where}：{excerpt}"


def reply_markdown(reply: ChatReply) -> str:
    """The whole reply as one DingTalk markdown text (before any split).

    >>> from bot.schemas import FigureOut
    >>> r = ChatReply(answer="目标 30000 个。", intent="indicator", session_id="s", figures=[
    ...     FigureOut(indicator="5G基站数量", quantity="target", value=30000.0, unit="个", formula="规划表")])
    >>> print(reply_markdown(r))
    目标 30000 个。
    <BLANKLINE>
    **计算依据**
    - 5G基站数量 目标值：**30000个**（公式 规划表）
    """
    answer = to_dingtalk_markdown(reply.answer)
    sections = [answer]
    if reply.figures and not _FIGURES_HEADING.search(answer):
        sections.append("\n".join(["**计算依据**", *(_figure_line(f) for f in reply.figures)]))
    if reply.tasks:
        sections.append("\n".join(["**相关任务**", *(_task_line(t) for t in reply.tasks)]))
    if reply.citations and not _CITATIONS_HEADING.search(answer):
        lines = [_citation_line(i, c) for i, c in enumerate(reply.citations, start=1)]
        sections.append("\n".join(["**出处**", *lines]))
    return "\n\n".join(s for s in sections if s.strip())


def escaped_bytes(text: str) -> int:
    """Bytes `text` takes inside a UTF-8 JSON body (newlines and quotes are escaped)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def payload_bytes(message: MarkdownMessage) -> int:
    """Size of the JSON body that is POSTed for `message`."""
    return len(json.dumps(message.payload(), ensure_ascii=False).encode("utf-8"))


def _hard_wrap(line: str, budget: int) -> list[str]:
    """Cut one over-long line into pieces of at most `budget` escaped bytes, never inside a character."""
    if escaped_bytes(line) <= budget:
        return [line]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = escaped_bytes(char)
        if size + width > budget and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


def split_text(text: str, budget: int) -> list[str]:
    """Pack `text` line by line into chunks of at most `budget` escaped bytes each.

    >>> split_text("aa\\nbb\\ncc", 8)
    ['aa\\nbb', 'cc']
    """
    if budget < 8:
        raise ValueError(f"budget must be at least 8 bytes. Currently, budget is {budget}")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _hard_wrap(line, budget):
            width = escaped_bytes(piece) + (2 if current else 0)  # the joining "\n" is 2 bytes escaped
            if current and size + width > budget:
                chunks.append("\n".join(current).strip("\n"))
                current, size = [], 0
                width = escaped_bytes(piece)
            current.append(piece)
            size += width
    if current:
        chunks.append("\n".join(current).strip("\n"))
    return [c for c in chunks if c.strip()] or [""]


def markdown_messages(
    text: str,
    *,
    title: str,
    at_user_id: str | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> list[MarkdownMessage]:
    """Split (or trim, with `TRIM_NOTE`) DingTalk markdown `text` into messages of ≤ `max_bytes` each.

    In group chats pass `at_user_id`: the first message @-mentions the asker (DingTalk needs both
    the ``@id`` in the text and `atUserIds`).

    >>> [payload_bytes(m) <= 300 for m in markdown_messages("一" * 300, title="t", max_bytes=300)]
    [True, True, True]

    Raises:
        ValueError: `max_parts` < 1 or `max_bytes` too small to hold any text.
    """
    if max_parts < 1:
        raise ValueError(f"max_parts must be at least 1. Currently, max_parts is {max_parts}")
    at_prefix = f"@{at_user_id}\n\n" if at_user_id else ""
    total = 99  # the part counter never needs more than two digits here
    skeleton = MarkdownMessage(
        markdown=MarkdownBody(title=f"{title}（{total}/{total}）", text=""),
        at=AtSpec(atUserIds=[at_user_id] if at_user_id else []),
    )
    # Reserve room for everything a part may carry besides its share of the text.
    reserve = (
        payload_bytes(skeleton)
        + escaped_bytes(at_prefix)
        + escaped_bytes(f"**（续 {total}/{total}）**\n\n")
        + escaped_bytes("\n\n" + TRIM_NOTE)
    )
    parts = split_text(text, max_bytes - reserve)
    trimmed = len(parts) > max_parts
    if trimmed:
        parts = parts[:max_parts]
        parts[-1] = parts[-1] + "\n\n" + TRIM_NOTE
    count = len(parts)
    messages = []
    for index, part in enumerate(parts, start=1):
        body = part if index == 1 else f"**（续 {index}/{count}）**\n\n{part}"
        first = index == 1
        messages.append(
            MarkdownMessage(
                markdown=MarkdownBody(
                    title=title if count == 1 else f"{title}（{index}/{count}）",
                    text=(at_prefix if first else "") + body,
                ),
                at=AtSpec(atUserIds=[at_user_id] if at_user_id and first else []),
            )
        )
    return messages


def reply_messages(
    reply: ChatReply,
    *,
    title: str,
    at_user_id: str | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> list[MarkdownMessage]:
    """`reply_markdown(reply)` cut into DingTalk messages; see `markdown_messages`."""
    return markdown_messages(
        reply_markdown(reply), title=title, at_user_id=at_user_id, max_bytes=max_bytes, max_parts=max_parts
    )


def message_title(question: str, limit: int = 16) -> str:
    """Notification title: the start of the question.

    >>> message_title("5G基站2025年目标是多少？这个问题很长很长很长")
    '规划问答：5G基站2025年目标是多少？这…'
    """
    compact = " ".join(question.split())
    if not compact:
        return "规划问答"
    return "规划问答：" + (compact if len(compact) <= limit else compact[:limit] + "…")
