"""Plans in every format, ingested over HTTP (POST /v1/plans), read back from /v1/indicators?plan=.

The same seven-row table is written as docx (merged 类别 cells, 单位 and 属性 columns), xlsx (a title row,
columns in another order), gb18030 CSV, a ruled PDF table, HTML (rowspan) and markdown. Expected rows by
hand: "1.2万" = 12000, "≥3500" an at-least target, "不高于0.45" an at-most target, "—" no base value
(that row is reported, not dropped).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plans.conftest import plan_settings

ROWS = [
    ("经济发展", "地区生产总值", "亿元", "6870", "1.2万", "预期性"),
    ("经济发展", "规上工业企业数", "家", "3,000", "≥3500", "预期性"),
    ("绿色发展", "单位GDP能耗", "吨标准煤/万元", "0.52", "不高于0.45", "约束性"),
    ("绿色发展", "森林覆盖率", "%", "61", "不低于61.5", "约束性"),
    ("民生保障", "新建保障性住房", "万套", "—", "2", "预期性"),
]
EXPECTED = [
    ("经济发展", "地区生产总值", "亿元", 2020, 6870.0, 2025, 12000.0, "exact", "预期性"),
    ("经济发展", "规上工业企业数", "家", 2020, 3000.0, 2025, 3500.0, "at_least", "预期性"),
    ("绿色发展", "单位GDP能耗", "吨标准煤/万元", 2020, 0.52, 2025, 0.45, "at_most", "约束性"),
    ("绿色发展", "森林覆盖率", "%", 2020, 61.0, 2025, 61.5, "at_least", "约束性"),
]
HEADER = ["类别", "指标", "单位", "2020年", "2025年", "属性"]


def _title(region: str) -> str:
    return f"{region}经济社会发展“十四五”规划"


def make_docx(path: Path, region: str) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(_title(region))
    d.add_paragraph("一、主要指标")
    table = d.add_table(rows=len(ROWS) + 1, cols=len(HEADER))
    for c, text in enumerate(HEADER):
        table.cell(0, c).text = text
    for r, row in enumerate(ROWS, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0)).text = "经济发展"
    table.cell(3, 0).merge(table.cell(4, 0)).text = "绿色发展"
    d.save(str(path))


def make_xlsx(path: Path, region: str) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([_title(region) + "主要指标"])
    order = [1, 0, 4, 3, 2, 5]  # 指标, 类别, 2025年, 2020年, 单位, 属性
    ws.append([HEADER[i] for i in order])
    for row in ROWS:
        ws.append([row[i] for i in order])
    wb.save(str(path))


def make_csv(path: Path, region: str) -> None:
    with open(path, "w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_title(region)])
        writer.writerow(HEADER)
        writer.writerows(ROWS)


def make_pdf(path: Path, region: str) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = getSampleStyleSheet()["Normal"]
    style.fontName = "STSong-Light"
    table = Table([HEADER, *ROWS])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(_title(region), style), table])


def make_html(path: Path, region: str) -> None:
    body = "".join(
        "<tr>" + (f'<td rowspan="2">{r[0]}</td>' if i % 2 == 0 else "") + "".join(f"<td>{c}</td>" for c in r[1:])
        + "</tr>"
        for i, r in enumerate(ROWS[:4])
    ) + "<tr>" + "".join(f"<td>{c}</td>" for c in ROWS[4]) + "</tr>"
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    path.write_text(f"<html><body><h1>{_title(region)}</h1><table><tr>{head}</tr>{body}</table></body></html>",
                    encoding="utf-8")


def make_md(path: Path, region: str) -> None:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in ROWS]
    path.write_text(f"# {_title(region)}\n\n## 专栏1 主要指标\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


FORMATS = [
    ("docx", make_docx, "甲江市", "jiajiang"),
    ("xlsx", make_xlsx, "乙山市", "yishan"),
    ("csv", make_csv, "丙湖市", "binghu"),
    ("pdf", make_pdf, "丁河市", "dinghe"),
    ("html", make_html, "戊川市", "wuchuan"),
    ("md", make_md, "己岭市", "jiling"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from api.app import create_app
    from bot.components import build_components

    docs = tmp_path_factory.mktemp("fmt-docs")
    settings = plan_settings(docs, tmp_path_factory.mktemp("fmt-data"))
    with TestClient(create_app(settings, lambda s: build_components(s))) as c:
        yield c


@pytest.mark.parametrize(("suffix", "make", "region", "pinyin"), FORMATS, ids=[f[0] for f in FORMATS])
def test_each_format_ingests_into_a_plan_with_typed_rows(
    client: TestClient, tmp_path: Path, suffix: str, make, region: str, pinyin: str  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / f"plan.{suffix}"
    make(path, region)
    created = client.post("/v1/plans", files={"files": (path.name, path.read_bytes(), "application/octet-stream")})
    assert created.status_code == 201, created.text
    [plan] = created.json()["added"]
    assert (plan["id"], plan["region"], plan["level"], plan["period"]) == (
        f"{pinyin}-jjsh-2021-2025", region, "市", "2021–2025"
    )
    assert plan["indicators"] == 4
    assert any("新建保障性住房" in p for p in plan["problems"])  # reported with its reason, not dropped
    rows = client.get("/v1/indicators", params={"plan": plan["id"]}).json()["indicators"]
    got = [
        (r["category"], r["name"], r["unit"], r["base_year"], r["base_value"], r["target_year"], r["target_value"],
         r["target_qualifier"], r["attribute"])
        for r in rows
    ]
    assert got == EXPECTED
    assert {r["plan"] for r in rows} == {plan["id"]}
