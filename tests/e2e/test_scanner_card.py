"""The Dashboard's market-scanner card end to end: the built SPA, a real server whose
REST_URL is the fake Binance serving the real market (the 2021 exchangeInfo, tickers and
books built from real 1m candles, 15m klines resampled from them), and Chromium.

"Refresh now" scans; the qualified pairs are listed best score first and sort by a column;
"Trade" follows one through the pairs API; the auto-universe switch follows the rest; the
symbols that did not qualify and those left out are listed collapsed with the reason; a
failed refresh says why; English and Ukrainian.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer
from tests.data.scanner.market import market_server
from tests.e2e.conftest import save_screenshot, serving
from tests.e2e.paper import api_ok

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

BEST_FIRST = ["SOLUSDT", "ETHUSDT", "DOGEUSDT", "XRPUSDT", "ADAUSDT"]


@pytest.fixture(scope="module")
def market() -> Iterator[ReplayServer]:
    with market_server() as server:
        yield server


@pytest.fixture(scope="module")
def scanner_server(
    tmp_path_factory: pytest.TempPathFactory, market: ReplayServer
) -> Iterator[Server]:
    """A server whose Binance is the fake market."""
    with serving(tmp_path_factory.mktemp("e2e-scanner"), REST_URL=market.base_url) as started:
        yield started


@pytest.fixture
def clean(scanner_server: Server) -> Server:
    """No followed pairs, the auto universe off."""
    api_ok(scanner_server, "PATCH", "/scanner", {"auto_universe": False})
    for pair in api_ok(scanner_server, "GET", "/pairs"):
        assert scanner_server.api("DELETE", f"/pairs/{pair['id']}")[0] == 204
    return scanner_server


@pytest.fixture
def scanner_page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A fresh page; a refused refresh (503) is the only console error allowed."""
    console.allow(r"\b503\b")
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert console.unexpected() == [], "the page logged errors"


def listed(page: Page) -> list[str]:
    rows = page.get_by_test_id("scanner-row")
    return [rows.nth(i).get_attribute("data-symbol") or "" for i in range(rows.count())]


def test_refresh_sort_and_trade_one_pair(clean: Server, scanner_page: Page, tmp_path: Path) -> None:
    page, server = scanner_page, clean
    page.goto(server.base_url + "/")
    card = page.get_by_test_id("scanner-card")
    expect(card.get_by_role("heading", name="Market scanner")).to_be_visible()
    card.get_by_test_id("scanner-refresh").click()
    expect(card.get_by_test_id("scanner-row")).to_have_count(5)
    assert listed(page) == BEST_FIRST
    expect(card.get_by_test_id("scanner-last")).to_contain_text(
        "117 perpetuals, 6 candidates, 5 qualified, REST weight 58."
    )
    sol = card.locator('[data-testid="scanner-row"][data-symbol="SOLUSDT"]')
    expect(sol.locator("td").nth(1)).to_have_text("85.9")
    expect(sol.locator("td").nth(5)).to_have_text("+7.24 %")
    card.get_by_test_id("scanner-sort-score").click()  # score, lowest first
    expect(card.get_by_test_id("scanner-row").first).to_have_attribute("data-symbol", "ADAUSDT")
    assert listed(page) == BEST_FIRST[::-1]
    card.get_by_test_id("scanner-sort-symbol").click()
    assert listed(page) == sorted(BEST_FIRST)

    others = card.get_by_test_id("scanner-others")
    expect(others.locator("summary")).to_have_text("Not qualified (2)")
    expect(others.locator('li[data-symbol="BTCUSDT"]')).to_contain_text("ATR(14, 15m) 0.289 %")
    left_out = card.get_by_test_id("scanner-left-out")
    expect(left_out.locator("summary")).to_have_text("Left out (110)")
    expect(left_out.locator("li").first).not_to_be_visible()  # collapsed
    left_out.locator("summary").click()
    expect(left_out.locator('li[data-symbol="1000SHIBUSDT"]')).to_have_text(
        "1000SHIBUSDT: no 24h ticker from Binance"
    )

    expect(card.get_by_test_id("scanner-strategy")).to_have_value("sma_cross")
    expect(card.get_by_test_id("scanner-timeframe")).to_have_value("15m")
    sol.get_by_role("button", name="Trade SOLUSDT with sma_cross").click()
    expect(sol.get_by_test_id("scanner-trade")).to_have_text("Following")
    expect(sol.get_by_test_id("scanner-trade")).to_be_disabled()
    pair = page.locator('[data-testid="pair-row"][data-symbol="SOLUSDT"]')
    expect(pair).to_have_attribute("data-strategy", "sma_cross")
    assert [(p["symbol"], p["timeframe"]) for p in api_ok(server, "GET", "/pairs")] == [
        ("SOLUSDT", "15m")
    ]
    save_screenshot(page, tmp_path / "scanner-card.png", full_page=True)


def test_the_auto_universe_follows_the_qualified_pairs_in_both_languages(
    clean: Server, scanner_page: Page
) -> None:
    page, server = scanner_page, clean
    api_ok(server, "POST", "/scanner/refresh")
    page.goto(server.base_url + "/")
    card = page.get_by_test_id("scanner-card")
    switch = card.get_by_test_id("scanner-auto")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(switch).to_be_checked()
    expect(card.get_by_test_id("scanner-auto-pairs")).to_have_text(
        "Followed by the auto universe: ADAUSDT, DOGEUSDT, ETHUSDT, SOLUSDT, XRPUSDT"
    )
    expect(page.get_by_test_id("pair-row")).to_have_count(5)
    expect(card.get_by_test_id("scanner-trade").first).to_have_text("Following")
    page.get_by_role("button", name="UK").click()
    expect(card.get_by_role("heading", name="Сканер ринку")).to_be_visible()
    expect(card.get_by_test_id("scanner-auto-pairs")).to_contain_text("Додані автоматично")
    expect(card.get_by_test_id("scanner-trade").first).to_have_text("Відстежується")
    expect(card.get_by_test_id("scanner-left-out").locator("summary")).to_have_text(
        "Пропущені (110)"
    )
    page.get_by_role("button", name="EN").click()
    switch.uncheck()
    expect(switch).not_to_be_checked()
    assert api_ok(server, "GET", "/scanner")["auto_universe"] is False


def test_a_failed_refresh_says_why_and_keeps_the_last_scan(
    clean: Server, scanner_page: Page, market: ReplayServer
) -> None:
    page, server = scanner_page, clean
    api_ok(server, "POST", "/scanner/refresh")
    page.goto(server.base_url + "/")
    card = page.get_by_test_id("scanner-card")
    expect(card.get_by_test_id("scanner-row")).to_have_count(5)
    market.state.fail_next("24hr", Fault(502, '{"code": -1000, "msg": "bad gateway"}'), times=3)
    card.get_by_test_id("scanner-refresh").click()
    expect(card.get_by_test_id("scanner-last-error")).to_contain_text(
        "The latest refresh failed: Binance REST at"
    )
    expect(card.get_by_test_id("scanner-row")).to_have_count(5)  # the last good scan stays
    api_ok(server, "POST", "/scanner/refresh")
    card.get_by_test_id("scanner-refresh").click()
    expect(card.get_by_test_id("scanner-last-error")).to_have_count(0)
