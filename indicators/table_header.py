"""Recognise an indicator table's header in any plan: column roles by synonyms, and the years.

>>> h = recognise_header(["序号", "指标名称", "单位", "2020年", "2025年目标", "属性"])
>>> h.columns["label"], h.columns["target"], h.base_year, h.target_year
(1, 4, 2020, 2025)

Roles (any number and order of columns; synonyms are data, listed in ``ROLE_PATTERNS``):

- ``seq`` 序号 (ignored), ``category`` 类别/领域/分类/方面, ``label`` 指标/指标名称/主要指标,
  ``unit`` 单位/计量单位, ``base`` 2020年/基期/基期值/现状值/现状/2020年基数,
  ``target`` 2025年/目标/目标值/2025年目标, ``growth`` 年均增速/年均增长/增量 (a basis hint),
  ``attribute`` 属性 (预期性/约束性), ``basis`` 测算依据/备注/说明.
- A header without a ``label`` or a ``target`` column is not an indicator table (None).
- Two bare year columns (``2020年``, ``2025年``) are base and target in that order; with more, the
  first is the base and the next one the target (a ``2035年`` 远景 column is then ignored).
- Years missing from the header are found by :func:`infer_years` from the text (a 基期 note, the
  plan period "十四五"/"2021—2025年"): base = the year before the period starts, target = its end.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Checked in this order; the first role whose pattern matches a header cell wins. ``growth`` comes
# before ``base``/``target`` because "2021-2025年年均增长" carries years too.
ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("seq", re.compile(r"^(序号|编号|序)$")),
    ("category", re.compile(r"^(类别|类型|领域|分类|方面|指标类别|指标类型|一级指标|板块)$")),
    ("unit", re.compile(r"^(单位|计量单位|指标单位)$")),
    ("attribute", re.compile(r"^(属性|指标属性|性质|指标性质)$")),
    ("basis", re.compile(r"^(测算依据|计算依据|测算说明|依据|备注|说明|数据来源)$")),
    ("growth", re.compile(r"(年均增速|年均增长|年均增幅|年均增量|年均增加|增量|增速|增幅)")),
    ("label", re.compile(r"^(指标|指标名称|主要指标|具体指标|指标内容|二级指标|名称|指标项)$")),
    ("base", re.compile(r"(基期|基数|现状|基础值|基准值|现值)")),
    ("target", re.compile(r"(目标|规划值|预期值|期末值)")),
)
_YEAR_RE = re.compile(r"(\d{4})\s*年?")
_BARE_YEAR_RE = re.compile(r"^(\d{4})年?(?:末|底)?(?:数据|值|实际)?$")
_PERIOD_NAMES = {"十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026, "十六五": 2031}
_PERIOD_RE = re.compile(r"(20\d\d)\s*[-—–~至到]+\s*(20\d\d)\s*年")
_BASE_NOTE_RE = re.compile(r"(?:基期(?:年)?(?:为|是)?\s*(20\d\d)\s*年|以\s*(20\d\d)\s*年为基期)")
_STAR_NOTE_RE = re.compile(r"标\s*\*\s*(?:的|者)?(?:为|是)\s*(\d{4})\s*年")
NOMINAL_PERIOD_YEARS = 5


def header_key(cell: str) -> str:
    """A header cell without spaces, quotes and a trailing unit: ``"2025 年（%）"`` → ``"2025年"``.

    >>> header_key("指标名称（单位）"), header_key("“十四五” 目标")
    ('指标名称', '十四五目标')
    """
    text = unicodedata.normalize("NFKC", cell)
    text = re.sub(r"[\s“”\"'‘’]", "", text)
    return re.sub(r"\([^()]*\)$", "", text)


@dataclass(frozen=True)
class HeaderMap:
    """Which column plays which role, and the years the header states (None = not stated).

    >>> recognise_header(["类别", "指标", "2020年", "2025年", "测算依据"]).columns
    {'category': 0, 'label': 1, 'base': 2, 'target': 3, 'basis': 4}
    """

    cells: tuple[str, ...]
    columns: dict[str, int]
    base_year: int | None
    target_year: int | None
    ignored: tuple[str, ...] = field(default_factory=tuple)

    def cell(self, row: list[str] | tuple[str, ...], role: str) -> str:
        """The row's cell for ``role`` ("" when the table has no such column or the row is short)."""
        index = self.columns.get(role)
        return row[index].strip() if index is not None and index < len(row) else ""

    @property
    def growth_header(self) -> str:
        """The growth column's header text (e.g. ``年均增速（%）``), "" without one."""
        index = self.columns.get("growth")
        return self.cells[index].strip() if index is not None else ""


def _role(key: str) -> str | None:
    for role, pattern in ROLE_PATTERNS:
        if pattern.search(key):
            return role
    return None


def recognise_header(cells: list[str] | tuple[str, ...]) -> HeaderMap | None:
    """Map header cells to roles; None when this is not an indicator table's header.

    >>> recognise_header(["项目", "投资额"]) is None
    True
    >>> recognise_header(["领域", "主要指标", "现状值", "目标值"]).columns
    {'category': 0, 'label': 1, 'base': 2, 'target': 3}
    """
    columns: dict[str, int] = {}
    years: dict[str, int] = {}
    bare_years: list[tuple[int, int]] = []  # (year, column) of "2020年"-style cells
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        bare = _BARE_YEAR_RE.match(key)
        if bare:
            bare_years.append((int(bare[1]), index))
            continue
        role = _role(key)
        if role is None or role in columns:
            ignored.append(cell.strip())
            continue
        columns[role] = index
        # The year may sit in the stripped parentheses: "基期（2020年）".
        stated = _YEAR_RE.search(unicodedata.normalize("NFKC", cell))
        if stated and role in ("base", "target"):
            years[role] = int(stated[1])
    bare_years.sort()
    for year, index in bare_years:
        # Bare years fill the base first, then the target; any further year columns are ignored.
        slot = next((r for r in ("base", "target") if r not in columns), None)
        if slot is None or (slot == "target" and "base" in years and year <= years["base"]):
            ignored.append(cells[index].strip())
            continue
        columns[slot] = index
        years[slot] = year
    if "label" not in columns or "target" not in columns:
        return None
    ordered = dict(sorted(columns.items(), key=lambda item: item[1]))
    return HeaderMap(tuple(cells), ordered, years.get("base"), years.get("target"), tuple(ignored))


def bare_year(cell: str) -> int | None:
    """The year of a header cell that is only a year ("2025年", "2020年末"), else None.

    >>> bare_year("2025年"), bare_year("目标值")
    (2025, None)
    """
    match = _BARE_YEAR_RE.match(header_key(cell))
    return int(match[1]) if match else None


def plan_period(text: str) -> tuple[int, int] | None:
    """The plan period named in the text: "十四五" → (2021, 2025); "2021—2025年" → (2021, 2025).

    >>> plan_period("关于某市“十四五”规划的说明"), plan_period("无")
    ((2021, 2025), None)
    """
    # A plan names its own period most often (a 十四五 plan also looks back on 十三五); on a tie the
    # later period wins.
    counts = {name: text.count(name) for name in _PERIOD_NAMES}
    name, count = max(counts.items(), key=lambda item: (item[1], _PERIOD_NAMES[item[0]]))
    if count:
        start = _PERIOD_NAMES[name]
        return start, start + NOMINAL_PERIOD_YEARS - 1
    match = _PERIOD_RE.search(text)
    if match and int(match[2]) > int(match[1]):
        return int(match[1]), int(match[2])
    return None


def infer_years(header: HeaderMap, text: str) -> tuple[int | None, int | None]:
    """Base and target years: the header's, else a 基期 note, else the plan period (see module doc).

    >>> h = recognise_header(["指标", "现状值", "目标值"])
    >>> infer_years(h, "“十四五”时期主要指标"), infer_years(h, "基期为2019年")
    ((2020, 2025), (2019, 2024))
    """
    base, target = header.base_year, header.target_year
    if base is None:
        note = _BASE_NOTE_RE.search(text)
        if note:
            base = int(note[1] or note[2])
    period = plan_period(text)
    if base is None and period is not None:
        base = period[0] - 1
    if target is None and period is not None:
        target = period[1]
    if target is None and base is not None:
        target = base + NOMINAL_PERIOD_YEARS
    if base is None and target is not None:
        base = target - NOMINAL_PERIOD_YEARS
    return base, target


def star_year(text: str, base_year: int) -> int:
    """The year of values marked ``*``: the table's note "标*为2019年数据", else the year before the base.

    >>> star_year("备注：标*为2019年数据", 2020), star_year("", 2015)
    (2019, 2014)
    """
    match = _STAR_NOTE_RE.search(text)
    return int(match[1]) if match else base_year - 1
