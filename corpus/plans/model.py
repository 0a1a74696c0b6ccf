"""The plan value object.

>>> info = PlanInfo(id="demo-plan", title="某市数字经济发展“十四五”规划", region="某市", level="市",
...                 period=(2021, 2025), sources=("plan.md",))
>>> info.period_text, info.to_dict()["level"]
('2021–2025', '市')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

PlanLevel = Literal["国家", "省", "市", "县", ""]


@dataclass(frozen=True)
class PlanInfo:
    """What the service knows about one plan, independent of its documents' format.

    ``mentions`` are the strings a user may call the plan by (region short names, short title,
    sidecar aliases); scope detection looks for them in a question. ``shipped`` marks plans that
    come with the installation (never removed by ``policybot plans remove``).
    """

    id: str
    title: str
    region: str = ""
    level: PlanLevel = ""
    period: tuple[int, int] | None = None
    issuer: str = ""
    date: str = ""
    sources: tuple[str, ...] = ()
    content_hash: str = ""
    short_title: str = ""
    mentions: tuple[str, ...] = ()
    shipped: bool = False
    default: bool = False
    root: Path | None = field(default=None, compare=False)
    paths: tuple[Path, ...] = field(default=(), compare=False)
    enrichment: dict[str, Path] = field(default_factory=dict, compare=False)

    @property
    def period_text(self) -> str:
        return f"{self.period[0]}–{self.period[1]}" if self.period else ""

    @property
    def display(self) -> str:
        """《title》, the way answers name the plan."""
        return f"《{self.title}》"

    def to_dict(self) -> dict[str, Any]:
        """JSON form of ``GET /v1/plans`` (no local paths)."""
        return {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title,
            "region": self.region,
            "level": self.level,
            "period": self.period_text,
            "issuer": self.issuer,
            "date": self.date,
            "sources": list(self.sources),
            "content_hash": self.content_hash,
            "shipped": self.shipped,
            "default": self.default,
        }
