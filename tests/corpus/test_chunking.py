"""The structure-aware chunker on the shipped seed: heading paths, table rows, enumerations, ids."""

from __future__ import annotations

import hashlib

import pytest

from corpus.chunking import (
    ChunkerConfig,
    chinese_to_int,
    chunk_document,
    enumeration_items,
    heading_level,
    index_text,
    keyword_text,
    parse_subtasks,
    sentence_windows,
    split_heading,
)
from corpus.loaders import Document, load_document
from corpus.types import Chunk

TABLE = "附件 > 温州市数字经济发展“十四五”规划主要目标测算表"
CAPTION = "附件 温州市数字经济发展“十四五”规划主要目标测算表"

NOTICE = "根据《温州市人民政府办公室关于印发温州市“十四五”规划编制体系目录的通知》"

# (start of a top-level chunk's text, its heading path), read off the seed by hand.
SECTIONS = [
    ("关于《温州市数字经济发展", "关于《温州市数字经济发展“十四五”规划》的起草说明"),
    (NOTICE + "（温政办〔2020〕55号），", "一、起草背景及依据"),
    (NOTICE + "（温政办〔2020〕55号）文件", "二、起草过程"),
    ("《规划》包括前言", "三、主要内容"),
    ("（一）前言。", "三、主要内容 > （一）前言"),
    ("（二）基础趋势研究。", "三、主要内容 > （二）基础趋势研究"),
    ("（三）总体要求。", "三、主要内容 > （三）总体要求"),
    ("（四）主要任务。", "三、主要内容 > （四）主要任务"),
    ("（五）保障措施。", "三、主要内容 > （五）保障措施"),
    ("（六）附件。", "三、主要内容 > （六）附件"),
    ("建议《规划》（送审稿）", "三、主要内容"),
    ("备注：标*为2019年数据", TABLE),
]


def _top_level(chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in chunks if c.parent_id is None and c.kind != "table"]


@pytest.mark.parametrize(("prefix", "section"), SECTIONS)
def test_every_section_has_its_heading_path(seed_chunks: list[Chunk], prefix: str, section: str) -> None:
    matching = [c for c in _top_level(seed_chunks) if c.text.startswith(prefix)]
    assert len(matching) == 1, [c.text[:30] for c in matching]
    assert matching[0].section == section


def test_top_level_chunks_are_exactly_the_known_sections(seed_chunks: list[Chunk]) -> None:
    assert len(_top_level(seed_chunks)) == len(SECTIONS)


def test_leaves_inherit_their_parents_section(seed_chunks: list[Chunk]) -> None:
    by_id = {c.id: c for c in seed_chunks}
    for chunk in seed_chunks:
        if chunk.parent_id and not chunk.metadata.get("collapse"):
            assert chunk.section == by_id[chunk.parent_id].section


def test_every_table_row_is_its_own_chunk_with_the_header(seed_chunks: list[Chunk]) -> None:
    rows = [c for c in seed_chunks if c.kind == "table_row"]
    assert len(rows) == 30
    for row in rows:
        assert row.section == TABLE
        assert row.text.startswith(CAPTION + "｜类别：")
        for label in ("｜指标：", "｜2020年：", "｜2025年：", "｜测算依据："):
            assert label in row.text
    assert [r.metadata["row"] for r in rows] == list(range(1, 31))


def test_table_row_text_and_cells(seed_chunks: list[Chunk]) -> None:
    row = next(c for c in seed_chunks if c.kind == "table_row" and "5G基站数量" in c.text)
    assert row.text == (
        CAPTION + "｜类别：数字基础设施｜指标：5G基站数量（个）｜2020年：9072｜2025年：30000"
        "｜测算依据：根据《温州市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》"
    )
    assert row.metadata["cells"] == {
        "类别": "数字基础设施", "指标": "5G基站数量（个）", "2020年": "9072", "2025年": "30000",
        "测算依据": "根据《温州市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》",
    }


@pytest.mark.parametrize(
    ("indicator", "category"),
    [
        ("数字经济增加值（亿元）", "综合发展"),
        ("数字经济增加值占GDP比重（%）", "综合发展"),  # empty category cell: same as above
        ("数字经济核心产业国家高新技术企业（家）", "数字科创"),
        ("农产品网络零售额（亿元）", "产业数字化"),
        ("数据共享率（%）", "治理数字化"),
        ("工业互联网平台（个）", "数字基础设施"),
    ],
)
def test_empty_category_means_same_as_above(seed_chunks: list[Chunk], indicator: str, category: str) -> None:
    row = next(c for c in seed_chunks if c.kind == "table_row" and c.metadata["cells"]["指标"] == indicator)
    assert row.metadata["cells"]["类别"] == category


def test_star_note_is_attached_to_starred_rows_only(seed_chunks: list[Chunk]) -> None:
    rows = [c for c in seed_chunks if c.kind == "table_row"]
    noted = [r.metadata["cells"]["指标"] for r in rows if r.text.endswith("｜备注：标*为2019年数据")]
    assert noted == [
        "数字经济增加值（亿元）", "数字经济增加值占GDP比重（%）", "规上数字经济核心产业R&D经费支出占营业收入比重（%）",
    ]


def test_rows_have_the_whole_table_as_parent(seed_chunks: list[Chunk]) -> None:
    tables = [c for c in seed_chunks if c.kind == "table"]
    assert len(tables) == 1
    rows = [c for c in seed_chunks if c.kind == "table_row"]
    assert {r.parent_id for r in rows} == {tables[0].id}
    assert tables[0].metadata["leaf"] is False


def test_one_chunk_per_task_with_its_subtasks(seed_chunks: list[Chunk]) -> None:
    items = [c for c in seed_chunks if c.kind == "list_item" and c.metadata.get("item_title", "").endswith("工程")]
    assert [c.metadata["item_title"] for c in items] == [
        "数字经济产业能级提升工程", "数字创新生态培育工程", "制造业数字化赋能工程", "服务业数字化提升工程",
        "农业数字化转型工程", "数字基建全面提速工程", "治理数字化提效工程", "数据资源开发共享工程",
    ]
    assert [len(c.metadata["subtasks"]) for c in items] == [5, 4, 5, 6, 3, 3, 3, 3]
    six = items[5]
    assert six.text == (
        "六是数字基建全面提速工程。包括全面建设5G等新一代网络基础设施、"
        "建设国家级区域型数据中心等新技术和算力基础设施、深化部署融合基础设施等3项子任务。"
    )
    parent = next(c for c in seed_chunks if c.id == six.parent_id)
    assert parent.kind == "section" and parent.text.startswith("（四）主要任务。提出8大任务和32项子任务。")


def test_subtask_chunks_collapse_into_their_item(seed_chunks: list[Chunk]) -> None:
    subtasks = [c for c in seed_chunks if c.metadata.get("collapse")]
    assert len(subtasks) == 32
    by_id = {c.id: c for c in seed_chunks}
    medical = next(c for c in subtasks if c.text == "全面推进数字医疗实践")
    assert by_id[medical.parent_id].metadata["item_title"] == "服务业数字化提升工程"
    assert medical.section == "三、主要内容 > （四）主要任务 > 服务业数字化提升工程"


def test_short_enumeration_item_joins_its_neighbour(seed_chunks: list[Chunk]) -> None:
    items = [c for c in seed_chunks if c.kind == "list_item" and c.section == "三、主要内容 > （三）总体要求"]
    first = items[0]
    assert first.text.startswith("（三）总体要求。一是指导思想。")
    assert first.text.endswith("二是发展原则；")


def test_long_item_is_split_into_windows_that_keep_its_title(seed_chunks: list[Chunk]) -> None:
    item = next(c for c in seed_chunks if c.kind == "list_item" and c.text.startswith("三是发展目标。"))
    assert item.metadata["leaf"] is False
    windows = [c for c in seed_chunks if c.parent_id == item.id]
    assert "".join(w.text for w in windows) == item.text
    assert all(len(w.text) <= ChunkerConfig().window_max for w in windows)
    assert [w.metadata.get("context") for w in windows] == [None, "发展目标", "发展目标"]


def test_offsets_point_into_the_document(seed_doc: Document, seed_chunks: list[Chunk]) -> None:
    for chunk in seed_chunks:
        if chunk.kind in ("table_row", "table"):
            span = seed_doc.text[chunk.start : chunk.end]
            if chunk.kind == "table_row":
                assert chunk.metadata["cells"]["指标"] in span
        else:
            assert seed_doc.text[chunk.start : chunk.end] == chunk.text


def test_ids_are_content_hashes_and_stable_across_runs(seed_path, seed_chunks: list[Chunk]) -> None:  # type: ignore[no-untyped-def]
    again = chunk_document(load_document(seed_path))
    assert [c.id for c in again] == [c.id for c in seed_chunks]
    assert len({c.id for c in seed_chunks}) == len(seed_chunks)
    row = next(c for c in seed_chunks if c.kind == "table_row")
    expected = hashlib.sha256(f"{row.source}\x00{row.section}\x00{row.kind}\x00{row.text}".encode()).hexdigest()[:16]
    assert row.id == expected


def test_chunks_carry_document_metadata(seed_chunks: list[Chunk]) -> None:
    for chunk in seed_chunks:
        assert chunk.source == "wenzhou-digital-economy-14fyp-drafting-note.txt"
        assert chunk.metadata["issuer"] == "温州市经济和信息化局"
        assert chunk.metadata["date"] == "2021-11"


def test_index_and_keyword_texts(seed_chunks: list[Chunk]) -> None:
    row = next(c for c in seed_chunks if c.kind == "table_row")
    assert index_text(row) == row.text
    assert keyword_text(row).startswith("类别：综合发展｜指标：数字经济增加值（亿元）")
    item = next(c for c in seed_chunks if c.text.startswith("六是数字基建"))
    assert index_text(item) == "三、主要内容 （四）主要任务\n" + item.text


@pytest.mark.parametrize(
    ("line", "level"),
    [("第一章 总则", 1), ("第二节 目标", 2), ("三、主要内容", 3), ("（四）主要任务", 4), ("1. 指标", 5),
     ("(2) 说明", 6), ("附件", 0), ("附件2：项目库", 0), ("一是数字经济", None), ("2020年4月启动", None),
     ("5G基站", None)],
)
def test_heading_levels(line: str, level: int | None) -> None:
    assert heading_level(line) == level


def test_split_heading() -> None:
    assert split_heading("三、主要内容") == ("三、主要内容", False)
    assert split_heading("（六）附件。包括3个附件内容。") == ("（六）附件", True)
    assert split_heading("普通段落。") is None


def test_enumeration_and_windows_helpers() -> None:
    assert enumeration_items("提出两项。一是甲甲甲。二是乙乙乙。", 1) == [(0, 5), (5, 11), (11, 17)]
    assert enumeration_items("只有一是一项。", 1) is None
    assert enumeration_items("一是甲。三是乙。", 1) is None  # numbering must count up from 一是
    assert sentence_windows("甲。乙乙。丙丙丙。", 4) == [(0, 2), (2, 5), (5, 9)]
    assert sentence_windows("甲。乙乙。丙丙丙。", 5) == [(0, 5), (5, 9)]
    subtasks = parse_subtasks("八是数据工程。包括加强数据采集整合、开展数据价值挖掘等2项子任务。")
    assert subtasks == ["加强数据采集整合", "开展数据价值挖掘"]
    assert [chinese_to_int(s) for s in ("一", "十", "十二", "二十", "8", "是")] == [1, 10, 12, 20, 8, None]


def test_generic_document_structure() -> None:
    text = (
        "第一章 总则\n为推进数字化。\n第一节 目标\n一、发展目标\n（一）产业目标\n1. 规模\n（1）核心产业\n"
        "到2025年规模达到1000亿元。\n附件\n指标表\n\t指标\n\t目标\n\n\t产值\n\t100\n\n\t\n\t200\n"
    )
    doc = Document(id="d", text=text, source="g.txt", title="t", issuer="", date="")
    chunks = chunk_document(doc)
    para = next(c for c in chunks if c.text.startswith("到2025年"))
    assert para.section == "第一章 总则 > 第一节 目标 > 一、发展目标 > （一）产业目标 > 1. 规模 > （1）核心产业"
    rows = [c for c in chunks if c.kind == "table_row"]
    assert [r.text for r in rows] == ["附件 指标表｜指标：产值｜目标：100", "附件 指标表｜指标：产值｜目标：200"]
