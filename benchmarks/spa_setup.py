"""Shared set-up of the SPA benchmarks: a real server over 30 days of real BTCUSDT 1m
candles, the built web UI, and the system Chromium driven by Playwright.

The store holds shared/data/real's BTCUSDT 1m (2025-05-25 10:33 → 2025-06-24 10:34 UTC,
gap-free); the server is `scalplab serve` over a temporary DATA_DIR whose `strategies/`
holds the e2e test plugins (`e2e_pulse`: a long signal every N bars), with every circuit
breaker open (`paper_setup.OPEN_GATES`). The browser is headless Chromium at 1,280 × 800
(`/usr/bin/chromium`, or `CHROMIUM_PATH`), as the e2e tests run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from paper_setup import ROOT, build_store, free_port, start_server
from playwright.sync_api import Browser, Page, sync_playwright

WEB_DIST = ROOT / "web" / "dist"
PLUGINS = ROOT / "tests" / "e2e" / "plugins"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
FIRST_DAY = "2025-05-25"
"""The first (partial) day of the real set; its last full day is 2025-06-23."""


@dataclass(frozen=True)
class SpaServer:
    """A running server (`base` URL) over its own data directory."""

    base: str
    data_dir: Path
    process: subprocess.Popen[str]

    def api(self, method: str, path: str, body: object | None = None) -> Any:
        """Call the API as the SPA does; the parsed JSON (fails on an error status)."""
        response = httpx.request(
            method,
            self.base + path,
            json=body,
            headers={"X-ScalpLab-Client": "benchmark"},
            timeout=60,
        )
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def wait_done(self, backtest_id: str, timeout_s: float = 600.0) -> dict[str, Any]:
        """Poll `GET /backtests/{id}` until done (exits on failure or timeout)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.api("GET", f"/backtests/{backtest_id}")
            if job["status"] == "done":
                return dict(job)
            if job["status"] == "failed":
                raise SystemExit(f"backtest failed: {job['error']}")
            time.sleep(0.2)
        raise SystemExit(f"backtest {backtest_id} not done after {timeout_s:.0f} s")


def require_build() -> None:
    """Exit with a hint when the SPA is not built."""
    if not (WEB_DIST / "index.html").is_file():
        raise SystemExit(f"{WEB_DIST / 'index.html'} is missing: run `make web` first")


@contextmanager
def spa_server(extra_env: dict[str, str] | None = None) -> Iterator[SpaServer]:
    """A server over a temporary store of the real BTCUSDT month (`extra_env`: more
    settings); stopped and deleted on exit."""
    require_build()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        build_store(data_dir, 1)
        shutil.copytree(
            PLUGINS, data_dir / "strategies", ignore=shutil.ignore_patterns("__pycache__")
        )
        port = free_port()
        process = start_server(data_dir, port, extra_env)
        try:
            yield SpaServer(f"http://127.0.0.1:{port}", data_dir, process)
        finally:
            process.terminate()
            process.wait(30)


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system Chromium, headless (never a downloaded browser)."""
    if not CHROMIUM.is_file():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser) -> Page:
    """A fresh page (no cache, English) at the benchmark's viewport."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.add_init_script("window.localStorage.setItem('scalplab.lang', 'en')")
    return context.new_page()


def seconds(started: float) -> float:
    """Seconds since `started` (a `time.perf_counter()` reading)."""
    return time.perf_counter() - started
