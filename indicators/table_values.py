"""Value cells of any plan's indicator table: ``≥95`` / ``1.2万`` / ``3,000`` / ``10%左右`` / ``—``.

>>> parse_cell("不低于95%")
CellValue(text='不低于95%', value=95.0, qualifier='at_least', percent=True, star=False, year=None, unit='')

Rules (one place, used by :mod:`indicators.tables`):

- Full-width forms are folded first (NFKC): ``９５％`` reads as ``95%``.
- A bound before the number (≥ 不低于 不少于 / ≤ 不高于 不超过 / 约) or after it (以上 / 以下 以内 /
  左右) sets the qualifier; two different bounds in one cell are an error, never a guess.
- ``万`` / ``亿`` after the number multiply it (``1.2万`` = 12000 in the row's unit).
- ``%`` marks a percentage (the row's unit becomes or is confirmed as ``%``).
- A trailing ``*`` marks an older base year (the table's "标*为2019年数据"); ``（2019年）`` after the
  number names that year directly.
- A unit written after the number (``6500亿元``) is returned so the row can adopt it.
- ``—`` ``-`` ``/`` ``无`` or an empty cell mean "no value" (``value`` is None).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from indicators.model import Qualifier
from indicators.table import TableParseError, looks_like_unit

# Cells that mean "no value in this column" (a new indicator without a base, a gap in the table).
NO_VALUE = frozenset({"", "—", "——", "-", "--", "–", "/", "\\", "无", "…", "……", "暂无", "x", "×"})

# Bounds written before the number; longest first so "大于等于" wins over "大于".
_PREFIX_BOUNDS: tuple[tuple[str, Qualifier], ...] = (
    ("大于等于", "at_least"),
    ("小于等于", "at_most"),
    ("不低于", "at_least"),
    ("不少于", "at_least"),
    ("不小于", "at_least"),
    ("不高于", "at_most"),
    ("不超过", "at_most"),
    ("不大于", "at_most"),
    ("控制在", "exact"),
    ("达到", "exact"),
    (">=", "at_least"),
    ("<=", "at_most"),
    ("≥", "at_least"),
    ("≤", "at_most"),
    ("＞", "at_least"),
    ("＜", "at_most"),
    (">", "at_least"),
    ("<", "at_most"),
    ("约", "approximately"),
)
_SUFFIX_BOUNDS: tuple[tuple[str, Qualifier], ...] = (
    ("以上", "at_least"),
    ("以下", "at_most"),
    ("以内", "at_most"),
    ("左右", "approximately"),
    ("上下", "approximately"),
)
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER_RE = re.compile(
    r"^(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<mult>[万亿](?![元件家台个户人项座套吨次]))?"
    r"\s*(?P<pct>%)?\s*(?P<rest>.*)$"
)
_RANGE_RE = re.compile(r"^\d+(?:\.\d+)?%?[-~—–至到]\d")
_YEAR_NOTE_RE = re.compile(r"[(（]\s*(\d{4})\s*年?\s*[)）]$")


@dataclass(frozen=True)
class CellValue:
    """One value cell understood: the number (None for "no value") and what surrounds it.

    >>> parse_cell("1.2万").value
    12000.0
    """

    text: str
    value: float | None
    qualifier: Qualifier = "exact"
    percent: bool = False
    star: bool = False
    year: int | None = None
    unit: str = ""


def normalise_cell(cell: str) -> str:
    """NFKC, no spaces inside: ``" ９５ ％ "`` → ``"95%"``.

    >>> normalise_cell(" ９５ ％ ")
    '95%'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))


def _strip_bounds(text: str) -> tuple[str, list[Qualifier]]:
    found: list[Qualifier] = []
    for word, qualifier in _PREFIX_BOUNDS:
        if text.startswith(word):
            text = text[len(word) :]
            found.append(qualifier)
            break
    for word, qualifier in _SUFFIX_BOUNDS:
        if text.endswith(word):
            text = text[: -len(word)]
            found.append(qualifier)
            break
    return text, found


def parse_cell(cell: str) -> CellValue:
    """Parse one base/target cell (see the module rules).

    >>> parse_cell("3,000").value, parse_cell("18000以上").qualifier, parse_cell("—").value
    (3000.0, 'at_least', None)
    >>> parse_cell("2916*").star, parse_cell("13.5%以下").qualifier
    (True, 'at_most')

    Raises:
        TableParseError: the cell holds words rather than a number, a range, or two bounds.
    """
    text = cell.strip()
    norm = normalise_cell(text)
    if norm in NO_VALUE:
        return CellValue(text, None)
    # A star may sit before or after a suffix bound ("2916*" / "95以上*"); take it off both ends.
    star = norm.endswith("*")
    norm = norm.rstrip("*")
    norm, bounds = _strip_bounds(norm)
    if norm.endswith("*"):
        star, norm = True, norm.rstrip("*")
    year = None
    note = _YEAR_NOTE_RE.search(norm)
    if note:
        year, norm = int(note[1]), norm[: note.start()]
    if norm.endswith("*"):
        star, norm = True, norm.rstrip("*")
    # "以上" may also follow a unit ("95%以上" is handled above; "18000个以上" leaves "18000个").
    if _RANGE_RE.match(norm):
        raise TableParseError(f"区间值无法作为单一目标：{text!r} / a range is not a single value: {text!r}")
    match = _NUMBER_RE.match(norm)
    if not match:
        raise TableParseError(f"单元格不是数值：{text!r} / value cell is not a number: {text!r}")
    rest = match["rest"]
    if rest.endswith("*"):
        star, rest = True, rest.rstrip("*")
    unit = ""
    if rest:
        if not looks_like_unit(rest):
            raise TableParseError(
                f"数值后有无法识别的文字“{rest}”：{text!r} / unexpected text {rest!r} after the number in {text!r}"
            )
        unit = rest
    qualifiers = set(bounds) - {"exact"}
    if len(qualifiers) > 1:
        raise TableParseError(f"单元格含相互矛盾的限定词：{text!r} / conflicting bounds in {text!r}")
    # Decimal so that 1.1万 is 11000, not 11000.000000000002.
    value = float(Decimal(match["num"].replace(",", "")) * _MULTIPLIERS.get(match["mult"] or "", Decimal(1)))
    return CellValue(
        text=text,
        value=value,
        qualifier=qualifiers.pop() if qualifiers else "exact",
        percent=bool(match["pct"]) or unit == "%",
        star=star,
        year=year,
        unit="" if unit == "%" else unit,
    )
