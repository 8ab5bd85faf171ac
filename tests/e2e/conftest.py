"""Fixtures of the browser tests: the real server on a free port and Chromium via Playwright.

The SPA is not built here: `make` builds `web/dist` before the tests run, and a
missing build fails the tests (it would otherwise hide a broken front end).
The server is `python -m src serve` with a fresh DATA_DIR, which imports the
bundled sample (`data/samples`: 7 days of BTCUSDT/ETHUSDT 1m) on start-up, and
whose `strategies/` holds the test-only plugins of `tests/e2e/plugins` (a
strategy that signals every N bars, for the paper-trading tests). Pending
confirmations expire after `PENDING_TTL_SECONDS` = 5 s unless a test changes it.
Set `E2E_SCREENSHOT_DIR` to keep copies of the screenshots the tests take. `serving`
starts another server with settings of its own (one with API_TOKEN, say); `Server.api`
calls the API as the SPA does (the `X-ScalpLab-Client` header, the token when set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = REPO_ROOT / "web" / "dist"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PLUGINS = Path(__file__).resolve().parent / "plugins"
STARTUP_TIMEOUT_S = 90.0
PENDING_TTL_SECONDS = 5
# Settings that would point the server at other data or lock the API: never inherited.
ISOLATED_KEYS = ("DB_URL", "DB_PATH", "STRATEGIES_DIR", "API_TOKEN", "TELEGRAM_ENABLED")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@dataclass(frozen=True)
class Server:
    """A running `scalplab serve` process (`token`: its API_TOKEN, if set)."""

    base_url: str
    data_dir: Path
    log_path: Path
    token: str | None = None

    def api(self, method: str, path: str, body: object | None = None) -> tuple[int, Any]:
        """Call the API directly (set-up and cross-checks) as the SPA does (the client header,
        the token when the server has one); returns status and parsed JSON."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"X-ScalpLab-Client": "e2e"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def wait_done(self, backtest_id: str, timeout_s: float = 120.0) -> dict[str, Any]:
        """Poll `GET /backtests/{id}` until the run is done; fail on `failed` or timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status, job = self.api("GET", f"/backtests/{backtest_id}")
            assert status == 200, job
            if job["status"] == "done":
                return dict(job)
            assert job["status"] != "failed", job["error"]
            time.sleep(0.2)
        pytest.fail(f"backtest {backtest_id} not done after {timeout_s:.0f}s")


@contextmanager
def serving(data_dir: Path, **overrides: str) -> Iterator[Server]:
    """`scalplab serve` over `data_dir` on a free port (`overrides`: more settings, e.g.
    API_TOKEN, or a REST_URL serving a fake Binance), with the test plugins; stopped on exit."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(
            f"{WEB_DIST / 'index.html'} is missing: build the SPA first "
            "(cd web && npm ci && npm run build)",
            pytrace=False,
        )
    log_path = data_dir / "server.log"
    shutil.copytree(PLUGINS, data_dir / "strategies", ignore=shutil.ignore_patterns("__pycache__"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_KEYS}
    defaults = dict(
        DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        TRADING_MODE="simulation",
        CONFIRM_ORDERS="false",
        PENDING_TTL_SECONDS=str(PENDING_TTL_SECONDS),
        SIM_REPLAY_SPEED="60",
        # Binance is unreachable unless a test serves a fake one: the live feed must say so
        # plainly, and quickly.
        REST_URL="http://127.0.0.1:9",
        WS_URL="ws://127.0.0.1:9",
        LIVE_CONNECT_TIMEOUT_S="3",
    )
    env.update({**defaults, **overrides})
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # cwd is the data dir so that no developer `.env` is read.
        process = subprocess.Popen(
            [sys.executable, "-m", "scalplab", "serve", "--port", str(port)],
            cwd=data_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the server exited with {process.returncode}:\n{_log_tail(log_path)}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(base_url + "/status/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no /status/health after {STARTUP_TIMEOUT_S:.0f}s:\n{_log_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield Server(base_url, data_dir, log_path, overrides.get("API_TOKEN"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API + built SPA on a free port, over a fresh data directory."""
    with serving(tmp_path_factory.mktemp("e2e-data")) as started:
        yield started


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """One Playwright driver for the session."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """The system Chromium (never a downloaded browser), headless."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)", pytrace=False)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught exceptions of a page; tests may allow expected ones."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Do not count console errors matching `pattern` (e.g. an expected HTTP 422)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        """Errors no allowance covers."""
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleLog:
    """The console log of the test's page."""
    return ConsoleLog()


@pytest.fixture
def clean_store(server: Server) -> Server:
    """The server with no stored backtests."""
    status, _ = server.api("DELETE", "/backtests")
    assert status == 200
    return server


@pytest.fixture
def page(browser: Browser, console: ConsoleLog, clean_store: Server) -> Iterator[Page]:
    """A fresh page (English, desktop size) that must not log unexpected console errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert console.unexpected() == [], "the page logged errors"


def save_screenshot(page: Page, path: Path, **options: Any) -> Path:
    """Screenshot the page to `path`; keep a copy in `E2E_SCREENSHOT_DIR` when set."""
    page.screenshot(path=str(path), **options)
    keep = os.environ.get("E2E_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(keep) / f"e2e-{path.name}")
    return path


@pytest.fixture(scope="session")
def initial_settings(server: Server) -> dict[str, Any]:
    """The paper-trading settings the server started with (before any test changed them)."""
    status, settings = server.api("GET", "/settings")
    assert status == 200, settings
    return dict(settings)


@pytest.fixture
def clean_sim(server: Server, initial_settings: dict[str, Any]) -> Server:
    """The server with the simulation stopped and reset, trading not halted, no followed
    pairs and the paper-trading settings as the server started (confirmation off, 5 s TTL,
    speed 60)."""
    for path in ("/simulation/stop", "/simulation/reset", "/trading/resume"):
        status, body = server.api("POST", path)
        assert status == 200, (path, status, body)
    status, pairs = server.api("GET", "/pairs")
    assert status == 200, pairs
    for pair in pairs:
        assert server.api("DELETE", f"/pairs/{pair['id']}")[0] == 204
    status, body = server.api("PATCH", "/settings", initial_settings)
    assert status == 200, body
    assert (body["confirm_orders"], body["pending_ttl_seconds"], body["replay_speed"]) == (
        False,
        PENDING_TTL_SECONDS,
        60.0,
    ), body
    return server
