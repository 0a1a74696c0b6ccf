"""The resolver's plan words (region names) come from data: the table's drop words or a parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.resolver import resolve
from indicators.catalog import DEFAULT_DROP_WORDS, IndicatorTable, load_default_table, load_drop_words


@pytest.fixture(scope="module")
def bare() -> IndicatorTable:
    """The shipped rows and aliases without the plan's drop words, as a new plan would start."""
    return IndicatorTable(load_default_table().indicators)


def test_shipped_drop_words_are_data() -> None:
    assert load_drop_words(DEFAULT_DROP_WORDS) == ("温州市", "温州", "wenzhou", "wenzhou's")
    assert load_default_table().drop_words == ("温州市", "温州", "wenzhou", "wenzhou's")
    assert "温州" not in (Path(__file__).parents[2] / "bot" / "resolver.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("question", "unmatched"),
    [("温州5G基站数量目标是多少", "温州5G基站数量"), ("某县5G基站数量目标", "某县5G基站数量")],
)
def test_without_drop_words_a_region_is_content(bare: IndicatorTable, question: str, unmatched: str) -> None:
    r = resolve(question, bare)
    assert r.indicator is None and r.unmatched_metric == unmatched and r.candidates == ["5G基站数量"]


@pytest.mark.parametrize(
    ("question", "words", "name"),
    [
        ("温州5G基站数量目标是多少", ("温州",), "5G基站数量"),
        ("某市数据中心总机架数2025年要达到多少", ("某市",), "数据中心总机架数"),
        ("某县5G基站数量目标", ("某县", "某市"), "5G基站数量"),
    ],
)
def test_drop_words_parameter(bare: IndicatorTable, question: str, words: tuple[str, ...], name: str) -> None:
    r = resolve(question, bare, drop_words=words)
    assert r.indicator is not None and r.indicator.name == name
    assert r.operation == "lookup_target" and r.unmatched_metric is None


def test_table_drop_words_apply_by_default() -> None:
    r = resolve("温州市网络零售额2025年目标", load_default_table())
    assert r.indicator is not None and r.indicator.name == "网络零售额" and r.operation == "lookup_target"
