"""Question normaliser: width, script, numerals — and words that must survive."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.normalize import cn_to_number, normalize

CASES: list[tuple[str, str]] = [
    ("二〇二五年", "2025年"),
    ("二零二三年软件业收入", "2023年软件业收入"),
    ("百分之十五", "15%"),
    ("百分之十二点五", "12.5%"),
    ("百分之12", "12%"),
    ("1.2万", "12000"),
    ("三万", "30000"),
    ("一万四千台", "14000台"),
    ("三万个基站", "30000个基站"),
    ("每年新增四十家", "每年新增40家"),
    ("提高两个百分点", "提高2个百分点"),
    ("十二亿元", "12亿元"),
    ("两千亿", "2000亿"),
    ("二十五万元/人", "25万元/人"),
    ("1100万户", "1100万户"),
    ("２０２５年５Ｇ基站", "2025年5G基站"),
    ("（个）％？", "(个)%?"),
    ("數據中心總機架數", "数据中心总机架数"),
    ("在役工業機器人達到一萬四千臺", "在役工业机器人达到14000台"),
    ("浙政釘日活躍率", "浙政钉日活跃率"),
    ("  5G   基站 ", "5G 基站"),
    ("", ""),
]

SURVIVE = [
    "一网通办",
    "十四五规划",
    "一号工程",
    "两区两中心",
    "第三极",
    "全省数字经济“第三极”",
    "十四五末",
    "数字经济五年倍增",
    "一网通办率要达到多少",
    "快一点",
    "万一",
    "千万不要",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", SURVIVE)
def test_words_with_numeral_characters_survive(text: str) -> None:
    out = normalize(text)
    for word in ("一网通办", "十四五", "一号工程", "两区两中心", "第三极", "一点", "万一", "千万"):
        if word in text:
            assert word in out


@pytest.mark.parametrize(
    ("text", "value"), [("两千", 2000.0), ("十二点五", 12.5), ("十四五", None), ("一网", None)]
)
def test_cn_to_number(text: str, value: float | None) -> None:
    assert cn_to_number(text) == value


def test_fast() -> None:
    normalize("预热")
    start = time.perf_counter()
    for _ in range(500):
        normalize("如果二〇二二年在役工業機器人達到一萬四千台，進度如何？")
    assert (time.perf_counter() - start) / 500 < 0.001


def test_thread_safe_lazy_converter() -> None:
    results: list[str] = []

    def work() -> None:
        results.append(normalize("數據共享率"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["数据共享率"] * 8


def test_docstring_examples() -> None:
    import doctest

    from bot import normalize as module

    assert doctest.testmod(module).failed == 0


_NUMERAL_PIECES = [
    *"0123456789.零〇一二两三四五六七八九十百千万亿点年%个台家元户第",
    "百分之",
    "万元",
    "亿元",
    "个百分点",
    "一网通办",
    "十四五",
    "數據",
]


@settings(max_examples=300, deadline=None)
@example("0万四千")
@example("三万")
@example("百分之百分之百分之百分之百分之0")  # found in a random-order run: one nesting level per pass
@given(st.lists(st.sampled_from(_NUMERAL_PIECES), max_size=12).map("".join))
def test_idempotent_on_numeral_soup(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
