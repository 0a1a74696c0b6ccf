"""Profile → sub-task matching with deterministic fake embedders (no model is loaded)."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.match import MatchInputError, ProfileNormaliser, TaskMatcher, indicator_target_labels
from bot.match_eval import CaseFileError, MatchCase, evaluate_matching, load_cases, run_task_eval
from corpus.catalogue import TaskCatalogue, load_catalogue
from corpus.types import Embedder
from indicators.catalog import load_default_table
from indicators.model import Basis, Indicator

LOGISTICS = "打造全国智慧物流综合服务中心"
FINANCE = "打造全国数字金融发展中心"
MANUFACTURING = "加快制造企业数字化赋能"
PRODUCTS = "推动产品装备智能化升级"
NETWORK = "全面建设5G等新一代网络基础设施"
DATA_CENTRE = "建设国家级区域型数据中心等新技术和算力基础设施"
HEALTH = "全面推进数字医疗实践"


class CharHashEmbedder:
    """Bag of characters hashed into 64 dimensions: similar wording → similar vectors, fully deterministic."""

    name = "char-hash"
    dim = 64

    def warm_up(self) -> None:
        pass

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for ch in text:
            v[zlib.crc32(ch.encode()) % self.dim] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts])


class PointingEmbedder:
    """Document i is the unit vector e_i; a query points at the sub-task named in `targets`.

    Any other query leans gently over all sub-tasks (weights 32, 31, …, 1 in document order), so there
    are nearest candidates but none stands out: z of the first = 15.5 / std(1..32) ≈ 1.68.
    """

    name = "pointing"

    def __init__(self, n: int, targets: dict[str, int]) -> None:
        self.n = n
        self.targets = targets
        self.queries: list[str] = []

    @property
    def dim(self) -> int:
        return self.n

    def warm_up(self) -> None:
        pass

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        for word, index in self.targets.items():
            if word in text:
                return np.eye(self.n, dtype=np.float32)[index]
        ramp = np.arange(self.n, 0, -1, dtype=np.float32)
        return ramp / np.linalg.norm(ramp)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        assert len(texts) == self.n
        return np.eye(self.n, dtype=np.float32)


@pytest.fixture(scope="module")
def catalogue() -> TaskCatalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def keyword_matcher(catalogue: TaskCatalogue) -> TaskMatcher:
    matcher = TaskMatcher(catalogue)
    matcher.warm_up()
    return matcher


@pytest.fixture(scope="module")
def hybrid_matcher(catalogue: TaskCatalogue) -> TaskMatcher:
    matcher = TaskMatcher(catalogue, embedder=CharHashEmbedder())
    matcher.warm_up()
    return matcher


def test_fakes_satisfy_the_protocol() -> None:
    assert isinstance(CharHashEmbedder(), Embedder)
    assert isinstance(PointingEmbedder(2, {}), Embedder)


# Everyday wording, none of it the plan's sub-task names.
CASES = [
    ("我们做鞋，想上机器人", {MANUFACTURING, PRODUCTS}),
    ("本公司经营冷链仓储", {LOGISTICS}),
    ("我们是一家城商行", {FINANCE}),
    ("我们是电信运营商，今年要新建一批基站", {NETWORK}),
    ("我们运营一个IDC机房，想扩容机柜", {DATA_CENTRE}),
    ("我们是一家社区诊所", {HEALTH}),
    ("我们是一所中学，想建设智慧校园", {"加快智慧教育创新发展"}),
    ("我们在景区旁边开民宿", {"培育数字文旅新业态"}),
    ("我们是家庭农场，想在网上卖水果", {"推动乡村流通营销数字化应用"}),
    ("我们是开发区管委会", {"加快园区平台数字化转型"}),
    ("我们在淘宝和抖音上卖衣服", {"建设数字商务创新城市"}),
    ("我们是县行政服务中心，想让群众办事更方便", {"提升政府服务效能"}),
]


@pytest.mark.parametrize(("profile", "expected"), CASES)
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_expected_subtask_in_top_3(
    profile: str, expected: set[str], mode: str, keyword_matcher: TaskMatcher, hybrid_matcher: TaskMatcher
) -> None:
    matcher = keyword_matcher if mode == "keyword" else hybrid_matcher
    result = matcher.match(profile, top_k=3)
    assert result.confident
    assert expected & {item.subtask for item in result.items}, [i.subtask for i in result.items]
    assert result.items[0].confident
    assert all(0.0 <= item.score <= 1.0 for item in result.items)


def test_keyword_score_by_hand(keyword_matcher: TaskMatcher) -> None:
    # 冷链 and 仓储 are whole jieba tokens listed only under the logistics sub-task: raw = 1 + 1.
    result = keyword_matcher.match("本公司经营冷链仓储", top_k=5)
    top = result.items[0]
    assert top.subtask == LOGISTICS and top.task == "服务业数字化提升工程"
    assert top.keyword_score == 2.0
    assert top.score == round(1 - math.exp(-2.0 / 1.2), 4) == 0.8111
    assert result.matched_terms == ["冷链", "仓储"]
    assert top.why == "对应业务：冷链、仓储"
    assert len(result.items) == 1  # sub-tasks with no evidence at all are not listed


def test_longest_match_wins(keyword_matcher: TaskMatcher) -> None:
    # 农产品电商 is an agriculture word; the 电商 inside it must not also count for digital commerce.
    result = keyword_matcher.match("我们做农产品电商", top_k=3)
    assert result.items[0].subtask == "推动乡村流通营销数字化应用"
    assert "电商" not in result.matched_terms
    assert "建设数字商务创新城市" not in [i.subtask for i in result.items]


def test_sector_only_profile_leans_to_the_task_default(keyword_matcher: TaskMatcher) -> None:
    # Only a sector word (服装, task level 0.5) + the task_default bonus 0.1.
    result = keyword_matcher.match("我们是一家服装企业", top_k=5)
    assert result.confident
    assert result.items[0].subtask == MANUFACTURING
    assert result.items[0].keyword_score == 0.6
    assert {i.task for i in result.items} == {"制造业数字化赋能工程"}
    assert "所属领域：服装（属“制造业数字化赋能工程”）" in result.items[0].why


def test_indicators_travel_with_the_match(keyword_matcher: TaskMatcher) -> None:
    item = keyword_matcher.match("我们是电信运营商，负责铺光纤和建基站").items[0]
    assert item.subtask == NETWORK
    assert item.indicators == ["5G基站数量", "FTTH/O宽带接入率", "IPv6活跃用户数", "城域网出口带宽"]
    out = item.to_task_out({"5G基站数量": "5G基站数量（2025年目标：30000个）"})
    assert out.indicators[0] == "5G基站数量（2025年目标：30000个）"
    assert out.indicators[1] == "FTTH/O宽带接入率"
    assert out.confident and out.subtask == NETWORK and out.task == "数字基建全面提速工程"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("本公司經營冷鏈倉儲", "本公司经营冷链仓储"),
        ("我們是一家醫療資訊化公司", "我们是一家医疗信息化公司"),
        ("ＩＤＣ機房，５Ｇ基站", "idc机房,5g基站"),
    ],
)
def test_traditional_and_full_width_profiles(traditional: str, simplified: str, hybrid_matcher: TaskMatcher) -> None:
    assert ProfileNormaliser()(traditional) == ProfileNormaliser()(simplified)
    a = hybrid_matcher.match(traditional)
    b = hybrid_matcher.match(simplified)
    assert [(i.subtask, i.score) for i in a.items] == [(i.subtask, i.score) for i in b.items]
    assert a.confident


def test_simplified_text_is_not_rewritten() -> None:
    # 资料 is simplified already; the Taiwan phrase table (資料 → 数据) must not touch it.
    assert ProfileNormaliser()("我们整理档案资料") == "我们整理档案资料"


@pytest.mark.parametrize("profile", ["我们是一家养老院", "我们开了家理发店", "我们是一家宠物美容店"])
def test_no_match_keyword_only_returns_nothing_confident(profile: str, keyword_matcher: TaskMatcher) -> None:
    result = keyword_matcher.match(profile)
    assert not result.confident
    assert result.items == []
    assert "no sub-task" in result.note


def test_no_match_hybrid_gives_marked_nearest_candidates(catalogue: TaskCatalogue) -> None:
    embedder = PointingEmbedder(len(catalogue.subtasks), {})
    matcher = TaskMatcher(catalogue, embedder=embedder)
    result = matcher.match("我们是一家养老院", top_k=3)
    assert not result.confident
    assert len(result.items) == 3
    assert all(not item.confident for item in result.items)
    assert [item.subtask for item in result.items] == ["优化空间布局", "提升产业结构", "建好产业平台"]
    assert all(item.why.startswith("仅为最接近的候选") for item in result.items)
    assert all(not out.confident for out in result.task_outs())
    assert "no clear match" in result.note


def test_semantic_evidence_alone_can_be_clear(catalogue: TaskCatalogue) -> None:
    index = [st.name for st in catalogue.subtasks].index(HEALTH)
    matcher = TaskMatcher(catalogue, embedder=PointingEmbedder(len(catalogue.subtasks), {"护理站": index}))
    result = matcher.match("我们经营几家护理站", top_k=2)
    # z of the target = (1 - 1/32) / sqrt(1/32 · 31/32) = √31 ≈ 5.57 ≥ 3.2 → clear; sem = 1, kw = 0.
    assert result.confident
    assert result.items[0].subtask == HEALTH
    assert result.items[0].score == 0.35
    assert "内容最相近" in result.items[0].why


def test_semantic_only_runner_up_is_only_a_candidate(catalogue: TaskCatalogue) -> None:
    index = [st.name for st in catalogue.subtasks].index(HEALTH)
    embedder = PointingEmbedder(len(catalogue.subtasks), {"城商行": index})
    # A floor above any cosine: semantic evidence alone can never make the result clear here.
    matcher = TaskMatcher(catalogue, embedder=embedder, semantic_floor=1.1)
    result = matcher.match("我们是一家城商行", top_k=2)
    # finance: 0.65 · (1 - e^(-1/1.2)) = 0.3675 (its z is negative → no semantic part);
    # health: 0.35 · 1 from the semantics only.
    assert [(i.subtask, i.score, i.confident) for i in result.items] == [
        (FINANCE, 0.3675, True),
        (HEALTH, 0.35, False),
    ]
    assert result.confident


def test_query_embeddings_are_cached(catalogue: TaskCatalogue) -> None:
    embedder = PointingEmbedder(len(catalogue.subtasks), {})
    matcher = TaskMatcher(catalogue, embedder=embedder)
    matcher.warm_up()
    before = len(embedder.queries)
    matcher.match("我们是一家城商行")
    matcher.match("我们是一家城商行")
    assert len(embedder.queries) == before + 1


def test_question_clauses_are_not_embedded(catalogue: TaskCatalogue) -> None:
    embedder = PointingEmbedder(len(catalogue.subtasks), {})
    matcher = TaskMatcher(catalogue, embedder=embedder)
    matcher.match("我们是一家城商行，规划里哪些任务和我们有关？")
    assert embedder.queries[-1] == "我们是一家城商行,"
    # A clause that carries a profile word stays even when it asks something.
    matcher.match("规划里和城商行有关的任务有哪些？")
    assert embedder.queries[-1] == "规划里和城商行有关的任务有哪些?"


@pytest.mark.parametrize(
    ("profile", "expected", "absent"),
    [
        ("We are a cold chain logistics company", LOGISTICS, "提升产业结构"),  # no "ai" inside "chain"
        ("We are a small bank in Wenzhou", FINANCE, "全面推进数字医疗实践"),
        ("我们做AI视觉检测", "提升产业结构", None),
    ],
)
def test_latin_keywords_match_whole_words(
    profile: str, expected: str, absent: str | None, keyword_matcher: TaskMatcher
) -> None:
    names = [i.subtask for i in keyword_matcher.match(profile).items]
    assert names[0] == expected
    assert absent not in names


def test_safeguards_are_reported(keyword_matcher: TaskMatcher) -> None:
    result = keyword_matcher.match("我们是做数据安全和个人信息保护合规的软件公司")
    assert [s.name for s in result.safeguards] == ["强化数据安全"]


@pytest.mark.parametrize(
    ("profile", "top_k", "message"), [("   ", 5, "must not be empty"), ("城商行", 0, "top_k is 0")]
)
def test_bad_input_is_refused_clearly(profile: str, top_k: int, message: str, keyword_matcher: TaskMatcher) -> None:
    with pytest.raises(MatchInputError, match=message):
        keyword_matcher.match(profile, top_k=top_k)


def test_top_k_larger_than_catalogue(keyword_matcher: TaskMatcher) -> None:
    # 鞋 is a manufacturing sector word: the 5 manufacturing sub-tasks have evidence, nothing else.
    items = keyword_matcher.match("我们做鞋", top_k=100).items
    assert len(items) == 5
    assert {i.task for i in items} == {"制造业数字化赋能工程"}


def test_match_warms_up_lazily(catalogue: TaskCatalogue) -> None:
    assert TaskMatcher(catalogue).match("本公司经营冷链仓储").items[0].subtask == LOGISTICS


def test_catalogue_indicators_are_annex_rows(catalogue: TaskCatalogue) -> None:
    labels = indicator_target_labels(load_default_table().indicators)
    used = {name for st in catalogue.subtasks for name in st.indicators}
    assert used <= set(labels), used - set(labels)
    assert labels["5G基站数量"] == "5G基站数量（2025年目标：30000个）"
    assert labels["数据中心总机架数"] == "数据中心总机架数（2025年目标：18000个以上）"
    assert labels["规上数字经济核心产业R&D经费支出占营业收入比重"].endswith("（2025年目标：3.3%）")


def test_indicator_target_labels_by_hand() -> None:
    ind = Indicator(
        category="数字产业化",
        name="数字经济核心产业增加值占GDP比重",
        label="数字经济核心产业增加值占GDP比重（%）",
        unit="%",
        unit_inferred=False,
        base_year=2020,
        base_value=7.0,
        target_year=2025,
        target_value=10.0,
        target_qualifier="approximately",
        target_text="10左右",
        basis="根据…",
        basis_parsed=Basis(kind="reference"),
        override_base=None,
    )
    assert indicator_target_labels([ind]) == {
        "数字经济核心产业增加值占GDP比重": "数字经济核心产业增加值占GDP比重（2025年目标：10%左右）"
    }


# -- evaluation ---------------------------------------------------------------------------------


def test_evaluate_matching_by_hand(keyword_matcher: TaskMatcher) -> None:
    cases = [
        MatchCase("A", "本公司经营冷链仓储", (LOGISTICS,)),  # rank 1
        MatchCase("B", "我们做鞋，想上机器人", (PRODUCTS,)),  # tie with MANUFACTURING; default wins → rank 2
        MatchCase("C", "我们是一家城商行", (HEALTH,)),  # not returned
        MatchCase("N", "我们开了家理发店", (), no_match=True),
    ]
    report = evaluate_matching(cases, keyword_matcher)
    assert [o.rank for o in report.outcomes] == [1, 2, None, None]
    assert report.hit_at(1) == pytest.approx(1 / 3)
    assert report.hit_at(3) == pytest.approx(2 / 3)
    assert report.no_match_accuracy == 1.0
    text = report.render()
    assert "hit@1 = 0.333" in text and "hit@3 = 0.667" in text
    assert "C 我们是一家城商行" in text


def test_run_task_eval_reads_a_file(tmp_path: Path, keyword_matcher: TaskMatcher) -> None:
    path = tmp_path / "profiles.jsonl"
    rows = [
        {"id": "P1", "profile": "我们是一家城商行", "expected": [FINANCE]},
        {"id": "N1", "profile": "我们是一家养老院", "expected": [], "no_match": True},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = run_task_eval(path, keyword_matcher)
    assert "hit@1 = 1.000" in out and "no-match answered honestly = 1.000" in out


def test_bad_case_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "P1"}\n', encoding="utf-8")
    with pytest.raises(CaseFileError, match="needs 'id' and 'profile'"):
        load_cases(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="line 1 is not valid JSON"):
        load_cases(path)


def test_shipped_profile_set_covers_every_subtask(catalogue: TaskCatalogue) -> None:
    cases = load_cases(Path(__file__).parents[2] / "corpus/eval/profiles.jsonl")
    labelled = [c for c in cases if not c.no_match]
    names = {st.name for st in catalogue.subtasks}
    assert len(labelled) >= 45 and sum(c.no_match for c in cases) >= 3
    assert {name for c in labelled for name in c.expected} == names
    assert len({c.id for c in cases}) == len(cases)
