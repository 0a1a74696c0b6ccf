"""Signatures: DingTalk callback `sign` and the 浙政钉 `X-Hmac-Auth-Signature` (both published vectors)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.dingtalk.signing import (
    SignatureError,
    dingtalk_sign,
    verify_dingtalk_callback,
    zzd_signature,
    zzd_sorted_params,
    zzd_timestamp,
)

VECTOR_TS = "1577262236757"
VECTOR_SECRET = "testAppSecret123"
VECTOR_SIGN = "/u/NmL78bEwbWCrXKtyloL0DktNIZ2Q7oKeLE4xd5wU="
HOUR_MS = 3_600_000


def test_dingtalk_vector() -> None:
    assert dingtalk_sign(VECTOR_TS, VECTOR_SECRET) == VECTOR_SIGN
    assert dingtalk_sign(int(VECTOR_TS), VECTOR_SECRET) == VECTOR_SIGN


def test_dingtalk_sign_is_the_documented_recipe() -> None:
    expected = base64.b64encode(hmac.new(b"k", b"42\nk", hashlib.sha256).digest()).decode()
    assert dingtalk_sign("42", "k") == expected


@pytest.mark.parametrize(
    ("now_ms", "timestamp", "sign"),
    [
        (int(VECTOR_TS), VECTOR_TS, VECTOR_SIGN),
        (int(VECTOR_TS) + HOUR_MS, VECTOR_TS, VECTOR_SIGN),  # exactly at the edge of the window
        (int(VECTOR_TS) - HOUR_MS, VECTOR_TS, VECTOR_SIGN),  # a clock that lags behind DingTalk's
        (int(VECTOR_TS), f" {VECTOR_TS} ", f" {VECTOR_SIGN}"),  # stray spaces from a proxy
    ],
)
def test_verify_accepts(now_ms: int, timestamp: str, sign: str) -> None:
    verify_dingtalk_callback(timestamp, sign, VECTOR_SECRET, now_ms=now_ms, max_skew_seconds=3600)


@pytest.mark.parametrize(
    ("now_ms", "timestamp", "sign", "reason"),
    [
        (int(VECTOR_TS), None, VECTOR_SIGN, "missing"),
        (int(VECTOR_TS), VECTOR_TS, None, "missing"),
        (int(VECTOR_TS), "", "", "missing"),
        (int(VECTOR_TS), "yesterday", VECTOR_SIGN, "integer"),
        (int(VECTOR_TS) + HOUR_MS + 1, VECTOR_TS, VECTOR_SIGN, "window"),  # stale
        (int(VECTOR_TS) - HOUR_MS - 1, VECTOR_TS, VECTOR_SIGN, "window"),  # from the future
        (int(VECTOR_TS), VECTOR_TS, VECTOR_SIGN[:-2] + "A=", "mismatch"),
        (int(VECTOR_TS), VECTOR_TS, "签名", "mismatch"),  # non-ASCII must not crash the compare
        (int(VECTOR_TS) + 1, str(int(VECTOR_TS) + 1), VECTOR_SIGN, "mismatch"),  # sign of another time
    ],
)
def test_verify_rejects(now_ms: int, timestamp: str | None, sign: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_dingtalk_callback(timestamp, sign, VECTOR_SECRET, now_ms=now_ms, max_skew_seconds=3600)


def test_verify_rejects_another_secret() -> None:
    with pytest.raises(SignatureError, match="mismatch"):
        verify_dingtalk_callback(
            VECTOR_TS, VECTOR_SIGN, "otherSecret", now_ms=int(VECTOR_TS), max_skew_seconds=3600
        )


def test_zzd_vector() -> None:
    params = zzd_sorted_params({"appsecret": "mySecret", "appkey": "myAppKey"})
    assert params == "appkey=myAppKey&appsecret=mySecret"
    signature = zzd_signature(
        "POST", "2024-01-01T12:00:00.000+08:00", "17040816000001234", "/gettoken.json", params, "mySecret"
    )
    assert signature == "7VjAIZ8jLgkOGzXmGh6DDT1XglmsS4VfQrukZbAM4Zk="


def test_zzd_signature_without_params_has_no_trailing_line() -> None:
    expected = base64.b64encode(hmac.new(b"s", b"GET\nT\nN\n/p", hashlib.sha256).digest()).decode()
    assert zzd_signature("get", "T", "N", "/p", "", "s") == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ""),
        (None, ""),
        ({"b": "2", "a": "1"}, "a=1&b=2"),
        ({"msg": '{"text":"你好 & 再见"}'}, 'msg={"text":"你好 & 再见"}'),  # raw, not URL-encoded
        ({"ids": ["2", "1"], "a": 3}, "a=3&ids=1&ids=2"),
        ([("z", "1"), ("a", None)], "a=&z=1"),
    ],
)
def test_zzd_sorted_params(params: object, expected: str) -> None:
    assert zzd_sorted_params(params) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 1, 1, 4, 0, tzinfo=UTC), "2024-01-01T12:00:00.000+08:00"),
        (datetime(2024, 1, 1, 20, 30, 5, 123_999, tzinfo=UTC), "2024-01-02T04:30:05.123+08:00"),
        (
            datetime(2024, 1, 1, 12, 0, 0, 7000, tzinfo=timezone(timedelta(hours=8))),
            "2024-01-01T12:00:00.007+08:00",
        ),
    ],
)
def test_zzd_timestamp(moment: datetime, expected: str) -> None:
    assert zzd_timestamp(moment) == expected


def test_zzd_timestamp_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        zzd_timestamp(datetime(2024, 1, 1))
