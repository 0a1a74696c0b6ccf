"""One plan's indicator table written in every format → the same typed rows.

Each test builds the file in tmp_path (md 专栏, docx with merged 类别 cells, xlsx with a title row
and shuffled columns, gb18030 CSV, a drawn PDF table, HTML with rowspan), loads it with
`load_document` and parses it with `parse_indicator_tables`. The expected rows are typed by hand:
"1.2万" is 12000, "3,000" is 3000, "不高于0.45" is an at_most bound, "—" is no value.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corpus.loaders import load_document
from indicators.catalog import IndicatorTable
from indicators.tables import TableParse, parse_indicator_tables, text_tables

TITLE = "某市“十四五”经济社会发展规划"
PROSE = "规划提出了7项主要指标。"
# The table every format carries: category, label, unit, base cell, target cell, attribute.
CELLS = [
    ("经济发展", "地区生产总值", "亿元", "6870", "1.2万", "预期性"),
    ("经济发展", "数字经济核心产业增加值占GDP比重", "%", "7.5", "10左右", "预期性"),
    ("经济发展", "规上工业企业数", "家", "3,000", "≥3500", "预期性"),
    ("绿色发展", "单位GDP能耗", "吨标准煤/万元", "0.52", "不高于0.45", "约束性"),
    ("绿色发展", "城镇调查失业率", "%", "5.2%", "5.5%以下", "约束性"),
    ("绿色发展", "森林覆盖率", "%", "61", "不低于61.5", "约束性"),
    ("民生保障", "新建保障性住房", "万套", "—", "2", "预期性"),
]
# (category, name, unit, base, target, qualifier, attribute), base 2020 and target 2025 for all.
EXPECTED = [
    ("经济发展", "地区生产总值", "亿元", 6870.0, 12000.0, "exact", "预期性"),
    ("经济发展", "数字经济核心产业增加值占GDP比重", "%", 7.5, 10.0, "approximately", "预期性"),
    ("经济发展", "规上工业企业数", "家", 3000.0, 3500.0, "at_least", "预期性"),
    ("绿色发展", "单位GDP能耗", "吨标准煤/万元", 0.52, 0.45, "at_most", "约束性"),
    ("绿色发展", "城镇调查失业率", "%", 5.2, 5.5, "at_most", "约束性"),
    ("绿色发展", "森林覆盖率", "%", 61.0, 61.5, "at_least", "约束性"),
]


def check(parse: TableParse, years: tuple[int, int] = (2020, 2025)) -> None:
    got = [
        (r.category, r.name, r.unit, r.base_value, r.target_value, r.target_qualifier, r.attribute)
        for r in parse.rows
    ]
    assert got == EXPECTED
    assert {(r.base_year, r.target_year) for r in parse.rows} == {years}
    assert all(not r.unit_inferred for r in parse.rows)
    assert parse.tables == 1
    assert parse.declared_count == 7
    [bad] = parse.unparsed
    assert (bad.category, bad.label, bad.reason) == ("民生保障", "新建保障性住房", "缺少基期值 / no base value")
    assert "新建保障性住房" in bad.text and "—" in bad.cells
    assert len(parse.problems) == 1 and "新建保障性住房" in parse.problems[0]
    table = IndicatorTable.from_parse(parse)
    assert (len(table), table.unparsed, table.row_count_mismatch) == (6, (bad,), True)
    assert table.get("单位GDP能耗").qualifier_text == "以下"


def parse_file(path: Path) -> TableParse:
    return parse_indicator_tables(load_document(path).text)


def test_markdown_box(tmp_path: Path) -> None:
    rows = ["| 类别 | 指标 | 单位 | 2020年 | 2025年 | 属性 |", "|---|---|---|---|---|---|"]
    previous = ""
    for cat, label, unit, base, target, attr in CELLS:
        # Markdown cannot merge cells: the category is written once, the rows below leave it empty.
        rows.append(f"| {'' if cat == previous else cat} | {label} | {unit} | {base} | {target} | {attr} |")
        previous = cat
    path = tmp_path / "plan.md"
    path.write_text(
        "\n".join([f"# {TITLE}", "", PROSE, "", "## 专栏1 主要指标", "", *rows, "", "注：示例。"]), encoding="utf-8"
    )
    check(parse_file(path))


def test_docx_merged_category_and_unit_column(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph(PROSE)
    header = ["序号", "类别", "指标名称", "单位", "2020年基数", "2025年目标", "属性"]
    table = d.add_table(rows=len(CELLS) + 1, cols=len(header))
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, (cat, label, unit, base, target, attr) in enumerate(CELLS, start=1):
        for c, text in enumerate([str(r), cat, label, unit, base, target, attr]):
            table.cell(r, c).text = text
    # 类别 merged down: rows 1-3 经济发展, rows 4-6 绿色发展 (python-docx keeps the top cell's text
    # followed by the merged cells' text, so it is set again after merging).
    table.cell(1, 1).merge(table.cell(3, 1)).text = "经济发展"
    table.cell(4, 1).merge(table.cell(6, 1)).text = "绿色发展"
    path = tmp_path / "plan.docx"
    d.save(str(path))
    text = load_document(path).text
    # The merged cell is written once, with empty cells below it.
    assert "\t2\n\t\n\t数字经济核心产业增加值占GDP比重" in text
    check(parse_indicator_tables(text))


def test_xlsx_title_row_and_shuffled_columns(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "主要指标"
    ws.append([f"{TITLE}主要指标表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.append(["指标名称", "2025年目标", "计量单位", "属性", "领域", "现状值"])
    for cat, label, unit, base, target, attr in CELLS:
        ws.append([label, target, unit, attr, cat, base])
    # Numbers as numbers: 6870 typed as a number, 61 stored as 0.61 with a percent format.
    ws["F3"] = 6870
    ws["F8"] = 0.61
    ws["F8"].number_format = "0%"
    ws.append([])
    ws.append([PROSE])
    path = tmp_path / "plan.xlsx"
    wb.save(str(path))
    text = load_document(path).text
    assert text.startswith("主要指标\n")
    assert f"{TITLE}主要指标表\n\n\t指标名称\n" in text  # the title stays a line above the table
    # No year in 现状值/目标值 heads except 2025年目标: the base is the year before "十四五" starts.
    check(parse_indicator_tables(text))


def test_csv_gb18030_with_growth_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"{TITLE}主要指标（基期为2020年）"])
        writer.writerow(["领域", "主要指标", "计量单位", "基期值", "目标值", "年均增速（%）", "属性"])
        for cat, label, unit, base, target, attr in CELLS:
            growth = "11.8" if label == "地区生产总值" else ""
            writer.writerow([cat, label, unit, base, target, growth, attr])
        writer.writerow([PROSE])
    parse = parse_file(path)
    check(parse)
    gdp = parse.rows[0]
    # The growth column is a basis hint: a rate rule the audit can recompute.
    assert (gdp.basis, gdp.basis_parsed.kind, gdp.basis_parsed.rate_pct) == ("年均增速（%）：11.8", "growth_rate", 11.8)


def test_pdf_drawn_table(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=10, leading=14)
    data = [["类别", "指标", "单位", "2020年", "2025年", "属性"]]
    data += [list(row) for row in CELLS]
    for row in data[2:4] + data[5:7]:
        row[0] = ""  # under the merged category cells
    table = Table(data, colWidths=[50, 170, 70, 45, 60, 45])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "STSong-Light", 9),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("SPAN", (0, 1), (0, 3)),
                ("SPAN", (0, 4), (0, 6)),
            ]
        )
    )
    path = tmp_path / "plan.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph(TITLE, style), Paragraph(PROSE, style), table, Paragraph("备注：示例数据。", style)]
    )
    text = load_document(path).text
    lines = text.splitlines()
    # Reading order: title and prose, then the table, then the note; table text is not repeated.
    assert lines.index(PROSE) < lines.index("\t类别") < lines.index("备注：示例数据。")
    assert text.count("单位GDP能耗") == 1
    check(parse_indicator_tables(text))


def test_html_rowspan(tmp_path: Path) -> None:
    body = ["<tr><th colspan='6'>主要指标</th></tr>",
            "<tr><th>类别</th><th>指标</th><th>单位</th><th>2020年</th><th>2025年</th><th>属性</th></tr>"]
    spans = {"地区生产总值": 3, "单位GDP能耗": 3, "新建保障性住房": 1}
    for cat, label, unit, base, target, attr in CELLS:
        first = f"<td rowspan='{spans[label]}'>{cat}</td>" if label in spans else ""
        body.append(f"<tr>{first}<td>{label}</td><td>{unit}</td><td>{base}</td><td>{target}</td><td>{attr}</td></tr>")
    path = tmp_path / "plan.html"
    path.write_text(
        f"<html><body><h1>{TITLE}</h1><p>{PROSE}</p><table>{''.join(body)}</table></body></html>", encoding="utf-8"
    )
    text = load_document(path).text
    assert "\t经济发展\n\t地区生产总值" in text and "\t\n\t规上工业企业数" in text
    check(parse_indicator_tables(text))


@pytest.mark.parametrize("repeat", [False, True])
def test_merged_category_empty_or_repeated(repeat: bool) -> None:
    """Both ways a merged 类别 can reach the text parse to the same categories."""
    rows = ["\t类别\n\t指标\n\t2020年\n\t2025年"]
    for i, (cat, label, _, base, target, _) in enumerate(CELLS[:4]):
        shown = cat if repeat or i in (0, 3) else ""
        rows.append(f"\t{shown}\n\t{label}\n\t{base}\n\t{target}")
    parse = parse_indicator_tables("\n\n".join(rows) + "\n")
    assert [r.category for r in parse.rows] == ["经济发展", "经济发展", "经济发展", "绿色发展"]


def test_pdf_table_split_by_a_page_break(tmp_path: Path) -> None:
    """A long table continues on the next page without its header: its rows still parse."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    # Row i: 指标i（个）, base i, target 2i; 60 rows do not fit on one A4 page at 16 points a row.
    data = [["指标", "2020年", "2025年"]] + [[f"指标{i}（个）", str(i), str(2 * i)] for i in range(1, 61)]
    style = TableStyle([("FONT", (0, 0), (-1, -1), "STSong-Light", 9), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    path = tmp_path / "long.pdf"

    def page_number(canvas, doc):  # type: ignore[no-untyped-def]
        canvas.setFont("STSong-Light", 9)
        canvas.drawString(280, 30, f"第{doc.page}页")

    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Table(data, colWidths=[120, 60, 60], rowHeights=16, style=style)],
        onFirstPage=page_number,
        onLaterPages=page_number,
    )
    text = load_document(path).text
    # The header is printed once and the page number sits between the two parts of the table.
    assert text.count("\t指标\n") == 1 and "\n第1页\n" in text
    assert len(text_tables(text)) == 2
    parse = parse_indicator_tables(text)
    assert [(r.name, r.base_value, r.target_value) for r in parse.rows] == [
        (f"指标{i}", float(i), float(2 * i)) for i in range(1, 61)
    ]
    assert (parse.tables, parse.unparsed, parse.problems) == (1, [], [])


def test_two_row_header_and_markdown_bold(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "\n".join(
            [
                "| **指标** | **基期** | **目标** |",
                "|---|---|---|",
                "| | 2019年 | 2024年 |",
                "| **地区生产总值（亿元）** | 6870 | 1.2万 |",
            ]
        ),
        encoding="utf-8",
    )
    [row] = parse_file(path).rows
    assert (row.name, row.unit, row.base_year, row.target_year, row.target_value) == (
        "地区生产总值", "亿元", 2019, 2024, 12000.0
    )
