"""Three small plans written for the tests (fictional regions), as markdown documents.

Values are chosen so every expected figure below is easy to compute by hand.
"""

from __future__ import annotations

from pathlib import Path

TABLE_HEADER = "| 类别 | 指标 | 2020年 | 2025年 | 测算依据 |\n|---|---|---|---|---|\n"


def _plan(title: str, issuer: str, region_short: str, rows: list[str], tasks: str, safeguards: str) -> str:
    return (
        f"# {title}\n\n{issuer}\n\n（2021年6月）\n\n"
        f"## 一、发展基础\n\n十三五时期，{region_short}数字经济稳步发展，网络基础设施不断完善。\n\n"
        f"## 二、总体要求\n\n### （一）指导思想\n\n以数字化改革为引领，推动{region_short}数字经济高质量发展。\n\n"
        f"## 三、主要任务\n\n{tasks}\n\n"
        f"## 四、保障措施\n\n{safeguards}\n\n"
        f"## 附件 {region_short}主要指标\n\n" + TABLE_HEADER + "\n".join(rows) + "\n"
    )


YUNTAI = _plan(
    "云台市数字经济发展“十四五”规划",
    "云台市经济和信息化局",
    "云台",
    [
        "| 数字基础设施 | 5G基站数量（个） | 2000 | 8000 | 根据省级分解目标 |",
        "| 数字基础设施 | 数据中心机架数（个） | 1000 | 3000以上 | 按年均增长25%测算 |",
        "| 数字产业化 | 数字经济核心产业增加值占GDP比重（%） | 6 | 10 | 按照每年0.8个百分点增长幅度测算 |",
        "| 数字产业化 | 软件业务收入（亿元） | 40 | 100 | 按年均增长20%测算 |",
    ],
    "### （一）建设新型基础设施\n\n加快5G网络建设，推进千兆光网覆盖。\n\n"
    "### （二）壮大数字产业\n\n培育软件和信息服务业，建设云台软件园。",
    "一是加强组织领导。二是强化要素保障。三是完善统计监测。",
)

NANHU = _plan(
    "南湖市数字经济发展“十四五”规划",
    "南湖市发展和改革委员会",
    "南湖",
    [
        "| 数字基础设施 | 5G基站数量（个） | 4000 | 12000 | 根据通信管理局规划 |",
        "| 数字基础设施 | 千兆宽带用户数（万户） | 5 | 40 | 按年均新增7万户测算 |",
        "| 产业数字化 | 规上工业企业数字化改造覆盖率（%） | 50 | 90 | 按照每年8个百分点增长幅度测算 |",
    ],
    "### （一）推进制造业数字化\n\n实施智能工厂培育行动，建设湖畔工业互联网平台。\n\n"
    "### （二）发展智慧农业\n\n推广数字农场，建设农产品溯源体系。",
    "一是健全工作机制。二是加大财政支持。",
)

DONGJIANG = _plan(
    "东江省数字政府建设“十四五”规划",
    "东江省人民政府办公厅",
    "东江",
    [
        "| 政务服务 | 政务服务事项网上可办率（%） | 80 | 100 | 根据省数字化改革方案 |",
        "| 政务服务 | 一网通办注册用户数（万人） | 800 | 2000 | 按年均增长20%测算 |",
    ],
    "### （一）建设一体化政务服务平台\n\n推进一网通办，实现高频事项掌上办。",
    "一是加强统筹协调。二是强化安全保障。",
)

PLANS = {"yuntai.md": YUNTAI, "nanhu.md": NANHU, "dongjiang.md": DONGJIANG}


def write_plans(folder: Path, names: tuple[str, ...] = tuple(PLANS)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(PLANS[name], encoding="utf-8")
    return folder
