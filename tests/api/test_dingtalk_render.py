"""ChatReply → DingTalk markdown: no tables or code blocks, lists for figures/citations, ≤ 20,000 bytes."""

from __future__ import annotations

import json

import pytest

from api.dingtalk.render import (
    MAX_MESSAGE_BYTES,
    TRIM_NOTE,
    format_number,
    markdown_messages,
    payload_bytes,
    reply_markdown,
    reply_messages,
    split_text,
    to_dingtalk_markdown,
)
from bot.schemas import ChatReply, Citation, FigureOut, TaskOut


def _reply(answer: str, **extra: object) -> ChatReply:
    return ChatReply(answer=answer, intent="indicator", session_id="s1", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "| 指标 | 2020 | 2025 |\n|:---|---:|:-:|\n| 5G基站（个） | 9072 | 30000 |",
            "- 指标：5G基站（个）；2020：9072；2025：30000",
        ),
        ("前言\n| a | b |\n| c | d |\n后记", "前言\n- a / b\n- c / d\n后记"),  # no header row
        ("```python\nx = 1\n\ny = 2\n```", "> x = 1\n>\n> y = 2"),
        ("运行 `policybot ask` 即可", "运行 policybot ask 即可"),
        (
            "## 标题\n- 列表\n> 引用\n**粗体** [链接](https://example.org)",
            "## 标题\n- 列表\n> 引用\n**粗体** [链接](https://example.org)",
        ),
        ("单元格 | 不在行首的竖线", "单元格 | 不在行首的竖线"),
        (
            "**出处**\n[1] 附件（plan.txt）：5G\n[2] 任务（plan.txt）：云",
            "**出处**\n- [1] 附件（plan.txt）：5G\n- [2] 任务（plan.txt）：云",
        ),
    ],
)
def test_to_dingtalk_markdown(source: str, expected: str) -> None:
    assert to_dingtalk_markdown(source) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30000.0, "30000"),
        (27.02, "27.02"),
        (27.019999999, "27.02"),
        (0.5, "0.5"),
        (-3.0, "-3"),
        (1e7, "10000000"),
    ],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


def test_reply_markdown_lists_figures_tasks_and_citations() -> None:
    reply = _reply(
        "到2025年，5G基站数量目标为 **30000 个**。",
        figures=[
            FigureOut(
                indicator="5G基站数量",
                quantity="cagr",
                value=27.02,
                unit="%",
                formula="(30000/9072)^(1/5)-1",
                inputs={"base": 9072, "target": 30000, "years": 5},
            ),
        ],
        tasks=[
            TaskOut(
                task="数字基建全面提速工程", subtask="全面建设5G等新一代网络基础设施", score=0.9, why="5G"
            )
        ],
        citations=[
            Citation(
                id="c1",
                source="plan.txt",
                section="三、主要内容 > （四）主要任务",
                text="到2025年，累计建成5G基站3万个。",
                score=0.8,
            ),
        ],
    )
    assert reply_markdown(reply) == (
        "到2025年，5G基站数量目标为 **30000 个**。\n\n"
        "**计算依据**\n"
        "- 5G基站数量 年均增速：**27.02%**"
        "（公式 (30000/9072)^(1/5)-1）\n\n"
        "**相关任务**\n"
        "- 数字基建全面提速工程 › 全面建设5G等新一代网络基础设施：5G\n\n"
        "**出处**\n"
        "- [1] 三、主要内容 > （四）主要任务：到2025年，累计建成5G基站3万个。"
    )


def test_long_citation_is_shortened() -> None:
    text = "很" * 150
    reply = _reply("答", citations=[Citation(id="c", source="p.txt", section="", text=text, score=1.0)])
    assert reply_markdown(reply).endswith("：" + "很" * 100 + "…")


def test_no_tables_or_code_fences_survive() -> None:
    reply = _reply("| a | b |\n|---|---|\n| 1 | 2 |\n```\ncode\n```")
    text = reply_messages(reply, title="t")[0].markdown.text
    assert "|" not in text and "```" not in text


def test_short_reply_is_one_message_without_at() -> None:
    messages = reply_messages(_reply("5G基站目标 30000 个。"), title="规划问答")
    assert len(messages) == 1
    assert messages[0].payload() == {
        "msgtype": "markdown",
        "markdown": {"title": "规划问答", "text": "5G基站目标 30000 个。"},
        "at": {"atUserIds": [], "isAtAll": False},
    }


def test_group_reply_ats_the_asker_once() -> None:
    messages = markdown_messages("一\n" * 6000, title="t", at_user_id="staff42")  # 30,000 escaped bytes
    assert len(messages) == 2
    assert messages[0].markdown.text.startswith("@staff42\n\n")
    assert messages[0].at.at_user_ids == ["staff42"]
    assert messages[1].at.at_user_ids == []
    assert "@staff42" not in messages[1].markdown.text


def test_30000_character_answer_is_trimmed_to_three_messages_within_20000_bytes() -> None:
    answer = "数字经济" * 7500  # 30,000 characters, 90,000 bytes: would need 5 messages
    messages = reply_messages(_reply(answer), title="规划问答", at_user_id="u1")
    assert len(messages) == 3
    assert all(payload_bytes(m) <= MAX_MESSAGE_BYTES for m in messages)
    # What the webhook really receives: the JSON body, UTF-8.
    assert all(len(json.dumps(m.payload(), ensure_ascii=False).encode()) <= 20_000 for m in messages)
    assert messages[-1].markdown.text.endswith(TRIM_NOTE)
    assert [m.markdown.title for m in messages] == ["规划问答（1/3）", "规划问答（2/3）", "规划问答（3/3）"]
    assert messages[1].markdown.text.startswith("**（续 2/3）**")
    # Nearly all of the allowed bytes carry the answer: at least 3 × 19,000 bytes of it.
    kept = sum(m.markdown.text.count("数字经济") for m in messages)
    assert kept * 12 >= 57_000


def test_split_keeps_every_line_when_it_fits_in_the_parts() -> None:
    lines = [f"第{i}行：" + "规划" * 40 for i in range(200)]  # ~50 KB in 200 lines
    messages = markdown_messages("\n".join(lines), title="t", max_parts=5)
    assert all(payload_bytes(m) <= MAX_MESSAGE_BYTES for m in messages)
    assert not any(TRIM_NOTE in m.markdown.text for m in messages)
    bodies = [m.markdown.text.split("\n\n", 1)[1] if i else m.markdown.text for i, m in enumerate(messages)]
    assert "\n".join(bodies).split("\n") == lines  # split at line boundaries, nothing lost or reordered


def test_json_escaping_is_counted() -> None:
    # 15,000 quotes are 15,000 bytes of text but 30,000 bytes once escaped in the JSON body.
    messages = markdown_messages('"' * 15_000, title="t")
    assert len(messages) == 2
    assert all(payload_bytes(m) <= MAX_MESSAGE_BYTES for m in messages)


def test_hard_wrap_never_cuts_a_character() -> None:
    chunks = split_text("😀" * 100, 40)  # 4-byte characters, 10 per chunk
    assert chunks == ["😀" * 10] * 10


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_parts"):
        markdown_messages("x", title="t", max_parts=0)
    with pytest.raises(ValueError, match="budget"):
        split_text("x", 2)


def test_sections_the_answer_already_has_are_not_repeated() -> None:
    answer = (
        "5G基站数量2025年目标为**30000个**。\n\n**计算**\n"
        "- 5G基站数量·目标值：**30000个**，算式 `2025年目标=30000`"
        "\n\n**出处**\n[1] 附件（plan.txt）：5G基站数量（个）｜2025年：30000"
    )
    reply = _reply(
        answer,
        figures=[FigureOut(indicator="5G基站数量", quantity="target", value=30000.0, unit="个", formula="f")],
        citations=[Citation(id="c", source="plan.txt", section="附件", text="5G基站", score=1.0)],
    )
    assert reply_markdown(reply) == (
        "5G基站数量2025年目标为**30000个**。\n\n**计算**\n"
        "- 5G基站数量·目标值：**30000个**，算式 2025年目标=30000"
        "\n\n**出处**\n- [1] 附件（plan.txt）：5G基站数量（个）｜2025年：30000"
    )
