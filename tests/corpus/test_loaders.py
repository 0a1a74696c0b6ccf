"""Loaders on small files the tests generate: txt, md, docx (with a table), pdf, html; metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.chunking import chunk_document
from corpus.loaders import (
    LoaderError,
    clean_text,
    discover,
    infer_metadata,
    load_document,
    table_to_text,
)

HEAD = ["关于测试规划的说明", "温州市测试局", "（2022年3月）"]


def _rows(chunks):  # type: ignore[no-untyped-def]
    return [c.metadata["cells"] for c in chunks if c.kind == "table_row"]


def test_seed_metadata_from_sidecar(seed_path: Path) -> None:
    doc = load_document(seed_path)
    assert (doc.title, doc.issuer, doc.date, doc.source) == (
        "关于《温州市数字经济发展“十四五”规划》的起草说明", "温州市经济和信息化局", "2021-11",
        "wenzhou-digital-economy-14fyp-drafting-note.txt",
    )
    assert "[bookmark" not in doc.text


def test_seed_metadata_is_also_inferred_without_sidecar(seed_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "plan.txt"
    copy.write_bytes(seed_path.read_bytes())
    doc = load_document(copy)
    assert (doc.title, doc.issuer, doc.date, doc.source) == (
        "关于《温州市数字经济发展“十四五”规划》的起草说明", "温州市经济和信息化局", "2021-11", "plan.txt",
    )


def test_sidecar_overrides_inference(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("\n".join([*HEAD, "", "一、背景", "正文。"]), encoding="utf-8")
    (tmp_path / "a.txt.meta.yaml").write_text("title: 正式标题\nissuer: 某某局\ndate: 2020-01\nextra: 1\n", "utf-8")
    doc = load_document(path)
    assert (doc.title, doc.issuer, doc.date, doc.metadata) == ("正式标题", "某某局", "2020-01", {"extra": 1})


def test_bad_sidecar_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("一、背景\n正文。\n", encoding="utf-8")
    (tmp_path / "a.txt.meta.yaml").write_text("- just\n- a list\n", "utf-8")
    with pytest.raises(LoaderError, match="must be a YAML mapping"):
        load_document(path)


def test_txt_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("\n".join([*HEAD, "一、总体要求", "到2025年达到100个。"]).encode("gb18030"))
    doc = load_document(path)
    assert (doc.title, doc.issuer, doc.date) == ("关于测试规划的说明", "温州市测试局", "2022-03")
    assert "到2025年达到100个。" in doc.text


def test_markdown_headings_and_pipe_table(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "# 关于测试规划的说明\n\n## 一、总体要求\n\n**到2025年**，[5G基站](http://x)达到3万个。\n\n"
        "附件\n\n指标表\n\n| 类别 | 指标 | 2025年 |\n|---|---|---|\n"
        "| 基础设施 | 5G基站数量 | 30000 |\n|  | 机架数 | 18000 |\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert "一、总体要求\n" in doc.text and "到2025年，5G基站达到3万个。" in doc.text
    chunks = chunk_document(doc)
    para = next(c for c in chunks if c.text.startswith("到2025年"))
    assert para.section == "一、总体要求"
    assert _rows(chunks) == [
        {"类别": "基础设施", "指标": "5G基站数量", "2025年": "30000"},
        {"类别": "基础设施", "指标": "机架数", "2025年": "18000"},
    ]


def test_docx_paragraphs_and_table_in_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in HEAD:
        d.add_paragraph(line)
    d.add_heading("一、总体要求", level=1)
    d.add_paragraph("到2025年，数字经济增加值达到6500亿元。")
    d.add_paragraph("附件")
    d.add_paragraph("主要目标测算表")
    table = d.add_table(rows=3, cols=3)
    for r, values in enumerate([["类别", "指标", "2025年"], ["综合发展", "数字经济增加值（亿元）", "6500"],
                                ["", "数字经济增加值占GDP比重（%）", "65"]]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    d.add_paragraph("备注：示例")
    path = tmp_path / "plan.docx"
    d.save(str(path))
    doc = load_document(path)
    assert (doc.title, doc.issuer, doc.date) == ("关于测试规划的说明", "温州市测试局", "2022-03")
    chunks = chunk_document(doc)
    assert next(c for c in chunks if "6500亿元" in c.text).section == "一、总体要求"
    rows = [c for c in chunks if c.kind == "table_row"]
    assert [r.text for r in rows] == [
        "附件 主要目标测算表｜类别：综合发展｜指标：数字经济增加值（亿元）｜2025年：6500",
        "附件 主要目标测算表｜类别：综合发展｜指标：数字经济增加值占GDP比重（%）｜2025年：65",
    ]
    assert rows[0].section == "附件 > 主要目标测算表"


def test_pdf_text(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "plan.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for i, line in enumerate([*HEAD, "一、总体要求", "到2025年，5G基站达到30000个。"]):
        c.drawString(72, 800 - 20 * i, line)
    c.showPage()
    c.setFont("STSong-Light", 12)
    c.drawString(72, 800, "二、保障措施")
    c.drawString(72, 780, "强化数据安全。")
    c.save()
    doc = load_document(path)
    assert (doc.title, doc.issuer, doc.date) == ("关于测试规划的说明", "温州市测试局", "2022-03")
    sections = {c.text: c.section for c in chunk_document(doc)}
    assert sections["到2025年，5G基站达到30000个。"] == "一、总体要求"
    assert sections["强化数据安全。"] == "二、保障措施"


def test_html_blocks_and_table(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(
        "<html><head><title>x</title><style>p{}</style></head><body><h1>关于测试规划的说明</h1>"
        "<h2>一、总体要求</h2><p>到2025年，<b>数据中心</b>机架达到18000个。</p><script>var a=1;</script>"
        "<p>附件</p><p>指标表</p><table><tr><th>指标</th><th>2025年</th></tr>"
        "<tr><td>数据中心总机架数（个）</td><td>18000以上</td></tr></table></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert "var a" not in doc.text
    chunks = chunk_document(doc)
    assert next(c for c in chunks if c.text.startswith("到2025年")).text == "到2025年，数据中心机架达到18000个。"
    assert _rows(chunks) == [{"指标": "数据中心总机架数（个）", "2025年": "18000以上"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("a.pptx", b"x", "unsupported document type"), ("empty.txt", b"  \n", "no text found")],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoaderError, match=message):
        load_document(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="no such file"):
        load_document(tmp_path / "nope.txt")


def test_helpers() -> None:
    assert clean_text("二、过程\r\n[bookmark: _GoBack]根据…  \n\n") == "二、过程\n根据…\n"
    assert clean_text("\t类别\n\t\n\n") == "\t类别\n\t\n"
    assert table_to_text([["类别", "指标"], ["综合", "增加 值"]]) == "\t类别\n\t指标\n\n\t综合\n\t增加 值\n"
    assert infer_metadata("一、背景\n正文", "fallback") == {"title": "fallback", "issuer": "", "date": ""}


def test_discover_skips_sidecars_and_unsupported(tmp_path: Path) -> None:
    for name in ("a.txt", "a.txt.meta.yaml", "b.docx", "c.pptx", "sub/d.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in discover([tmp_path])] == ["a.txt", "b.docx", "d.md"]
