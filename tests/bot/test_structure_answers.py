"""Answers about a plan's document: a chapter's sections, the issuer, a task the reader could not split."""

from __future__ import annotations

import pytest

from bot.answer_text import ChunkFinder
from bot.structure_answers import answer_chapter, answer_issuer, asks_issuer, chapter_key
from corpus.chunking import chunk_document
from corpus.loaders import Document
from corpus.plans.model import PlanInfo

TEXT = """某市数字政府建设规划
某市大数据局
（2021年8月）

第一章 发展基础
数字政府建设取得进展。
第二章 主要任务
第一节 打造掌上办事之城
推进一网通办。
第二节 打造掌上办公之城
推进协同办公。
第三节 夯实基础支撑
建设政务云。
第三章 保障措施
加强组织领导。
"""


@pytest.fixture(scope="module")
def chunks():  # type: ignore[no-untyped-def]
    doc = Document(
        id="d", text=TEXT, source="plan.txt", title="某市数字政府建设规划", issuer="某市大数据局", date="2021-08"
    )
    return chunk_document(doc)


@pytest.mark.parametrize(
    ("question", "key"),
    [("第二章有哪几节？", "第二章"), ("第二章包括哪些内容", "第二章"), ("第二章是谁写的", None), ("目标是什么", None)],
)
def test_chapter_key(question: str, key: str | None) -> None:
    assert chapter_key(question) == key


def test_a_chapter_lists_its_sections_in_order(chunks) -> None:  # type: ignore[no-untyped-def]
    draft = answer_chapter("第二章", chunks, "《某市数字政府建设规划》")
    assert draft is not None
    assert draft.body == ["1. 第一节 打造掌上办事之城", "2. 第二节 打造掌上办公之城", "3. 第三节 夯实基础支撑"]
    assert "下设3个部分" in draft.lead
    assert answer_chapter("第九章", chunks, "《某市数字政府建设规划》") is None


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("规划是哪个部门编的？", True),
        ("由谁发布的", True),
        ("发文单位是什么", True),
        ("合法性审查是哪个部门做的", False),
        ("编制单位是怎么确定的？", False),
        ("保障措施有哪些", False),
    ],
)
def test_asks_issuer(question: str, asks: bool) -> None:
    assert asks_issuer(question) is asks


def test_issuer_answer_cites_the_line_that_names_it(chunks) -> None:  # type: ignore[no-untyped-def]
    info = PlanInfo(id="mou-szzf", title="某市数字政府建设规划", issuer="某市大数据局", date="2021-08")
    draft = answer_issuer("规划是哪个部门编的", info, ChunkFinder(chunks))
    assert draft is not None
    assert draft.lead == "《某市数字政府建设规划》的编制（发布）单位是某市大数据局，时间为2021-08。"
    assert draft.citations and "某市大数据局" in draft.citations[0].text
    assert answer_issuer("谁编的", PlanInfo(id="x-plan", title="某规划"), ChunkFinder(chunks)) is None
