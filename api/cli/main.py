"""The `policybot` console script: one module per command group, wired here.

Examples:
    policybot serve --port 8000
    policybot ask "5G基站每年平均要增长百分之几？" --json
    policybot eval ../shared/eval/dev.jsonl
    policybot eval retrieval ../shared/eval/dev.jsonl
    policybot eval tasks corpus/eval/profiles.jsonl
    policybot indicators audit
    policybot ingest path/to/另一份规划.docx
"""

from __future__ import annotations

import typer

from api.cli import chat as chat_cli
from api.cli import corpus as corpus_cli
from api.cli import dingtalk as dingtalk_cli
from api.cli import evaluation as eval_cli
from api.cli import indicators as indicators_cli

app = typer.Typer(
    name="policybot",
    help="温州市数字经济“十四五”规划问答助手 / Q&A assistant for the Wenzhou digital-economy plan.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(chat_cli.serve)
app.command("ask")(chat_cli.ask)
app.command("eval")(eval_cli.evaluate)
app.command("ingest")(corpus_cli.ingest)
app.command("dingtalk-stream")(dingtalk_cli.stream_command)
app.add_typer(indicators_cli.app, name="indicators", help="The plan's indicator table and computations.")


def main() -> None:
    app()


if __name__ == "__main__":  # `python -m api.cli.main serve` runs this checkout (tests rely on it)
    main()
