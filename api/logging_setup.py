"""Structured JSON logs with a redaction filter: secrets, keys and webhook URLs never reach a log line.

`configure_logging` installs one handler on the root logger (idempotent) that writes one JSON object per
record, with the current request id, and passes every record through `RedactionFilter`. The filter is
also attached to uvicorn's loggers, which keep their own handlers under uvicorn's default log config.

>>> import io
>>> out = io.StringIO()
>>> _ = configure_logging("INFO", secrets=["s3cr3t-key"], stream=out)
>>> logging.getLogger("policybot.demo").info("key s3cr3t-key and Authorization: Bearer abc.def")
>>> "s3cr3t-key" in out.getvalue() or "abc.def" in out.getvalue()
False
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from bot.settings import Settings

# Set by the request-context middleware for the duration of a request (also inside threadpool routes,
# which run in a copy of the caller's context).
request_id_var: ContextVar[str | None] = ContextVar("policybot_request_id", default=None)

REDACTED = "***"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # DingTalk sessionWebhook / robot webhook URLs carry a live session token in the query string.
    (re.compile(r"https?://[^\s\"'<>]*(?:sendBySession|/robot/send|webhook)[^\s\"'<>]*", re.I), "[webhook]"),
    # Header values, whatever the quoting: Authorization: Bearer x, X-API-Key: x.
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{4,}"), r"\1 " + REDACTED),
    # key=value / "key": "value" pairs whose name says secret.
    (
        re.compile(
            r"(?i)([\"']?\b(?:x[-_]api[-_]key|api[-_]?key|apikey|authorization|app[-_]?secret|client[-_]?secret"
            r"|secret|password|passwd|access[-_]?token|session[-_]?webhook|sign|signature)\b[\"']?\s*[:=]\s*"
            r"[\"']?)(?:bearer\s+)?[^\s\"',;&}]+"
        ),
        r"\1" + REDACTED,
    ),
    # Secrets in query strings of any URL.
    (
        re.compile(r"(?i)([?&](?:access_token|token|session|sign|signature|key|api_key|secret)=)[^&\s\"'#]+"),
        r"\1" + REDACTED,
    ),
    # OpenAI-style and DashScope keys.
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"), "sk-" + REDACTED),
]

# Secrets shorter than this are not replaced literally: "a" would blank out every log line.
_MIN_LITERAL_SECRET = 4


class Redactor:
    """Replace known secrets and secret-looking patterns in text.

    >>> Redactor(["hunter22"]).redact("pw hunter22 url https://oapi.dingtalk.com/robot/sendBySession?session=x")
    'pw *** url [webhook]'
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literals = sorted({s for s in secrets if s and len(s) >= _MIN_LITERAL_SECRET}, key=len, reverse=True)
        self._literal = re.compile("|".join(re.escape(s) for s in literals)) if literals else None

    def redact(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_value(v) for v in value]
        return value


_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class RedactionFilter(logging.Filter):
    """Rewrite a record so its message, arguments, extra fields and traceback carry no secret."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string must not drop the record
            message = f"{record.msg} {record.args}"
        record.msg = self.redactor.redact(message)
        record.args = None
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS and isinstance(value, str | dict | list | tuple):
                setattr(record, name, self.redactor.redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
            # The text above replaces the traceback; formatters must not re-render the raw exception.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


class RequestIdFilter(logging.Filter):
    """Attach the current request id (or None) to every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, then any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRS and name not in entry:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def secrets_from_settings(settings: Settings) -> list[str]:
    """Every secret value held in settings (API keys, LLM key, DingTalk and 浙政钉 secrets)."""
    found = [key.get_secret_value() for key in settings.server.api_keys]
    for secret in (
        settings.llm.api_key,
        settings.dingtalk.app_secret,
        settings.dingtalk.client_secret,
        settings.zzd.app_secret,
    ):
        if secret is not None:
            found.append(secret.get_secret_value())
    return found


_HANDLER_NAME = "policybot-json"
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(
    level: str = "INFO",
    *,
    secrets: Iterable[str] = (),
    settings: Settings | None = None,
    json_lines: bool = True,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install the redacting (JSON) handler on the root logger; calling again replaces it.

    Example: `configure_logging("INFO", settings=settings)` in `policybot serve` before uvicorn starts.

    Params: `secrets` are literal values to mask anywhere; `settings` adds `secrets_from_settings`;
    `json_lines=False` gives plain text (still redacted); `stream` defaults to stderr.
    Returns the handler (tests read from their own `stream`).
    """
    all_secrets = list(secrets) + (secrets_from_settings(settings) if settings is not None else [])
    redaction = RedactionFilter(Redactor(all_secrets))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(redaction)
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        for old_filter in [f for f in logger.filters if isinstance(f, RedactionFilter)]:
            logger.removeFilter(old_filter)
        logger.addFilter(redaction)
    return handler
