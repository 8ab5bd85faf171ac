"""The confirmation dialog, the pending list and the signals filter, end to end.

A replay with "confirm order execution" on (the rated test plugin `plugins/e2e_scored.py`,
a long on every 1m bar, one bar a second): the dialog shows the figures fixed at signal
time (LONG, signal price, notional, margin and leverage, risk in USDT and % of equity,
reward/risk, bar time, reasons, score) and the time left in seconds and in replay bars;
Esc leaves the order pending, Enter confirms it once. The pending list fits 1,280 px
without horizontal scrolling, and the signals list hides "position open" rejections until
asked, filters by status and shows the funnel's counts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.paper import api_ok, price, qty, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

SCORED = "e2e_scored"


def money(value: float) -> str:
    return f"{value:,.2f} USDT"


def fits(page: Page, test_id: str) -> bool:
    """Whether the card's table scroller shows its whole table (no horizontal overflow)."""
    return bool(
        page.get_by_test_id(test_id)
        .locator(".table-scroll")
        .evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    )


def test_the_dialog_shows_the_decision_and_keys_decide(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    status, pair = server.api(
        "POST",
        "/pairs",
        {"symbol": "BTCUSDT", "strategy": SCORED, "timeframe": "1m", "params": {"every": 1}},
    )
    assert status == 201, pair
    api_ok(server, "PATCH", "/settings", {"confirm_orders": True, "pending_ttl_seconds": 60})
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.base_url + "/")
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")
    api_ok(server, "POST", "/simulation/start", {"speed": 60})

    dialog = page.get_by_role("dialog", name="Confirm order execution")
    expect(dialog).to_be_visible(timeout=20_000)
    [row] = api_ok(server, "GET", "/orders/pending")
    facts: dict[str, Any] = row["facts"]
    details = dialog.get_by_test_id("confirm-details")
    expect(details).to_have_attribute("data-id", row["id"])

    def field(name: str) -> Any:
        return details.locator(f'[data-field="{name}"] dd')

    expect(field("side").locator(".side")).to_have_text("LONG", use_inner_text=True)
    expect(field("entry")).to_have_text(price(facts["entry"]))
    expect(field("volume")).to_have_text(f"{qty(facts['qty'])} BTC")
    expect(field("notional")).to_have_text(money(facts["notional"]))
    expect(field("margin")).to_have_text(f"{money(facts['initial_margin'])} at 5×")
    expect(field("risk")).to_have_text(
        f"{money(facts['risk_usdt'])} ({facts['risk_pct']:.2f} % of equity)"
    )
    expect(field("rr")).to_have_text(f"{facts['reward_risk']:.2f}")
    expect(field("bar")).to_have_text(f"{facts['bar_time'][:16].replace('T', ' ')} UTC")
    expect(field("mark")).to_have_text(re.compile(r"^\d{2,3},\d{3}\.\d{2}$"))
    expect(field("move")).to_have_text(re.compile(r"^[+−]?\d+\.\d{2} %$"))
    expect(dialog.get_by_test_id("confirm-reasons")).to_contain_text(facts["reasons"][0])
    expect(dialog.get_by_test_id("confirm-score")).to_contain_text(f"score {facts['score']:.1f}")
    expect(dialog.get_by_test_id("confirm-countdown")).to_have_text(re.compile(r"^[01]:\d\d$"))
    # speed 60 on 1m bars: a bar a second, so about as many bars as seconds are left
    expect(dialog.get_by_test_id("confirm-bars")).to_have_text(re.compile(r"≈ \d+ bars"))
    expect(dialog.get_by_test_id("confirm-keys")).to_contain_text("Enter confirms")

    # The pending list fits 1,280 px (and 1,440 px): its Reject button is not cut off.
    expect(page.get_by_test_id("pending-row")).to_have_count(1)
    assert fits(page, "pending-card")
    save_screenshot(page, tmp_path / "confirm-dialog-1280.png")
    page.set_viewport_size({"width": 1440, "height": 900})
    assert fits(page, "pending-card")

    # Esc: decide later — the dialog closes, the order stays pending.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("pending-row")).to_have_count(1)
    assert [p["id"] for p in api_ok(server, "GET", "/orders/pending")] == [row["id"]]

    # A reload asks again; Enter (pressed twice) confirms it once.
    page.reload()
    expect(details).to_have_attribute("data-id", row["id"])
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("pending-empty")).to_be_visible()
    assert api_ok(server, "GET", f"/orders/{row['order']['id']}")["status"] in (
        "accepted",
        "filled",
    )

    # Signals: "position open" rejections are hidden until asked for; the funnel counts them.
    def open_rejections() -> int:
        funnel = api_ok(server, "GET", "/signals/funnel")
        return sum(r["count"] for r in funnel["rejected_by_reason"] if r["name"] == "position_open")

    wait_for(lambda: open_rejections() >= 2, "position-open rejections", 15)
    api_ok(server, "POST", "/simulation/stop")
    group = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')
    noise = group.locator('[data-testid="signal-row"][data-reason="position_open"]')
    expect(noise).to_have_count(0)
    page.get_by_test_id("hide-position-open").uncheck()
    expect(noise.first).to_be_visible()
    funnel = api_ok(server, "GET", "/signals/funnel")
    stages = page.get_by_test_id("signal-funnel")
    expect(stages.locator('[data-stage="generated"] dd')).to_have_text(str(funnel["generated"]))
    expect(stages.locator('[data-stage="confirmed"] dd')).to_have_text("1")
    page.get_by_test_id("signal-status-filter").select_option("accepted")
    rows = group.get_by_test_id("signal-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", re.compile("^(accepted|filled)$"))
    save_screenshot(page, tmp_path / "signals-filtered.png", full_page=True)
