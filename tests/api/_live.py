"""Real processes for fault tests: `policybot serve` from this checkout and a `chroma run` server.

Both bind a free loopback port chosen here, log to a file in the test's temp dir, and are stopped by
their own pid (never by name). Waits poll with generous deadlines: the machine may be busy.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_PATIENCE = 120.0  # seconds; building the index on a busy 2-core machine can take a while


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log_path: Path, patience: float = START_PATIENCE) -> None:
    deadline = time.monotonic() + patience
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not up within {patience:.0f} s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


class _Process:
    """One child process with a log file; `stop` escalates from SIGTERM to SIGKILL."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _spawn(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open for the child's lifetime
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        return self.proc

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs (a crash or the OOM killer)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._close_log()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class PolicybotServer(_Process):
    """`python -m api.cli.main serve` of THIS checkout (not an installed copy) with the given settings."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        super().__init__(data_dir.parent / "policybot-serve.log")
        self.data_dir = data_dir
        self.extra_env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> PolicybotServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update({
            "PYTHONPATH": str(ROOT),
            "POLICYBOT_DATA_DIR": str(self.data_dir),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            **self.extra_env,
        })
        args = [sys.executable, "-m", "api.cli.main", "serve", "--port", str(self.port), "--log-level", "warning"]
        proc = self._spawn(args, env, cwd=ROOT)
        wait_until_up(self.url + "/healthz", proc, self.log_path)
        return self


def chroma_cli() -> Path | None:
    candidate = Path(sys.executable).parent / "chroma"
    if candidate.exists():
        return candidate
    found = shutil.which("chroma")
    return Path(found) if found else None


class ChromaServer(_Process):
    """`chroma run` on a fixed port and data path, so a restart serves the same collections."""

    def __init__(self, cli: Path, path: Path) -> None:
        super().__init__(path.parent / "chroma.log")
        self.cli = cli
        self.path = path
        self.port = free_port()

    def start(self) -> ChromaServer:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        args = [str(self.cli), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        proc = self._spawn(args, env)
        wait_until_up(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", proc, self.log_path)
        return self
