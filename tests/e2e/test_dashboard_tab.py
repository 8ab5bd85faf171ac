"""The Dashboard tab end to end: the built SPA, the real server and Chromium.

Pairs are added and removed from the form (parameters generated from the
strategy's metadata); with "Confirm order execution" on, a replayed signal of a
test plugin (`plugins/e2e_pulse.py`: a long every N bars) shows up live, opens
the confirmation dialog and, once confirmed, becomes a position that a reload
keeps; a rejected and an expired confirmation never become orders.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import PENDING_TTL_SECONDS, save_screenshot
from tests.e2e.paper import PLUGIN, api_ok, follow, price, qty, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

SIGNAL_TIMEOUT_MS = 30_000


def open_dashboard(page: Page, server: Server) -> None:
    page.goto(server.base_url + "/")
    expect(page.get_by_role("tab", name="Dashboard")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")


def controls(page: Page) -> Locator:
    return page.get_by_test_id("sim-controls")


def start_from_ui(page: Page) -> None:
    controls(page).get_by_role("button", name="Start simulation").click()
    expect(controls(page).locator(".badge")).to_have_text("running")


def stop_from_ui(page: Page) -> None:
    controls(page).get_by_role("button", name="Stop").click()
    expect(controls(page).locator(".badge")).to_have_text("stopped")


def confirm_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Confirm order execution")


def only_pending(server: Server) -> dict[str, Any]:
    pending = api_ok(server, "GET", "/orders/pending")
    assert len(pending) == 1, pending
    return dict(pending[0])


def test_pairs_are_added_and_removed(clean_sim: Server, page: Page, server: Server) -> None:
    """The pair form renders the strategy's params; pairs are added, disabled and removed."""
    open_dashboard(page, server)
    expect(page.get_by_role("tab")).to_have_count(4)
    card = page.get_by_test_id("pairs-card")
    expect(card.get_by_test_id("pairs-empty")).to_be_visible()
    form = card.get_by_test_id("pair-form")

    form.get_by_label("Pair").select_option("BTCUSDT")
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("1m")
    form.get_by_test_id("pair-params").locator("summary").click()
    status, strategy = server.api("GET", "/strategies/sma_cross")
    assert status == 200, strategy
    for param in strategy["params"]:
        control = form.get_by_label(param["name"], exact=True)
        if param["type"] == "bool":
            expect(control).to_be_checked(checked=bool(param["default"]))
        else:
            assert float(control.input_value()) == float(param["default"])

    # Client-side validation stops a bad value before the API.
    form.get_by_label("fast", exact=True).fill("0")
    form.get_by_role("button", name="Add pair").click()
    expect(card.get_by_test_id("pair-form-errors")).to_contain_text("fast: must be at least 1.")
    assert api_ok(server, "GET", "/pairs") == []

    form.get_by_label("fast", exact=True).fill("2")
    form.get_by_label("slow", exact=True).fill("3")
    form.get_by_role("button", name="Add pair").click()
    rows = card.get_by_test_id("pair-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-symbol", "BTCUSDT")
    expect(rows.first).to_contain_text("fast=2, slow=3")
    (stored,) = api_ok(server, "GET", "/pairs")
    assert (stored["symbol"], stored["strategy"], stored["timeframe"]) == (
        "BTCUSDT",
        "sma_cross",
        "1m",
    )
    assert (stored["params"]["fast"], stored["params"]["slow"]) == (2, 3)
    # Every pair shows a signal section (empty until the engine produces one).
    expect(page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')).to_contain_text(
        "No signals yet."
    )

    # The followed (symbol, strategy) pair cannot be added twice: the next free symbol of
    # the strategy is preselected, and choosing the followed one says why Add is disabled.
    expect(form.get_by_label("Pair")).to_have_value("ETHUSDT")
    form.get_by_label("Pair").select_option("BTCUSDT")
    expect(form.get_by_test_id("pair-taken")).to_contain_text("BTCUSDT is already traded by")
    expect(form.get_by_role("button", name="Add pair")).to_be_disabled()

    # The same symbol with another strategy is a pair of its own.
    form.get_by_label("Strategy").select_option(PLUGIN)
    expect(form.get_by_test_id("pair-taken")).to_have_count(0)
    form.get_by_role("button", name="Add pair").click()
    expect(rows).to_have_count(2)
    btc_pulse = card.locator(f'[data-testid="pair-row"][data-strategy="{PLUGIN}"]')
    expect(btc_pulse).to_have_attribute("data-symbol", "BTCUSDT")
    expect(page.locator(f'[data-testid="signal-group"][data-strategy="{PLUGIN}"]')).to_have_count(1)
    # Then the next symbol the plugin does not trade yet.
    expect(form.get_by_label("Pair")).to_have_value("ETHUSDT")
    form.get_by_role("button", name="Add pair").click()
    expect(rows).to_have_count(3)

    eth = card.locator('[data-testid="pair-row"][data-symbol="ETHUSDT"]')
    enabled = eth.get_by_label(f"ETHUSDT · {PLUGIN} enabled")
    enabled.uncheck()
    expect(enabled).not_to_be_checked()
    eth_id = int(eth.get_attribute("data-pair-id") or "0")
    wait_for(
        lambda: api_ok(server, "GET", f"/pairs/{eth_id}")["enabled"] is False, "ETHUSDT disabled"
    )
    assert all(p["enabled"] for p in api_ok(server, "GET", "/pairs") if p["id"] != eth_id)

    eth.get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(2)
    btc_pulse.get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(1)
    assert [(p["symbol"], p["strategy"]) for p in api_ok(server, "GET", "/pairs")] == [
        ("BTCUSDT", "sma_cross")
    ]
    rows.first.get_by_role("button", name="Remove").click()
    expect(card.get_by_test_id("pairs-empty")).to_be_visible()
    assert api_ok(server, "GET", "/pairs") == []


def test_confirmed_signal_becomes_a_position_that_survives_a_reload(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    """Confirmation on: signal → dialog → Confirm → position (Simulation tab) → reload keeps it."""
    follow(server, "BTCUSDT", first=2, every=1000)
    api_ok(server, "PATCH", "/settings", {"pending_ttl_seconds": 60})
    open_dashboard(page, server)

    checkbox = page.get_by_test_id("confirm-orders")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    expect(checkbox).to_be_checked()
    wait_for(lambda: api_ok(server, "GET", "/settings")["confirm_orders"], "confirm_orders on")
    expect(controls(page)).to_contain_text("Each order waits for your confirmation")

    start_from_ui(page)
    dialog = confirm_dialog(page)
    expect(dialog).to_be_visible(timeout=SIGNAL_TIMEOUT_MS)
    row = only_pending(server)
    order = row["order"]
    details = dialog.get_by_test_id("confirm-details")
    expect(details).to_have_attribute("data-id", row["id"])
    expect(details.locator('[data-field="pair"] dd')).to_have_text("BTCUSDT")
    expect(details.locator('[data-field="side"] dd')).to_have_text("long")
    expect(details.locator('[data-field="volume"] dd')).to_have_text(
        f"{qty(float(order['qty']))} BTC"
    )
    expect(details.locator('[data-field="type"] dd')).to_have_text("market")
    expect(details.locator('[data-field="sl"] dd')).to_have_text(price(float(order["stop_loss"])))
    expect(details.locator('[data-field="tp"] dd')).to_have_text(price(float(order["take_profit"])))
    expect(dialog.get_by_test_id("confirm-countdown")).to_have_text(re.compile(r"^[01]:\d\d$"))

    # The signal is listed live under its pair, waiting; the pending list has the order.
    group = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')
    expect(group.get_by_test_id("signal-row").first).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("pending-row")).to_have_count(1)
    save_screenshot(page, tmp_path / "confirm-dialog.png")

    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("pending-empty")).to_be_visible()
    position = wait_for(
        lambda: api_ok(server, "GET", "/simulation/positions"), "the confirmed order to fill"
    )
    stop_from_ui(page)
    assert len(position) == 1 and position[0]["symbol"] == "BTCUSDT"
    assert position[0]["side"] == "long"
    assert position[0]["qty"] == pytest.approx(float(order["qty"]))
    # The signal waited for the confirmation: its recorded fate follows the confirmation,
    # and its row shows what became of its order.
    signal = api_ok(server, "GET", "/signals?symbol=BTCUSDT&limit=10")[0]
    assert (signal["status"], signal["order_id"]) == ("accepted", order["id"]), signal
    executed = api_ok(server, "GET", f"/orders/{order['id']}")
    assert executed["status"] in ("accepted", "filled"), executed
    # The row shows the signal's fate once the list is refreshed, its order's until then.
    expect(group.get_by_test_id("signal-row").first).to_have_attribute(
        "data-status", re.compile(f"^(accepted|{executed['status']})$")
    )
    save_screenshot(page, tmp_path / "dashboard.png", full_page=True)

    page.get_by_role("tab", name="Simulation").click()
    expect(page).to_have_url(server.base_url + "/#simulation")
    positions = page.get_by_test_id("position-row")
    expect(positions).to_have_count(1)
    expect(positions.first).to_have_attribute("data-symbol", "BTCUSDT")
    expect(positions.first).to_contain_text(price(position[0]["entry_price"]))

    page.reload()
    expect(page.get_by_role("tab", name="Simulation")).to_have_attribute("aria-selected", "true")
    expect(positions).to_have_count(1)
    expect(positions.first).to_contain_text(qty(position[0]["qty"]))
    expect(positions.first).to_contain_text(price(position[0]["entry_price"]))
    portfolio = api_ok(server, "GET", "/simulation/portfolio")
    assert portfolio["open_positions"] == 1
    expect(
        page.get_by_test_id("portfolio-metrics").locator('[data-metric="open_positions"] dd')
    ).to_have_text("1")
    save_screenshot(page, tmp_path / "simulation.png", full_page=True)


def test_rejected_and_expired_confirmations_never_become_orders(
    clean_sim: Server, page: Page, server: Server, console: ConsoleLog
) -> None:
    """Reject one confirmation and let the next expire: neither becomes a position or a trade."""
    follow(server, "BTCUSDT", first=2, every=15)
    api_ok(server, "PATCH", "/settings", {"confirm_orders": True})
    open_dashboard(page, server)
    expect(page.get_by_test_id("confirm-orders")).to_be_checked()
    start_from_ui(page)

    dialog = confirm_dialog(page)
    expect(dialog).to_be_visible(timeout=SIGNAL_TIMEOUT_MS)
    rejected = only_pending(server)
    expect(dialog.get_by_test_id("confirm-details")).to_have_attribute("data-id", rejected["id"])
    dialog.get_by_role("button", name="Reject").click()
    expect(dialog).to_be_hidden()
    assert all(p["id"] != rejected["id"] for p in api_ok(server, "GET", "/orders/pending"))
    refused = page.get_by_test_id("orders-card").locator(
        '[data-testid="order-row"][data-status="rejected"]'
    )
    expect(refused.first).to_be_visible(timeout=10_000)  # the reason, in words, beside it
    expect(refused.first.get_by_test_id("order-reason")).not_to_have_text("")

    # The next signal's confirmation is left alone until it expires.
    expect(dialog).to_be_visible(timeout=SIGNAL_TIMEOUT_MS)
    expired = only_pending(server)
    assert expired["id"] != rejected["id"]
    assert expired["seconds_left"] <= PENDING_TTL_SECONDS
    expect(dialog.get_by_test_id("confirm-countdown")).to_have_text(
        "expired", timeout=(PENDING_TTL_SECONDS + 3) * 1000
    )
    expect(dialog.get_by_role("button", name="Confirm")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Reject")).to_be_disabled()
    expect(dialog.get_by_test_id("confirm-ended")).to_have_text(
        "This confirmation has expired; the order will not be placed."
    )
    wait_for(
        lambda: all(p["id"] != expired["id"] for p in api_ok(server, "GET", "/orders/pending")),
        "the expired confirmation to leave the pending list",
        timeout_s=10,
    )
    dialog.get_by_test_id("modal-close").click()
    expect(dialog).to_be_hidden()
    stop_from_ui(page)

    # A late confirm of the expired one is refused and changes nothing.
    console.allow(r"status of 409")
    status, refused = server.api("POST", f"/orders/pending/{expired['id']}/confirm")
    assert status in (404, 409), refused
    assert api_ok(server, "GET", "/simulation/positions") == []
    assert api_ok(server, "GET", "/simulation/trades") == []
    assert api_ok(server, "GET", "/simulation/portfolio")["open_positions"] == 0
    # Both orders ended without execution; their signals' rows say so.
    ended = {
        "rejected": api_ok(server, "GET", f"/orders/{rejected['order']['id']}"),
        "expired": api_ok(server, "GET", f"/orders/{expired['order']['id']}"),
    }
    assert ended["rejected"]["status"] == "rejected", ended
    assert ended["expired"]["status"] in ("expired", "cancelled"), ended
    assert all(o["status"] not in ("accepted", "filled") for o in api_ok(server, "GET", "/orders"))
    expect(page.get_by_test_id("pending-empty")).to_be_visible()
    group = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')
    rows = group.get_by_test_id("signal-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-status", ended["expired"]["status"])
    expect(rows.nth(1)).to_have_attribute("data-status", "rejected")
    page.reload()
    expect(rows.nth(0)).to_have_attribute("data-status", ended["expired"]["status"])
    expect(rows.nth(1)).to_have_attribute("data-status", "rejected")


def test_a_blocked_signal_shows_blocked_with_its_breaker(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    """A tight overtrading limit (one entry an hour): the second pair's signal within the hour
    is blocked, and the Dashboard shows it as blocked by that breaker, the reason on hover."""
    api_ok(server, "PATCH", "/settings", {"risk": {"max_trades_per_hour": 1}})
    follow(server, "ETHUSDT", first=2, every=1000)
    follow(server, "BTCUSDT", first=4, every=1000)  # two bars after the ETHUSDT entry
    open_dashboard(page, server)
    start_from_ui(page)

    btc = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')
    row = btc.get_by_test_id("signal-row").first
    expect(row).to_have_attribute("data-status", "blocked", timeout=SIGNAL_TIMEOUT_MS)
    stop_from_ui(page)
    expect(row).to_have_attribute("data-breaker", "overtrading")
    expect(row.locator(".badge")).to_have_text("blocked")
    breaker = row.get_by_test_id("signal-breaker")
    expect(breaker).to_have_text("Overtrading limit")
    [blocked] = [s for s in api_ok(server, "GET", "/signals?symbol=BTCUSDT") if s["breaker"]]
    assert (blocked["status"], blocked["breaker"]) == ("blocked", "overtrading"), blocked
    expect(breaker).to_have_attribute("title", blocked["reason"])
    eth = page.locator('[data-testid="signal-group"][data-symbol="ETHUSDT"]')
    expect(eth.get_by_test_id("signal-row").first).to_have_attribute("data-status", "accepted")
    [event] = api_ok(server, "GET", "/simulation/risk-events")
    assert (event["symbol"], event["strategy"], event["breaker"]) == (
        "BTCUSDT",
        PLUGIN,
        "overtrading",
    )
    save_screenshot(page, tmp_path / "blocked-signal.png", full_page=True)

    page.get_by_role("button", name="UK").click()
    expect(row.locator(".badge")).to_have_text("заблоковано")
    expect(breaker).to_have_text("Ліміт надмірної торгівлі")
    page.get_by_role("button", name="EN").click()

    # The risk card says what the block held and until when: an hour after the entry.
    assert (event["scope"], event["effect"]) == ("global", "block_signal"), event
    assert event["until"] is not None and event["until"] > event["time"], event
    until = event["until"][:16].replace("T", " ")  # as the card shows it: minutes, UTC
    page.get_by_role("tab", name="Simulation").click()
    card = page.locator('[data-testid="risk-event-row"][data-breaker="overtrading"]')
    expect(card).to_have_attribute("data-effect", "block_signal")
    expect(card.get_by_test_id("risk-event-scope")).to_have_text("All trading")
    expect(card.get_by_test_id("risk-event-effect")).to_contain_text("Signal blocked")
    expect(card.get_by_test_id("risk-event-until")).to_have_text(f"until {until} UTC")
    page.get_by_role("button", name="UK").click()
    expect(card.get_by_test_id("risk-event-scope")).to_have_text("Уся торгівля")
    expect(card.get_by_test_id("risk-event-effect")).to_contain_text("Сигнал заблоковано")
    expect(card.get_by_test_id("risk-event-until")).to_have_text(f"до {until} UTC")
    page.get_by_role("button", name="EN").click()


def test_dashboard_speaks_ukrainian(clean_sim: Server, page: Page, server: Server) -> None:
    """EN/UK: the tab bar, the controls and the pair form follow the chosen language."""
    open_dashboard(page, server)
    page.get_by_role("button", name="UK").click()
    expect(page.get_by_role("tab", name="Панель")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Симуляція")).to_be_visible()
    expect(page.get_by_label("Підтверджувати виконання ордерів")).not_to_be_checked()
    expect(controls(page).get_by_role("button", name="Запустити симуляцію")).to_be_enabled()
    expect(page.get_by_test_id("pairs-empty")).to_contain_text("Пар ще немає")
    controls(page).get_by_role("button", name="Скинути портфель").click()
    expect(page.get_by_test_id("confirm-reset")).to_contain_text("Скинути паперовий портфель?")
    page.get_by_role("button", name="Скасувати").click()
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("tab", name="Dashboard")).to_be_visible()


def test_an_unreachable_binance_is_said_plainly_and_replay_still_works(
    clean_sim: Server, page: Page, server: Server
) -> None:
    follow(server, "BTCUSDT", every=10)
    open_dashboard(page, server)
    controls(page).get_by_role("button", name="Start live (Binance)").click()
    error = page.get_by_test_id("sim-run-error")
    expect(error).to_contain_text("Binance is unreachable at ws://127.0.0.1:9", timeout=20_000)
    expect(controls(page).locator(".badge")).to_have_text("stopped")
    start_from_ui(page)  # the replay of stored candles is unaffected
    expect(page.get_by_test_id("sim-status").locator("[data-field=candles] dd")).not_to_have_text(
        "0", timeout=20_000
    )
    stop_from_ui(page)
