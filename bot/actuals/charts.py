"""Charts of the evaluation report, drawn with matplotlib in a CJK font (PNG bytes).

>>> font_path().name  # doctest: +SKIP
'NotoSansCJK-Regular.ttc'

The font comes from Debian's ``fonts-noto-cjk`` (or any font in :data:`FONT_CANDIDATES`); without one
the charts would show empty boxes for every Chinese character, so :func:`font_path` fails instead,
naming the package to install.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from indicators.evaluation import EvaluationRow
from indicators.model import Figure

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
STATUS_COLOURS = {
    "完成": "#2e7d32",
    "超前": "#66bb6a",
    "符合": "#42a5f5",
    "滞后": "#fb8c00",
    "未完成": "#e53935",
    "无数据": "#9e9e9e",
}


class FontMissing(RuntimeError):
    """No CJK font is installed."""


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The first installed CJK font of :data:`FONT_CANDIDATES`.

    Raises:
        FontMissing: none installed (install Debian's fonts-noto-cjk).
    """
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "未找到中文字体，图表无法显示汉字：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk） / no CJK font "
        "found: install fonts-noto-cjk"
    )


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    plt.rcParams["font.family"] = [name]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150, bbox_inches="tight")
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out.getvalue()


def completion_chart(rows: Sequence[EvaluationRow], year: int) -> bytes:
    """Horizontal bars: completion rate (%) of every indicator with data, coloured by status, 100% marked.

    Raises:
        ValueError: no row has a completion rate.
    """
    rated = sorted((r for r in rows if r.completion is not None), key=lambda r: r.completion or 0.0)
    if not rated:
        raise ValueError("没有可绘制的完成率 / no completion rates to draw")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(rated) + 1.4))
    values = [r.completion or 0.0 for r in rated]
    ax.barh([r.indicator for r in rated], values, color=[STATUS_COLOURS[r.status] for r in rated])
    ax.axvline(100, color="#333333", linewidth=1, linestyle="--")
    for i, v in enumerate(values):
        ax.text(v + 1, i, f"{v:.1f}%", va="center", fontsize=8)
    ax.set_xlabel("完成率（实际值÷目标值，%）")
    ax.set_title(f"{year}年各项指标完成率")
    ax.set_xlim(0, max(110.0, max(values) * 1.12))
    ax.tick_params(axis="y", labelsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=STATUS_COLOURS[s]) for s in dict.fromkeys(r.status for r in rated)]
    ax.legend(handles, list(dict.fromkeys(r.status for r in rated)), loc="lower right", fontsize=8)
    return _png(fig)


def trajectory_chart(
    name: str,
    unit: str,
    planned: Sequence[Figure],
    actuals: Sequence[tuple[int, float]],
    target: float,
    target_text: str,
) -> bytes:
    """Planned path (dashed), actual figures (solid, with values) and the target of one indicator."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot([f.year for f in planned], [f.value for f in planned], "--", color="#1565c0", marker="o", ms=3,
            label="规划路径")  # fmt: skip
    if actuals:
        years, values = zip(*actuals, strict=True)
        ax.plot(years, values, "-", color="#e53935", marker="s", ms=5, label="实际值")
        for y, v in actuals:
            ax.annotate(f"{v:g}", (y, v), textcoords="offset points", xytext=(0, -14), ha="center", fontsize=8)
    last = planned[-1].year if planned and planned[-1].year else 0
    ax.scatter([last], [target], marker="*", s=160, color="#2e7d32", zorder=5, label=f"目标 {target_text}")
    ax.set_title(f"{name}：规划路径与实际值")
    ax.set_ylabel(unit or "")
    ax.set_xticks([f.year for f in planned if f.year is not None])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return _png(fig)
