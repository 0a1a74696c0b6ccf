"""deploy/: the compose file, nginx config and Dockerfile hang together (Docker cannot run here, so their
structure is checked; tests/api/test_replicas.py runs the same topology as processes on loopback)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _defaults(value: str) -> str:
    """``${NAME:-default}`` → default, as compose substitutes it when NAME is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


@pytest.fixture
def api_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings an api replica starts with (every variable must be one policybot reads)."""
    for name, value in compose["services"]["api"]["environment"].items():
        monkeypatch.setenv(name, _defaults(str(value)))
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"api", "redis", "postgres", "chroma", "nginx"}
    assert services["api"]["deploy"]["replicas"] >= 2
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    assert services["api"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert services["chroma"]["image"] == services["api"]["image"]  # one chromadb version for client and server


def test_every_api_variable_is_a_setting(compose: dict[str, Any]) -> None:
    names = set(compose["services"]["api"]["environment"])
    sections = set(Settings.model_fields)
    for name in names:
        rest = name.removeprefix("POLICYBOT_").lower()
        section, _, field = rest.partition("_")
        fields = Settings.model_fields[section].annotation.model_fields if section in sections else {}  # type: ignore[union-attr]
        assert rest in sections or field in fields, name


def test_replicas_share_redis_postgres_and_chroma(api_settings: Settings, compose: dict[str, Any]) -> None:
    s = api_settings
    assert (s.redis.url, s.session.backend, s.dingtalk_shared, s.rate_limit_storage) == (
        "redis://redis:6379/0", "redis", True, "redis://redis:6379/0")
    assert s.database_url == "postgresql+psycopg://policybot:policybot@postgres:5432/policybot"
    chroma = compose["services"]["chroma"]["command"]
    assert (s.vectorstore.mode, s.vectorstore.host, s.vectorstore.port) == (
        "chroma-http", "chroma", int(chroma[chroma.index("--port") + 1]))
    assert (s.server.host, s.server.port, str(s.data_dir)) == ("0.0.0.0", 8000, "/data")


def test_ingested_plans_are_one_shared_volume(api_settings: Settings, compose: dict[str, Any]) -> None:
    assert f"plans:{api_settings.data_dir}/plans" in compose["services"]["api"]["volumes"]
    assert "plans" in compose["volumes"]


def test_only_nginx_is_a_trusted_proxy(api_settings: Settings, compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    address = nginx["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert api_settings.server.trusted_proxies == [address]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]


def test_nginx_config(api_settings: Settings) -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(rf"server api:{api_settings.server.port}\b", conf)
    locations = re.findall(r"location [^{]+\{(.*?)\n    \}", conf, flags=re.S)
    assert len(locations) == 2
    for body in locations:
        assert "proxy_pass http://policybot;" in body
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in body
    assert "proxy_buffering off;" in locations[0]  # streamed answers
    upload_mb = int(re.search(r"client_max_body_size (\d+)m;", locations[1]).group(1))  # type: ignore[union-attr]
    assert upload_mb >= 4 * api_settings.corpus.max_file_mb  # the app accepts a few files per upload


def test_dockerfile_copies_what_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    root = DEPLOY.parent
    copied = [src for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.M) for src in line.split()[:-1]]
    assert copied == ["pyproject.toml", "README.md", "api", "bot", "corpus", "indicators"]
    for source in copied:
        assert (root / source).exists(), source
    assert 'CMD ["policybot", "serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile
