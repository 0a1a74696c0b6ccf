"""schemathesis against the app's own OpenAPI document, in process (ASGI), over the real components.

Checks: no 5xx, status codes / content types / bodies conform to the schema (errors use the uniform
body documented by api.errors), and invalid data is rejected. Bounded: a few examples per operation.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis import checks

from api.app import create_app
from tests.api._hardening_app import make_settings

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]

_built: dict[str, Any] = {}
SETTINGS = make_settings(rate_limit="")
# With a robot secret the DingTalk callback answers unsigned fuzz with 401, not "not configured" (503).
SETTINGS.dingtalk.app_secret = SecretStr("schemathesis-robot-secret")
# Building the app is cheap; the components are handed over by the fixture below before any call.
APP = create_app(SETTINGS, components_factory=lambda _settings: _built["components"])
# Loaded from the dict, not with `from_asgi`: that would run the lifespan (and build components) at
# collection time. schemathesis starts the lifespan on the first call and keeps it for the process.
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def _components(components: Any) -> None:
    """Real components, built once per session by tests/conftest.py."""
    _built["components"] = components


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.parametrize("path", ["/v1/chat", "/v1/chat/completions"])
def test_streaming_reply_type_is_documented(path: str) -> None:
    assert "text/event-stream" in APP.openapi()["paths"][path]["post"]["responses"]["200"]["content"]


def test_errors_are_documented_with_the_uniform_body() -> None:
    doc = APP.openapi()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["error"]
    for path_item in doc["paths"].values():
        for operation in path_item.values():
            for code in ("4XX", "5XX"):
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}
