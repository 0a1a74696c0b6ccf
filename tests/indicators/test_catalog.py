"""IndicatorTable facade: load, find by name/label/alias, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.catalog import DEFAULT_DOCUMENT, IndicatorTable, apply_aliases, load_aliases, load_table


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("5G基站数量", "5G基站数量"),
        ("5G基站数量（个）", "5G基站数量"),
        ("５Ｇ基站", "5G基站数量"),
        ("高企", "数字经济核心产业国家高新技术企业"),
        ("机架数", "数据中心总机架数"),
        ("浙政钉日活", "“浙政钉”用户日活跃率"),
        ("浙政钉用户日活跃率", "“浙政钉”用户日活跃率"),
        ("光纤宽带用户率", "FTTH/O宽带接入率"),
        ("上市公司", "数字经济核心产业上市企业"),
        ("5g base stations", "5G基站数量"),
    ],
)
def test_get(table: IndicatorTable, query: str, name: str) -> None:
    assert table.get(query).name == name


def test_get_errors(table: IndicatorTable) -> None:
    with pytest.raises(KeyError, match="no indicator named '房价'"):
        table.get("房价")
    with pytest.raises(KeyError, match="ambiguous indicator name"):
        table.get("劳动生产率")


def test_counts(table: IndicatorTable) -> None:
    assert (len(table), table.declared_count, table.row_count_mismatch) == (30, 31, True)
    assert all(ind.aliases for ind in table.indicators)


def test_alias_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("- not a mapping\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must map names to lists"):
        load_aliases(bad)
    unknown = tmp_path / "b.yaml"
    unknown.write_text("不存在的指标:\n  - x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown indicators"):
        load_table(DEFAULT_DOCUMENT, unknown)


def test_load_table_without_aliases_and_apply() -> None:
    plain = load_table(DEFAULT_DOCUMENT)
    assert plain.find("高企") == []
    rows = apply_aliases(plain.indicators, {"5G基站数量": ["五G"]})
    assert IndicatorTable(rows).get("五G").name == "5G基站数量"
