"""The verifier: every number and every [n] of an LLM answer must be grounded in this turn."""

from __future__ import annotations

import pytest

from bot.llm.verifier import cited_indices, extract_numbers, figures_from_tool_result, verify_answer
from bot.schemas import FigureOut

FIVE_G = FigureOut(
    indicator="5G基站数量",
    quantity="cagr",
    value=27.02,
    unit="%",
    formula="(30000/9072)^(1/5)-1",
    inputs={"base": 9072, "target": 30000, "years": 5},
)
PASSAGES = [
    "5G基站数量（个） 9072 30000 根据《纲要》",  # [1]
    "数字经济增加值（亿元） 2916* 6500 按年均增幅15%以上",  # [2]
    "11月3日，《规划》（送审稿）经市政府第96次常务会议审议通过。",  # [3]
]


def bad_numbers(answer: str, *, figures: list[FigureOut] | None = None, question: str = "",
                trusted: tuple[str, ...] = ()) -> list[str]:
    found = verify_answer(answer, citations=PASSAGES, figures=figures or [], question=question,
                          trusted_texts=trusted)
    return [v.token for v in found if v.kind == "number"]


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        # formatting of the same quantity
        ("2025年5G基站达到3万个[1]。", []),
        ("5G基站目标三万个[1]。", []),
        ("目标３万个[1]。", []),
        ("数字经济增加值6500亿元[2]。", []),
        ("数字经济增加值0.65万亿元[2]。", []),
        ("数字经济增加值6,500亿元[2]。", []),
        ("年均增幅15%以上[2]。", []),
        ("第96次常务会议审议通过[3]。", []),
        ("11月3日审议通过[3]。", []),
        # engine figure, rounded but never more precise than the engine
        ("年均增长27.02%。", []),
        ("年均增长27.0%。", []),
        ("年均增长约27%。", []),
        ("年均增长百分之二十七。", []),
        ("年均增长27.1%。", ["27.1"]),
        ("年均增长27.024%。", ["27.024"]),
        ("由9072个增至30000个，共5年。", []),  # figure inputs are engine numbers too
        ("算式为 (30000/9072)^(1/5)-1。", []),  # and so is the formula
        # invented numbers
        ("2025年5G基站达到99999个[1]。", ["99999"]),
        ("到2030年达到3万个[1]。", ["2030"]),
        ("5G基站目标四万个[1]。", ["四万"]),
        ("第97次常务会议[3]。", ["97"]),
        # a number from a passage that is not cited does not count
        ("2019年增加值2916亿元[1]。", ["2019", "2916亿"]),
        ("2019年增加值2916亿元。", ["2019", "2916亿"]),
        # prose, names and structure are not quantities
        ("“十四五”期间，一是做强产业，两区两中心，打造千亿级产业集群[2]。", []),
        ("第十四个五年规划[2]。", []),
        ("1. 数字产业化[1]\n2. 产业数字化[2]\n（3）治理数字化", []),
    ],
)
def test_numbers(answer: str, bad: list[str]) -> None:
    assert bad_numbers(answer, figures=[FIVE_G], question="2025年目标？") == bad


def test_numbers_in_the_question_and_trusted_text_are_allowed() -> None:
    assert bad_numbers("二〇二五年达到1.2万家", question="2025年的目标？", trusted=("目标12000家",)) == []
    assert bad_numbers("二〇二六年达到1.2万家") == ["二〇二六", "1.2万"]


@pytest.mark.parametrize(
    ("answer", "bad"),
    [
        ("见[1]与[3]。", []),
        ("见[1-3]与【2】。", []),
        ("见[1,2]。", []),
        ("见[9]。", ["[9]"]),
        ("见[0]和【4】。", ["[0]", "[4]"]),
        ("见[9]又见[9]。", ["[9]"]),
    ],
)
def test_citations(answer: str, bad: list[str]) -> None:
    found = verify_answer(answer, citations=PASSAGES, figures=[])
    assert [v.token for v in found if v.kind == "citation"] == bad


def test_violation_messages_are_bilingual() -> None:
    (v,) = verify_answer("达到99999个。", citations=[], figures=[])
    assert "99999" in v.message and "number" in v.message and "数字" in v.message


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3万", [3.0, 30000.0]),
        ("1,400", [1400.0]),
        ("27.02%", [27.02]),
        ("二〇二五年", [2025.0]),
        ("百分之二十七点五", [27.5]),
        ("两千七百二十亿元", [2720.0]),
    ],
)
def test_extract_numbers(text: str, values: list[float]) -> None:
    (mention,) = extract_numbers(text)
    assert all(any(abs(c - v) < 1e-9 for c, _ in mention.candidates) for v in values)


def test_cited_indices() -> None:
    assert cited_indices("[2]、【3】、[4-5]、[6，7]") == [2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("result", "values"),
    [
        ({"figures": [{"indicator": "a", "quantity": "cagr", "value": 1.5, "unit": "%"}]}, [1.5]),
        ({"indicator": "a", "value": 2, "unit": "个", "extra": "ignored"}, [2.0]),
        ([{"indicator": "a", "value": 3}, {"indicator": "b", "value": 4}], [3.0, 4.0]),
        ('{"indicator": "a", "value": 5}', [5.0]),
        ({"error": "unknown indicator"}, []),
        ("not json", []),
        (42, []),
    ],
)
def test_figures_from_tool_result(result: object, values: list[float]) -> None:
    assert [f.value for f in figures_from_tool_result(result)] == values
