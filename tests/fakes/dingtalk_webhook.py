"""A DingTalk `sessionWebhook` stand-in on loopback: records every POST, keyed by its `session` query."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Received:
    session: str
    raw: bytes
    body: dict[str, Any] = field(default_factory=dict)


class FakeWebhook:
    """A sessionWebhook stand-in on loopback that records every POST, keyed by its `session` query."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                session = parse_qs(urlparse(self.path).query).get("session", [""])[0]
                with outer.lock:
                    outer.received.append(Received(session, raw, json.loads(raw)))
                reply = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, session: str) -> str:
        return f"http://127.0.0.1:{self.port}/robot/sendBySession?session={session}"

    def for_session(self, session: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.session == session]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
