"""The `policybot` console script: one module per command group, wired here.

Examples:
    policybot serve --port 8000
    policybot ask "5G基站每年平均要增长百分之几？" --json
    policybot eval ../shared/eval/dev.jsonl
    policybot eval retrieval ../shared/eval/dev.jsonl
    policybot eval tasks corpus/eval/profiles.jsonl
    policybot indicators audit
    policybot ingest path/to/另一份规划.docx
    policybot feedback export --format csv -o feedback.csv
    policybot actuals import corpus/actuals/sample-actuals-wide.csv
    policybot evaluate --year 2025
    policybot report --year 2025 --out 评估报告.docx
"""

from __future__ import annotations

import typer

from api.cli import chat as chat_cli
from api.cli import dingtalk as dingtalk_cli
from api.cli import evaluation as eval_cli
from api.cli import feedback as feedback_cli
from api.cli import indicators as indicators_cli
from api.cli import monitoring as monitoring_cli
from api.cli import plans as plans_cli

app = typer.Typer(
    name="policybot",
    help="规划问答助手 / Q&A assistant for government plans (cited passages, exact figures).",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(chat_cli.serve)
app.command("ask")(chat_cli.ask)
app.command("eval")(eval_cli.evaluate)
app.command("ingest")(plans_cli.ingest)
app.command("dingtalk-stream")(dingtalk_cli.stream_command)
app.add_typer(indicators_cli.app, name="indicators", help="The plan's indicator table and computations.")
app.add_typer(plans_cli.app, name="plans", help="The plan library: list, show, remove plans.")
app.add_typer(feedback_cli.app, name="feedback", help="👍/👎 votes from the web page (POST /v1/feedback).")
app.add_typer(monitoring_cli.app, name="actuals", help="Actual figures: import, list, revision history.")
app.command("evaluate")(monitoring_cli.evaluate_cmd)
app.command("report")(monitoring_cli.report_cmd)


def main() -> None:
    app()


if __name__ == "__main__":  # `python -m api.cli.main serve` runs this checkout (tests rely on it)
    main()
