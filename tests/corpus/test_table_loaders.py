"""Table-first loaders (xlsx, xls, csv, pdf) and merged cells in docx/HTML, on files built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.chunking import chunk_document
from corpus.loaders import SUPPORTED_SUFFIXES, LoaderError, discover, load_document
from corpus.table_loaders import cell_text, grid_to_text


def _rows(chunks):  # type: ignore[no-untyped-def]
    return [c.metadata["cells"] for c in chunks if c.kind == "table_row"]


def test_new_suffixes_are_supported(tmp_path: Path) -> None:
    assert {".xlsx", ".xls", ".csv"} <= set(SUPPORTED_SUFFIXES)
    for name in ("a.xlsx", "b.xls", "c.csv"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in discover([tmp_path])] == ["a.xlsx", "b.xls", "c.csv"]


@pytest.mark.parametrize(
    ("value", "percent", "text"),
    [(6870, False, "6870"), (6870.0, False, "6870"), (0.52, False, "0.52"), (0.055, True, "5.5%"),
     (1e-05, False, "0.00001"), (None, False, ""), (" 亿元 ", False, "亿元")],
)
def test_cell_text(value: object, percent: bool, text: str) -> None:
    assert cell_text(value, percent=percent) == text


def test_grid_blocks_titles_notes_and_empty_columns() -> None:
    grid = [
        ["主要指标表", None, None, None],
        ["指标", None, "2020年", "2025年"],
        ["A（个）", None, 1.0, 2.0],
        ["注：示例", None, None, None],
        [None, None, None, None],
        ["第二部分说明", None, None, None],
    ]
    assert grid_to_text(grid) == (
        "主要指标表\n\n\t指标\n\t2020年\n\t2025年\n\n\tA（个）\n\t1\n\t2\n\n注：示例\n\n第二部分说明\n"
    )


def test_xlsx_sheets_percent_format_and_chunks(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["关于测试规划的说明"])
    ws.append(["一、总体要求"])
    table = wb.create_sheet("指标")
    table.append(["主要目标测算表"])
    table.append(["类别", "指标", "2025年"])
    table.append(["综合", "设备联网率（%）", 0.55])
    table["C3"].number_format = "0.0%"
    table.append(["", "机架数（个）", 18000])
    table.append(["备注：示例"])
    path = tmp_path / "plan.xlsx"
    wb.save(str(path))
    doc = load_document(path)
    assert doc.text == (
        "说明\n\n关于测试规划的说明\n一、总体要求\n\n指标\n\n主要目标测算表\n\n"
        "\t类别\n\t指标\n\t2025年\n\n\t综合\n\t设备联网率（%）\n\t55%\n\n\t\n\t机架数（个）\n\t18000\n\n备注：示例\n"
    )
    assert _rows(chunk_document(doc)) == [
        {"类别": "综合", "指标": "设备联网率（%）", "2025年": "55%"},
        {"类别": "综合", "指标": "机架数（个）", "2025年": "18000"},
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_encodings_and_ragged_rows(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes("主要指标（“十四五”）\n指标,2020年,2025年\n\"规上企业数（家）\",\"3,000\",≥3500\n".encode(encoding))
    assert load_document(path).text == (
        "主要指标（“十四五”）\n\n\t指标\n\t2020年\n\t2025年\n\n\t规上企业数（家）\n\t3,000\n\t≥3500\n"
    )


def test_unreadable_spreadsheets_raise(tmp_path: Path) -> None:
    for name in ("bad.xlsx", "bad.xls"):
        (tmp_path / name).write_bytes(b"not a workbook")
        with pytest.raises(LoaderError, match="cannot read xls"):
            load_document(tmp_path / name)


def test_docx_horizontal_and_vertical_merges(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("主要指标")
    t = d.add_table(rows=4, cols=3)
    for r, values in enumerate([["类别", "指标", "2025年"], ["经济", "A（个）", "1"], ["", "B（个）", "2"],
                                ["合计", "", "3"]]):
        for c, value in enumerate(values):
            t.cell(r, c).text = value
    t.cell(1, 0).merge(t.cell(2, 0)).text = "经济"  # down two rows
    t.cell(3, 0).merge(t.cell(3, 1)).text = "合计"  # across two columns
    path = tmp_path / "plan.docx"
    d.save(str(path))
    text = load_document(path).text
    assert "\t经济\n\tA（个）\n\t1\n\n\t\n\tB（个）\n\t2\n\n\t合计\n\t3\n" in text


def test_html_rowspan_and_colspan(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(
        "<html><body><p>指标</p><table>"
        "<tr><th>类别</th><th>指标</th><th>2020年</th><th>2025年</th></tr>"
        "<tr><td rowspan=3>经济</td><td>A</td><td rowspan=2>1</td><td>2</td></tr>"
        "<tr><td>B</td><td>3</td></tr>"
        "<tr><td colspan=2>C</td><td>5</td></tr>"
        "<tr><td colspan=2 rowspan=2>合计</td><td>6</td></tr>"
        "<tr><td>7</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    text = load_document(path).text
    rows = [block.split("\n") for block in text.rstrip("\n").split("\n\n") if block.startswith("\t")]
    assert rows == [
        ["\t类别", "\t指标", "\t2020年", "\t2025年"],
        ["\t经济", "\tA", "\t1", "\t2"],
        ["\t", "\tB", "\t", "\t3"],
        ["\t", "\tC", "\t5"],  # colspan: once
        ["\t合计", "\t6"],
        ["\t", "\t7"],  # rowspan+colspan: one empty cell
    ]


def test_pdf_two_tables_and_text_in_order(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=10, leading=14)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    first = Table([["指标", "2025年"], ["A（个）", "1"]], colWidths=[120, 60], style=grid)
    second = Table([["项目", "投资"], ["数据中心建设工程", "10亿元"]], colWidths=[120, 60], style=grid)
    path = tmp_path / "plan.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph("一、主要目标", style), first, Paragraph("二、重大项目", style), second, Paragraph("完。", style)]
    )
    text = load_document(path).text
    assert text == (
        "一、主要目标\n\n\t指标\n\t2025年\n\n\tA（个）\n\t1\n\n二、重大项目\n\n"
        "\t项目\n\t投资\n\n\t数据中心建设工程\n\t10亿元\n\n完。\n"
    )


def test_pdf_framed_box_stays_text(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    box = Table(
        [["专栏1 数字基础设施工程"], ["建设5G基站。"]],
        colWidths=[300],
        style=TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("BOX", (0, 0), (-1, -1), 0.5, "black"),
                          ("LINEBELOW", (0, 0), (-1, 0), 0.5, "black")]),
    )
    path = tmp_path / "box.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build([box])
    assert load_document(path).text == "专栏1 数字基础设施工程\n建设5G基站。\n"


def test_default_sheet_name_is_not_a_heading(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["关于测试规划的说明"])
    ws.append(["指标", "2025年"])
    ws.append(["A（个）", 3])
    path = tmp_path / "plan.xlsx"
    wb.save(str(path))
    doc = load_document(path)
    assert (doc.title, doc.text) == ("关于测试规划的说明", "关于测试规划的说明\n\n\t指标\n\t2025年\n\n\tA（个）\n\t3\n")
