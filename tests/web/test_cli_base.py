"""`policybot ask --base URL` answers through a running server without loading anything itself."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli_app
from tests.web._browser import Server


def test_ask_with_base_uses_the_server_not_local_components(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_local_build(*_args: object) -> None:
        raise AssertionError("ask --base must not build components")

    monkeypatch.setattr("bot.components.build_components", no_local_build)
    question = "在役工业机器人每年平均要增长百分之几？"
    result = CliRunner().invoke(cli_app, ["ask", question, "--base", server.url, "--json"])
    assert result.exit_code == 0, result.output
    reply = json.loads(result.output)
    assert reply["intent"] == "compute"
    assert [f["value"] for f in reply["figures"]] == [18.75]


def test_ask_with_an_unreachable_base_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli_app, ["ask", "你好", "--base", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "无法连接 http://127.0.0.1:9" in result.output
