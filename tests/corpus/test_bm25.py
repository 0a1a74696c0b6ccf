"""jieba + bm25s keyword search: normalisation, user terms, question words, thesaurus."""

from __future__ import annotations

from corpus.bm25 import BM25Index, ChineseTokenizer, normalise

DOCS = {
    "r5g": "类别：数字基础设施｜指标：5G基站数量（个）｜2020年：9072｜2025年：30000",
    "rack": "类别：数字基础设施｜指标：数据中心总机架数（个）｜2020年：8620｜2025年：18000以上",
    "patent": "类别：数字科创｜指标：数字经济核心产业有效发明专利（件）｜2020年：4430｜2025年：7000",
    "logistics": "四是服务业数字化提升工程。包括打造全国智慧物流综合服务中心等6项子任务。",
    "rule": "（五）保障措施。主要包括四方面的内容：一是健全推进机制。",
}


def _index(**kw) -> BM25Index:  # type: ignore[no-untyped-def]
    index = BM25Index(list(DOCS.values()), list(DOCS), **kw)
    index.warm_up()
    return index


def test_normalise() -> None:
    assert normalise("５Ｇ基站數量ＡＢ") == "5g基站数量ab"


def test_traditional_and_full_width_questions_match() -> None:
    index = _index()
    assert index.search("數據中心總機架數", k=1)[0][0] == "rack"
    assert index.search("５Ｇ基站", k=1)[0][0] == "r5g"


def test_partial_name_of_a_long_user_term_still_matches() -> None:
    index = _index(extra_terms=["数字经济核心产业有效发明专利"])
    assert index.search("有效发明专利目标", k=1)[0][0] == "patent"
    tokens = index.tokenizer.tokenize(DOCS["patent"])
    assert "数字经济核心产业有效发明专利" in tokens and "专利" in tokens


def test_question_words_are_dropped() -> None:
    tokenizer = ChineseTokenizer()
    assert tokenizer.tokenize("我们是一家公司，请问哪些是什么？") == []


def test_thesaurus_reaches_plan_words() -> None:
    index = _index()
    assert index.search("我们是做快递的", k=1)[0][0] == "logistics"
    assert _index(synonyms={}).search("我们是做快递的", k=1) == []


def test_no_match_and_empty_query() -> None:
    index = _index()
    assert index.search("天气", k=3) == []
    assert index.search("", k=3) == []
    assert index.search("5G", k=0) == []
