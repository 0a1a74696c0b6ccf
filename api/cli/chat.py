"""`policybot serve` and `policybot ask`."""

from __future__ import annotations

import json
import os
from typing import Any

import typer

from bot.settings import SessionSettings, Settings


def serve(
    host: str | None = typer.Option(None, help="Bind address (default from settings: 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default from settings: 8000)."),
    workers: int | None = typer.Option(None, min=1, help="uvicorn worker processes."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Start the HTTP service (chat, indicators, tasks, OpenAI-compatible and DingTalk endpoints).

    Examples:
        policybot serve
        policybot serve --host 0.0.0.0 --port 8080 --workers 2
    """
    import uvicorn

    from api.http_protocol import HeaderLimits, PolicybotHttpProtocol
    from api.logging_setup import configure_logging

    settings = Settings()
    # Our redacting JSON logs replace uvicorn's plain access log (which would show query strings).
    configure_logging(log_level.upper(), settings=settings)
    server = settings.server
    PolicybotHttpProtocol.configure(
        HeaderLimits(server.max_headers, server.max_header_bytes, server.header_timeout_seconds)
    )
    quiet: dict[str, Any] = {
        "log_config": None,
        "access_log": False,
        "log_level": log_level,
        # Header limits and uniform error bodies for protocol errors (api.http_protocol).
        "http": PolicybotHttpProtocol,
        # Forwarded headers are handled by the app from `server.trusted_proxies` (api.middleware);
        # uvicorn's own handling would trust 127.0.0.1 by default.
        "proxy_headers": False,
    }
    host = host or settings.server.host
    port = port or settings.server.port
    workers = workers or settings.server.workers
    if workers > 1:
        # Build (or verify) the persistent index once here, so workers only ever open a finished one.
        from bot.components import prepare_index

        prepare_index(settings)
        os.environ.setdefault("POLICYBOT_DATA_DIR", str(settings.data_dir))
        # Follow-up questions may land on any worker: share sessions (Redis when configured, else SQLite).
        os.environ.setdefault("POLICYBOT_SESSION_BACKEND", "redis" if settings.redis.url else "sqlite")
        os.environ.setdefault("POLICYBOT_LOG_LEVEL", log_level.upper())
        uvicorn.run("api.main:create_app_from_env", factory=True, host=host, port=port, workers=workers, **quiet)
        return
    from api.app import create_app

    typer.echo(f"policybot: loading the index and models for {public_url(host, port)} …", err=True)
    app = create_app(settings)
    app.state.ready_banner = f"policybot ready — open {public_url(host, port)}"
    uvicorn.run(app, host=host, port=port, **quiet)


def public_url(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard bind is reachable on loopback).

    >>> public_url("0.0.0.0", 8080)
    'http://127.0.0.1:8080/'
    """
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def ask(
    question: str = typer.Argument(..., help="The question, e.g. 5G基站每年平均要增长百分之几？"),
    as_json: bool = typer.Option(False, "--json", help="Print the full JSON reply (same as POST /v1/chat)."),
    session: str | None = typer.Option(None, "--session", help="Session id, to ask follow-up questions."),
    base: str | None = typer.Option(
        None, "--base", envvar="POLICYBOT_BASE_URL", help="A running server, e.g. http://127.0.0.1:8000 (fast)."
    ),
    api_key: str | None = typer.Option(None, "--api-key", envvar="POLICYBOT_API_KEY", help="Key for --base."),
) -> None:
    """Ask one question: through a running server with --base (instant), else in-process (loads models first).

    Examples:
        policybot ask "5G基站2025年目标是多少？" --base http://127.0.0.1:8000
        policybot ask "5G基站2025年目标是多少？"
        policybot ask "那年均增长率呢？" --session s1 --json
    """
    if base:
        reply_json = ask_server(base, question, session, api_key)
        typer.echo(json.dumps(reply_json, ensure_ascii=False, indent=2) if as_json else reply_json["answer"])
        return
    from bot.components import build_components
    from bot.validation import QuestionError, check_session_id, clean_question

    # Sessions outlive this process so that `--session` follow-ups work across invocations.
    settings = Settings(session=SessionSettings(backend="sqlite"))
    try:
        text = clean_question(question, settings.server.max_question_chars)
        session_id = check_session_id(session)
    except QuestionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo("正在加载指标表、索引与模型（首次需建索引，约一分钟）… / loading table, index and models …", err=True)
    components = build_components(settings)
    typer.echo(f"已就绪（{components.startup_seconds:.1f} 秒）/ ready, answering …", err=True)
    reply = components.chat.answer(text, session_id)
    if as_json:
        typer.echo(json.dumps(reply.model_dump(), ensure_ascii=False, indent=2))
    else:
        typer.echo(reply.answer)


def ask_server(base: str, question: str, session: str | None, api_key: str | None) -> dict[str, Any]:
    """POST the question to `base`/v1/chat; errors exit with the server's bilingual message."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body: dict[str, Any] = {"question": question}
    if session:
        body["session_id"] = session
    try:
        response = httpx.post(f"{base.rstrip('/')}/v1/chat", json=body, headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        typer.echo(f"无法连接 {base}：{exc} / cannot reach {base}", err=True)
        raise typer.Exit(1) from exc
    data: dict[str, Any] = response.json() if response.content else {}
    if response.status_code != 200:
        message = (data.get("error") or {}).get("message") or response.text[:200]
        typer.echo(f"{response.status_code}: {message}", err=True)
        raise typer.Exit(1)
    return data
