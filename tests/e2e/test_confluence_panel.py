"""The confluence strategy panel in the browser: layers per signal, portfolio heat, breaker log.

A test plugin emits signals shaped as `confluence_15m`'s (`plugins/e2e_confluence.py`: its
ladder, its breakdown keys and reasons, its 6 % heat cap and a one-entry-per-hour breaker;
the real plugin signals too rarely on the sample's seven days for a browser test). BTCUSDT
holds its first position (a 2 % stop, held for good) while ETHUSDT's positions last one bar,
so the hour's later ETH signals meet the breaker. The panel is compared with the API: the
latest signals of the chosen strategy, the five layers of the selected one (score,
agreement, freshness, missing and why), the heat gauge against the cap with each book's
risk, and the strategy's breaker log; in English and Ukrainian.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.paper import api_ok, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

STRATEGY = "e2e_confluence"
LAYERS = ["technical", "orderflow", "onchain", "sentiment", "backtest"]
ONCHAIN_WHY = "no whale_alert reading: WHALE_ALERT_API_KEY is not set"
BACKTEST_WHY = "no closed e2e_pulse longs yet, under the 20 needed"


def follow(server: Server, symbol: str, **params: Any) -> None:
    body = {"symbol": symbol, "strategy": STRATEGY, "timeframe": "1m", "params": params}
    status, answer = server.api("POST", "/pairs", body)
    assert status == 201, answer


def controls(page: Page) -> Locator:
    return page.get_by_test_id("sim-controls")


def number(text: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", text.replace("−", "-")))


def test_the_panel_shows_each_signals_layers_the_heat_and_the_breaker_log(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    api_ok(server, "PATCH", "/settings", {"risk": {"min_rr": 2.0}})  # the seed's floor
    follow(server, "BTCUSDT", first=2, every=3, stop_pct=2.0, hold=100_000)
    follow(server, "ETHUSDT", first=2, every=3, stop_pct=1.0, hold=1)
    page.goto(server.base_url + "/")
    card = page.get_by_test_id("confluence-card")
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")

    # Before any signal: the seed's plugin is chosen, and each part says there is nothing.
    expect(card).to_have_attribute("data-strategy", "confluence_15m")
    expect(card.get_by_test_id("confluence-no-signals")).to_have_text(
        "No confluence_15m signal yet."
    )
    expect(card.get_by_test_id("heat-empty")).to_be_visible()
    expect(card.get_by_test_id("heat-gauge")).to_have_attribute("data-cap", "6")
    expect(card.get_by_test_id("heat-value")).to_have_text("0.00 %")
    expect(card.get_by_test_id("breaker-log-empty")).to_have_text(
        "No circuit breaker has blocked a confluence_15m signal."
    )

    controls(page).get_by_role("button", name="Start simulation").click()
    expect(controls(page).locator(".badge")).to_have_text("running")

    def ready() -> bool:
        positions = api_ok(server, "GET", "/simulation/positions")
        events = api_ok(server, "GET", f"/simulation/risk-events?strategy={STRATEGY}")
        return any(p["symbol"] == "BTCUSDT" for p in positions) and len(events) >= 2

    wait_for(ready, "a BTCUSDT position and two blocked ETHUSDT signals", timeout_s=60)
    controls(page).get_by_role("button", name="Stop").click()
    expect(controls(page).locator(".badge")).to_have_text("stopped")

    select = card.get_by_test_id("confluence-strategy")
    expect(select.locator("option")).to_have_text(["confluence_15m", STRATEGY])
    select.select_option(STRATEGY)
    expect(card).to_have_attribute("data-strategy", STRATEGY)

    # The latest signals of the strategy, newest first, each with its five layers at a glance.
    signals = [s for s in api_ok(server, "GET", "/signals?limit=200") if s["strategy"] == STRATEGY]
    shown = signals[:8]
    rows = card.get_by_test_id("confluence-signal")
    expect(rows).to_have_count(len(shown))
    assert [rows.nth(i).get_attribute("data-signal-id") for i in range(len(shown))] == [
        str(s["id"]) for s in shown
    ]
    chips = rows.first.get_by_test_id("layer-chip")
    expect(chips).to_have_text(["TA", "OF", "OC", "ST", "BT"])
    assert [chips.nth(i).get_attribute("data-missing") for i in range(5)] == [
        "false",
        "false",
        "true",
        "false",
        "true",
    ]

    # The selected (newest) signal's layers, as its breakdown and reasons say.
    newest = shown[0]
    breakdown = newest["breakdown"]
    expect(rows.first).to_have_attribute("data-selected", "true")
    expect(rows.first.locator('[data-col="score"]')).to_have_text(f"{newest['score']:.0f}")
    expect(rows.first.locator('[data-col="tier"]')).to_have_text(newest["tier"])
    layers = card.get_by_test_id("layer-breakdown")
    expect(layers).to_have_attribute("data-signal-id", str(newest["id"]))
    layer_rows = layers.get_by_test_id("layer-row")
    expect(layer_rows.locator("th")).to_have_text(
        ["Technical (TA)", "Order flow", "On-chain", "Sentiment & macro", "Backtest"]
    )
    for name, key in (("technical", "ta_score"), ("orderflow", "orderflow_score")):
        row = layers.locator(f'[data-layer="{name}"]')
        expect(row).to_have_attribute("data-missing", "false")
        expect(row.locator('[data-col="score"]')).to_have_text(f"{breakdown[key]:.0f}")
        expect(row.locator('[data-col="agreement"]')).to_have_text(
            f"{breakdown[f'{name}_agreement']:.0f}"
        )
    sentiment = layers.locator('[data-layer="sentiment"]')
    expect(sentiment.locator('[data-col="score"]')).to_have_text("70")
    expect(sentiment.locator('[data-col="agreement"]')).to_have_text("64")  # 50 + 20 × 0.7
    expect(sentiment.locator('[data-col="freshness"]')).to_have_text("0.70")
    expect(sentiment.locator('[data-col="state"]')).to_have_text(
        "Fear & Greed 30 (fear): contrarian long"
    )
    for name, why in (("onchain", ONCHAIN_WHY), ("backtest", BACKTEST_WHY)):
        row = layers.locator(f'[data-layer="{name}"]')
        expect(row).to_have_attribute("data-missing", "true")
        expect(row.locator('[data-col="score"]')).to_have_text("—")
        expect(row.get_by_test_id("layer-why")).to_have_text(why)
    expect(layers.get_by_test_id("score-math")).to_have_text(
        f"Score: raw {breakdown['confluence_raw']:.1f} × 0.80 (2 missing) × 1.00 regime "
        f"= {newest['score']:.0f}"
    )
    expect(layers.get_by_test_id("confluence-regime")).to_have_text("Market regime: NEUTRAL")

    # Another row selects its own signal.
    if len(shown) > 1:
        rows.nth(1).click()
        expect(layers).to_have_attribute("data-signal-id", str(shown[1]["id"]))
        expect(rows.nth(1)).to_have_attribute("data-selected", "true")

    # The heat gauge: the API's heat against the strategy's 6 % cap, each book's risk.
    heat = api_ok(server, "GET", f"/simulation/heat?strategy={STRATEGY}")
    assert heat["cap_pct"] == 6.0 and heat["books"], heat
    gauge = card.get_by_test_id("heat-gauge")
    expect(gauge).to_have_attribute("data-cap", "6")
    expect(gauge).to_have_attribute("data-heat", re.compile(r"^\d"))
    assert float(gauge.get_attribute("data-heat") or "nan") == pytest.approx(heat["heat_pct"])
    expect(card.get_by_test_id("heat-value")).to_have_text(f"{heat['heat_pct']:.2f} %")
    books = gauge.get_by_test_id("heat-book")
    expect(books).to_have_count(len(heat["books"]))
    for i, book in enumerate(heat["books"]):
        row = books.nth(i)
        expect(row).to_have_attribute("data-symbol", book["symbol"])
        expect(row.locator('[data-col="risk-pct"]')).to_have_text(f"{book['risk_pct']:.2f} %")
    btc = gauge.locator('[data-testid="heat-book"][data-symbol="BTCUSDT"]')
    expect(btc).to_contain_text("position")
    assert number(btc.locator('[data-col="risk-pct"]').inner_text()) == pytest.approx(
        1.0, abs=0.1
    )  # 1 % of the equity risked at the entry

    # The breaker log: the strategy's blocks, newest first.
    events = api_ok(server, "GET", f"/simulation/risk-events?strategy={STRATEGY}&limit=50")
    log = card.get_by_test_id("breaker-log")
    log_rows = log.get_by_test_id("risk-event-row")
    expect(log_rows).to_have_count(len(events))
    expect(log_rows.first).to_have_attribute("data-breaker", "e2e_conf_overtrading")
    expect(log_rows.first).to_have_attribute("data-strategy", STRATEGY)
    expect(log_rows.first.get_by_test_id("risk-event-scope")).to_have_text("Pair (all strategies)")
    # The reason in words from its code, times as the SPA shows them (UTC, to the minute).
    in_words = re.sub(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d):00Z", r"\1 \2 UTC", events[0]["reason"])
    expect(log_rows.first).to_contain_text(in_words)
    save_screenshot(page, tmp_path / "confluence-panel.png", full_page=True)

    # "Details" opens the strategy detail panel, with the layers above the feature table.
    rows.first.get_by_test_id("confluence-details").click()
    dialog = page.get_by_role("dialog", name=f"{shown[0]['symbol']} · {STRATEGY} signal")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Confluence layers")).to_be_visible()
    expect(dialog.get_by_test_id("layer-row")).to_have_count(5)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_test_id("lang-uk").click()
    expect(card.locator("h2")).to_contain_text("Стратегія конфлюенції")
    expect(layer_rows.locator("th")).to_have_text(
        ["Технічний (ТА)", "Потік ордерів", "Ончейн", "Настрої й макро", "Бектест"]
    )
    expect(card.get_by_role("heading", name="Навантаження портфеля", exact=True)).to_be_visible()
    expect(card.get_by_role("heading", name=re.compile("^Журнал запобіжників"))).to_be_visible()
    expect(rows.first.get_by_test_id("layer-chip")).to_have_text(["ТА", "ПО", "ОЧ", "НМ", "БТ"])
    page.get_by_test_id("lang-en").click()
    expect(card.locator("h2")).to_contain_text("Confluence strategy")
