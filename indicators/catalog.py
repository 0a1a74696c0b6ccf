"""The shipped indicator table: load it, find rows by name or alias, view it as a DataFrame.

>>> table = load_default_table()
>>> table.get("高企").name, table.declared_count, len(table.indicators)
('数字经济核心产业国家高新技术企业', 31, 30)

This module is the only place of the indicators package that reads files; the math in
:mod:`indicators.engine` takes explicit parameters.
"""

from __future__ import annotations

import dataclasses
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from indicators.model import Indicator
from indicators.table import TableParseError
from indicators.tables import parse_indicator_tables

if TYPE_CHECKING:
    import pandas as pd

    from indicators.audit import AuditReport
    from indicators.tables import TableParse, UnparsedRow

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DOCUMENT = (
    PACKAGE_DIR.parent / "corpus" / "documents" / "wenzhou-digital-economy-14fyp-drafting-note.txt"
)
DEFAULT_ALIASES = PACKAGE_DIR / "aliases.yaml"
DEFAULT_DROP_WORDS = PACKAGE_DIR / "drop_words.txt"

_KEY_DROP = set(" \t\u3000“”‘’'\"「」『』《》")


def lookup_key(text: str) -> str:
    """Key used to compare names: NFKC, lower case, without spaces and quotes.

    >>> lookup_key("“浙政钉”用户日活跃率 ")
    '浙政钉用户日活跃率'
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch not in _KEY_DROP)


def load_aliases(path: Path) -> dict[str, list[str]]:
    """Read the alias YAML (indicator name → list of aliases).

    Raises:
        ValueError: the file is not a mapping of names to lists of strings.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(a, str) for a in v) for v in data.values()
    ):
        raise ValueError(f"别名文件格式错误 / alias file must map names to lists of strings: {path}")
    return {str(k): [str(a) for a in v] for k, v in data.items()}


def load_drop_words(path: Path) -> tuple[str, ...]:
    """Words of a plan that name no indicator (its region …): whitespace-separated, ``#`` comments.

    >>> len(load_drop_words(DEFAULT_DROP_WORDS)) > 0
    True
    """
    lines = (line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(dict.fromkeys(word for line in lines for word in line.split()))


class IndicatorTable:
    """The typed indicator rows plus the count the prose declares and the rows that did not parse.

    >>> IndicatorTable([], declared_count=None).indicators
    ()

    ``unparsed`` keeps the rows of the plan's table that could not be typed (each with its text and
    the reason), so an answer can quote them instead of pretending they do not exist; ``problems``
    are the parser's sentences about them. ``drop_words``: the plan's words that name no indicator
    (its region), noise for the resolver.
    """

    def __init__(
        self,
        indicators: Sequence[Indicator],
        declared_count: int | None = None,
        source: str = "",
        unparsed: Sequence[UnparsedRow] = (),
        problems: Sequence[str] = (),
        drop_words: Sequence[str] = (),
    ) -> None:
        self.indicators: tuple[Indicator, ...] = tuple(indicators)
        self.declared_count = declared_count
        self.source = source
        self.unparsed: tuple[UnparsedRow, ...] = tuple(unparsed)
        self.problems: tuple[str, ...] = tuple(problems)
        self.drop_words: tuple[str, ...] = tuple(drop_words)
        self._index: dict[str, list[Indicator]] = {}
        for ind in self.indicators:
            for key in (ind.name, ind.label, *ind.aliases):
                bucket = self._index.setdefault(lookup_key(key), [])
                if ind not in bucket:
                    bucket.append(ind)

    @classmethod
    def from_parse(
        cls,
        parse: TableParse,
        source: str = "",
        aliases: Mapping[str, Sequence[str]] | None = None,
        plan_id: str = "",
    ) -> IndicatorTable:
        """Build a table from :func:`indicators.tables.parse_indicator_tables` (any plan's text).

        ``plan_id`` (when given) is set on every row; ``aliases`` are attached by name.

        >>> from indicators.tables import parse_indicator_tables
        >>> t = IndicatorTable.from_parse(parse_indicator_tables(DEFAULT_DOCUMENT.read_text(encoding="utf-8")))
        >>> len(t), t.declared_count, t.unparsed
        (30, 31, ())

        Raises:
            ValueError: ``aliases`` names an indicator the table does not have.
        """
        rows = apply_aliases(parse.rows, aliases) if aliases else list(parse.rows)
        if plan_id:
            rows = [dataclasses.replace(r, plan_id=plan_id) for r in rows]
        return cls(rows, parse.declared_count, source, parse.unparsed, parse.problems)

    def __len__(self) -> int:
        return len(self.indicators)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def names(self) -> list[str]:
        """Indicator names in table order."""
        return [i.name for i in self.indicators]

    def find(self, name_or_alias: str) -> list[Indicator]:
        """All rows whose name, label or alias equals the argument (after :func:`lookup_key`)."""
        return list(self._index.get(lookup_key(name_or_alias), []))

    def get(self, name_or_alias: str) -> Indicator:
        """The one row named ``name_or_alias`` (name, verbatim label or alias).

        >>> load_default_table().get("5G基站").target_value
        30000.0

        Raises:
            KeyError: no row, or the alias names several rows (the message lists them).
        """
        found = self.find(name_or_alias)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = "、".join(i.name for i in found)
            raise KeyError(
                f"“{name_or_alias}”对应多个指标：{names} / ambiguous indicator name, matches: {names}"
            )
        key = lookup_key(name_or_alias)
        near = [i.name for i in self.indicators if key and (key in lookup_key(i.name))]
        hint = f"；相近：{'、'.join(near[:5])}" if near else ""
        raise KeyError(f"指标表中没有“{name_or_alias}”{hint} / no indicator named {name_or_alias!r}")

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame with derived columns (see :mod:`indicators.frame`)."""
        from indicators.frame import indicators_frame

        return indicators_frame(self.indicators)

    @cached_property
    def audit(self) -> AuditReport:
        """Every row's basis recomputed, plus the declared-vs-listed count (computed once per table)."""
        from indicators.audit import audit_table

        return audit_table(self)

    @property
    def row_count_mismatch(self) -> bool:
        """True when the prose declares a different number of indicators than the table has."""
        return self.declared_count is not None and self.declared_count != len(self.indicators)


def apply_aliases(indicators: Sequence[Indicator], aliases: Mapping[str, Sequence[str]]) -> list[Indicator]:
    """Attach curated aliases to rows by name.

    Raises:
        ValueError: the alias file names an indicator the table does not have.
    """
    by_key = {lookup_key(i.name): i for i in indicators}
    unknown = [n for n in aliases if lookup_key(n) not in by_key]
    if unknown:
        raise ValueError(f"别名文件含未知指标 / alias file names unknown indicators: {unknown}")
    keyed = {lookup_key(n): list(v) for n, v in aliases.items()}
    out = []
    for ind in indicators:
        extra = keyed.get(lookup_key(ind.name), [])
        out.append(dataclasses.replace(ind, aliases=tuple(dict.fromkeys([*ind.aliases, *extra]))))
    return out


def load_table(
    document: Path, aliases_path: Path | None = None, drop_words_path: Path | None = None
) -> IndicatorTable:
    """Parse ``document``'s indicator tables, attach aliases from ``aliases_path`` and drop words.

    >>> load_table(DEFAULT_DOCUMENT, DEFAULT_ALIASES).declared_count
    31

    Raises:
        TableParseError: the document has no indicator table.
        ValueError: the alias file is malformed or names an unknown indicator.
    """
    text = document.read_text(encoding="utf-8")
    parse = parse_indicator_tables(text)
    if parse.tables == 0:
        raise TableParseError(parse.problems[0])
    aliases = load_aliases(aliases_path) if aliases_path is not None else None
    table = IndicatorTable.from_parse(parse, source=document.name, aliases=aliases)
    table.drop_words = load_drop_words(drop_words_path) if drop_words_path is not None else ()
    return table


_default: IndicatorTable | None = None
_default_lock = threading.Lock()


def load_default_table() -> IndicatorTable:
    """The shipped document's table with the curated aliases and drop words (parsed once, then cached)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = load_table(DEFAULT_DOCUMENT, DEFAULT_ALIASES, DEFAULT_DROP_WORDS)
        return _default
