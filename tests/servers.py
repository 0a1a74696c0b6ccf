"""Real servers for contract tests, started on loopback by the test suite.

`PostgresServer` runs Debian's PostgreSQL binaries (``/usr/lib/postgresql/*/bin``): ``initdb`` into a
fresh directory (as the ``postgres`` OS user when the suite runs as root, since initdb refuses root),
``pg_ctl start`` on a free 127.0.0.1 port with its unix socket in the same directory, one database.
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
from pathlib import Path

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
