"""Synthetic plans for scale measurements: N fictional regional plans with varied vocabulary.

Each plan is one folder (an ingestable bundle): a ``plan.yaml`` naming its id, title, region and
period, and one text document with a preamble, headings, main tasks with numbered sub-tasks
(一是…二是…), safeguards and an indicator table, in the shipped cell-per-line layout (odd plans) or as
a markdown table (even plans). Regions, topics, indicator names and task wording are drawn from word
lists with a seeded random stream, so two plans rarely share a sentence.

    python bench/synth_plans.py --out /tmp/plans --n 50

>>> plan = synth_plan(3)
>>> plan.plan_id, plan.region, len(plan.indicators) >= 4
('synth-0003', '南岭市', True)
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

_FIRST = "青白东南西北金玉云石龙凤清安永平宁新长临泰嘉"
_SECOND = "岭川江湖山州阳原城林溪浦台峰港桥"
TOPICS = [
    ("数字经济", ["数据中心", "工业互联网", "软件", "5G", "电子商务", "人工智能", "集成电路", "智能制造"]),
    ("智慧交通", ["公交", "轨道交通", "停车", "物流", "充电桩", "高速公路", "港口", "枢纽"]),
    ("生态环境", ["空气质量", "污水处理", "垃圾分类", "森林覆盖", "碳排放", "河湖治理", "土壤修复", "节能"]),
    ("乡村振兴", ["高标准农田", "农村电商", "民宿", "农产品加工", "冷链", "农村公路", "村级集体", "农民合作社"]),
    ("教育现代化", ["学位", "职业教育", "教师队伍", "智慧校园", "托育", "高等教育", "研学", "终身学习"]),
    ("健康卫生", ["医疗床位", "基层医疗", "公共卫生", "中医药", "全民健身", "养老", "医学中心", "家庭医生"]),
    ("文化旅游", ["博物馆", "景区", "文创", "非遗", "夜间经济", "旅游收入", "公共文化", "演艺"]),
    ("科技创新", ["研发投入", "高新技术企业", "孵化器", "重点实验室", "发明专利", "技术合同", "人才", "创新券"]),
]
_VERBS = ["推进", "加快", "实施", "完善", "培育", "打造", "深化", "提升"]
_OBJECTS = ["示范工程", "提升行动", "专项计划", "服务体系", "建设工程", "攻坚行动"]
_UNITS = [("个", 1), ("亿元", 1), ("%", 0.1), ("万人", 0.1), ("家", 1), ("公里", 1)]
_BASES = ["基本建成", "全面完成", "显著提升", "稳步增长"]


@dataclass(frozen=True)
class SynthPlan:
    """One generated plan: its id, region, topic, indicator rows (name, unit, base, target) and text."""

    plan_id: str
    title: str
    region: str
    topic: str
    indicators: tuple[tuple[str, str, float, float], ...]
    tasks: tuple[str, ...]
    text: str
    layout: str  # "cells" (shipped cell-per-line) or "markdown"


def region_name(i: int) -> str:
    """A distinct fictional city for every i below 20 × 16 = 320."""
    return f"{_FIRST[i % len(_FIRST)]}{_SECOND[(i // len(_FIRST)) % len(_SECOND)]}市"


def _number(value: float, step: float) -> str:
    return f"{value:.1f}" if step < 1 else f"{value:.0f}"


def synth_plan(i: int, seed: int = 17) -> SynthPlan:
    """The i-th plan (deterministic for a given seed)."""
    rng = random.Random(seed * 100_003 + i)
    region = region_name(i)
    short = region[:-1]
    topic, words = TOPICS[i % len(TOPICS)]
    words = rng.sample(words, len(words))
    title = f"{region}{topic}发展“十四五”规划"
    indicators = []
    for word in words[:6]:
        unit, step = rng.choice(_UNITS)
        base = round(rng.uniform(20, 800) / step) * step
        target = round(base * rng.uniform(1.3, 2.5) / step) * step
        kind = rng.choice(["数量", "规模", "覆盖率" if unit == "%" else "总量"])
        indicators.append((f"{word}{kind}", unit, base, target))
    tasks, task_text = [], []
    for n, word in enumerate(words[:4]):
        name = f"{word}{rng.choice(_OBJECTS)}"
        tasks.append(name)
        subs = "；".join(
            f"{'一二三'[k]}是{rng.choice(_VERBS)}{w}{rng.choice(['建设', '应用', '改造', '培育'])}，"
            f"到2025年{rng.choice(_BASES)}" for k, w in enumerate(rng.sample(words, 3))
        )
        task_text.append(f"（{'一二三四'[n]}）{name}\n{subs}。")
    safeguards = "一是加强组织领导。二是强化要素保障。三是完善考核评估。"
    preamble = (
        f"{title}\n{region}发展和改革委员会\n（2021年{rng.randint(1, 12)}月）\n\n"
        f"一、发展基础\n十三五时期，{short}{topic}稳步发展，{words[0]}和{words[1]}取得明显成效。\n\n"
        f"二、总体要求\n以高质量发展为主题，推动{short}{topic}迈上新台阶。到2025年，{words[2]}水平显著提升。\n\n"
        "三、主要任务\n" + "\n".join(task_text) + f"\n\n四、保障措施\n{safeguards}\n\n"
    )
    layout = "cells" if i % 2 else "markdown"
    caption = f"附件\n{title}主要目标测算表\n"
    if layout == "cells":
        rows = ["\t类别\n\t指标\n\t2020年\n\t2025年\n\t测算依据\n"]
        for k, (name, unit, base, target) in enumerate(indicators):
            step = dict(_UNITS)[unit]
            rows.append(f"\t{topic if k == 0 else ''}\n\t{name}（{unit}）\n\t{_number(base, step)}\n"
                        f"\t{_number(target, step)}\n\t根据{short}发展趋势测算\n")
        table = "\n".join(rows)
    else:
        lines = ["| 类别 | 指标 | 2020年 | 2025年 | 测算依据 |", "|---|---|---|---|---|"]
        for name, unit, base, target in indicators:
            step = dict(_UNITS)[unit]
            lines.append(f"| {topic} | {name}（{unit}） | {_number(base, step)} | {_number(target, step)} | "
                         f"根据{short}发展趋势测算 |")
        table = "\n".join(lines) + "\n"
    return SynthPlan(f"synth-{i:04d}", title, region, topic, tuple(indicators), tuple(tasks),
                     preamble + caption + table, layout)


def write_plan(plan: SynthPlan, folder: Path) -> Path:
    """Write one plan as an ingestable bundle folder ``folder/<plan id>/``; returns the folder."""
    bundle = folder / plan.plan_id
    bundle.mkdir(parents=True, exist_ok=True)
    meta = {"id": plan.plan_id, "title": plan.title, "region": plan.region, "level": "city", "period": "2021-2025"}
    (bundle / "plan.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    suffix = ".txt" if plan.layout == "cells" else ".md"  # a markdown table is read from a .md file
    (bundle / f"{plan.plan_id}{suffix}").write_text(plan.text, encoding="utf-8")
    return bundle


def write_plans(folder: Path, n: int, seed: int = 17) -> list[Path]:
    """Write plans 0 … n-1; returns their bundle folders."""
    return [write_plan(synth_plan(i, seed), folder) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder to write the plan bundles into.")
    parser.add_argument("--n", type=int, default=10, help="Number of plans.")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print("\n".join(str(p) for p in write_plans(args.out, args.n, args.seed)))


if __name__ == "__main__":
    main()
