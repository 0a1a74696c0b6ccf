"""Outbound client for 浙政钉 (Zhejiang government DingTalk, built on 专有钉钉).

Every call carries HMAC headers: `X-Hmac-Auth-Timestamp` (ISO-8601, +08:00, ms),
`X-Hmac-Auth-Version: 1.0`, a unique `X-Hmac-Auth-Nonce`, `apiKey`, `X-Hmac-Auth-IP`,
`X-Hmac-Auth-MAC` and `X-Hmac-Auth-Signature` (see `api.dingtalk.signing.zzd_signature`). The
access token comes from `/gettoken.json`; messages go out through `/chat/sendMsg`.

>>> import asyncio
>>> from bot.settings import ZzdSettings
>>> client = ZzdClient(ZzdSettings(host="https://zzd.example", app_key="k", app_secret="s", tenant_id="1"))
>>> client.base_url
'https://zzd.example'
>>> asyncio.run(client.aclose())

Inbound 浙政钉 robot callbacks are not publicly specified; see the README section “DingTalk (钉钉) and 浙政钉”.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from api.dingtalk.sender import install_log_redaction
from api.dingtalk.signing import CHINA_TZ, zzd_signature, zzd_sorted_params, zzd_timestamp
from bot.settings import ZzdSettings

log = logging.getLogger("policybot.zzd")

TOKEN_PATH = "/gettoken.json"
SEND_PATH = "/chat/sendMsg"
# Refresh the token this long before 浙政钉 says it expires, so a call never races the expiry.
TOKEN_MARGIN_SECONDS = 300.0


class ZzdError(Exception):
    """A 浙政钉 call failed or the client is not configured; the message is bilingual and secret-free."""


def text_msg(content: str) -> dict[str, Any]:
    """A plain-text `msg` for `/chat/sendMsg`."""
    return {"msgtype": "text", "text": {"content": content}}


def markdown_msg(title: str, text: str) -> dict[str, Any]:
    """A markdown `msg` for `/chat/sendMsg` (same shape as DingTalk's)."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _local_ip() -> str:
    # A UDP "connect" sends no packet; it only asks the kernel which source address it would use.
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def _local_mac() -> str:
    raw = f"{uuid.getnode():012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


class ZzdClient:
    """Signed calls to the 浙政钉 open platform.

    `settings.host` is a bare host (``openplatform-pro.ding.zj.gov.cn``, https is implied) or a full
    base URL (``http://127.0.0.1:9000`` for tests or a gateway).
    """

    def __init__(
        self,
        settings: ZzdSettings,
        *,
        client: httpx.AsyncClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(CHINA_TZ),
        monotonic: Callable[[], float] = time.monotonic,
        ip: str | None = None,
        mac: str | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.settings = settings
        self._client = client or httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False)
        self._owns_client = client is None
        self._now = now
        self._monotonic = monotonic
        self._ip = ip
        self._mac = mac
        self._nonce_counter = itertools.count(secrets.randbelow(10_000))
        self._token: str | None = None
        self._token_valid_until = 0.0
        install_log_redaction()  # the token call carries appsecret in its query string

    @property
    def base_url(self) -> str:
        host = self.settings.host.strip().rstrip("/")
        return host if host.startswith(("http://", "https://")) else f"https://{host}"

    def _credentials(self) -> tuple[str, str]:
        key = self.settings.app_key
        secret = self.settings.app_secret.get_secret_value() if self.settings.app_secret else ""
        if not key or not secret:
            raise ZzdError(
                "未配置浙政钉 AppKey/AppSecret（POLICYBOT_ZZD_APP_KEY / POLICYBOT_ZZD_APP_SECRET）/ "
                "浙政钉 app_key and app_secret are not configured"
            )
        return key, secret

    def new_nonce(self) -> str:
        """Milliseconds + a 4-digit counter: unique per client unless 10,000 calls share one ms."""
        millis = int(self._now().timestamp() * 1000)
        return f"{millis}{next(self._nonce_counter) % 10_000:04d}"

    def signed_headers(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, *, nonce: str | None = None
    ) -> dict[str, str]:
        """The seven `X-Hmac-Auth-*`/`apiKey` headers for one call.

        Raises:
            ZzdError: app_key/app_secret are not configured.
        """
        key, secret = self._credentials()
        stamp = zzd_timestamp(self._now())
        nonce = nonce or self.new_nonce()
        if self._ip is None:
            self._ip = _local_ip()
        if self._mac is None:
            self._mac = _local_mac()
        return {
            "X-Hmac-Auth-Timestamp": stamp,
            "X-Hmac-Auth-Version": "1.0",
            "X-Hmac-Auth-Nonce": nonce,
            "apiKey": key,
            "X-Hmac-Auth-IP": self._ip,
            "X-Hmac-Auth-MAC": self._mac,
            "X-Hmac-Auth-Signature": zzd_signature(
                method, stamp, nonce, path, zzd_sorted_params(params), secret
            ),
        }

    async def call(self, method: str, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A signed GET (params in the query) or POST (params as a form) returning `content`.

        Raises:
            ZzdError: not configured, transport failure, non-200 status, or `success: false`.
        """
        method = method.upper()
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        headers = self.signed_headers(method, path, clean)
        url = self.base_url + path
        try:
            if method == "GET":
                response = await self._client.get(url, params=clean, headers=headers)
            else:
                response = await self._client.request(method, url, data=clean, headers=headers)
        except httpx.HTTPError as exc:
            # Only the class name: httpx messages can contain the URL and its query (appsecret).
            name = type(exc).__name__
            raise ZzdError(f"浙政钉接口 {path} 调用失败 / call to {path} failed: {name}") from None
        if response.status_code != 200:
            status = response.status_code
            raise ZzdError(f"浙政钉接口 {path} 返回 HTTP {status} / {path} returned HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            raise ZzdError(f"浙政钉接口 {path} 返回的不是 JSON / {path} did not return JSON") from None
        return _content_or_raise(path, body)

    async def get_token(self) -> str:
        """The app access token, cached until shortly before it expires.

        Raises:
            ZzdError: the token call failed or returned no accessToken.
        """
        if self._token and self._monotonic() < self._token_valid_until:
            return self._token
        key, secret = self._credentials()
        content = await self.call("GET", TOKEN_PATH, {"appkey": key, "appsecret": secret})
        nested = content.get("data")
        data: dict[str, Any] = nested if isinstance(nested, dict) else content
        token = data.get("accessToken") or data.get("access_token")
        if not token:
            raise ZzdError("浙政钉 gettoken 未返回 accessToken / gettoken returned no accessToken")
        try:
            expires_in = float(data.get("expiresIn") or data.get("expires_in") or 7200)
        except (TypeError, ValueError):
            expires_in = 7200.0
        self._token = str(token)
        self._token_valid_until = self._monotonic() + max(0.0, expires_in - TOKEN_MARGIN_SECONDS)
        return self._token

    async def send_message(
        self,
        msg: Mapping[str, Any] | str,
        *,
        receiver_id: str | None = None,
        chat_id: str | None = None,
        sender_id: str | None = None,
    ) -> dict[str, Any]:
        """Send `msg` to one person (`receiver_id`, chatType 1) or a group (`chat_id`, chatType 2).

        >>> # await client.send_message(text_msg("您好"), receiver_id="12345")

        Raises:
            ZzdError: neither or both of receiver_id/chat_id, no tenant_id, or the call failed.
        """
        if (receiver_id is None) == (chat_id is None):
            raise ZzdError(
                "receiver_id 与 chat_id 必须且只能给一个 / give exactly one of receiver_id, chat_id"
            )
        if not self.settings.tenant_id:
            raise ZzdError(
                "未配置浙政钉 tenantId（POLICYBOT_ZZD_TENANT_ID）/ 浙政钉 tenant_id is not configured"
            )
        token = await self.get_token()
        params: dict[str, Any] = {
            "access_token": token,
            "msg": msg if isinstance(msg, str) else json.dumps(msg, ensure_ascii=False),
            "tenantId": self.settings.tenant_id,
            "senderId": sender_id,
            "chatType": "1" if receiver_id is not None else "2",
            "receiverId": receiver_id,
            "chatId": chat_id,
        }
        return await self.call("POST", SEND_PATH, params)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> ZzdClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _content_or_raise(path: str, body: Any) -> dict[str, Any]:
    """Unwrap ``{"success": true, "content": {...}}``; raise on ``success: false`` at either level."""
    if not isinstance(body, dict):
        raise ZzdError(f"浙政钉接口 {path} 返回格式异常 / unexpected response from {path}")
    content = body.get("content", body)
    for layer in (body, content):
        if isinstance(layer, dict) and layer.get("success") is False:
            code = layer.get("errorCode") or layer.get("responseCode") or "?"
            message = layer.get("errorMsg") or layer.get("responseMessage") or ""
            detail = f"{code} {message}".strip()
            raise ZzdError(f"浙政钉接口 {path} 失败 {detail} / {path} failed: {detail}")
    return content if isinstance(content, dict) else {"data": content}
