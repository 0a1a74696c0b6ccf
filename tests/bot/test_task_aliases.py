"""Short task names: curated ones are data (the catalogue's `task_aliases`), the rest generated per plan."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("question", "task"),
    [("新基建包括哪些子任务？", "数字基建全面提速工程"), ("能级提升有哪些子任务", "数字经济产业能级提升工程")],
)
def test_curated_short_names_reach_the_list_answer(components: Any, question: str, task: str) -> None:
    reply = components.chat.answer(question)
    assert reply.intent == "list" and task in reply.answer.split("\n\n")[0]


def test_generated_short_name_is_the_task_without_its_kind(components: Any) -> None:
    aliases = components.default_context().task_alias_map["数字基建全面提速工程"]
    assert aliases == ["数字基建", "基建提速", "新基建", "数字基建全面提速"]
