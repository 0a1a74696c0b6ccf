"""Checks every front end applies to a question before the bot sees it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:@\-]{1,128}$"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


@dataclass(frozen=True)
class QuestionError(ValueError):
    """A question the bot refuses to process; `status` is the HTTP status a front end should use."""

    status: int
    code: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


# Invisible joiners and the byte-order mark that copy-paste leaves in text: removed before any check.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_STRIP_ZERO_WIDTH = str.maketrans("", "", ZERO_WIDTH)
# Bidirectional controls (embeddings, overrides, isolates, marks) make text display differently from
# what the bot reads ("Trojan Source"); a question containing one is refused, never silently rewritten.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control_chars(text: str) -> bool:
    # Cs: a lone surrogate cannot be encoded as UTF-8 in the reply.
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t\r" for ch in text)


def _has_hidden_format_chars(text: str) -> bool:
    # Cf left after zero-width removal: bidi controls, interlinear annotation, tag characters ...
    return any(ch in BIDI_CONTROLS or unicodedata.category(ch) == "Cf" for ch in text)


def strip_zero_width(text: str) -> str:
    """Remove zero-width characters (ZWSP, ZWJ, ZWNJ, word joiner, BOM, soft hyphen).

    >>> strip_zero_width("5G\u200b基站\ufeff")
    '5G基站'
    """
    return text.translate(_STRIP_ZERO_WIDTH)


def clean_question(text: str, max_chars: int) -> str:
    """Return the question normalised (zero-width characters removed, stripped) or raise `QuestionError`.

    Used for questions and enterprise profiles alike: normalise first, then validate.

    >>> clean_question("  5G基站\u200b目标？ ", 2000)
    '5G基站目标？'

    Raises:
        QuestionError: empty (422), longer than `max_chars` (413), control characters (422) or
            bidirectional/other invisible format characters (422).
    """
    stripped = strip_zero_width(text).strip()
    if not stripped:
        raise QuestionError(422, "empty_question", "问题不能为空", "The question must not be empty")
    if len(stripped) > max_chars:
        raise QuestionError(
            413,
            "question_too_long",
            f"问题过长（{len(stripped)}字），请控制在{max_chars}字以内",
            f"The question is too long ({len(stripped)} characters); the limit is {max_chars}",
        )
    if _has_control_chars(stripped):
        raise QuestionError(
            422, "control_characters", "问题包含不可见的控制字符", "The question contains control characters"
        )
    if _has_hidden_format_chars(stripped):
        raise QuestionError(
            422,
            "bidi_control_characters",
            "问题包含改变文字显示方向或不可见的格式字符",
            "The question contains bidirectional-override or other invisible formatting characters",
        )
    return stripped


def check_session_id(session_id: str | None) -> str | None:
    """Accept None or a short id of safe characters; raise `QuestionError` otherwise."""
    if session_id is None:
        return None
    if not _SESSION_ID.match(session_id):
        raise QuestionError(
            422,
            "invalid_session_id",
            "session_id 只能包含字母、数字和 _.:@-，长度1–128",
            "session_id must be 1–128 characters of letters, digits and _.:@-",
        )
    return session_id
