"""Parse the plan's indicator table (text → typed rows).

>>> from indicators.catalog import DEFAULT_DOCUMENT
>>> rows = parse_indicator_table(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
>>> len(rows), rows[0].name, rows[0].base_year
(30, '数字经济增加值', 2019)

Format of the seed document's annex: every cell on its own line, indented with a tab; rows are
separated by blank lines; the header row is ``类别 / 指标 / 2020年 / 2025年 / 测算依据``; an empty
category cell means "same category as the row above"; a value ending in ``*`` is from 2019 (the
table's 备注 "标*为2019年数据"). This strict parser stays for the shipped layout; any other plan's
tables (other headers, column orders, units, bounds such as 以下) go through
:func:`indicators.tables.parse_indicator_tables`, which reuses the label/basis helpers below and
returns the same rows for the shipped document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indicators.model import PERCENT_UNIT, Basis, Indicator, Qualifier

HEADER = ("类别", "指标", "2020年", "2025年", "测算依据")

# A trailing parenthesised suffix is a unit when it looks like one (% / Tbps / 亿元 / 万元/人年 …);
# otherwise (FTTH's "（光纤宽带用户率）") it is a gloss kept as an alias.
_SUFFIX_RE = re.compile(r"^(?P<name>.+?)[（(](?P<suffix>[^（）()]+)[）)]$")
_UNIT_RE = re.compile(
    r"^(?:%|‰|[A-Za-z]+|[万亿千百]*(?:元|件|家|台|个|户|人|项|座|套|吨|次|平方米|公里)(?:/[人年天户]+)*)$"
)
_VALUE_RE = re.compile(r"^(?P<num>-?\d+(?:\.\d+)?)\s*(?P<star>\*)?\s*(?P<qual>以上|左右|以下)?$")
_DECLARED_RE = re.compile(r"(\d+)\s*项(?:主要)?(?:发展)?指标")
_DOC_RE = re.compile(r"《([^》]+)》")
_RATE_RE = re.compile(
    r"(?:年均|每年|逐年)(?:增长|增幅|递增|增速)?(?:幅度)?(?:为)?\s*(\d+(?:\.\d+)?)\s*%\s*(以上)?"
)
_PP_RE = re.compile(r"(\d+(?:\.\d+)?)\s*个百分点")
_INCREMENT_RE = re.compile(r"(?:年均|每年)(?:新增|增加)\s*(\d+(?:\.\d+)?)\s*[个家台件项户]")
_OVERRIDE_RE = re.compile(r"(20\d\d)年估算\s*(\d+(?:\.\d+)?)")
_SHARE_RE = re.compile(r"对应指标数?的\s*(\d+(?:\.\d+)?)\s*%")
_STAR_NOTE_RE = re.compile(r"标\s*\*\s*为\s*(\d{4})\s*年")


class TableParseError(ValueError):
    """The text has no indicator table or a row is malformed (message in Chinese and English)."""


def looks_like_unit(text: str) -> bool:
    """True when ``text`` reads as a unit (% / Tbps / 亿元 / 万元/人年 …), not as a gloss.

    >>> looks_like_unit("万元/人年"), looks_like_unit("光纤宽带用户率")
    (True, False)
    """
    return bool(_UNIT_RE.match(text.strip()))


def split_label(label: str) -> tuple[str, str, bool, tuple[str, ...]]:
    """Split a 指标 cell into (name, unit, unit_inferred, gloss aliases).

    >>> split_label("数字经济增加值（亿元）")
    ('数字经济增加值', '亿元', False, ())
    >>> split_label("FTTH/O宽带接入率（光纤宽带用户率）")
    ('FTTH/O宽带接入率', '%', True, ('光纤宽带用户率',))
    """
    label = label.strip()
    match = _SUFFIX_RE.match(label)
    if match and _UNIT_RE.match(match["suffix"].strip()):
        return match["name"].strip(), match["suffix"].strip(), False, ()
    name = label
    glosses: tuple[str, ...] = ()
    if match:
        name, glosses = match["name"].strip(), (match["suffix"].strip(),)
    # No unit given: a name ending in 率 (rate) is a percentage; say that it was inferred.
    unit = PERCENT_UNIT if name.endswith("率") or any(g.endswith("率") for g in glosses) else ""
    return name, unit, True, glosses


def parse_value(cell: str, plain_year: int, star_year: int) -> tuple[int, float, Qualifier]:
    """Parse ``2916*`` / ``10左右`` / ``95以上`` into (year, value, qualifier).

    >>> parse_value("2916*", 2020, 2019)
    (2019, 2916.0, 'exact')
    >>> parse_value("18000以上", 2025, 2019)
    (2025, 18000.0, 'at_least')
    """
    match = _VALUE_RE.match(cell.strip())
    if not match:
        raise TableParseError(f"无法解析数值单元格 / cannot parse value cell: {cell!r}")
    qualifier: Qualifier = "exact"
    if match["qual"] == "以上":
        qualifier = "at_least"
    elif match["qual"] == "左右":
        qualifier = "approximately"
    elif match["qual"] == "以下":
        raise TableParseError(f"不支持“以下”目标 / upper-bound targets are not supported: {cell!r}")
    year = star_year if match["star"] else plain_year
    return year, float(match["num"]), qualifier


def parse_basis(text: str) -> Basis:
    """Understand a 测算依据 cell.

    >>> parse_basis("按年均增长10%测算").rate_pct
    10.0
    >>> parse_basis("按照每年2个百分点增长幅度测算。").pp
    2.0
    >>> parse_basis("按照年均新增40家测算").amount
    40.0
    >>> parse_basis("根据《浙江省数字化改革总体方案》").kind
    'reference'
    """
    text = text.strip()
    docs = _DOC_RE.findall(text)
    document = docs[0] if docs else None
    share = _SHARE_RE.search(text)
    if share:
        return Basis(kind="reference", text=text, document=document, reference_share_pct=float(share[1]))
    pp = _PP_RE.search(text)
    if pp:
        return Basis(kind="pp_increment", text=text, pp=float(pp[1]), document=document)
    inc = _INCREMENT_RE.search(text)
    if inc:
        return Basis(kind="increment", text=text, amount=float(inc[1]), document=document)
    rate = _RATE_RE.search(text)
    if rate:
        return Basis(
            kind="growth_rate",
            text=text,
            rate_pct=float(rate[1]),
            rate_at_least=bool(rate[2]),
            document=document,
        )
    if document:
        return Basis(kind="reference", text=text, document=document)
    return Basis(kind="other", text=text)


def parse_override(basis_text: str) -> tuple[int, float] | None:
    """The stated estimate a basis projects from, e.g. "2020年估算3250" → (2020, 3250.0)."""
    match = _OVERRIDE_RE.search(basis_text)
    return (int(match[1]), float(match[2])) if match else None


def build_indicator(
    category: str,
    label: str,
    base_cell: str,
    target_cell: str,
    basis: str,
    base_year: int = 2020,
    target_year: int = 2025,
    star_year: int = 2019,
    aliases: Sequence[str] = (),
) -> Indicator:
    """Build one typed :class:`Indicator` from the five cells of a row.

    >>> build_indicator("数字基础设施", "5G基站数量（个）", "9072", "30000", "根据…").target_value
    30000.0
    """
    name, unit, inferred, glosses = split_label(label)
    b_year, b_value, _ = parse_value(base_cell, base_year, star_year)
    t_year, t_value, qualifier = parse_value(target_cell, target_year, star_year)
    if b_year >= t_year:
        raise TableParseError(f"基期年份须早于目标年份 / base year must precede target year: {label}")
    merged = tuple(dict.fromkeys([*glosses, *aliases]))
    return Indicator(
        category=category.strip(),
        name=name,
        label=label.strip(),
        unit=unit,
        unit_inferred=inferred,
        base_year=b_year,
        base_value=b_value,
        target_year=t_year,
        target_value=t_value,
        target_qualifier=qualifier,
        target_text=target_cell.strip(),
        basis=basis.strip(),
        basis_parsed=parse_basis(basis),
        override_base=parse_override(basis),
        aliases=merged,
    )


def _header_years(cells: Sequence[str]) -> tuple[int, int]:
    years = [int(m[1]) for c in cells if (m := re.match(r"^(\d{4})年?$", c.strip()))]
    if len(years) != 2:
        raise TableParseError(f"表头须含两个年份列 / header needs two year columns: {list(cells)}")
    return years[0], years[1]


def parse_indicator_table(text: str) -> list[Indicator]:
    """Parse the tab-indented one-cell-per-line table of the seed document.

    >>> text = "\\t类别\\n\\t指标\\n\\t2020年\\n\\t2025年\\n\\t测算依据\\n\\n" \\
    ...        "\\t数字基础设施\\n\\t5G基站数量（个）\\n\\t9072\\n\\t30000\\n\\t根据规划\\n"
    >>> [i.name for i in parse_indicator_table(text)]
    ['5G基站数量']

    Raises:
        TableParseError: no header found, or a row does not have five cells / parsable values.
    """
    lines = text.splitlines()
    star = _STAR_NOTE_RE.search(text)
    star_year = int(star[1]) if star else 2019
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.startswith("\t"):
            current.append(line[1:].strip())
            continue
        if current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    header_idx = next((i for i, b in enumerate(blocks) if b and b[0] == HEADER[0] and len(b) == 5), None)
    if header_idx is None:
        raise TableParseError(
            "未找到指标表表头（类别/指标/2020年/2025年/测算依据） / indicator table header not found"
        )
    base_year, target_year = _header_years(blocks[header_idx][2:4])
    rows: list[Indicator] = []
    category = ""
    for block in blocks[header_idx + 1 :]:
        if len(block) != 5:
            raise TableParseError(f"表格行须有5个单元格 / a row must have 5 cells, got {len(block)}: {block}")
        cat, label, base_cell, target_cell, basis = block
        category = cat or category
        if not category:
            raise TableParseError(f"首行缺少类别 / first row has no category: {label}")
        rows.append(
            build_indicator(category, label, base_cell, target_cell, basis, base_year, target_year, star_year)
        )
    if not rows:
        raise TableParseError("指标表为空 / the indicator table has no rows")
    return rows


def declared_indicator_count(text: str) -> int | None:
    """The number of indicators the prose declares ("提出了31项主要发展指标") or None.

    >>> declared_indicator_count("十四五期间提出了31项主要发展指标，具体目标测算见附件。")
    31
    """
    match = _DECLARED_RE.search(text)
    return int(match[1]) if match else None
