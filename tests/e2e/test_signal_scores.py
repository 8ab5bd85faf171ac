"""The signal payload in the browser: the strategy detail panel and the Scores card.

A test plugin that rates its signals (`plugins/e2e_scored.py`: score, tier, variant
and a breakdown in which two features have sub-scores) trades BTCUSDT, the unrated
`e2e_pulse` trades ETHUSDT. Clicking a signal row opens its detail panel (a dialog:
levels, score, tier, variant, reasons, the breakdown table with the sub-scores beside
their raw values; Esc closes it); the Scores card shows the score histogram and the
scoreboard, as the API answers them, in English and Ukrainian.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.paper import PLUGIN, api_ok, price

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

SCORED = "e2e_scored"
SIGNAL_TIMEOUT_MS = 30_000


def follow_pair(server: Server, symbol: str, strategy: str, **params: Any) -> None:
    """Trade `symbol` with `strategy` on 1m bars (set-up through the API)."""
    body = {"symbol": symbol, "strategy": strategy, "timeframe": "1m", "params": params}
    status, answer = server.api("POST", "/pairs", body)
    assert status == 201, answer


def controls(page: Page) -> Locator:
    return page.get_by_test_id("sim-controls")


def run_until_signals(page: Page, server: Server) -> None:
    """Start the replay from the Dashboard; stop once both pairs have signals."""
    page.goto(server.base_url + "/")
    expect(page.get_by_test_id("stream-state")).to_have_attribute("data-connected", "true")
    page.get_by_test_id("hide-position-open").uncheck()  # every signal, as the API lists them
    controls(page).get_by_role("button", name="Start simulation").click()
    expect(controls(page).locator(".badge")).to_have_text("running")
    for symbol in ("BTCUSDT", "ETHUSDT"):
        group = page.locator(f'[data-testid="signal-group"][data-symbol="{symbol}"]')
        expect(group.get_by_test_id("signal-row").nth(1)).to_be_visible(timeout=SIGNAL_TIMEOUT_MS)
    controls(page).get_by_role("button", name="Stop").click()
    expect(controls(page).locator(".badge")).to_have_text("stopped")


def shown_number(cell: Locator) -> float:
    """The number a table cell shows (en-US: thousands separators)."""
    expect(cell).to_have_text(re.compile(r"^-?[\d,]+(\.\d+)?$"))
    return float(cell.inner_text().replace(",", ""))


def test_a_signal_row_opens_its_strategy_detail_panel(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    follow_pair(server, "BTCUSDT", SCORED, first=2, every=3)
    follow_pair(server, "ETHUSDT", PLUGIN, first=2, every=3)
    run_until_signals(page, server)

    btc = page.locator('[data-testid="signal-group"][data-symbol="BTCUSDT"]')
    row = btc.get_by_test_id("signal-row").first
    [signal] = api_ok(server, "GET", "/signals?symbol=BTCUSDT&limit=1")
    assert signal["strategy"] == SCORED and signal["score"] is not None, signal
    expect(row).to_have_attribute("data-score", str(signal["score"]))
    expect(row.locator('[data-col="score"]')).to_have_text(f"{signal['score']:.1f}")

    row.click()
    dialog = page.get_by_role("dialog", name=f"BTCUSDT · {SCORED} signal")
    expect(dialog).to_be_visible()
    fields = dialog.get_by_test_id("signal-detail-fields")
    expect(fields).to_have_attribute("data-id", str(signal["id"]))
    expect(fields.locator('[data-field="entry"] dd')).to_have_text(price(signal["entry"]))
    expect(fields.locator('[data-field="sl"] dd')).to_have_text(price(signal["stop_loss"]))
    expect(fields.locator('[data-field="tp"] dd')).to_have_text(price(signal["take_profit"]))
    expect(fields.locator('[data-field="score"] dd')).to_have_text(f"{signal['score']:.1f} / 100")
    expect(fields.locator('[data-field="tier"] dd')).to_have_text(signal["tier"])
    expect(fields.locator('[data-field="variant"] dd')).to_have_text(signal["variant"])
    expect(dialog.get_by_test_id("signal-detail-reasons").locator("li")).to_have_text(
        signal["reasons"]
    )

    # The breakdown: one row per feature, its sub-score (x_score) beside its raw value.
    breakdown = signal["breakdown"]
    table = dialog.get_by_test_id("signal-breakdown")
    rows = table.get_by_test_id("breakdown-row")
    expect(rows).to_have_count(3)
    expect(table.locator("thead th")).to_have_text(["Feature", "Value", "Sub-score"])
    expect(rows.locator("th")).to_have_text(["momentum", "volume", "range_pct"])
    for name, sub in (("momentum", "momentum_score"), ("volume", "volume_score")):
        line = table.locator(f'[data-feature="{name}"]')
        value = shown_number(line.locator('[data-col="value"]'))
        assert value == pytest.approx(breakdown[name], rel=1e-4, abs=1e-9), name
        assert shown_number(line.locator('[data-col="score"]')) == breakdown[sub], sub
    range_row = table.locator('[data-feature="range_pct"]')
    value = shown_number(range_row.locator('[data-col="value"]'))
    assert value == pytest.approx(breakdown["range_pct"], rel=1e-4, abs=1e-4)
    expect(range_row.locator('[data-col="score"]')).to_have_text("—")
    save_screenshot(page, tmp_path / "signal-detail.png")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # From the keyboard: the row's time is a button.
    opener = row.get_by_test_id("signal-open")
    opener.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("modal-close").click()
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # An unrated signal: no score, no breakdown, said plainly.
    eth = page.locator('[data-testid="signal-group"][data-symbol="ETHUSDT"]')
    eth.get_by_test_id("signal-row").first.click()
    bare = page.get_by_role("dialog", name=f"ETHUSDT · {PLUGIN} signal")
    expect(bare.locator('[data-field="score"] dd')).to_have_text("—")
    expect(bare.locator('[data-field="tier"] dd')).to_have_text("—")
    expect(bare.get_by_test_id("signal-detail-no-breakdown")).to_be_visible()
    page.keyboard.press("Escape")
    expect(bare).to_be_hidden()


def test_the_scores_card_shows_the_histogram_and_the_scoreboard(
    clean_sim: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    card = page.get_by_test_id("scores-card")
    page.goto(server.base_url + "/")
    expect(card.get_by_test_id("scores-empty")).to_be_visible()

    follow_pair(server, "BTCUSDT", SCORED, first=2, every=3)
    follow_pair(server, "ETHUSDT", PLUGIN, first=2, every=3)
    run_until_signals(page, server)

    histogram = api_ok(server, "GET", "/signals/histogram?bins=10")
    assert histogram["total"] >= 2, histogram
    bars = card.get_by_test_id("histogram-bar")
    expect(card.get_by_test_id("score-histogram")).to_have_attribute(
        "data-total", str(histogram["total"]), timeout=10_000
    )
    expect(bars).to_have_count(10)
    counts = [int(bars.nth(i).get_attribute("data-count") or "-1") for i in range(10)]
    assert counts == [b["count"] for b in histogram["bins"]]
    expect(card.get_by_test_id("scores-total")).to_contain_text(f"{histogram['total']} scored")

    # The scoreboard: only the rated strategy, its newest score.
    [best] = api_ok(server, "GET", "/signals/scores")
    assert (best["symbol"], best["strategy"]) == ("BTCUSDT", SCORED), best
    newest = api_ok(server, "GET", "/signals?symbol=BTCUSDT&limit=1")[0]
    assert best["signal_id"] == newest["id"] and best["score"] == newest["score"]
    rows = card.get_by_test_id("score-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-symbol", "BTCUSDT")
    expect(rows.first).to_have_attribute("data-strategy", SCORED)
    expect(rows.first).to_contain_text(f"{best['score']:.1f}")
    expect(rows.first).to_contain_text(best["tier"])
    save_screenshot(page, tmp_path / "scores-card.png", full_page=True)

    # The strategy filter narrows the histogram: the unrated strategy has no scores.
    select = card.get_by_test_id("scores-strategy")
    expect(select.locator("option")).to_have_text(["All strategies", SCORED])
    select.select_option(SCORED)
    expect(card.get_by_test_id("score-histogram")).to_have_attribute(
        "data-total", str(histogram["total"])
    )

    page.get_by_role("button", name="UK").click()
    expect(card.locator("h2")).to_contain_text("Оцінки")
    expect(card.get_by_test_id("scores-total")).to_contain_text(
        re.compile(f"оцінено {histogram['total']}")
    )
    page.get_by_test_id("signal-row").first.click()
    expect(page.get_by_role("dialog", name=re.compile("^Сигнал "))).to_be_visible()
    expect(page.get_by_text("Розклад за ознаками")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="EN").click()
