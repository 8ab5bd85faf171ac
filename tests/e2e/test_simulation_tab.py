"""The Simulation tab end to end: the built SPA, the real server and Chromium.

Settings and risk settings are saved from the forms (out-of-range values show the
API's 422 detail and change nothing); with confirmation off a replayed signal of
the test plugin opens a position at once, a second pair is blocked by the
max-open-positions breaker (a risk event), the position is closed from the
table and lands in the trade history; portfolio and performance match the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.paper import api_ok, follow, price, qty, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e


def open_simulation(page: Page, server: Server) -> None:
    page.goto(server.base_url + "/#simulation")
    expect(page.get_by_role("tab", name="Simulation")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("portfolio-metrics")).to_be_visible()


def metric(container: Locator, name: str) -> Locator:
    return container.locator(f'[data-metric="{name}"] dd')


def test_settings_forms_save_and_show_api_refusals(
    clean_sim: Server, page: Page, server: Server, console: ConsoleLog
) -> None:
    """Simulation and risk settings: valid values are stored, invalid ones show the 422 detail."""
    console.allow(r"status of 422")
    open_simulation(page, server)
    sim = page.get_by_test_id("sim-settings")
    ttl = sim.get_by_label("Confirmation time limit (s)")
    expect(ttl).to_have_value("5")
    expect(sim.get_by_label("Replay speed (× real time)")).to_have_value("60")

    status, refused = server.api("PATCH", "/settings", {"pending_ttl_seconds": 2})
    assert status == 422, refused
    ttl.fill("2")
    sim.get_by_role("button", name="Save settings").click()
    expect(sim.get_by_test_id("sim-settings-error")).to_have_text(
        f"The settings were not saved: {refused['detail']}"
    )
    assert api_ok(server, "GET", "/settings")["pending_ttl_seconds"] == 5

    ttl.fill("45")
    sim.get_by_label("Replay speed (× real time)").fill("120")
    sim.get_by_role("button", name="Save settings").click()
    expect(sim.get_by_test_id("sim-settings-saved")).to_be_visible()
    stored = api_ok(server, "GET", "/settings")
    assert (stored["pending_ttl_seconds"], stored["replay_speed"]) == (45, 120)

    # The confirm checkbox here is the same setting as on the Dashboard.
    sim.get_by_label("Confirm order execution").check()
    expect(sim.get_by_label("Confirm order execution")).to_be_checked()
    wait_for(lambda: api_ok(server, "GET", "/settings")["confirm_orders"], "confirm_orders on")
    page.get_by_role("tab", name="Dashboard").click()
    expect(page.get_by_test_id("confirm-orders")).to_be_checked()
    page.get_by_role("tab", name="Simulation").click()

    risk = page.get_by_test_id("risk-settings")
    for breaker in (
        "min_rr",
        "max_open_positions",
        "daily_loss_limit",
        "loss_streak",
        "overtrading",
        "spread",
        "extreme_volatility",
    ):
        expect(risk.locator(f'[data-breaker="{breaker}"]')).to_be_visible()
    positions = risk.get_by_label("Positions", exact=True)
    expect(positions).to_have_value(str(stored["risk"]["max_open_positions"]))

    status, refused = server.api("PATCH", "/settings", {"risk": {"max_open_positions": 5000}})
    assert status == 422, refused
    positions.fill("5000")
    risk.get_by_role("button", name="Save risk settings").click()
    expect(risk.get_by_test_id("risk-settings-error")).to_have_text(
        f"The settings were not saved: {refused['detail']}"
    )
    assert api_ok(server, "GET", "/settings")["risk"] == stored["risk"]

    positions.fill("2")
    risk.get_by_label("Extreme volatility: enabled").uncheck()
    risk.get_by_label("Entries per hour").fill("30")
    risk.get_by_role("button", name="Save risk settings").click()
    expect(risk.get_by_test_id("risk-settings-saved")).to_be_visible()
    saved = api_ok(server, "GET", "/settings")["risk"]
    assert saved["max_open_positions"] == 2
    assert saved["max_trades_per_hour"] == 30
    assert saved["extreme_volatility_enabled"] is False
    assert {
        k: v
        for k, v in saved.items()
        if k not in {"max_open_positions", "max_trades_per_hour", "extreme_volatility_enabled"}
    } == {
        k: v
        for k, v in stored["risk"].items()
        if k not in {"max_open_positions", "max_trades_per_hour", "extreme_volatility_enabled"}
    }

    # A reload shows what is stored.
    page.reload()
    expect(
        page.get_by_test_id("risk-settings").get_by_label("Positions", exact=True)
    ).to_have_value("2")
    expect(
        page.get_by_test_id("sim-settings").get_by_label("Confirmation time limit (s)")
    ).to_have_value("45")


def test_positions_trades_performance_and_risk_events(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    """Confirmation off: a position opens, a breaker blocks a second pair, Close ends the trade."""
    api_ok(server, "PATCH", "/settings", {"risk": {"max_open_positions": 1}})
    follow(server, "BTCUSDT", first=2, every=1000)
    follow(server, "ETHUSDT", first=5, every=1000)
    open_simulation(page, server)
    expect(page.get_by_test_id("positions-empty")).to_be_visible()
    expect(page.get_by_test_id("risk-events-empty")).to_be_visible()

    api_ok(server, "POST", "/simulation/start", {"speed": 60})
    rows = page.get_by_test_id("position-row")
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first).to_have_attribute("data-symbol", "BTCUSDT")
    events = page.get_by_test_id("risk-event-row")
    expect(events.first).to_be_visible(timeout=30_000)
    expect(events.first).to_have_attribute("data-breaker", "max_open_positions")
    expect(events.first).to_contain_text("ETHUSDT")
    expect(events.first).to_contain_text("Max open positions")
    (event,) = api_ok(server, "GET", "/simulation/risk-events")
    expect(events.first).to_contain_text(event["reason"])
    # the breaker's hold: this signal only, with no end
    assert (event["scope"], event["effect"], event["until"]) == ("global", "block_signal", None)
    expect(events.first).to_have_attribute("data-scope", "global")
    expect(events.first).to_have_attribute("data-effect", "block_signal")
    expect(events.first.get_by_test_id("risk-event-scope")).to_have_text("All trading")
    expect(events.first.get_by_test_id("risk-event-effect")).to_have_text("Signal blocked")
    expect(events.first.get_by_test_id("risk-event-until")).to_have_count(0)

    (position,) = api_ok(server, "GET", "/simulation/positions")
    expect(rows.first).to_contain_text(qty(position["qty"]))
    expect(rows.first).to_contain_text(price(position["entry_price"]))
    save_screenshot(page, tmp_path / "simulation-position.png", full_page=True)

    # Closing asks first, naming the position; Esc keeps it open.
    rows.first.get_by_role("button", name="Close").click()
    ask = page.get_by_test_id("confirm-close")
    named = f"Close BTCUSDT/{position['strategy']} ({qty(position['qty'])} BTC)"
    expect(ask).to_contain_text(named)
    page.keyboard.press("Escape")
    expect(ask).to_be_hidden()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("button", name="Close").click()
    ask.get_by_test_id("confirm-close-yes").click()
    expect(page.get_by_test_id("positions-empty")).to_be_visible(timeout=15_000)
    trades = wait_for(lambda: api_ok(server, "GET", "/simulation/trades"), "the closed trade")
    api_ok(server, "POST", "/simulation/stop")
    (trade,) = trades
    assert (trade["symbol"], trade["exit_reason"]) == ("BTCUSDT", "manual")
    history = page.get_by_test_id("trade-history")
    expect(history.get_by_test_id("trade-row")).to_have_count(1)
    expect(history.get_by_test_id("trade-row").first).to_contain_text("manual")
    expect(history.get_by_test_id("trade-row").first).to_contain_text("BTCUSDT")

    page.reload()
    portfolio = api_ok(server, "GET", "/simulation/portfolio")
    overview = page.get_by_test_id("portfolio-metrics")
    expect(metric(overview, "equity")).to_have_text(f"{portfolio['equity']:,.2f} USDT")
    expect(metric(overview, "open_positions")).to_have_text("0")
    performance = api_ok(server, "GET", "/simulation/performance")
    shown = page.get_by_test_id("sim-metrics-performance")
    expect(metric(shown, "trades")).to_have_text(str(performance["trades"]))
    expect(metric(shown, "win_rate")).to_have_text(f"{performance['win_rate']:.2f} %")
    for name in ("sharpe", "max_drawdown_pct", "profit_factor", "net_pnl"):
        expect(shown.locator(f'[data-metric="{name}"]')).to_be_visible()
    save_screenshot(page, tmp_path / "simulation-tab.png", full_page=True)

    # Reset (Dashboard, behind a confirmation step) empties the paper portfolio.
    page.get_by_role("tab", name="Dashboard").click()
    controls = page.get_by_test_id("sim-controls")
    controls.get_by_role("button", name="Reset portfolio").click()
    page.get_by_role("button", name="Yes, reset").click()
    expect(controls.get_by_test_id("sim-done")).to_have_text("The simulation was reset.")
    assert api_ok(server, "GET", "/simulation/trades") == []
    page.get_by_role("tab", name="Simulation").click()
    expect(page.get_by_test_id("trade-history")).to_contain_text("No trades.")
