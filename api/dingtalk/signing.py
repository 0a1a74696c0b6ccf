"""Signatures of DingTalk robot callbacks and of 浙政钉 open-platform calls.

DingTalk signs each HTTP callback with the robot's AppSecret:
``sign = base64(HMAC-SHA256(key=appSecret, msg=timestamp + "\\n" + appSecret))`` (no URL-encoding).
浙政钉 (专有钉钉) expects every outbound call to carry
``base64(HMAC-SHA256(AppSecret, METHOD\\nTimestamp\\nNonce\\nPath[\\nsortedParams]))``.

>>> dingtalk_sign("1577262236757", "testAppSecret123")
'/u/NmL78bEwbWCrXKtyloL0DktNIZ2Q7oKeLE4xd5wU='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8))


class SignatureError(Exception):
    """A callback whose signature headers are missing, malformed, stale or wrong.

    `reason` is a short bilingual message safe to return to the caller (it never echoes secrets).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hmac_b64(key: str, message: str) -> str:
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_sign(timestamp: str | int, app_secret: str) -> str:
    """The `sign` header DingTalk sends with a callback at `timestamp` (milliseconds).

    >>> dingtalk_sign(1577262236757, "testAppSecret123")
    '/u/NmL78bEwbWCrXKtyloL0DktNIZ2Q7oKeLE4xd5wU='
    """
    return _hmac_b64(app_secret, f"{timestamp}\n{app_secret}")


def verify_dingtalk_callback(
    timestamp: str | None,
    sign: str | None,
    app_secret: str,
    *,
    now_ms: int,
    max_skew_seconds: int,
) -> None:
    """Check the `timestamp`/`sign` headers of a callback; return quietly when they are valid.

    >>> verify_dingtalk_callback("1577262236757", "/u/NmL78bEwbWCrXKtyloL0DktNIZ2Q7oKeLE4xd5wU=",
    ...                          "testAppSecret123", now_ms=1577262236757, max_skew_seconds=3600)

    Raises:
        SignatureError: a header is missing, the timestamp is not an integer or is more than
            `max_skew_seconds` away from `now_ms`, or the signature does not match.
    """
    if not timestamp or not sign:
        raise SignatureError("缺少签名请求头 timestamp/sign / The timestamp or sign header is missing")
    try:
        stamp = int(timestamp.strip())
    except ValueError:
        raise SignatureError("timestamp 不是毫秒整数 / timestamp is not an integer in milliseconds") from None
    if abs(now_ms - stamp) > max_skew_seconds * 1000:
        raise SignatureError("timestamp 超出允许的时间偏差 / timestamp outside the allowed window")
    expected = dingtalk_sign(timestamp.strip(), app_secret)
    # Constant-time compare so the check leaks nothing about how much of a forged sign matched.
    if not hmac.compare_digest(expected.encode("ascii"), sign.strip().encode("utf-8", "replace")):
        raise SignatureError("签名不匹配 / Signature mismatch")


def zzd_sorted_params(params: Mapping[str, object] | Sequence[tuple[str, object]] | None) -> str:
    """``k=v`` pairs sorted by key (then value) and joined with ``&``; values are not URL-encoded.

    A list value contributes one pair per item, as a repeated form field does.

    >>> zzd_sorted_params({"appsecret": "mySecret", "appkey": "myAppKey"})
    'appkey=myAppKey&appsecret=mySecret'
    """
    if not params:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((str(key), "" if v is None else str(v)) for v in values)
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def zzd_signature(method: str, timestamp: str, nonce: str, path: str, params: str, app_secret: str) -> str:
    """`X-Hmac-Auth-Signature` of a 浙政钉 call; `params` is the output of `zzd_sorted_params`.

    The params line is left out entirely when there are no params (as the 专有钉钉 SDKs do).

    >>> zzd_signature("POST", "2024-01-01T12:00:00.000+08:00", "17040816000001234", "/gettoken.json",
    ...               "appkey=myAppKey&appsecret=mySecret", "mySecret")
    '7VjAIZ8jLgkOGzXmGh6DDT1XglmsS4VfQrukZbAM4Zk='
    """
    lines = [method.upper(), timestamp, nonce, path]
    if params:
        lines.append(params)
    return _hmac_b64(app_secret, "\n".join(lines))


def zzd_timestamp(moment: datetime) -> str:
    """ISO-8601 in China time with milliseconds, as `X-Hmac-Auth-Timestamp` wants.

    >>> zzd_timestamp(datetime(2024, 1, 1, 4, 0, tzinfo=timezone.utc))
    '2024-01-01T12:00:00.000+08:00'

    Raises:
        ValueError: `moment` is naive (its zone would be a guess).
    """
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware / 需要带时区的时间")
    local = moment.astimezone(CHINA_TZ)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+08:00"
