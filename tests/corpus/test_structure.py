"""Tasks, sub-tasks and safeguards derived from a plan's text (three plan shapes + the shipped plan)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corpus.catalogue import TaskCatalogue, load_catalogue
from corpus.catalogue.enrichment import enrich, find_enrichment, load_plan_catalogue
from corpus.catalogue.loader import CATALOGUE_PATH, DOCUMENTS_DIR, CatalogueError
from corpus.catalogue.structure import derive_catalogue, load_structure_words
from corpus.loaders import load_document

SHIPPED_SOURCE = "wenzhou-digital-economy-14fyp-drafting-note.txt"
SHIPPED = (DOCUMENTS_DIR / SHIPPED_SOURCE).read_text(encoding="utf-8")

# A full plan: chapters, the task areas between 总体要求 and 保障措施, （一） sections as sub-tasks.
FULL_PLAN = """某市制造业数字化转型“十四五”规划

第一章 发展基础
（一）发展现状
全市规上工业企业数字化改造覆盖率达到60%。
（二）面临形势
新一代信息技术加速渗透。
第二章 总体要求
（一）指导思想
坚持数字赋能。
（二）发展目标
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
（二）强化资金支持
设立数字化改造专项资金。
"""

# A drafting note: one paragraph lists the tasks as 一是…工程。包括…等N项子任务.
DRAFTING_NOTE = """关于《某县数字乡村发展规划》的起草说明
一、起草背景
为推进乡村振兴，编制本规划。
二、主要内容
（一）总体要求。一是指导思想；二是发展目标。
（二）重点任务。提出3大任务和7项子任务。一是乡村数字基建工程。包括建设农村光纤网络、推进5G基站进村等2项子任务。二是智慧农业培育工程。包括发展设施农业物联网、建设农产品冷链物流、推广农机北斗导航等3项子任务。三是乡村数字治理工程。包括建设村务公开平台、推进雪亮工程等2项子任务。
（三）保障机制。主要包括三方面：一是加强组织领导，二是加大财政投入，三是强化人才支撑。
"""

# Markdown with 专栏 boxes of 工程/行动 inside the tasks.
MD_PLAN = """# 某区数字化改革三年行动方案

## 一、总体要求
到2025年，数字化改革取得标志性成果。

## 二、重点任务

### （一）实施数字产业提升行动
1. 培育集成电路产业。支持芯片设计和封装测试企业做大做强。
2. 发展软件和信息服务业。建设软件园，培育工业软件企业。

**专栏1 数字产业重点工程**
- 芯片强基工程：建设12英寸晶圆生产线。
- 工业软件攻关工程：开发CAD、MES等工业软件。

### （二）实施智能制造推进行动
1. 建设智能工厂。推广工业机器人、数控机床，建设数字化车间。
2. 建设工业互联网平台。推动企业设备上云、数据上平台。

> 专栏2 智能制造示范工程
> 智能工厂示范工程：每年认定智能工厂10家。
> 未来工厂培育行动：培育未来工厂5家。

## 三、保障措施
### （一）加强组织领导
成立区数字化改革领导小组。
### （二）加大资金支持
统筹安排专项资金。
"""


def _tree(cat: TaskCatalogue) -> list[tuple[str, list[str]]]:
    return [(t.name, [st.name for st in t.subtasks]) for t in cat.tasks]


def _offsets_hold(cat: TaskCatalogue, text: str) -> None:
    for c in [t.citation for t in cat.tasks] + [st.citation for st in cat.subtasks] + [
        s.citation for s in cat.safeguards
    ]:
        assert text[c.start : c.end] == c.text


# -- the shipped plan ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> TaskCatalogue:
    return derive_catalogue(SHIPPED, SHIPPED_SOURCE)


def test_shipped_plan_has_the_yaml_tasks_and_subtasks(shipped: TaskCatalogue) -> None:
    yaml_cat = load_catalogue()
    assert [t.name for t in shipped.tasks] == [t.name for t in yaml_cat.tasks]
    assert [st.name for st in shipped.subtasks] == [st.name for st in yaml_cat.subtasks]
    assert len(shipped.tasks) == 8 and len(shipped.subtasks) == 32
    assert (shipped.declared_tasks, shipped.declared_subtasks) == (8, 32)
    assert [t.declared_subtasks for t in shipped.tasks] == [5, 4, 5, 6, 3, 3, 3, 3]
    assert [t.citation for t in shipped.tasks] == [t.citation for t in yaml_cat.tasks]
    assert [s.name for s in shipped.safeguards] == ["健全推进机制", "加强要素保障", "优化发展环境", "强化数据安全"]
    assert {s.citation.section for s in shipped.safeguards} == {"三、主要内容 > （五）保障措施"}
    _offsets_hold(shipped, SHIPPED)


def test_shipped_plan_derived_keywords(shipped: TaskCatalogue) -> None:
    net = shipped.get("全面建设5G等新一代网络基础设施")
    assert net.authored_by == "derived" and net.task == "数字基建全面提速工程" and net.task_ordinal == 6
    assert net.keywords == ("网络", "基础设施", "网络基础设施", "5g")
    assert shipped.get("开展数据价值挖掘").keywords == ("数据", "价值", "挖掘", "数据价值")
    generic = load_structure_words().generic_words
    assert all(k not in generic for st in shipped.subtasks for k in st.keywords)


def test_enrichment_of_the_shipped_plan_equals_the_yaml_catalogue() -> None:
    enriched = load_plan_catalogue(SHIPPED, SHIPPED_SOURCE)
    yaml_cat = load_catalogue()
    assert enriched.subtasks == yaml_cat.subtasks  # names, citations, team notes, task_default
    assert [(t.sectors, t.keywords) for t in enriched.tasks] == [(t.sectors, t.keywords) for t in yaml_cat.tasks]
    assert [s.note for s in enriched.safeguards] == [s.note for s in yaml_cat.safeguards]
    assert {s.authored_by for s in enriched.safeguards} == {"team"}


# -- three plan shapes ---------------------------------------------------------------------------


def test_full_plan_chapters_are_task_areas() -> None:
    cat = derive_catalogue(FULL_PLAN, "full.txt", plan_id="full")
    assert cat.plan_id == "full" and cat.source == "full.txt"
    assert _tree(cat) == [
        ("做强数字产业", ["培育集成电路产业", "发展软件和信息服务业"]),
        ("推进制造业智能化改造", ["建设智能工厂", "推广工业互联网平台", "发展服务型制造"]),
    ]
    assert [t.citation.section for t in cat.tasks] == ["第三章 做强数字产业", "第四章 推进制造业智能化改造"]
    chip = cat.get("培育集成电路产业")
    assert chip.citation.section == "第三章 做强数字产业 > （一）培育集成电路产业"
    assert chip.text == "支持芯片设计、晶圆制造和封装测试企业集聚发展，建设功率半导体产业园。"
    assert chip.citation.text == "（一）培育集成电路产业\n" + chip.text
    assert {"集成电路", "芯片", "半导体"} <= set(chip.keywords)
    assert not {"培育", "产业", "企业", "建设"} & set(chip.keywords)
    assert [(s.name, s.citation.section) for s in cat.safeguards] == [
        ("加强组织领导", "第五章 保障措施 > （一）加强组织领导"),
        ("强化资金支持", "第五章 保障措施 > （二）强化资金支持"),
    ]
    assert (cat.declared_tasks, cat.declared_subtasks) == (0, 0)  # not stated in the text
    _offsets_hold(cat, FULL_PLAN)


def test_drafting_note_lists() -> None:
    cat = derive_catalogue(DRAFTING_NOTE, "note.txt")
    assert _tree(cat) == [
        ("乡村数字基建工程", ["建设农村光纤网络", "推进5G基站进村"]),
        ("智慧农业培育工程", ["发展设施农业物联网", "建设农产品冷链物流", "推广农机北斗导航"]),
        ("乡村数字治理工程", ["建设村务公开平台", "推进雪亮工程"]),
    ]
    assert (cat.declared_tasks, cat.declared_subtasks) == (3, 7)
    assert [t.declared_subtasks for t in cat.tasks] == [2, 3, 2]
    first = cat.tasks[0].citation
    assert first.section == "二、主要内容 > （二）重点任务"
    assert first.text == "一是乡村数字基建工程。包括建设农村光纤网络、推进5G基站进村等2项子任务。"
    assert cat.get("推进5G基站进村").citation == first
    assert [s.name for s in cat.safeguards] == ["加强组织领导", "加大财政投入", "强化人才支撑"]
    assert cat.safeguards[2].citation.text == "三是强化人才支撑。"
    _offsets_hold(cat, DRAFTING_NOTE)


def _md_loaded(tmp_path: Path) -> str:
    path = tmp_path / "plan.md"
    path.write_text(MD_PLAN, encoding="utf-8")
    return load_document(path).text


def test_markdown_plan_with_boxes(tmp_path: Path) -> None:
    text = _md_loaded(tmp_path)  # as the corpus loader hands it over: heading marks and bullets gone
    cat = derive_catalogue(text, "plan.md")
    expected = [
        ("实施数字产业提升行动", ["培育集成电路产业", "发展软件和信息服务业", "芯片强基工程", "工业软件攻关工程"]),
        ("实施智能制造推进行动", ["建设智能工厂", "建设工业互联网平台", "智能工厂示范工程", "未来工厂培育行动"]),
    ]
    assert _tree(cat) == expected
    assert _tree(derive_catalogue(MD_PLAN, "plan.md")) == expected  # raw Markdown reads the same
    assert cat.tasks[0].citation.section == "二、重点任务 > （一）实施数字产业提升行动"
    section = cat.get("培育集成电路产业").citation.section
    assert section == "二、重点任务 > （一）实施数字产业提升行动 > 1. 培育集成电路产业"
    chip = cat.get("芯片强基工程")
    assert chip.citation.section == "二、重点任务 > （一）实施数字产业提升行动 > 专栏1 数字产业重点工程"
    assert chip.citation.text == "芯片强基工程：建设12英寸晶圆生产线。"
    assert cat.get("工业软件攻关工程").keywords[-2:] == ("cad", "mes")
    assert [s.name for s in cat.safeguards] == ["加强组织领导", "加大资金支持"]
    _offsets_hold(cat, text)


@pytest.mark.parametrize(
    "text",
    [
        "一、会议概况\n本次会议听取了工作汇报。\n二、下一步安排\n一是抓落实，二是抓督查。\n",
        "第一章 总则\n第一条 为规范管理，制定本办法。\n第二章 附则\n第二条 本办法自发布之日起施行。\n",
        "",
    ],
)
def test_text_without_tasks_gives_an_empty_catalogue(text: str) -> None:
    cat = derive_catalogue(text, "other.txt")
    assert cat.tasks == () and cat.subtasks == () and cat.safeguards == ()
    assert (cat.declared_tasks, cat.declared_subtasks) == (0, 0)


# -- enrichment by plan id -------------------------------------------------------------------


def test_enrichment_found_by_plan_id_file_or_key(tmp_path: Path) -> None:
    notes = {
        "tasks": [
            {
                "name": "推进制造业智能化改造",
                "subtasks": [
                    {"name": "建设智能工厂", "team_notes": {"authored_by": "team", "keywords": ["注塑", "机器换人"]}}
                ],
            }
        ],
        "safeguards": {"items": [{"name": "强化资金支持", "team_notes": {"authored_by": "team", "note": "专项资金"}}]},
    }
    (tmp_path / "full-plan.yaml").write_text(yaml.safe_dump(notes, allow_unicode=True), encoding="utf-8")
    (tmp_path / "other.yaml").write_text(
        yaml.safe_dump({**notes, "plan_id": "keyed"}, allow_unicode=True), encoding="utf-8"
    )
    cat = load_plan_catalogue(FULL_PLAN, "full.txt", plan_id="full-plan", directory=tmp_path)
    factory = cat.get("建设智能工厂")
    assert (factory.keywords, factory.authored_by) == (("注塑", "机器换人"), "team")
    assert cat.get("发展服务型制造").authored_by == "derived"
    assert cat.safeguards[1].note == "专项资金" and cat.safeguards[0].authored_by == "derived"
    assert find_enrichment("keyed", "", tmp_path)["plan_id"] == "keyed"  # type: ignore[index]
    assert find_enrichment("nobody", "full.txt", tmp_path) is None
    plain = load_plan_catalogue(FULL_PLAN, "full.txt", plan_id="nobody", directory=tmp_path)
    assert plain.get("建设智能工厂").authored_by == "derived"


def test_enrichment_naming_a_missing_subtask_is_refused() -> None:
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    with pytest.raises(CatalogueError, match=r"enrichment names not found.*优化空间布局"):
        enrich(derive_catalogue(FULL_PLAN, "full.txt"), raw)


# -- edge rules ----------------------------------------------------------------------------------

EDGE_PLAN = """第一章 发展基础与形势
数字经济规模居全省前列。
第二章 总体要求
坚持创新驱动。
第三章 夯实数字基础设施
（一）建设千兆光网。一是推进光纤到户，实现城镇全覆盖；二是部署万兆无源光网络。
（二）健全网络安全保障体系
一是建设安全态势感知平台。
二是开展关键信息基础设施防护。
第四章 组织实施
（一）建立推进机制
"""


def test_edge_rules() -> None:
    cat = derive_catalogue(EDGE_PLAN, "edge.txt")
    # 夯实数字基础设施 is a task area, not a preamble (基础 alone is no preamble word); 组织实施 guards.
    assert _tree(cat) == [("夯实数字基础设施", ["建设千兆光网", "健全网络安全保障体系"])]
    # The 保障体系 inside a task is not the safeguards section.
    assert [(s.name, s.citation.section) for s in cat.safeguards] == [
        ("建立推进机制", "第四章 组织实施 > （一）建立推进机制")
    ]
    _offsets_hold(cat, EDGE_PLAN)


def test_enumerations_inside_a_task_become_subtasks() -> None:
    text = "二、主要任务\n" + EDGE_PLAN.split("第三章 夯实数字基础设施\n")[1].split("第四章")[0]
    cat = derive_catalogue(text, "tasks.txt")
    assert _tree(cat) == [
        ("建设千兆光网", ["推进光纤到户", "部署万兆无源光网络"]),  # one paragraph, 一是…；二是…
        ("健全网络安全保障体系", ["建设安全态势感知平台", "开展关键信息基础设施防护"]),  # one per paragraph
    ]
    first = cat.get("推进光纤到户").citation
    assert (first.section, first.text) == ("二、主要任务 > （一）建设千兆光网", "一是推进光纤到户，实现城镇全覆盖")
    assert cat.get("推进光纤到户").text == "实现城镇全覆盖"
    assert cat.safeguards == ()
    _offsets_hold(cat, text)


def test_a_task_section_without_items_falls_back_to_the_chapters() -> None:
    section = "（三）主要任务\n围绕数字产业和智能制造两条主线推进。\n"
    text = FULL_PLAN.replace("第二章 总体要求\n", "第二章 总体要求\n" + section)
    cat = derive_catalogue(text, "full.txt")
    assert [t.name for t in cat.tasks] == ["做强数字产业", "推进制造业智能化改造"]
