"""Chat latency benchmark over loopback: startup-to-ready, warm p50/p95 per intent, req/s with 8 clients.

Usage:
    python bench/chat.py                       # starts `policybot serve` itself on a free port
    python bench/chat.py --base http://127.0.0.1:8000 --seconds 15

Targets (issue 4): p50 ≤ 15 ms numeric, ≤ 40 ms passage, p95 ≤ 50 ms; ready ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

QUESTIONS: dict[str, list[str]] = {
    "indicator": ["5G基站数量2025年目标是多少？", "数据中心总机架数基期是多少", "高企到2025年要达到多少家"],
    "compute": ["5G基站数量年均需要增长多少？", "网络零售额要增加多少亿元", "软件业收入2025年是2020年的几倍"],
    "progress": ["如果2022年在役工业机器人达到14000台，进度如何？", "2023年软件业收入80亿，进度够吗？"],
    "passage": ["规划何时通过专家评审？", "规划由哪个部门牵头编制？", "规划的指导思想是什么"],
    "list": ["保障措施包括哪些方面？", "服务业数字化提升工程有哪些子任务？", "8大任务是什么"],
    "task_match": ["我们是一家做智慧物流的企业", "本公司经营冷链仓储", "我们是一家城商行"],
    "out_of_scope": ["今天温州天气怎么样？", "规划对房地产行业有什么要求？"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-c", "from api.cli.main import main; main()", "serve", "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = started + 300
    while time.perf_counter() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("server exited during startup")
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server not ready after 300 s")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def per_intent(client: httpx.Client, base: str, rounds: int) -> None:
    print(f"{'intent':<14}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}")
    for intent, questions in QUESTIONS.items():
        for q in questions:  # warm caches once
            client.post(base + "/v1/chat", json={"question": q})
        times = []
        for _ in range(rounds):
            for q in questions:
                t = time.perf_counter()
                r = client.post(base + "/v1/chat", json={"question": q})
                times.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
        print(f"{intent:<14}{len(times):>5}{statistics.median(times):>9.1f}{pct(times, 0.95):>9.1f}")


def concurrent(base: str, clients: int, seconds: float) -> None:
    flat = [q for qs in QUESTIONS.values() for q in qs]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as client:
            i = offset
            while time.perf_counter() < stop_at:
                t = time.perf_counter()
                try:
                    ok = client.post(base + "/v1/chat", json={"question": flat[i % len(flat)]}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                    errors += 0 if ok else 1
                i += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    print(
        f"{clients} concurrent clients, {elapsed:.1f} s: {len(latencies) / elapsed:.1f} req/s, "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {pct(latencies, 0.95):.1f} ms, errors {errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="A running server; default: start one on a free port.")
    parser.add_argument("--rounds", type=int, default=10, help="Timed passes over each intent's questions.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    proc = None
    if args.base:
        base = args.base.rstrip("/")
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
        proc, base, cold = start_server(data_dir)
        print(f"startup to ready (cold, builds the index): {cold:.1f} s")
        proc.terminate()
        proc.wait()
        proc, base, warm = start_server(data_dir)
        print(f"startup to ready (warm, index on disk):   {warm:.1f} s")
    try:
        with httpx.Client(timeout=30) as client:
            per_intent(client, base, args.rounds)
        concurrent(base, args.clients, args.seconds)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
