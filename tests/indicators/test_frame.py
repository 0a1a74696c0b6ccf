"""DataFrame view: derived columns, trajectories for all, rankings, export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from indicators.catalog import IndicatorTable
from indicators.frame import export_frame, rank_indicators, ranking_frame, trajectory_frame


def test_frame_columns_and_values(table: IndicatorTable) -> None:
    df = table.frame
    assert len(df) == 30
    row = df.set_index("name").loc["5G基站数量"]
    assert (row["base_value"], row["target_value"], row["change"]) == (9072, 30000, 20928)
    assert row["cagr_pct"] == pytest.approx(27.0234, abs=1e-4)
    assert row["trajectory_rule"] == "geometric"
    assert int(df["is_percent"].sum()) == 11


def test_trajectory_frame_covers_all(table: IndicatorTable) -> None:
    traj = trajectory_frame(table.indicators)
    assert traj.shape == (30, 7)  # 2019..2025
    assert list(traj.columns) == list(range(2019, 2026))
    assert pd.isna(traj.loc["5G基站数量", 2019])
    assert traj.loc["数字经济增加值", 2019] == 2916
    targets = table.frame.set_index("name")["target_value"]
    assert list(traj[2025]) == pytest.approx(list(targets.loc[traj.index]))


# (metric, scope, ascending, top names)
RANKINGS: list[tuple[str, str, bool, list[str]]] = [
    ("cagr_pct", "amount", False, ["城市大脑应用场景", "5G基站数量", "数字经济核心产业国家高新技术企业"]),
    ("multiple", "amount", False, ["城市大脑应用场景", "5G基站数量", "数字经济核心产业国家高新技术企业"]),
    ("cagr_pct", "amount", True, ["IPv6活跃用户数", "网络零售额", "规上数字经济核心产业主营业务收入"]),
    ("change", "percent", False, ["数据开放率", "“浙政钉”用户日活跃率", "数据共享率"]),
]


@pytest.mark.parametrize(("metric", "scope", "ascending", "names"), RANKINGS)
def test_rankings(table: IndicatorTable, metric: str, scope: str, ascending: bool, names: list[str]) -> None:
    figs = rank_indicators(table.frame, metric, scope, ascending=ascending, top=3)  # type: ignore[arg-type]
    assert [f.indicator for f in figs] == names
    assert [f.inputs["rank"] for f in figs] == [1, 2, 3]


def test_top_ranking_figure(table: IndicatorTable) -> None:
    fig = rank_indicators(table.frame, top=1)[0]
    assert (fig.value, fig.unit, fig.formula) == (31.95, "%", "(300/75)^(1/5)-1")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "nope"}, "unknown metric"),
        ({"scope": "nope"}, "scope must be one of"),
        ({"top": 0}, "top must be greater than 0"),
    ],
)
def test_ranking_rejects(table: IndicatorTable, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ranking_frame(table.frame, **kwargs)  # type: ignore[arg-type]


def test_export_csv_and_xlsx(table: IndicatorTable, tmp_path: Path) -> None:
    csv = export_frame(table.indicators, "csv", tmp_path / "t.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(back) == 30 and back.loc[0, "name"] == "数字经济增加值"
    xlsx = export_frame(table.indicators, "xlsx", tmp_path / "t.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"indicators", "trajectory"}
    assert len(sheets["trajectory"]) == 30
    with pytest.raises(ValueError, match="format must be csv or xlsx"):
        export_frame(table.indicators, "pdf", tmp_path / "t.pdf")


def test_ranking_among_named_rows(table: IndicatorTable) -> None:
    figs = rank_indicators(table.frame, "cagr_pct", "all", names=["网络零售额", "农产品网络零售额"])
    assert [(f.indicator, f.value) for f in figs] == [("农产品网络零售额", 10.44), ("网络零售额", 6.02)]
    with pytest.raises(ValueError, match="unknown indicators"):
        ranking_frame(table.frame, names=["房价"])
