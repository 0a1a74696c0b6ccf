"""The evaluation report: a Word document an official can hand in, and an Excel table with colours.

>>> from indicators.catalog import load_default_table
>>> from bot.actuals.monitor import Monitor
>>> from bot.actuals.store import open_store
>>> monitor = Monitor(open_store("sqlite://"), lambda plan: load_default_table(), default_plan="p")
>>> data = build_docx(monitor, None, 2025)  # doctest: +SKIP

The document: title, a summary paragraph (X项完成、Y项未完成、Z项无数据 and the largest gaps), the
evaluation table with statuses, a completion-rate bar chart, a trajectory chart (planned path, actuals,
target) for each lagging indicator, and a methods note (trajectory rule, tolerance, data sources).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from bot.actuals.charts import STATUS_COLOURS, completion_chart, trajectory_chart
from bot.actuals.monitor import Monitor
from indicators import engine
from indicators.evaluation import Evaluation, EvaluationRow
from indicators.model import Indicator

# Light fills for the Word table (text stays black and readable); the charts use STATUS_COLOURS.
CELL_FILLS = {
    "完成": "C8E6C9",
    "超前": "DCEDC8",
    "符合": "BBDEFB",
    "滞后": "FFE0B2",
    "未完成": "FFCDD2",
    "无数据": "EEEEEE",
}
COLUMN_CM = (1.0, 6.2, 1.6, 2.4, 2.0, 2.0, 2.0, 1.8, 1.8, 1.6, 2.8)
HEADERS = ("序号", "指标", "单位", "基期值", "目标值", "规划值", "实际值", "完成率%", "进度%", "状态", "所需年均增长")
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _num(value: float | None) -> str:
    return "—" if value is None else engine.fmt(round(value, 2))


def table_cells(row: EvaluationRow, n: int) -> list[str]:
    """One evaluation row as the report table's cells.

    >>> from indicators.catalog import load_default_table
    >>> from indicators.evaluation import evaluate_indicator
    >>> table_cells(evaluate_indicator(load_default_table().get("高企"), 2023, 225), 1)
    ['1', '数字经济核心产业国家高新技术企业', '家', '115', '315', '235', '225', '71.43', '55', '滞后', '45家']
    """
    base = f"{_num(row.base)}" + (f"（{row.base_year}）" if row.base_year != row.target_year - 5 else "")
    needed = "—" if row.needed_growth is None else f"{_num(row.needed_growth)}{row.needed_growth_unit}"
    return [
        str(n), row.indicator, row.unit, base, f"{_num(row.target)}{row.qualifier}", _num(row.planned),
        _num(row.actual), _num(row.completion), _num(row.progress), row.status, needed,
    ]  # fmt: skip


def report_title(title: str, evaluation: Evaluation, target_year: int) -> str:
    """《title》主要指标总结评估报告 (target year) or 中期评估报告 (earlier years)."""
    kind = "总结评估" if evaluation.year >= target_year else "中期评估"
    return f"《{title}》主要指标{kind}报告（{evaluation.year}年）"


def summary_text(evaluation: Evaluation, target_year: int) -> str:
    """The summary paragraph: counts by status, then the largest gaps.

    >>> from indicators.catalog import load_default_table
    >>> from indicators.evaluation import ActualPoint, evaluate
    >>> ev = evaluate("p", load_default_table().indicators[:3], 2025, {"数字经济增加值": ActualPoint(2025, 5600)})
    >>> summary_text(ev, 2025)
    '纳入评估的3项指标中，0项完成、1项未完成、2项无数据。差距最大的是：数字经济增加值（完成率86.15%，进度74.89%）。'
    """
    c = evaluation.counts
    n = len(evaluation.rows)
    if evaluation.year >= target_year:
        counts = f"{c['完成']}项完成、{c['未完成']}项未完成、{c['无数据']}项无数据"
    else:
        counts = f"{c['超前']}项超前、{c['符合']}项符合进度、{c['滞后']}项滞后、{c['无数据']}项无数据"
    text = f"纳入评估的{n}项指标中，{counts}。"
    gaps = evaluation.largest_gaps(3)
    if gaps:
        items = [f"{r.indicator}（完成率{_num(r.completion)}%，进度{_num(r.progress)}%）" for r in gaps]
        text += "差距最大的是：" + "、".join(items) + "。"
    return text


def methods_text(monitor: Monitor, evaluation: Evaluation) -> list[str]:
    """The methods note: path rule, tolerance, completion and progress, data sources."""
    sources = sorted({r.source for r in evaluation.rows if r.source}) or ["（实际值未注明来源）"]
    return [
        "规划路径：从基期值到目标值逐年取值。百分比指标和测算依据给出固定年增量的指标（如“年均新增40家”）"
        "按线性路径（每年等量），其他指标按几何路径（每年等速，即所需年均增速）；以2019年为基期的指标按6年计算，"
        "路径终点恰为目标值。",
        f"进度判断：实际值与当年规划路径值之差在规划值±{engine.fmt(monitor.tolerance_pct)}%以内为“符合”，"
        "高于为“超前”，低于为“滞后”（“以下”类目标方向相反）。目标年按目标判断：一般目标和“以上”目标"
        f"实际值不低于目标为“完成”；“左右”目标不低于目标值的{engine.fmt(100 - monitor.band_pct)}%为“完成”；"
        "“以下”目标不高于目标为“完成”；没有实际值为“无数据”。",
        "完成率＝实际值÷目标值×100%（“以下”目标为目标值÷实际值）；进度＝（实际值－基期值）÷（目标值－基期值）×100%；"
        "所需年均增长为从实际值到目标值剩余年份所需的年均增速（几何路径）或年均增量（线性路径）。"
        "同一指标同一年有多次导入时采用最新修订值，历次数值保留可查。",
        "数据来源：" + "、".join(sources) + "。",
    ]


def _lagging_charts(monitor: Monitor, plan: str, evaluation: Evaluation, table_get: Callable[[str], Indicator]):  # type: ignore[no-untyped-def]
    for row in evaluation.rows:
        if not row.lagging:
            continue
        ind = table_get(row.indicator)
        series = [(a.year, a.value) for a in monitor.store.latest(plan, ind.name) if a.year <= evaluation.year]
        target_text = f"{engine.fmt(ind.target_value)}{ind.unit}{ind.qualifier_text}"
        png = trajectory_chart(ind.name, ind.unit, engine.trajectory(ind), series, ind.target_value, target_text)
        yield row, png


def build_docx(monitor: Monitor, plan: str | None, year: int, title: str | None = None) -> bytes:
    """The Word report for ``plan`` in ``year`` (see the module docstring).

    Raises:
        UnknownPlan, ValueError: as :meth:`Monitor.evaluation`.
        bot.actuals.charts.FontMissing: no CJK font installed.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    plan_id, table = monitor.plan(plan)
    evaluation = monitor.evaluation(plan_id, year)
    target_year = max(i.target_year for i in table.indicators)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    style = doc.styles["Normal"]
    # 宋体 is on every Chinese Windows/WPS desktop; elsewhere the viewer substitutes its CJK font.
    style.font.name = "Times New Roman"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # type: ignore[union-attr]
    doc.add_heading(report_title(title or monitor.title(plan_id), evaluation, target_year), level=0)
    doc.add_paragraph(f"评估年份：{year}年　　生成日期：{date.today().isoformat()}　　规划编号：{plan_id}")
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(summary_text(evaluation, target_year))
    doc.add_heading("二、主要指标完成情况", level=1)
    grid = doc.add_table(rows=1, cols=len(HEADERS))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, HEADERS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for n, row in enumerate(evaluation.rows, 1):
        cells = grid.add_row().cells
        for cell, text in zip(cells, table_cells(row, n), strict=True):
            cell.text = text
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), CELL_FILLS[row.status])
        cells[HEADERS.index("状态")]._tc.get_or_add_tcPr().append(shade)
    grid.autofit = False
    for column, width in zip(grid.columns, COLUMN_CM, strict=True):
        column.width = Cm(width)
    for r in grid.rows:
        for cell, width in zip(r.cells, COLUMN_CM, strict=True):
            cell.width = Cm(width)
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)
    doc.add_heading("三、完成率", level=1)
    if any(r.completion is not None for r in evaluation.rows):
        doc.add_picture(io.BytesIO(completion_chart(evaluation.rows, year)), width=Cm(20))
    else:
        doc.add_paragraph(f"尚无{year}年实际值，无法绘制完成率图。")
    lagging = list(_lagging_charts(monitor, plan_id, evaluation, table.get))
    doc.add_heading("四、未完成及滞后指标", level=1)
    if not lagging:
        doc.add_paragraph("没有未完成或滞后的指标。")
    for row, png in lagging:
        caption = doc.add_paragraph(
            f"{row.indicator}：{row.status}。{year}年实际{_num(row.actual)}{row.unit}，规划路径值{_num(row.planned)}"
            f"{row.unit}，目标{_num(row.target)}{row.unit}{row.qualifier}，完成率{_num(row.completion)}%。"
        )
        caption.paragraph_format.keep_with_next = True
        doc.add_picture(io.BytesIO(png), width=Cm(15))
    doc.add_heading("五、方法说明", level=1)
    for text in methods_text(monitor, evaluation):
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def build_xlsx(monitor: Monitor, plan: str | None, year: int) -> bytes:
    """The evaluation table as XLSX: the 状态 column coloured by conditional formatting, a 说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule, DataBarRule
    from openpyxl.styles import Font, PatternFill

    plan_id, _ = monitor.plan(plan)
    evaluation = monitor.evaluation(plan_id, year)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{year}年评估"
    sheet.append([*list(HEADERS), "数据来源"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, row in enumerate(evaluation.rows, 1):
        values: list[object] = [*table_cells(row, n), row.source]
        for i, raw in ((6, row.actual), (7, row.completion), (8, row.progress)):
            values[i] = raw  # numbers stay numbers in Excel (empty when no data)
        sheet.append(values)
    last = len(evaluation.rows) + 1
    status_col = "J"
    for status, colour in STATUS_COLOURS.items():
        fill = PatternFill(start_color=colour.lstrip("#"), end_color=colour.lstrip("#"), fill_type="solid")
        rule = CellIsRule(operator="equal", formula=[f'"{status}"'], fill=fill, font=Font(color="FFFFFF"))
        sheet.conditional_formatting.add(f"{status_col}2:{status_col}{last}", rule)
    sheet.conditional_formatting.add(
        f"H2:H{last}", DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100, color="5B9BD5")
    )
    for col, width in zip("ABCDEFGHIJKL", (5, 34, 9, 12, 12, 12, 12, 10, 10, 8, 14, 20), strict=True):
        sheet.column_dimensions[col].width = width
    notes = book.create_sheet("说明")
    notes.append([summary_text(evaluation, max(r.target_year for r in evaluation.rows))])
    for text in methods_text(monitor, evaluation):
        notes.append([text])
    notes.column_dimensions["A"].width = 160
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
