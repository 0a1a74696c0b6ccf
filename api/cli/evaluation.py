"""`policybot eval [chat|retrieval|tasks] FILE.jsonl`."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.settings import Settings

KINDS = ("chat", "retrieval", "tasks")


def evaluate(
    args: list[str] = typer.Argument(..., metavar="[KIND] FILE", help="KIND is chat (default), retrieval or tasks."),
) -> None:
    """Evaluate the bot in-process on a JSONL question file.

    Examples:
        policybot eval ../shared/eval/dev.jsonl              # chat replies, same rules as score.py
        policybot eval retrieval ../shared/eval/dev.jsonl    # hit@k / MRR, ours vs a naive pipeline
        policybot eval tasks corpus/eval/profiles.jsonl      # enterprise profile → sub-task hit@1/hit@3
    """
    if len(args) == 1:
        kind, file = "chat", args[0]
    elif len(args) == 2 and args[0] in KINDS:
        kind, file = args
    else:
        raise typer.BadParameter(f"expected [KIND] FILE with KIND in {', '.join(KINDS)}; got {' '.join(args)}")
    path = Path(file)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")

    from bot.components import build_components

    components = build_components(Settings())
    if kind == "chat":
        from bot.evaluation import format_results, load_cases, run_cases

        results = run_cases(load_cases(path), components.chat)
        typer.echo(format_results(results))
        if any(r.failures for r in results):
            raise typer.Exit(1)
    elif kind == "retrieval":
        from corpus.evaluation import run_retrieval_eval

        typer.echo(run_retrieval_eval(path, components.index))
    else:
        from bot.match_eval import run_task_eval

        matcher = components.matcher
        if matcher is None:
            typer.echo("默认规划没有任务清单 / the default plan has no task catalogue", err=True)
            raise typer.Exit(2)
        typer.echo(run_task_eval(path, matcher))
