"""Run a JSONL question file through a chat service in-process, with the shared scorer's rules.

The case keys and checks follow ../shared/eval/README.md: numbers, numbers_all, tol, answer_any,
answer_all, cite, tasks_any, refuse, turns; plus ``answer_none`` (strings the answer must not contain,
used by our table-driven cases). A case without ``refuse`` fails when the answer's first paragraph
says the plan does not cover it, as in the shared scorer.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.schemas import ChatReply, ChatService

REFUSAL_MARKERS = (
    "未找到",
    "没有找到",
    "没有相关",
    "未涉及",
    "没有涉及",
    "不在",
    "无法回答",
    "暂无",
    "未包含",
    "不包含",
    "没有提及",
    "未提及",
    "超出",
    "未列出",
    "没有列出",
    "不涉及",
    "无相关",
    "没有该",
    "未设",
)
# An answer whose first paragraph says one of these refuses, whatever follows (the shared scorer's rule).
NOT_FOUND_MARKERS = ("未找到", "没有找到", "未涉及", "没有涉及", "不涉及", "无法回答", "没有相关", "无相关")
_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
_NUMBER = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万亿|亿|万)?")
_SCALE = {"万": 1e4, "亿": 1e8, "万亿": 1e12}


def squash(text: str | None) -> str:
    """Full-width → half-width, whitespace removed: how answers are compared."""
    return re.sub(r"\s+", "", (text or "").translate(_FULL_WIDTH))


def numbers_in(text: str) -> list[float]:
    """Every number written in `text`, plus its scaled value when followed by 万/亿/万亿."""
    found: list[float] = []
    for m in _NUMBER.finditer(squash(text)):
        value = float(m.group(1).replace(",", ""))
        found.append(value)
        if m.group(2):
            found.append(value * _SCALE[m.group(2)])
    return found


def _has_number(candidates: Iterable[float], want: float, tol: float) -> bool:
    slack = tol * abs(want) + 1e-9
    return any(abs(c - want) <= slack or abs(c * 100 - want) <= slack for c in candidates)


def opens_with_refusal(answer: str) -> bool:
    """The first paragraph says the plan does not cover the question (未找到 / 未涉及 …)."""
    lead = answer.strip().split("\n\n", 1)[0][:120]
    return any(marker in lead for marker in NOT_FOUND_MARKERS)


def check_reply(case: dict[str, Any], reply: ChatReply) -> list[str]:
    """Reasons the reply fails the case (empty list = pass)."""
    why: list[str] = []
    candidates = numbers_in(reply.answer) + [f.value for f in reply.figures]
    tol = float(case.get("tol", 0.005))
    if "numbers" in case and not any(_has_number(candidates, w, tol) for w in case["numbers"]):
        why.append(f"none of {case['numbers']} in reply")
    why += [f"{w} missing" for w in case.get("numbers_all", []) if not _has_number(candidates, w, tol)]
    answer = squash(reply.answer)
    if "answer_any" in case and not any(squash(s) in answer for s in case["answer_any"]):
        why.append(f"answer lacks any of {case['answer_any']}")
    why += [f"answer lacks {s}" for s in case.get("answer_all", []) if squash(s) not in answer]
    if "cite" in case and not any(squash(case["cite"]) in squash(c.text) for c in reply.citations):
        why.append(f"no citation contains {case['cite']}")
    if "tasks_any" in case:
        names = {squash(name) for t in reply.tasks[:5] for name in (t.subtask, t.task)}
        if not any(squash(t) in names or squash(t) in answer for t in case["tasks_any"]):
            why.append(f"no task of {case['tasks_any']}")
    why += [f"answer contains {s}" for s in case.get("answer_none", []) if squash(s) in answer]
    if not case.get("refuse") and opens_with_refusal(reply.answer):
        why.append("the answer opens by saying the plan does not cover it")
    if case.get("refuse"):
        if not any(marker in answer for marker in REFUSAL_MARKERS):
            why.append("did not say the plan does not cover it")
        if reply.figures:
            why.append("gave figures for an uncovered question")
    return why


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    failures: list[str]
    latency_ms: float
    refused: bool = False  # the (last) answer refused: out_of_scope, or it opens saying 未找到/未涉及
    expects_refusal: bool = False


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file of cases; blank lines are ignored."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_cases(cases: Sequence[dict[str, Any]], service: ChatService) -> list[CaseResult]:
    """Send each case (or each turn of a multi-turn case, with one session) to the service."""
    results = []
    for case in cases:
        session = uuid.uuid4().hex
        failures: list[str] = []
        started = time.perf_counter()
        refused, expects = False, False
        for step in case.get("turns", [case]):
            reply = service.answer(step["q"], session)
            failures = check_reply(step, reply)
            refused = reply.intent == "out_of_scope" or opens_with_refusal(reply.answer)
            expects = bool(step.get("refuse"))
            if failures:
                break
        elapsed = (time.perf_counter() - started) * 1000
        results.append(CaseResult(str(case.get("id", "?")), failures, elapsed, refused, expects))
    return results


def refusal_rates(results: Sequence[CaseResult]) -> tuple[str, str]:
    """("false refusals k/n", "true refusals k/m"): answerable cases refused, refusal cases refused."""
    answerable = [r for r in results if not r.expects_refusal]
    uncovered = [r for r in results if r.expects_refusal]
    false_ = sum(r.refused for r in answerable)
    true_ = sum(r.refused and not r.failures for r in uncovered)
    return f"false refusals {false_}/{len(answerable)}", f"true refusals {true_}/{len(uncovered)}"


def format_results(results: Sequence[CaseResult]) -> str:
    lines = [
        f"{'ok  ' if not r.failures else 'FAIL'} {r.case_id}" + (f": {'; '.join(r.failures)}" if r.failures else "")
        for r in results
    ]
    passed = sum(1 for r in results if not r.failures)
    lines.append("; ".join(refusal_rates(results)))
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)
