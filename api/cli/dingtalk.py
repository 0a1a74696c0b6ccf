"""`policybot dingtalk-stream`: run the DingTalk robot in Stream mode (no public URL needed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import typer

from bot.settings import Settings


def stream_command(
    log_level: str = typer.Option("info", help="Log level: debug, info, warning, error."),
) -> None:
    """Connect to DingTalk in Stream mode and answer robot messages until Ctrl-C.

    Needs POLICYBOT_DINGTALK_CLIENT_ID and POLICYBOT_DINGTALK_CLIENT_SECRET (the robot app's
    AppKey/AppSecret, "Stream 模式" chosen as the message receiving mode).

    Examples:
        POLICYBOT_DINGTALK_CLIENT_ID=ding... POLICYBOT_DINGTALK_CLIENT_SECRET=... policybot dingtalk-stream
        policybot dingtalk-stream --log-level debug
    """
    from api.dingtalk.stream import StreamConfigError, run_stream, stream_credentials

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        # Check credentials before the (slow) index load, so a misconfiguration fails at once.
        stream_credentials(settings)
    except StreamConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    from bot.components import build_components

    chat = build_components(settings).chat
    typer.echo("DingTalk Stream mode: connecting… (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_stream(settings, chat))
