"""浙政钉 outbound client against a fake open platform that checks every signature it receives."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from api.dingtalk.signing import CHINA_TZ, zzd_signature, zzd_sorted_params
from api.dingtalk.zzd import SEND_PATH, TOKEN_PATH, ZzdClient, ZzdError, markdown_msg, text_msg
from bot.settings import ZzdSettings

APP_KEY = "myAppKey"
APP_SECRET = "mySecret"
FIXED_NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=CHINA_TZ)
SETTINGS = ZzdSettings(
    host="http://zzd.test", app_key=APP_KEY, app_secret=SecretStr(APP_SECRET), tenant_id="196729"
)


class FakePlatform:
    """Verifies the HMAC headers like the real gateway would, then answers token/sendMsg calls."""

    def __init__(self, token_body: dict[str, Any] | None = None, status: int = 200) -> None:
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.nonces: set[str] = set()
        self.token_body = token_body or {
            "success": True,
            "content": {"success": True, "data": {"accessToken": "tok-1", "expiresIn": 7200}},
        }
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        else:
            params = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        headers = {
            k: request.headers[k]
            for k in (
                "X-Hmac-Auth-Timestamp",
                "X-Hmac-Auth-Version",
                "X-Hmac-Auth-Nonce",
                "apiKey",
                "X-Hmac-Auth-IP",
                "X-Hmac-Auth-MAC",
                "X-Hmac-Auth-Signature",
            )
        }
        expected = zzd_signature(
            request.method,
            headers["X-Hmac-Auth-Timestamp"],
            headers["X-Hmac-Auth-Nonce"],
            request.url.path,
            zzd_sorted_params(params),
            APP_SECRET,
        )
        self.requests.append((request.method, request.url.path, params, headers))
        if headers["X-Hmac-Auth-Signature"] != expected or headers["X-Hmac-Auth-Nonce"] in self.nonces:
            return httpx.Response(
                200, json={"success": False, "errorCode": "SIGN_ERROR", "errorMsg": "bad sign"}
            )
        self.nonces.add(headers["X-Hmac-Auth-Nonce"])
        if self.status != 200:
            return httpx.Response(self.status, text="gateway down")
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json=self.token_body)
        if request.url.path == SEND_PATH:
            return httpx.Response(
                200, json={"success": True, "content": {"success": True, "data": {"msgId": "m1"}}}
            )
        return httpx.Response(404, json={"success": False})


def make_client(platform: Callable[[httpx.Request], httpx.Response], **overrides: Any) -> ZzdClient:
    settings = SETTINGS.model_copy(update=overrides)
    return ZzdClient(
        settings,
        client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
        now=lambda: FIXED_NOW,
        ip="10.0.0.8",
        mac="00:16:3e:00:00:01",
    )


def test_headers_reproduce_the_published_vector() -> None:
    client = make_client(FakePlatform())
    headers = client.signed_headers(
        "POST", TOKEN_PATH, {"appkey": APP_KEY, "appsecret": APP_SECRET}, nonce="17040816000001234"
    )
    assert headers == {
        "X-Hmac-Auth-Timestamp": "2024-01-01T12:00:00.000+08:00",
        "X-Hmac-Auth-Version": "1.0",
        "X-Hmac-Auth-Nonce": "17040816000001234",
        "apiKey": APP_KEY,
        "X-Hmac-Auth-IP": "10.0.0.8",
        "X-Hmac-Auth-MAC": "00:16:3e:00:00:01",
        "X-Hmac-Auth-Signature": "7VjAIZ8jLgkOGzXmGh6DDT1XglmsS4VfQrukZbAM4Zk=",
    }


def test_nonces_are_unique_and_millisecond_based() -> None:
    client = make_client(FakePlatform())
    nonces = [client.new_nonce() for _ in range(1000)]
    assert len(set(nonces)) == 1000
    assert all(re.fullmatch(r"1704081600000\d{4}", n) for n in nonces)  # 2024-01-01T12:00+08:00 in ms


def test_default_timestamp_is_china_time_with_milliseconds() -> None:
    client = ZzdClient(SETTINGS, client=httpx.AsyncClient(transport=httpx.MockTransport(FakePlatform())))
    stamp = client.signed_headers("GET", TOKEN_PATH)["X-Hmac-Auth-Timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", stamp)


def test_send_to_a_person_and_a_group_signs_every_call_and_caches_the_token() -> None:
    platform = FakePlatform()
    client = make_client(platform)

    async def scenario() -> None:
        await client.send_message(text_msg("您好，5G基站目标为30000个 & 更多"), receiver_id="u123")
        await client.send_message(markdown_msg("规划问答", "**30000**"), chat_id="chat9", sender_id="bot1")
        await client.aclose()

    asyncio.run(scenario())
    assert [(m, p) for m, p, _, _ in platform.requests] == [
        ("GET", TOKEN_PATH),
        ("POST", SEND_PATH),
        ("POST", SEND_PATH),
    ]  # one token for both sends
    assert platform.requests[0][2] == {"appkey": APP_KEY, "appsecret": APP_SECRET}
    person, group = platform.requests[1][2], platform.requests[2][2]
    assert person == {
        "access_token": "tok-1",
        "chatType": "1",
        "receiverId": "u123",
        "tenantId": "196729",
        "msg": json.dumps(text_msg("您好，5G基站目标为30000个 & 更多"), ensure_ascii=False),
    }
    assert group["chatType"] == "2" and group["chatId"] == "chat9" and group["senderId"] == "bot1"
    assert json.loads(group["msg"]) == {
        "msgtype": "markdown",
        "markdown": {"title": "规划问答", "text": "**30000**"},
    }
    assert len(platform.nonces) == 3  # every call verified with a fresh nonce


def test_token_is_refreshed_after_it_expires() -> None:
    platform = FakePlatform()
    now = [0.0]
    client = ZzdClient(
        SETTINGS,
        client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
        now=lambda: FIXED_NOW + timedelta(seconds=now[0]),
        monotonic=lambda: now[0],
    )

    async def scenario() -> None:
        await client.get_token()
        now[0] = 7200 - 301  # still valid (refresh margin is 300 s)
        await client.get_token()
        now[0] = 7200 - 299
        await client.get_token()

    asyncio.run(scenario())
    assert [p for _, p, _, _ in platform.requests] == [TOKEN_PATH, TOKEN_PATH]


@pytest.mark.parametrize(
    ("platform", "overrides", "kwargs", "message"),
    [
        (FakePlatform(), {"app_key": None}, {"receiver_id": "u"}, "app_key"),
        (FakePlatform(), {"app_secret": None}, {"receiver_id": "u"}, "app_secret"),
        (FakePlatform(), {"tenant_id": None}, {"receiver_id": "u"}, "tenant_id"),
        (FakePlatform(), {}, {}, "exactly one"),
        (FakePlatform(), {}, {"receiver_id": "u", "chat_id": "c"}, "exactly one"),
        (FakePlatform(status=502), {}, {"receiver_id": "u"}, "HTTP 502"),
        (
            FakePlatform(token_body={"success": False, "errorCode": "INVALID_APP", "errorMsg": "应用不存在"}),
            {},
            {"receiver_id": "u"},
            "INVALID_APP",
        ),
        (
            FakePlatform(token_body={"success": True, "content": {"success": True, "data": {}}}),
            {},
            {"receiver_id": "u"},
            "accessToken",
        ),
    ],
)
def test_failures_raise_clear_errors_without_secrets(
    platform: FakePlatform, overrides: dict[str, Any], kwargs: dict[str, str], message: str
) -> None:
    client = make_client(platform, **overrides)
    with pytest.raises(ZzdError, match=message) as info:
        asyncio.run(client.send_message(text_msg("hi"), **kwargs))
    assert APP_SECRET not in str(info.value)


def test_transport_failure_hides_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    with pytest.raises(ZzdError, match="ConnectError") as info:
        asyncio.run(make_client(refuse).get_token())
    assert APP_SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("openplatform-pro.ding.zj.gov.cn", "https://openplatform-pro.ding.zj.gov.cn"),
        ("https://openplatform.dg-work.cn/", "https://openplatform.dg-work.cn"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    ],
)
def test_host_is_configurable(host: str, base: str) -> None:
    assert ZzdClient(ZzdSettings(host=host), client=httpx.AsyncClient()).base_url == base
