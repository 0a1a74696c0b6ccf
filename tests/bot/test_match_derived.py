"""The matcher on catalogues derived from a plan's text (no team notes): keywords and text only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.match import TaskMatcher
from corpus.catalogue import TaskCatalogue
from corpus.catalogue.structure import derive_catalogue

PLAN = """第一章 发展基础
（一）发展现状
全市规上工业企业数字化改造覆盖率达到60%。
第二章 总体要求
（一）发展目标
到2025年，建成智能工厂50家。
第三章 做强数字产业
（一）培育集成电路产业
支持芯片设计、晶圆制造和封装测试企业集聚发展，建设功率半导体产业园。
（二）发展软件和信息服务业
培育工业软件和嵌入式软件企业，建设软件园。
第四章 推进制造业智能化改造
（一）建设智能工厂
推广工业机器人和数控机床，建设数字化车间和智能生产线。
（二）推广工业互联网平台
推动设备联网上云，发展行业级工业互联网平台和标识解析节点。
（三）发展服务型制造
鼓励企业开展远程运维、个性化定制和共享制造。
第五章 保障措施
（一）加强组织领导
建立市级协调机制。
"""


class OneHotEmbedder:
    """Sub-task i is e_i; a query containing a trigger word points at its sub-task, others at none."""

    name = "one-hot"

    def __init__(self, n: int, targets: dict[str, int]) -> None:
        self.n, self.targets = n, targets
        self.documents: list[str] = []

    @property
    def dim(self) -> int:
        return self.n

    def warm_up(self) -> None:
        pass

    def embed_query(self, text: str) -> np.ndarray:
        for word, index in self.targets.items():
            if word in text:
                return np.eye(self.n, dtype=np.float32)[index]
        return np.full(self.n, 1 / np.sqrt(self.n), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.documents = list(texts)
        return np.eye(self.n, dtype=np.float32)


@pytest.fixture(scope="module")
def catalogue() -> TaskCatalogue:
    return derive_catalogue(PLAN, "plan.txt")


@pytest.fixture(scope="module")
def matcher(catalogue: TaskCatalogue) -> TaskMatcher:
    m = TaskMatcher(catalogue)
    m.warm_up()
    return m


@pytest.mark.parametrize(
    ("profile", "subtask", "term"),
    [
        ("我们公司做功率半导体器件，主要是封装", "培育集成电路产业", "半导体"),
        ("本厂打算上工业机器人，把冲压车间改造一下", "建设智能工厂", "机器人"),
        ("我们给客户的空压机提供远程运维服务", "发展服务型制造", "运维"),
        ("公司主营嵌入式软件开发", "发展软件和信息服务业", "嵌入式软件"),
    ],
)
def test_derived_keywords_find_the_subtask(matcher: TaskMatcher, profile: str, subtask: str, term: str) -> None:
    result = matcher.match(profile, top_k=3)
    assert result.confident
    assert result.items[0].subtask == subtask
    assert term in result.items[0].terms


def test_a_derived_description_is_name_task_and_text(catalogue: TaskCatalogue) -> None:
    assert catalogue.get("发展服务型制造").description == (
        "发展服务型制造（推进制造业智能化改造）。原文：鼓励企业开展远程运维、个性化定制和共享制造。"
    )


def test_semantic_evidence_on_a_small_catalogue_is_a_candidate_only(catalogue: TaskCatalogue) -> None:
    # 5 sub-tasks, the query is e_5: cos = [0,0,0,0,1], mean 0.2, std 0.4 → z5 = 2.0 < 3.2 (not clear);
    # semantic evidence (2.0 - 0.5) / 2.5 = 0.6, score 0.35 × 0.6 = 0.21; the others score 0.
    embedder = OneHotEmbedder(5, {"月嫂": 4})
    m = TaskMatcher(catalogue, embedder=embedder)
    result = m.match("我们是一家月嫂公司")
    assert embedder.documents[4].startswith("发展服务型制造（推进制造业智能化改造）。原文：")
    assert [(i.subtask, i.score, i.confident) for i in result.items] == [("发展服务型制造", 0.21, False)]
    assert not result.confident


def test_a_plan_without_tasks_matches_nothing() -> None:
    empty = derive_catalogue("一、会议概况\n听取汇报。\n", "minutes.txt")
    result = TaskMatcher(empty, embedder=OneHotEmbedder(1, {})).match("我们做芯片")
    assert result.items == [] and not result.confident and "no sub-tasks" in result.note
