"""The in-process evaluator applies the shared scorer's rules."""

from __future__ import annotations

import pytest

from bot.evaluation import check_reply, numbers_in, run_cases
from bot.schemas import ChatReply, Citation, FigureOut, TaskOut


def reply(answer: str = "", figures: list[FigureOut] | None = None, **kw: object) -> ChatReply:
    return ChatReply(answer=answer, intent="passage", figures=figures or [], session_id="s", **kw)  # type: ignore[arg-type]


def test_numbers_in_scales_wan_and_yi() -> None:
    assert numbers_in("目标3万个，收入1,400亿元") == [3.0, 30000.0, 1400.0, 140000000000.0]


@pytest.mark.parametrize(
    ("case", "rep", "passes"),
    [
        ({"numbers": [27.02], "tol": 0.02}, reply("年均需增长27.0%"), True),
        ({"numbers": [27.02]}, reply("年均需增长26%"), False),
        (
            {"numbers": [15]},
            reply("", [FigureOut(indicator="x", quantity="pp_change", value=15.0, unit="个百分点", formula="90-75")]),
            True,
        ),
        ({"answer_all": ["前言", "附件"]}, reply("包括前言、附件"), True),
        ({"answer_all": ["前言", "附件"]}, reply("包括前言"), False),
        ({"answer_any": ["以上", "不低于"]}, reply("95%以上"), True),
        ({"refuse": True}, reply("规划中未涉及房地产"), True),
        (
            {"refuse": True},
            reply("规划中未涉及", [FigureOut(indicator="x", quantity="t", value=1, unit="", formula="")]),
            False,
        ),
        ({"refuse": True}, reply("房价会上涨"), False),
        (
            {"cite": "温州大学"},
            reply("x", citations=[Citation(id="1", source="s", section="二", text="由温州大学承担", score=1)]),
            True,
        ),
        (
            {"tasks_any": ["加快园区平台数字化转型"]},
            reply("x", tasks=[TaskOut(task="制造业数字化赋能工程", subtask="加快园区平台数字化转型", score=1, why="")]),
            True,
        ),
        ({"tasks_any": ["加快园区平台数字化转型"]}, reply("x"), False),
    ],
)
def test_check_reply(case: dict, rep: ChatReply, passes: bool) -> None:
    assert (check_reply(case, rep) == []) is passes


class EchoService:
    """A fake chat service that remembers the previous question per session."""

    def __init__(self) -> None:
        self.last: dict[str, str] = {}

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        previous = self.last.get(session_id or "", "")
        self.last[session_id or ""] = question
        return reply(f"{previous}|{question}")


def test_turns_share_one_session() -> None:
    cases = [{"id": "M", "turns": [{"q": "a", "answer_any": ["|a"]}, {"q": "b", "answer_all": ["a|b"]}]}]
    results = run_cases(cases, EchoService())
    assert results[0].failures == []


def test_refusal_rates_count_refused_answerable_and_refusal_cases() -> None:
    from bot.evaluation import CaseResult, refusal_rates

    results = [
        CaseResult("a", [], 1.0, refused=False),
        CaseResult("b", ["the answer opens by saying the plan does not cover it"], 1.0, refused=True),
        CaseResult("c", [], 1.0, refused=True, expects_refusal=True),
        CaseResult("d", ["gave figures for an uncovered question"], 1.0, refused=True, expects_refusal=True),
        CaseResult("e", ["did not say the plan does not cover it"], 1.0, refused=False, expects_refusal=True),
    ]
    assert refusal_rates(results) == ("false refusals 1/2", "true refusals 1/3")
