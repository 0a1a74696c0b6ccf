"""Unseen questions: every distinct question of the team's sets once, against a freshly started server.

Repeated questions (`bench/load.py`) mostly hit caches; this measures what a question costs the first
time. One run prints three figures side by side:

1. **unseen, 8 clients**: every distinct question of ``corpus/eval/*.jsonl`` and the shared dev set
   (single questions, follow-up turns, company profiles; about 600) sent once, by 8 clients without
   think time;
2. **unseen, 50 clients**: the same questions with a polite prefix (请问，…), i.e. new strings that no
   cache holds, by 50 clients: the burst figure (the issue asks for no request over 2 s);
3. **repeated, 8 clients**: `bench/load.py`'s mix of a few repeated questions for ``--repeat-seconds``.

    policybot serve --port 8040 &        # fresh process, POLICYBOT_SERVER_RATE_LIMIT=""
    python bench/unique.py --base http://127.0.0.1:8040

Goals (issue 17, 2-core machine): unseen with 8 clients ≥ 150 req/s, p95 ≤ 150 ms, 0 errors; with 50
clients no request over 2 s. Restart the server before another run: the second pass of the same
questions would be answered from caches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import percentile, print_report, run, summarize

ROOT = Path(__file__).resolve().parent.parent
SHARED_DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"  # the shared set beside the repository, when present
QUESTION_FILES = [*sorted((ROOT / "corpus" / "eval").glob("*.jsonl")), *([SHARED_DEV] if SHARED_DEV.is_file() else [])]
PREFIX = "请问，"


def distinct_questions(paths: list[Path]) -> list[str]:
    """Every distinct question text of the sets (``q``, each turn's ``q``, ``profile``), in file order."""
    seen: dict[str, None] = {}
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            texts = [case.get("q"), case.get("profile"), *(t.get("q") for t in case.get("turns", []))]
            for text in texts:
                if isinstance(text, str) and text.strip():
                    seen.setdefault(text, None)
    return list(seen)


async def one_pass(base: str, questions: list[str], clients: int, timeout: float) -> dict[str, Any]:
    """Send every question once, `clients` at a time without think time; latencies and errors."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for q in questions:
        queue.put_nowait(q)
    latencies: list[float] = []
    errors: list[str] = []

    async def client() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as http:
            while not queue.empty():
                question = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await http.post("/v1/chat", json={"question": question})
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {question}")
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or "answer" not in response.json():
                    errors.append(f"{response.status_code}: {question}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients, "requests": len(questions), "seconds": round(elapsed, 2),
        "throughput_rps": round(len(questions) / elapsed, 1),
        "p50_ms": round(percentile(ordered, 50), 1), "p95_ms": round(percentile(ordered, 95), 1),
        "p99_ms": round(percentile(ordered, 99), 1), "max_ms": round(ordered[-1], 1) if ordered else 0.0,
        "errors": len(errors), "error_examples": errors[:5],
    }


def _line(name: str, row: dict[str, Any]) -> str:
    return (f"{name:<22} {row['clients']:>3} clients {row['requests']:>5} req  {row['throughput_rps']:>6} req/s  "
            f"p50 {row['p50_ms']:>6} ms  p95 {row['p95_ms']:>6} ms  p99 {row['p99_ms']:>6} ms  "
            f"max {row['max_ms']:>7} ms  errors {row['errors']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="URL of a freshly started server.")
    parser.add_argument("--clients", type=int, default=8, help="Clients of the unseen pass (default 8).")
    parser.add_argument("--burst-clients", type=int, default=50, help="Clients of the prefixed pass (default 50).")
    parser.add_argument("--repeat-seconds", type=float, default=20.0, help="Seconds of the repeated mix; 0 skips.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Per-request timeout in seconds.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the question order.")
    parser.add_argument("--json", dest="json_path", default=None, help="Also write the figures to this file.")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    questions = distinct_questions(QUESTION_FILES)
    random.Random(args.seed).shuffle(questions)
    print(f"{len(questions)} distinct questions")
    unseen = asyncio.run(one_pass(base, questions, args.clients, args.timeout))
    print(_line("unseen", unseen))
    burst = asyncio.run(one_pass(base, [PREFIX + q for q in questions], args.burst_clients, args.timeout))
    print(_line("unseen (请问 prefix)", burst))
    figures: dict[str, Any] = {"unseen": unseen, "unseen_burst": burst}
    if args.repeat_seconds > 0:
        stats, elapsed = asyncio.run(run(base, args.clients, args.repeat_seconds, 1_000_000, args.timeout, None,
                                         args.seed))
        repeated = summarize(stats, elapsed, args.clients)
        print("repeated mix (bench/load.py):")
        print_report(repeated)
        figures["repeated"] = repeated
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    failed = unseen["errors"] or burst["errors"] or figures.get("repeated", {}).get("errors", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
