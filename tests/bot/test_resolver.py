"""Resolver phrasings: each case asserts indicator + operation (+ key params)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.resolver import Resolution, resolve
from indicators.catalog import IndicatorTable, load_default_table

DE = "数字经济增加值"
DE_GDP = "数字经济增加值占GDP比重"
RD = "规上数字经济核心产业R&D经费支出占营业收入比重"
PATENT = "数字经济核心产业有效发明专利"
HNTE = "数字经济核心产业国家高新技术企业"
CORE_GDP = "数字经济核心产业增加值占GDP比重"
REVENUE = "规上数字经济核心产业主营业务收入"
CORE_LP = "规上数字经济核心产业劳动生产率"
CORE_MFG = "规上数字经济核心制造业增加值"
SOFTWARE = "软件和信息服务业营业收入"
LISTED = "数字经济核心产业上市企业"
IND_LP = "规上工业全员劳动生产率"
ROBOT = "在役工业机器人数量"
NETWORKING = "重点工业企业设备联网率"
RETAIL = "网络零售额"
CROSS = "跨境网络零售出口额"
MOBILE = "移动支付活跃用户普及率"
AGRI = "农产品网络零售额"
ZZD = "“浙政钉”用户日活跃率"
YWTB = "依申请政务服务办件‘一网通办’率"
SUPERVISION = "互联网+监管平台承载的监管事项"
BRAIN = "城市大脑应用场景"
OPEN = "数据开放率"
SHARE = "数据共享率"
FTTH = "FTTH/O宽带接入率"
IPV6 = "IPv6活跃用户数"
BANDWIDTH = "城域网出口带宽"
G5 = "5G基站数量"
RACKS = "数据中心总机架数"
IIP = "工业互联网平台"


@pytest.fixture(scope="module")
def table() -> IndicatorTable:
    return load_default_table()


# (question, indicator name, operation, expected params subset)
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # --- look-ups: targets
    ("2025年数字经济增加值目标是多少亿元？", DE, "lookup_target", {}),
    ("数字经济增加值到十四五末要达到多少", DE, "lookup_target", {}),
    ("二〇二五年數字經濟增加值目標", DE, "lookup_target", {}),
    ("工业互联网平台到2025年要达到多少个？", IIP, "lookup_target", {}),
    ("网络零售额的2025年目标值", RETAIL, "lookup_target", {}),
    ("浙政钉用户日活跃率2025年要达到多少", ZZD, "lookup_target", {}),
    ("浙政钉日活目标", ZZD, "lookup_target", {}),
    ("城域网出口带宽十四五末要达到多少Tbps", BANDWIDTH, "lookup_target", {}),
    ("互联网+监管平台承载的监管事项目标", SUPERVISION, "lookup_target", {}),
    ("研发经费占营业收入比重的目标是多少？", RD, "lookup_target", {}),
    ("研发经费占比目标多少", RD, "lookup_target", {}),
    ("R&D经费支出占比2025年要到多少", RD, "lookup_target", {}),
    ("高企到2025年要有多少家", HNTE, "lookup_target", {}),
    ("國家高新技術企業目標是多少家", HNTE, "lookup_target", {}),
    ("机架数目标", RACKS, "lookup_target", {}),
    ("数据中心机架数量2025年目标", RACKS, "lookup_target", {}),
    ("5G base stations target", G5, "lookup_target", {}),
    ("5G基站建设目标是多少个", G5, "lookup_target", {}),
    ("5Ｇ基站２０２５年要建成多少个", G5, "lookup_target", {}),
    ("发明专利2025年目标多少件", PATENT, "lookup_target", {}),
    ("上市公司数量十四五末目标", LISTED, "lookup_target", {}),
    ("温州数字经济核心产业上市企业要达到几家", LISTED, "lookup_target", {}),
    ("一网通办率要达到多少", YWTB, "lookup_target", {}),
    ("依申请政务服务办件一网通办率目标", YWTB, "lookup_target", {}),
    ("光纤宽带用户率2025年目标", FTTH, "lookup_target", {}),
    ("FTTH/O宽带接入率目标多少", FTTH, "lookup_target", {}),
    ("IPv6活跃用户数2025年目标是多少万户", IPV6, "lookup_target", {}),
    ("城市大脑应用场景要达到多少个", BRAIN, "lookup_target", {}),
    ("数据开放率目标", OPEN, "lookup_target", {}),
    ("数据共享率要达到多少", SHARE, "lookup_target", {}),
    ("跨境网络零售出口额2025年目标", CROSS, "lookup_target", {}),
    ("跨境电商出口额目标是多少亿元", CROSS, "lookup_target", {}),
    ("农产品网络零售额目标", AGRI, "lookup_target", {}),
    ("农产品的网络零售额2025年要达到多少", AGRI, "lookup_target", {}),
    ("数字经济核心产业增加值占GDP比重目标", CORE_GDP, "lookup_target", {}),
    ("核心产业增加值占比要达到多少", CORE_GDP, "lookup_target", {}),
    ("数字经济增加值占GDP比重2025年是多少", DE_GDP, "lookup_target", {}),
    ("数字经济占比目标", DE_GDP, "lookup_target", {}),
    ("重点工业企业设备联网率目标", NETWORKING, "lookup_target", {}),
    ("移动支付普及率到2025年是多少", MOBILE, "lookup_target", {}),
    ("软件业收入目标多少亿", SOFTWARE, "lookup_target", {}),
    ("核心制造业增加值2025年目标", CORE_MFG, "lookup_target", {}),
    ("在役工業機器人2025年要達到多少臺", ROBOT, "lookup_target", {}),
    ("工业机器人目标是多少台", ROBOT, "lookup_target", {}),
    ("主营业务收入目标", REVENUE, "lookup_target", {}),
    ("规上工业全员劳动生产率目标", IND_LP, "lookup_target", {}),
    ("工业劳动生产率目标是多少", IND_LP, "lookup_target", {}),
    ("数字经济核心产业劳动生产率目标", CORE_LP, "lookup_target", {}),
    ("industrial robots target", ROBOT, "lookup_target", {}),
    # --- look-ups: base
    ("数据中心总机架数2020年有多少个？", RACKS, "lookup_base", {}),
    ("有效发明专利的基期值是多少件", PATENT, "lookup_base", {}),
    ("5G基站数量2020年有多少个？", G5, "lookup_base", {}),
    ("5G基站现在有多少个", G5, "lookup_base", {}),
    ("目前网络零售额是多少", RETAIL, "lookup_base", {}),
    ("数字经济增加值基期值", DE, "lookup_base", {}),
    ("數字經濟增加值2019年是多少", DE, "lookup_base", {"year": 2019}),
    ("城市大脑应用场景现状", BRAIN, "lookup_base", {}),
    ("软件和信息服务业营业收入2020年多少", SOFTWARE, "lookup_base", {}),
    ("浙政钉日活率起点是多少", ZZD, "lookup_base", {}),
    ("IPv6 baseline", IPV6, "lookup_base", {}),
    # --- both
    ("5G基站数量2020年和2025年分别是多少", G5, "lookup_both", {}),
    ("网络零售额从2020年到2025年怎么变化", RETAIL, "lookup_both", {}),
    # --- change
    ("规上数字经济核心产业主营业务收入要增加多少亿元？", REVENUE, "change", {}),
    ("5G基站要新增多少个", G5, "change", {}),
    ("数据中心机架数还差多少", RACKS, "change", {}),
    ("高企要增加多少家", HNTE, "change", {}),
    ("发明专利增量是多少", PATENT, "change", {}),
    ("城域网出口带宽增长多少Tbps", BANDWIDTH, "change", {}),
    # --- pp change
    ("移动支付活跃用户普及率要提高多少个百分点？", MOBILE, "pp_change", {}),
    ("数据开放率提高多少", OPEN, "pp_change", {}),
    ("设备联网率增加几个百分点", NETWORKING, "pp_change", {}),
    ("数字经济占GDP比重要提高多少个百分点", DE_GDP, "pp_change", {}),
    ("一网通办率要提升多少", YWTB, "pp_change", {}),
    # --- multiple
    ("软件和信息服务业营业收入2025年是2020年的多少倍？", SOFTWARE, "multiple", {}),
    ("5G基站数量会翻几番", G5, "multiple", {}),
    ("城市大脑应用场景增长几倍", BRAIN, "multiple", {}),
    ("软件业收入是基期的几倍", SOFTWARE, "multiple", {}),
    # --- cagr
    ("5G基站数量年均需要增长多少？", G5, "cagr", {}),
    ("5G基站年均增速是多少", G5, "cagr", {}),
    ("机架数每年要增长多少", RACKS, "cagr", {}),
    ("网络零售额的年均增长率", RETAIL, "cagr", {}),
    ("跨境网络零售出口额年均增幅", CROSS, "cagr", {}),
    ("数字经济增加值年均增长率是多少", DE, "cagr", {}),
    ("5G base stations annual growth rate", G5, "cagr", {}),
    ("设备联网率每年提高多少个百分点", NETWORKING, "cagr", {"mode": "pp"}),
    ("高企每年新增多少家", HNTE, "cagr", {"mode": "increment"}),
    ("IPv6活跃用户数的复合增长率", IPV6, "cagr", {}),
    # --- projection
    (
        "按年均增长12%测算，规上数字经济核心制造业增加值2025年是多少？",
        CORE_MFG,
        "projection",
        {"rate_pct": 12.0, "year": 2025},
    ),
    (
        "规上工业全员劳动生产率按年均增长17%测算，2025年是多少？与目标一致吗？",
        IND_LP,
        "projection",
        {"rate_pct": 17.0, "compare_target": True},
    ),
    ("如果5G基站每年增长百分之二十，2025年能有多少个", G5, "projection", {"rate_pct": 20.0, "year": 2025}),
    ("软件业收入按每年20%增长，2023年是多少", SOFTWARE, "projection", {"rate_pct": 20.0, "year": 2023}),
    ("高企按每年新增四十家测算，2025年有多少家", HNTE, "projection", {"increment": 40.0}),
    ("设备联网率每年提高2个百分点的话，2025年是多少", NETWORKING, "projection", {"increment": 2.0}),
    ("劳动生产率按每年增长21%测算是多少", CORE_LP, "projection", {"rate_pct": 21.0}),
    ("按测算依据推算发明专利2025年是多少", PATENT, "projection", {}),
    # --- planned value / trajectory
    ("5G基站数量2023年应该达到多少？", G5, "planned_value", {"year": 2023}),
    ("二〇二三年軟件業收入應達到多少", SOFTWARE, "planned_value", {"year": 2023}),
    ("高企2022年要有多少家", HNTE, "planned_value", {"year": 2022}),
    ("工业互联网平台逐年目标", IIP, "trajectory", {}),
    ("5G基站每年应该达到多少", G5, "trajectory", {}),
    ("数据中心机架数分年度目标", RACKS, "trajectory", {}),
    ("网络零售额的年度路径", RETAIL, "trajectory", {}),
    # --- progress
    (
        "如果2022年在役工业机器人达到14000台，进度如何？",
        ROBOT,
        "progress",
        {"actual_value": 14000.0, "actual_year": 2022},
    ),
    ("2023年软件业收入80亿，进度够吗？", SOFTWARE, "progress", {"actual_value": 80.0, "actual_year": 2023}),
    ("2022年5G基站建成1.2万个，能完成目标吗", G5, "progress", {"actual_value": 12000.0, "actual_year": 2022}),
    (
        "二〇二二年工業機器人達到一萬四千台，進度如何",
        ROBOT,
        "progress",
        {"actual_value": 14000.0, "actual_year": 2022},
    ),
    (
        "2023年设备联网率达到50%，是否滞后",
        NETWORKING,
        "progress",
        {"actual_value": 50.0, "actual_year": 2023},
    ),
    (
        "2022年网络零售额2300亿元，进度怎么样",
        RETAIL,
        "progress",
        {"actual_value": 2300.0, "actual_year": 2022},
    ),
    ("2023年高企有200家，还需要每年新增多少", HNTE, "progress", {"actual_value": 200.0, "actual_year": 2023}),
    ("2022年数字经济增加值4000亿元，够不够", DE, "progress", {"actual_value": 4000.0, "actual_year": 2022}),
    # --- more wordings: comparisons, points, doubling, basis, years the table labels differently
    ("网络零售额2025年比2020年多多少", RETAIL, "change", {}),
    ("十四五期间5G基站增加多少个", G5, "change", {}),
    ("数字经济增加值要实现多少增长", DE, "change", {}),
    ("网络零售额2025年比2020年增长百分之几", RETAIL, "change", {"mode": "percent"}),
    ("数字经济核心产业增加值占比要提高几个点", CORE_GDP, "pp_change", {}),
    ("城市大脑应用场景要翻一番吗", BRAIN, "multiple", {}),
    ("规上工业全员劳动生产率测算依据是什么", IND_LP, "basis", {}),
    ("高企的目标是怎么测算的", HNTE, "basis", {}),
    ("数字经济增加值2020年是多少", DE, "lookup_base", {"year": 2020}),
    ("5G基站数量2019年是多少", G5, "lookup_base", {"year": 2019, "year_not_in_table": True}),
    ("机架数2020年和2025年各多少", RACKS, "lookup_both", {}),
    ("What's the CAGR of software revenue", SOFTWARE, "cagr", {}),
    (
        "若2023年5G基站达到两万个，还需年均增长多少才能完成目标",
        G5,
        "progress",
        {"actual_value": 20000.0, "actual_year": 2023},
    ),
    ("发明专利按10%增长能否达到7000件", PATENT, "projection", {"rate_pct": 10.0, "compare_target": True}),
    ("数字经济核心产业营业收入目标", REVENUE, "lookup_target", {}),
    ("软件信息服务业营收年均增长多少", SOFTWARE, "cagr", {}),
    ("监管事项覆盖率目标", SUPERVISION, "lookup_target", {}),
    ("机架数", RACKS, "lookup_target", {"operation_defaulted": True}),
    (
        "截至2022年底全市5G基站已建成1.5万个，按计划应该是多少",
        G5,
        "progress",
        {"actual_value": 15000.0, "actual_year": 2022},
    ),
    ("今年网络零售额2500亿元，进度正常吗", RETAIL, "progress", {"actual_value": 2500.0, "actual_year": None}),
    ("5G基站数量目标是多少？2020年是多少？", G5, "lookup_both", {}),
    ("5G基站现在有多少个，2025年目标呢", G5, "lookup_both", {}),
    (
        "数字经济增加值从2021年的3800亿元按年均15%增长，2025年是多少",
        DE,
        "projection",
        {"from_value": 3800.0, "from_year": 2021, "year": 2025, "rate_pct": 15.0},
    ),
    ("5G基站要达到三万个，是否合理", G5, "audit", {}),
    # --- audit
    ("规上数字经济核心产业劳动生产率的测算依据和目标一致吗", CORE_LP, "audit", {"scope": "indicator"}),
    ("浙政钉日活率测算对得上吗", ZZD, "audit", {"scope": "indicator"}),
    ("城市大脑应用场景的目标与测算依据是否一致", BRAIN, "audit", {"scope": "indicator"}),
]

TABLE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("哪个指标年均增速最高？", "ranking", {"metric": "cagr_pct", "order": "desc", "top": 1}),
    ("增长最快的前三个指标", "ranking", {"top": 3}),
    ("哪些指标的倍数最大", "ranking", {"metric": "multiple"}),
    ("年均增速最低的指标是哪个", "ranking", {"order": "asc"}),
    ("哪些指标的测算依据与目标不一致", "audit", {"scope": "table"}),
    ("规划提出了多少项主要发展指标", "count", {}),
    ("附表里有几项指标", "count", {}),
]

NO_INDICATOR: list[str] = [
    "人工智能企业数量2025年目标是多少？",
    "2025年新能源汽车产量目标是多少？",
    "温州房价2025年目标多少",
    "GDP增速是多少",
    "温州人口2025年要达到多少",
    "数字经济核心产业增加值2025年目标是多少",
    "服务机器人数量目标",
    "5G基站投资额是多少",
    "工业机器人密度要达到多少",
    "5G基站覆盖率目标",
    "浙政钉用户数是多少",
    "人工智能高新技术企业有多少家",
    "集成电路产业规模目标是多少",
    "跨境电商进口额目标是多少",
    "数据中心PUE目标是多少",
    "新能源汽车产量年均增长多少",
    "规划对房地产行业有什么要求？",
    "今天温州天气怎么样？",
    "城镇居民人均可支配收入目标",
    "研发人员数量要增加多少",
    "5G用户数量目标",
    "工业互联网标识解析节点数目标",
    "电子商务交易额目标",
]


@pytest.mark.parametrize(("question", "name", "operation", "params"), CASES)
def test_resolves_indicator_and_operation(
    table: IndicatorTable, question: str, name: str, operation: str, params: dict[str, Any]
) -> None:
    res = resolve(question, table)
    assert res.indicator is not None, (question, res)
    assert res.indicator.name == name, (question, res.to_dict())
    assert res.operation == operation, (question, res.to_dict())
    for key, value in params.items():
        assert res.params.get(key) == value, (question, key, res.params)


@pytest.mark.parametrize(("question", "operation", "params"), TABLE_CASES)
def test_table_wide_questions(
    table: IndicatorTable, question: str, operation: str, params: dict[str, Any]
) -> None:
    res = resolve(question, table)
    assert res.indicator is None
    assert res.operation == operation, (question, res.to_dict())
    for key, value in params.items():
        assert res.params.get(key) == value, (question, key, res.params)


@pytest.mark.parametrize("question", NO_INDICATOR)
def test_metrics_the_table_lacks_resolve_to_nothing(table: IndicatorTable, question: str) -> None:
    res = resolve(question, table)
    assert res.indicator is None, (question, res.to_dict())
    assert res.operation not in ("lookup_target", "lookup_base", "cagr", "change", "projection")


@pytest.mark.parametrize(
    ("question", "metric"),
    [
        ("人工智能企业数量2025年目标是多少？", "人工智能企业数量"),
        ("2025年新能源汽车产量目标是多少？", "新能源汽车产量"),
        ("温州房价2025年目标多少", "房价"),
        ("GDP增速是多少", "GDP"),
        ("数字经济核心产业增加值2025年目标是多少", "数字经济核心产业增加值"),
        ("5G基站投资额是多少", "5G基站投资额"),
        ("農產品的跨境出口退稅額", "农产品跨境出口退税额"),
    ],
)
def test_unmatched_metric_names_what_was_asked(table: IndicatorTable, question: str, metric: str) -> None:
    assert resolve(question, table).unmatched_metric == metric


def test_near_miss_lists_the_close_row_as_candidate(table: IndicatorTable) -> None:
    res = resolve("数字经济核心产业增加值2025年目标是多少", table)
    assert res.indicator is None
    assert CORE_GDP in res.candidates
    assert DE not in res.candidates


def test_ambiguous_alias_returns_candidates_with_low_confidence(table: IndicatorTable) -> None:
    res = resolve("劳动生产率2025年目标是多少", table)
    assert res.indicator is None
    assert sorted(res.candidates) == sorted([CORE_LP, IND_LP])
    assert res.confidence < 0.5


@pytest.mark.parametrize(
    ("question", "operation", "params"),
    [
        ("那年均增长率呢？", "cagr", {}),
        ("2023年应该达到多少？", "planned_value", {"year": 2023}),
        ("那到2025年要增加多少？", "change", {}),
        ("基期呢", "lookup_base", {}),
        ("是基期的几倍", "multiple", {}),
    ],
)
def test_follow_up_uses_previous_indicator(
    table: IndicatorTable, question: str, operation: str, params: dict[str, Any]
) -> None:
    previous = table.get("5G基站数量")
    res = resolve(question, table, previous=previous)
    assert res.indicator == previous
    assert res.operation == operation
    for key, value in params.items():
        assert res.params.get(key) == value


def test_follow_up_naming_an_unknown_metric_does_not_reuse_previous(table: IndicatorTable) -> None:
    res = resolve("那新能源汽车产量呢？", table, previous=table.get("5G基站数量"))
    assert res.indicator is None
    assert res.unmatched_metric == "新能源汽车产量"


def test_named_indicator_beats_previous(table: IndicatorTable) -> None:
    res = resolve("那机架数呢", table, previous=table.get("5G基站数量"))
    assert res.indicator is not None and res.indicator.name == RACKS


def test_empty_question(table: IndicatorTable) -> None:
    res = resolve("  ", table)
    assert res == Resolution(None, "none", {}, 0.0, None, [], "")


def test_phrasing_count_meets_acceptance() -> None:
    assert len(CASES) + len(TABLE_CASES) >= 100
    assert len(NO_INDICATOR) >= 15


def test_comparison_of_named_rows_ranks_just_those(table: IndicatorTable) -> None:
    res = resolve("网络零售额和农产品网络零售额哪个增长快", table)
    assert (res.indicator, res.operation) == (None, "ranking")
    assert sorted(res.params["among"]) == sorted([RETAIL, AGRI])
    assert res.params["metric"] == "cagr_pct"


def test_warm_up_and_speed(table: IndicatorTable) -> None:
    import time

    from bot.resolver import warm_up

    warm_up(table)
    start = time.perf_counter()
    for question, *_ in CASES:
        resolve(question, table)
    assert (time.perf_counter() - start) / len(CASES) < 0.005


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_every_phrasing_also_resolves_in_traditional_and_full_width(table: IndicatorTable) -> None:
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    failures = []
    for question, name, operation, _params in CASES:
        for variant in (to_traditional.convert(question), _full_width(question)):
            res = resolve(variant, table)
            if res.indicator is None or res.indicator.name != name or res.operation != operation:
                failures.append((variant, res.to_dict()))
    assert failures == []


@pytest.mark.parametrize(
    ("question", "name", "operation"),
    [
        ("How fast must 5G base stations grow each year to hit the 2025 target?", "5G基站数量", "cagr"),
        ("How many data center racks did Wenzhou have in 2020?", "数据中心总机架数", "lookup_base"),
        ("What is the 2025 target for IPv6 active users?", "IPv6活跃用户数", "lookup_target"),
        ("If 5G base stations grow 20% a year from 2020, how many in 2025?", "5G基站数量", "projection"),
        ("What's the baseline number of valid invention patents?", "数字经济核心产业有效发明专利", "lookup_base"),
    ],
)
def test_english_filler_words_do_not_make_a_near_miss(question: str, name: str, operation: str) -> None:
    from indicators.catalog import load_default_table

    r = resolve(question, load_default_table())
    assert r.indicator is not None and r.indicator.name == name
    assert r.operation == operation


def test_english_words_are_not_abbreviations_of_chinese_names() -> None:
    from indicators.catalog import load_default_table

    assert resolve("When did the plan pass the expert review?", load_default_table()).indicator is None
