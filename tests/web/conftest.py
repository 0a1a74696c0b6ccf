"""Fixtures of the browser tests (helpers and the why of it all in tests/web/_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web._browser import CHROMIUM, CHROMIUM_ARGS, Recorder, Server, open_page, start_server, stop_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("web-server"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not session-wide: while Playwright's sync API runs, the main thread has
    a running event loop, so a later test elsewhere calling asyncio.run() would fail (random order)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium and fonts-noto-cjk. "
            "Run .ci/run (installs them with apt-get) or `sudo apt-get install chromium fonts-noto-cjk`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    seen = Recorder()
    yield seen
    assert seen.urls, "the page made no request at all"
    assert seen.foreign() == [], f"requests left the host: {seen.foreign()}"


@pytest.fixture
def page(browser: Any, recorder: Recorder) -> Iterator[Any]:
    opened = open_page(browser, recorder)
    yield opened
    opened.context.close()


@pytest.fixture
def mobile_page(browser: Any, recorder: Recorder) -> Iterator[Any]:
    opened = open_page(browser, recorder, 390, 844)
    yield opened
    opened.context.close()
