"""Build the held-out plan documents from their plain-text sources.

    /work/main/.venv/bin/python corpus/eval/plans_heldout/make_documents.py

quzhou-digital-government.source.md     -> quzhou-digital-government.docx
    (python-docx; headings as Word heading styles, the indicator table as a real Word table whose
    类别 column is vertically merged over each group of rows)
zhejiang-manufacturing-digital.source.md -> zhejiang-manufacturing-digital.pdf
    (reportlab; CJK via the built-in STSong-Light CID font, the indicator table drawn as a Table
    with grid lines)

Source syntax: "# " title, "## " / "### " headings, "| ... |" pipe-table rows (the "---" row is
skipped), "表…" caption lines, everything else one paragraph per line.  In the Quzhou table an
empty 类别 cell means "same group as the row above" and is merged into it.
"""
from __future__ import annotations

import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent


def parse(path: pathlib.Path):
    """Yield (kind, payload): title / h1 / h2 / caption / para / table(list of rows)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    table: list[list[str]] = []
    for line in [*lines, ""]:
        s = line.strip()
        if s.startswith("|"):
            cells = [c.strip() for c in s.strip("|").split("|")]
            if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                continue
            table.append(cells)
            continue
        if table:
            yield "table", table
            table = []
        if not s:
            continue
        if s.startswith("### "):
            yield "h2", s[4:]
        elif s.startswith("## "):
            yield "h1", s[3:]
        elif s.startswith("# "):
            yield "title", s[2:]
        elif re.match(r"^表\d", s):
            yield "caption", s
        else:
            yield "para", s


# ----------------------------------------------------------------------------- Word (.docx)
def build_docx(src: pathlib.Path, out: pathlib.Path) -> None:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    normal.font.size = Pt(12)
    first_para = True
    for kind, payload in parse(src):
        if kind == "title":
            doc.add_heading(payload, level=0)
        elif kind == "h1":
            doc.add_heading(payload, level=1)
        elif kind == "h2":
            doc.add_heading(payload, level=2)
        elif kind == "caption":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(payload).bold = True
        elif kind == "para":
            p = doc.add_paragraph(payload)
            if first_para and len(payload) < 20:  # issuing body and date under the title
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                first_para = False
        elif kind == "table":
            header, body = payload[0], payload[1:]
            t = doc.add_table(rows=len(body) + 1, cols=len(header))
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            for j, h in enumerate(header):
                cell = t.cell(0, j)
                cell.text = ""
                cell.paragraphs[0].add_run(h).bold = True
            for i, row in enumerate(body, start=1):
                for j, v in enumerate(row):
                    if j == 0 and not v:
                        continue
                    t.cell(i, j).text = v
            # merge empty 类别 cells into the group's first cell (vertical merge)
            start = 1
            for i in range(2, len(body) + 2):
                if i == len(body) + 1 or body[i - 1][0]:
                    if i - 1 > start:
                        t.cell(start, 0).merge(t.cell(i - 1, 0))
                    start = i
        if kind == "title":
            first_para = True
        elif kind != "para":
            first_para = False
    doc.core_properties.title = "衢州市数字政府建设“十四五”规划"
    doc.core_properties.author = "衢州市大数据发展管理局"
    doc.save(str(out))


# ----------------------------------------------------------------------------- PDF
def build_pdf(src: pathlib.Path, out: pathlib.Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    f = "STSong-Light"
    st = {
        "title": ParagraphStyle("t", fontName=f, fontSize=18, leading=26, alignment=TA_CENTER,
                                spaceAfter=8),
        "sub": ParagraphStyle("s", fontName=f, fontSize=11, leading=16, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", fontName=f, fontSize=14, leading=22, spaceBefore=10,
                             spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=f, fontSize=12.5, leading=20, spaceBefore=6,
                             spaceAfter=2),
        "para": ParagraphStyle("p", fontName=f, fontSize=11, leading=19, firstLineIndent=22,
                               wordWrap="CJK"),
        "caption": ParagraphStyle("c", fontName=f, fontSize=11, leading=18, alignment=TA_CENTER,
                                  spaceBefore=6, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=10, leading=14, wordWrap="CJK"),
    }
    story = []
    after_title = 0
    for kind, payload in parse(src):
        if kind == "title":
            story.append(Paragraph(payload, st["title"]))
            after_title = 2
            continue
        if kind == "para" and after_title:
            story.append(Paragraph(payload, st["sub"]))
            after_title -= 1
            if not after_title:
                story.append(Spacer(1, 8))
            continue
        after_title = 0
        if kind in ("h1", "h2", "caption", "para"):
            story.append(Paragraph(payload, st[kind]))
        elif kind == "table":
            data = [[Paragraph(c, st["cell"]) for c in row] for row in payload]
            t = Table(data, colWidths=[78 * mm, 26 * mm, 26 * mm, 42 * mm], repeatRows=1)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]))
            story.append(t)
            story.append(Spacer(1, 4))
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm,
                            title="浙江省制造业数字化转型行动方案(2021—2025年)",
                            author="浙江省经济和信息化厅")
    doc.build(story)


if __name__ == "__main__":
    build_docx(HERE / "quzhou-digital-government.source.md", HERE / "quzhou-digital-government.docx")
    build_pdf(HERE / "zhejiang-manufacturing-digital.source.md",
              HERE / "zhejiang-manufacturing-digital.pdf")
    print("wrote", HERE / "quzhou-digital-government.docx", HERE / "zhejiang-manufacturing-digital.pdf")
