"""The live-trading gate, the kill switch and the API token end to end: the built SPA, the
real server and Chromium.

The Dashboard says which mode runs and, in paper trading, which live condition is missing;
"Halt trading" (with "close all positions") stops new entries and closes the position,
survives a reload, and "Resume trading" undoes it. A server with `API_TOKEN` makes the SPA
ask for the token (again, saying so, when it is wrong), keep it for the session, use it on
the event stream and on every change — a start, and a stop retried after a refused token.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import save_screenshot, serving
from tests.e2e.paper import PLUGIN, api_ok, follow, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

TOKEN = "e2e-Zq3-7vKp_Lx9NwT2bYr5HsJd"
CONDITIONS = [
    "TRADING_MODE=live",
    "TRADING_APPROVED=true",
    "BINANCE_API_KEY",
    "BINANCE_API_SECRET",
    "API_TOKEN",
]


def open_dashboard(page: Page, server: Server) -> Locator:
    """The Dashboard with its event stream connected; the trading card."""
    page.goto(server.base_url + "/")
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")
    return page.get_by_test_id("trading-card")


def test_the_dashboard_says_paper_and_which_live_condition_is_missing(
    clean_sim: Server, page: Page, server: Server
) -> None:
    card = open_dashboard(page, server)
    expect(card).to_have_attribute("data-mode", "simulation")
    expect(card.get_by_test_id("trading-mode")).to_have_text("Paper")
    missing = card.get_by_test_id("live-missing")
    expect(missing.locator("li")).to_have_text(CONDITIONS)
    health = api_ok(server, "GET", "/status/health")
    assert health["missing"] == CONDITIONS and health["auth_required"] is False
    expect(card.get_by_test_id("live-reason")).to_have_text(f"Why: {health['reason']}")
    expect(card.get_by_test_id("trading-active")).to_have_text("New entries are allowed.")
    page.get_by_role("button", name="UK").click()
    expect(card.get_by_test_id("trading-mode")).to_have_text("Паперова")
    page.get_by_role("button", name="EN").click()


def test_halt_and_resume_from_the_dashboard(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    follow(server, "BTCUSDT", first=2, every=3)
    card = open_dashboard(page, server)
    # asking first: Cancel changes nothing
    card.get_by_test_id("halt-trading").click()
    card.get_by_test_id("confirm-halt").get_by_role("button", name="Cancel").click()
    expect(card.get_by_test_id("confirm-halt")).to_have_count(0)
    assert api_ok(server, "GET", "/trading")["halted"] is False

    api_ok(server, "POST", "/simulation/start", {"speed": 60})
    wait_for(lambda: api_ok(server, "GET", "/simulation/positions"), "an open position", 30)
    card.get_by_test_id("halt-trading").click()
    confirm = card.get_by_test_id("confirm-halt")
    expect(confirm).to_contain_text("Stop every new entry now?")
    confirm.get_by_label("Also close all open positions at market").check()
    confirm.get_by_role("button", name="Halt now").click()
    expect(card).to_have_attribute("data-halted", "true")
    expect(card.get_by_test_id("trading-done")).to_have_text(
        f"Trading is halted; closing 1 position(s): BTCUSDT/{PLUGIN}."
    )
    expect(card.get_by_test_id("trading-halted")).to_contain_text(
        "by api (halted from the Dashboard)"
    )
    wait_for(lambda: api_ok(server, "GET", "/simulation/positions") == [], "the close", 15)
    assert api_ok(server, "GET", "/status/health")["halted"] is True

    # the next signals are blocked by the kill switch, and say so
    row = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]').get_by_test_id(
        "signal-row"
    )
    expect(row.first).to_have_attribute("data-breaker", "halted", timeout=20_000)
    expect(row.first).to_have_attribute("data-status", "blocked")
    expect(row.first.get_by_test_id("signal-breaker")).to_have_text("Trading halted")
    save_screenshot(page, tmp_path / "trading-halted.png", full_page=True)

    page.reload()  # the server keeps the state
    expect(card).to_have_attribute("data-halted", "true")
    card.get_by_test_id("resume-trading").click()
    expect(card).to_have_attribute("data-halted", "false")
    expect(card.get_by_test_id("trading-done")).to_have_text(
        "Trading resumed: new entries are allowed."
    )
    expect(card.get_by_test_id("trading-active")).to_be_visible()
    expect(row.first).to_have_attribute("data-status", "accepted", timeout=20_000)
    api_ok(server, "POST", "/simulation/stop")
    assert api_ok(server, "GET", "/trading")["source"] == "api"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server, with API_TOKEN set."""
    with serving(tmp_path_factory.mktemp("e2e-token"), API_TOKEN=TOKEN) as started:
        yield started


@pytest.fixture
def token_page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A fresh page that may log the 401s a missing or wrong token causes, nothing else."""
    console.allow(r"\b401\b")
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert console.unexpected() == [], "the page logged errors"


def enter_token(page: Page, token: str) -> None:
    prompt = page.get_by_test_id("token-prompt")
    prompt.get_by_label("API token").fill(token)
    prompt.get_by_role("button", name="Use token").click()


def test_the_token_is_asked_once_and_used_for_the_stream_and_every_change(
    token_server: Server, token_page: Page, tmp_path: Path
) -> None:
    page, server = token_page, token_server
    follow(server, "BTCUSDT", first=2, every=1000)
    bare = urllib.request.Request(server.base_url + "/simulation/reset", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=10)
    assert refused.value.code == 401  # the API itself refuses a change without the token

    page.goto(server.base_url + "/")
    prompt = page.get_by_role("dialog", name="API token required")
    expect(prompt).to_be_visible()  # health says auth_required: asked at once
    expect(prompt.get_by_test_id("token-wrong")).to_have_count(0)
    enter_token(page, "not-the-token")
    # the event stream refuses it: asked again, saying so
    expect(prompt.get_by_test_id("token-wrong")).to_have_text(
        "The server refused that token. Enter it again."
    )
    save_screenshot(page, tmp_path / "token-wrong.png")
    enter_token(page, TOKEN)
    expect(prompt).to_have_count(0)
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")
    assert page.evaluate("sessionStorage.getItem('scalplab.apiToken')") == TOKEN

    controls = page.get_by_test_id("sim-controls")
    controls.get_by_role("button", name="Start simulation").click()
    expect(controls.locator(".badge")).to_have_text("running")
    assert api_ok(server, "GET", "/simulation/status")["state"] == "running"

    # a reload keeps the session's token: no prompt
    page.reload()
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")
    expect(prompt).to_have_count(0)

    # a token that stops working: the change asks again and is retried with the new one
    page.evaluate("sessionStorage.setItem('scalplab.apiToken', 'stale-token')")
    # dispatched, not clicked: should the event stream reconnect first with the stale token,
    # its own prompt already covers the button (one prompt serves both requests)
    controls.get_by_role("button", name="Stop").dispatch_event("click")
    expect(prompt.get_by_test_id("token-wrong")).to_be_visible()
    assert api_ok(server, "GET", "/simulation/status")["state"] == "running"
    enter_token(page, TOKEN)
    expect(controls.locator(".badge")).to_have_text("stopped")
    assert api_ok(server, "GET", "/simulation/status")["state"] == "stopped"
    assert TOKEN not in server.log_path.read_text(encoding="utf-8")
