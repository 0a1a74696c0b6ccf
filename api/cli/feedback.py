"""`policybot feedback export`: the 👍/👎 votes collected by `POST /v1/feedback`."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.settings import Settings

app = typer.Typer(no_args_is_help=True)


@app.command("export")
def export(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of standard output."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
) -> None:
    """Export every stored vote, oldest first.

    Examples:
        policybot feedback export
        policybot feedback export --format csv -o feedback.csv
    """
    from api.feedback import FEEDBACK_DB, SqliteFeedbackStore, as_csv, as_jsonl

    if fmt not in ("jsonl", "csv"):
        typer.echo(f"未知格式 {fmt} / unknown format {fmt!r} (jsonl or csv)", err=True)
        raise typer.Exit(2)
    path = Settings().data_dir / FEEDBACK_DB
    records = SqliteFeedbackStore(path).all() if path.exists() else []
    text = as_csv(records) if fmt == "csv" else as_jsonl(records)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已导出 {len(records)} 条反馈到 {out} / exported {len(records)} votes to {out}", err=True)
