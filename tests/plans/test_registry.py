"""The plan registry: metadata inferred from each plan's words, staged ingest, removal, unsafe inputs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from corpus.plans.meta import detect_period, detect_region, plan_slug, plan_title, region_mentions
from corpus.plans.registry import PlanError, PlanRegistry
from plans.plan_docs import PLANS, write_plans


@pytest.mark.parametrize(
    ("title", "issuer", "region", "level"),
    [
        ("云台市数字经济发展“十四五”规划", "", "云台市", "市"),
        ("东江省数字政府建设“十四五”规划", "", "东江省", "省"),
        ("“十四五”数字经济发展规划", "国务院", "全国", "国家"),
        ("国家信息化规划", "", "全国", "国家"),
        ("云台市青溪区工业发展规划", "", "云台市青溪区", "县"),
        ("数字经济发展规划", "南湖市发展和改革委员会", "南湖市", "市"),
        ("数字经济发展规划", "", "", ""),
    ],
)
def test_region_and_level_from_title_or_issuer(title: str, issuer: str, region: str, level: str) -> None:
    assert detect_region(title, issuer) == (region, level)


@pytest.mark.parametrize(
    ("title", "years", "period"),
    [
        ("某市数字经济发展“十四五”规划", None, (2021, 2025)),
        ("某省制造业数字化转型行动方案（2021—2025年）", None, (2021, 2025)),
        ("某市“十五五”规划", None, (2026, 2030)),
        ("某市数字经济规划", (2020, 2025), (2021, 2025)),
        ("某市数字经济规划", None, None),
    ],
)
def test_period(title: str, years: tuple[int, int] | None, period: tuple[int, int] | None) -> None:
    assert detect_period(title, years=years) == period


def test_titles_ids_and_mentions() -> None:
    assert plan_title("关于《云台市数字经济发展“十四五”规划》的起草说明") == "云台市数字经济发展“十四五”规划"
    assert plan_title("《云台市工业规划》（送审稿）") == "云台市工业规划"
    assert plan_slug("东江省数字政府建设“十四五”规划", "东江省", "省", (2021, 2025)) == "dongjiang-szzfjs-2021-2025"
    assert region_mentions("东江省", "省") == ("东江省", "东江")


def test_scan_finds_one_plan_per_file_and_per_folder(tmp_path: Path) -> None:
    docs = write_plans(tmp_path / "docs", ("yuntai.md", "nanhu.md"))
    bundle = docs / "dongjiang"
    bundle.mkdir()
    (bundle / "plan.md").write_text(PLANS["dongjiang.md"], encoding="utf-8")
    (bundle / "plan.yaml").write_text("id: dj-gov\nmentions: [省政府规划]\n", encoding="utf-8")
    plans = {p.id: p for p in PlanRegistry([docs], tmp_path / "data").scan()}
    assert sorted(plans) == ["dj-gov", "nanhu-szjj-2021-2025", "yuntai-szjj-2021-2025"]
    assert plans["dj-gov"].title == "东江省数字政府建设“十四五”规划"
    assert plans["dj-gov"].issuer == "东江省人民政府办公厅" and plans["dj-gov"].date == "2021-06"
    assert "省政府规划" in plans["dj-gov"].mentions and plans["dj-gov"].shipped


def test_ingest_commits_one_plan_and_is_idempotent(tmp_path: Path) -> None:
    src = write_plans(tmp_path / "src", ("nanhu.md",))
    registry = PlanRegistry([], tmp_path / "data")
    assert registry.generation() == 0
    report = registry.ingest([src / "nanhu.md"])
    assert [p.id for p in report.added] == ["nanhu-szjj-2021-2025"] and registry.generation() == 1
    stored = tmp_path / "data" / "plans" / "nanhu-szjj-2021-2025"
    assert (stored / "nanhu.md").read_text(encoding="utf-8") == PLANS["nanhu.md"]
    assert "title: 南湖市数字经济发展“十四五”规划" in (stored / "plan.yaml").read_text(encoding="utf-8")
    again = registry.ingest([src / "nanhu.md"])
    assert not again.added and "already" in again.skipped[0][1] and registry.generation() == 1
    assert [p.id for p in registry.scan()] == ["nanhu-szjj-2021-2025"]
    registry.remove("nanhu-szjj-2021-2025")
    assert registry.scan() == [] and registry.generation() == 2


def test_files_sharing_a_stem_form_one_plan_and_bundle_joins_files(tmp_path: Path) -> None:
    src = write_plans(tmp_path / "src", ("yuntai.md",))
    (src / "yuntai.csv").write_text("类别,指标\n", encoding="utf-8")
    (src / "other.md").write_text(PLANS["nanhu.md"], encoding="utf-8")
    registry = PlanRegistry([], tmp_path / "data")
    report = registry.ingest([src / "yuntai.md", src / "yuntai.csv", src / "other.md"], supported=(".md", ".csv"))
    sources = sorted(tuple(sorted(p.sources)) for p in report.added)
    assert sources == [("other.md",), ("yuntai.csv", "yuntai.md")]


def test_shipped_plans_cannot_be_removed(tmp_path: Path) -> None:
    docs = write_plans(tmp_path / "docs", ("yuntai.md",))
    with pytest.raises(PlanError, match="shipped"):
        PlanRegistry([docs], tmp_path / "data").remove("yuntai-szjj-2021-2025")


def test_unsafe_inputs_are_refused_with_reasons(tmp_path: Path) -> None:
    src = write_plans(tmp_path / "src", ("yuntai.md",))
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    (src / "link.md").symlink_to(secret)
    (src / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    (src / "big.md").write_text("规" * 400_000, encoding="utf-8")  # 1.2 MB
    registry = PlanRegistry([], tmp_path / "data", max_file_mb=1.0)
    report = registry.ingest([src / "link.md", src / "binary.txt", src / "big.md", tmp_path / "missing.md"])
    reasons = {Path(path).name: why for path, why in report.skipped}
    assert "symbolic links" in reasons["link.md"]
    assert "does not match" in reasons["binary.txt"]
    assert "too large" in reasons["big.md"]
    assert "no such file" in reasons["missing.md"]
    assert report.added == [] and registry.scan() == []
    # A folder is walked without following links: the link inside it is refused, the plan is added.
    folder_report = registry.ingest([src], bundle=True)
    assert [p.sources for p in folder_report.added] == [("yuntai.md",)]
    assert "hunter2" not in "".join(p.read_text(errors="ignore") for p in (tmp_path / "data").rglob("*") if p.is_file())


KILLS = {
    # during the copy into staging: nothing committed, a staging folder left behind
    "copy": "import shutil\n_copy = shutil.copyfile\n"
            "def hook(*a, **k):\n    print('killed', flush=True)\n    os.kill(os.getpid(), signal.SIGKILL)\n"
            "shutil.copyfile = hook\nimport corpus.plans.registry as r\nr.shutil.copyfile = hook\n",
    # staged and read, before the commit: nothing committed
    "validate": "",
    # after the commit's rename, before the generation number is bumped: the plan is whole and visible
    "commit": "import corpus.plans.registry as r\n"
              "def hook(self):\n    print('killed', flush=True)\n    os.kill(os.getpid(), signal.SIGKILL)\n"
              "r.PlanRegistry._bump = hook\n",
}


@pytest.mark.parametrize("point", list(KILLS))
def test_a_killed_ingest_blocks_nothing(tmp_path: Path, point: str) -> None:
    """SIGKILL an ingest at several points (it holds the lock each time): the next ingest runs and cleans up."""
    from bot.library import PlanLibrary

    src = write_plans(tmp_path / "src", ("yuntai.md", "nanhu.md"))
    data = tmp_path / "data"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path[:0] = {[str(Path.cwd()), str(Path.cwd() / "tests")]!r}
        from pathlib import Path
        from corpus.plans.registry import PlanRegistry
        def stop_here(info):
            print("killed", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            return []
        """
    ) + KILLS[point] + textwrap.dedent(
        f"""
        validate = stop_here if {point == "validate"!r} else None
        PlanRegistry([], Path({str(data)!r})).ingest([Path({str(src / "yuntai.md")!r})], validate=validate)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9 and "killed" in proc.stdout, proc.stderr
    leftovers = [p.name for p in (data / "plans").iterdir() if p.name.startswith(".staging-")]
    registry = PlanRegistry([], data)
    committed = [p.id for p in registry.scan()]
    assert registry.generation() == 0
    if point == "commit":
        assert leftovers == [] and committed == ["yuntai-szjj-2021-2025"]  # renamed whole, not half
        # A running server notices the plan although the number was never bumped (folder fingerprint).
        seen: list[str] = []
        library = PlanLibrary(registry, lambda info: seen.append(info.id), default="")  # type: ignore[arg-type,func-returns-value]
        library.refresh()
        assert seen == ["yuntai-szjj-2021-2025"]
    else:
        assert len(leftovers) == 1 and committed == []  # the staging folder is left, nothing committed
    report = registry.ingest([src / "nanhu.md"])
    assert [p.id for p in report.added] == ["nanhu-szjj-2021-2025"]
    assert not [p for p in (data / "plans").iterdir() if p.name.startswith(".staging-")]
    assert os.path.exists(data / "plans" / "nanhu-szjj-2021-2025" / "plan.yaml")
