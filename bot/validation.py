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


def _has_control_chars(text: str) -> bool:
    # Cs: a lone surrogate cannot be encoded as UTF-8 in the reply.
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t\r" for ch in text)


def clean_question(text: str, max_chars: int) -> str:
    """Return the stripped question or raise `QuestionError`.

    >>> clean_question("  5G基站目标？ ", 2000)
    '5G基站目标？'
    """
    stripped = text.strip()
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
