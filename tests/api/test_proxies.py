"""Trusted proxies decide whose address is rate-limited; the default limit is from measured capacity.

Red-team case: X-Forwarded-For was believed from 127.0.0.1 (uvicorn's default), so a client behind a
local proxy — or on the same host — could rotate the header and dodge the per-IP limit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bot.settings import ServerSettings, Settings
from tests.api._hardening_app import NORMAL_QUESTION, assert_uniform_error, build_app, make_settings

Q = {"question": NORMAL_QUESTION}
ROOT = Path(__file__).resolve().parents[2]


def _statuses(client: TestClient, forwarded_for: list[str]) -> list[int]:
    return [client.post("/v1/chat", json=Q, headers={"X-Forwarded-For": ip}).status_code for ip in forwarded_for]


def test_forwarded_for_ignored_by_default_even_from_loopback() -> None:
    """Limit 2/minute; three requests from 127.0.0.1 with three different X-Forwarded-For: the third is 429."""
    app = build_app(make_settings(rate_limit="2/minute"))
    with TestClient(app, client=("127.0.0.1", 40000)) as client:
        assert _statuses(client, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 429]


def test_trusted_proxy_forwarded_for_is_the_rate_limit_key() -> None:
    """Behind a trusted proxy each forwarded client has its own bucket; one client still hits its limit."""
    app = build_app(make_settings(rate_limit="2/minute", trusted_proxies=["10.0.0.0/8"]))
    with TestClient(app, client=("10.1.2.3", 40000)) as client:
        assert _statuses(client, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 200]
        assert _statuses(client, ["198.51.100.1", "198.51.100.1"]) == [200, 429]
        # A spoofed left-most entry does not help: the right-most untrusted hop is the client.
        response = client.post("/v1/chat", json=Q, headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.1"})
        assert_uniform_error(response, 429)


def test_untrusted_peer_cannot_forward() -> None:
    """The proxy list names 10.0.0.0/8; a peer outside it is limited by its own address."""
    app = build_app(make_settings(rate_limit="2/minute", trusted_proxies=["10.0.0.0/8"]))
    with TestClient(app, client=("192.0.2.7", 40000)) as client:
        assert _statuses(client, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 429]


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("", []), ("10.0.0.1", ["10.0.0.1"]), ("10.0.0.1, 172.16.0.0/12", ["10.0.0.1", "172.16.0.0/12"]),
     ('["::1", "127.0.0.1"]', ["::1", "127.0.0.1"])],
)
def test_trusted_proxies_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, parsed: list[str]) -> None:
    monkeypatch.setenv("POLICYBOT_SERVER_TRUSTED_PROXIES", raw)
    assert Settings(_env_file=None).server.trusted_proxies == parsed  # type: ignore[call-arg]


@pytest.mark.parametrize("bad", ["*", "proxy.example", "10.0.0.1/33"])
def test_trusted_proxies_must_be_addresses(bad: str) -> None:
    with pytest.raises(ValidationError, match="must be IP addresses or CIDR networks"):
        ServerSettings(trusted_proxies=[bad])


def test_default_is_no_trusted_proxy_and_600_per_minute() -> None:
    server = Settings(_env_file=None).server  # type: ignore[call-arg]
    assert server.trusted_proxies == []
    assert server.rate_limit == "600/minute"


def test_readme_and_settings_agree_on_the_default_limit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "POLICYBOT_SERVER_TRUSTED_PROXIES" in readme
    defaults = set(re.findall(r"default[^.\n]*?`(\d+/minute)`", readme))
    assert defaults == {"600/minute"}, defaults
