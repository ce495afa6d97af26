"""Browser tests: a real ``kaigo-kiban demo`` server process driven by Debian's Chromium.

One server per test session, on 127.0.0.1 and a free port, with a fresh SQLite database seeded
by the demo command (synthetic people only), its files (demo card CA, demo cards) under
``<tmp>/var`` (``KK_DATA_DIR``). One Chromium per session; every test gets its own
browser context (cookies, storage), so tests do not see each other's sign-ins.

Switches (environment):
- ``KK_TEST_E2E=require`` fails instead of skipping when Chromium is missing (CI sets it);
  ``KK_TEST_E2E=off`` skips the browser tests.
- ``KK_SCREENSHOTS=update`` also writes ``docs/screenshots/<role>-home.png``.

Every test leaves a screenshot in ``test-artifacts/screenshots/`` (gitignored), pass or fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer

SERVER_START_SECONDS = 180
DEMO_PEOPLE = 300


def _mode() -> str:
    return os.environ.get("KK_TEST_E2E", "auto")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; skip (or fail under ``KK_TEST_E2E=require``) when it is missing."""
    mode = _mode()
    if mode == "off":
        pytest.skip("KK_TEST_E2E=off: ブラウザのテストを省略します")
    if not CHROMIUM.exists():
        reason = f"Chromium がありません ({CHROMIUM}); `apt-get install -y chromium` で入ります"
        if mode == "require":
            pytest.fail(f"KK_TEST_E2E=require ですが {reason}")
        pytest.skip(reason)
    return CHROMIUM


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def live_server(chromium_path: Path) -> Iterator[LiveServer]:
    """``kaigo-kiban demo`` in its own process on a fresh database; terminated afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="kk-e2e-"))
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    port = _free_port()
    log_path = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "kaigo_kiban.app.cli",
        "--db",
        database_url,
        "demo",
        "--people",
        str(DEMO_PEOPLE),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
    ]
    data_dir = workdir / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KK_")}
    env["PYTHONUNBUFFERED"] = "1"
    # Explicit, so `kaigo-kiban card …` run by a test finds the same demo card CA.
    env["KK_DATA_DIR"] = str(data_dir)
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, log_path, data_dir)
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
        try:
            _wait_until_healthy(process, server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
    shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_healthy(process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"デモサーバが起動前に終了しました (終了コード {process.returncode}):\n"
                + _log_tail(server.log_path)
            )
        try:
            if httpx.get(server.url + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(
        f"デモサーバが {SERVER_START_SECONDS} 秒以内に応答しません:\n" + _log_tail(server.log_path)
    )


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _context_options(live_server: LiveServer, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "base_url": live_server.url,
        "viewport": {"width": 1280, "height": 800},
        "locale": "ja-JP",
        "timezone_id": "Asia/Tokyo",
    }
    options.update(overrides)
    return options


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for extra contexts (no JavaScript, other viewports); all closed after the test."""
    made: list[BrowserContext] = []

    def make(**overrides: Any) -> BrowserContext:
        context = browser.new_context(**_context_options(live_server, **overrides))
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for index, context in enumerate(made):
        for number, extra_page in enumerate(context.pages):
            _screenshot(extra_page, f"{request.node.name}-ctx{index}-{number}")
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    tab = context.new_page()
    try:
        yield tab
    finally:
        _screenshot(tab, request.node.name)
        tab.close()  # so the context's teardown does not take it twice


def _screenshot(tab: Page, name: str) -> None:
    if tab.is_closed():
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    # A crashed page must not hide the test's own failure behind a screenshot error.
    with contextlib.suppress(PlaywrightError):
        tab.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
