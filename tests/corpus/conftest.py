"""Fixtures of the corpus tests: the shipped seed, deterministic backends, a real `chroma run` server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from corpus.chunking import chunk_document
from corpus.embedding import HashEmbedder
from corpus.loaders import Document, load_document
from corpus.types import Chunk

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "documents" / "wenzhou-digital-economy-14fyp-drafting-note.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_doc() -> Document:
    return load_document(SEED)


@pytest.fixture(scope="session")
def seed_chunks(seed_doc: Document) -> list[Chunk]:
    return chunk_document(seed_doc)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder(dim=128)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A private copy of the seed folder, so tests may add or edit documents."""
    folder = tmp_path / "documents"
    folder.mkdir()
    for path in SEED.parent.iterdir():
        shutil.copy2(path, folder / path.name)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chroma_cli() -> Path | None:
    candidate = Path(sys.executable).parent / "chroma"
    if candidate.exists():
        return candidate
    found = shutil.which("chroma")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` on loopback with its data in a temp dir; yields (host, port)."""
    cli = _chroma_cli()
    if cli is None:
        pytest.skip("the chroma CLI is not installed (pip install chromadb puts it in the venv's bin)")
    import httpx

    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    log = open(data / "server.log", "wb")  # noqa: SIM115 - kept open for the server's lifetime
    proc = subprocess.Popen(
        [str(cli), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {proc.returncode}: {(data / 'server.log').read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chroma run did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
