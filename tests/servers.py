"""Real servers for contract tests, started on loopback by the test suite.

`PostgresServer` runs Debian's PostgreSQL binaries (``/usr/lib/postgresql/*/bin``): ``initdb`` into a
fresh directory (as the ``postgres`` OS user when the suite runs as root, since initdb refuses root),
``pg_ctl start`` on a free 127.0.0.1 port with its unix socket in the same directory, one database.
`RedisServer` runs Debian's ``redis-server`` on a free 127.0.0.1 port with its files in a fresh temporary
directory; it can be stopped and started again on the same port (to test what happens while Redis is down).
Missing binaries fail the tests with the package to install; they are never skipped silently.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REDIS_INSTALL_HINT = "redis-server not found: install it with `apt-get install -y redis-server` (.ci/run does)"
INSTALL_HINT = "PostgreSQL server binaries not found: install them with `apt-get install -y postgresql` (.ci/run does)"


def find_pg_bin() -> Path | None:
    """Newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl, or the PATH's."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    for folder in reversed(candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL cluster; `start()` returns a SQLAlchemy URL, `stop()` removes it all."""

    def __init__(self, database: str = "policybot_test") -> None:
        self.bin = find_pg_bin()
        self.database = database
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="policybot-pg-"))
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> str:
        if self.bin is None:
            raise FileNotFoundError(INSTALL_HINT)
        data = self.dir / "data"
        if self._as_postgres:
            shutil.chown(self.dir, "postgres")
        self.dir.chmod(0o700)
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C")  # fmt: skip
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w",
                  "-t", "60", "start")  # fmt: skip
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        if self.bin is not None and (self.dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # already gone; the directory is removed either way
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def find_redis_server() -> Path | None:
    found = shutil.which("redis-server")
    if found is None and Path("/usr/bin/redis-server").exists():  # sbin-less PATHs
        found = "/usr/bin/redis-server"
    return Path(found) if found else None


class RedisServer:
    """A throw-away ``redis-server`` on loopback; `start()` returns its ``redis://`` URL.

    `stop()` kills it (its data is gone: nothing is persisted); `start()` again serves the same port.
    """

    def __init__(self) -> None:
        self.bin = find_redis_server()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="policybot-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        if self.bin is None:
            raise FileNotFoundError(REDIS_INSTALL_HINT)
        args = [str(self.bin), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--logfile", str(self.dir / "log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {log[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self.url
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server not answering on port {self.port} within 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the server (by its own pid) and wait for it; the directory stays for a later `start()`."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
