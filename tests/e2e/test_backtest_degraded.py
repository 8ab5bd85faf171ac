"""A degraded backtest (DECISIONS.md §6) shows a "degraded" badge beside its numbers.

`plugins/e2e_flow.py` declares aggregate trades and funding; the bundled sample holds
neither recorded stream. The API refuses the run in one line, runs it with
`degraded: true`, and the result's "Detailed statistics" show what was substituted
once above the metrics and a small badge beside each group of numbers. From the form,
the run is refused until "Degraded mode" is ticked; the results list then badges the
degraded row (its substitutions in the tooltip) and not a normal one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

RUN = {
    "pair": "BTCUSDT",
    "strategy": "e2e_flow",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-19",
}
DEGRADED_MODE_HELP = "(run with the strategy's declared fallbacks when market data is missing)"
DEGRADED = [
    "aggTrades for 2025-06-17 to 2025-06-18: missing (the candles have no taker-buy volume "
    "either): None",
    "funding for 2025-06-17 to 2025-06-18: the last settled rate from the funding store (no "
    "next funding time)",
]


def test_a_degraded_result_shows_the_badge_beside_its_numbers(page: Page, server: Server) -> None:
    status, refused = server.api("POST", "/backtests", RUN)
    assert status == 422
    assert refused["detail"].startswith(
        "strategy e2e_flow needs aggTrades for BTCUSDT from 2025-06-17 to 2025-06-19; the store "
        "has none at all"
    )
    status, listed = server.api("GET", "/backtests")
    assert status == 200 and listed == []  # nothing was queued
    status, queued = server.api("POST", "/backtests", {**RUN, "degraded": True})
    assert status == 202, queued
    job = server.wait_done(queued["id"])
    assert job["result"]["degraded"] == DEGRADED
    assert job["result"]["market_data"] == ["aggTrades", "funding"]

    page.goto(server.base_url + "/#backtest")
    row = page.locator(f'[data-testid="result-row"][data-id="{queued["id"]}"]')
    expect(row).to_have_attribute("data-status", "done")
    row.get_by_test_id("details-button").click()
    modal = page.get_by_test_id("details-modal")
    expect(modal.get_by_test_id("metrics-performance")).to_be_visible()
    note = modal.get_by_test_id("degraded-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(DEGRADED[0])
    badges = modal.get_by_test_id("degraded-badge")
    expect(badges).to_have_count(5)  # performance, costs, exits, signals, go-live gates
    for index in range(5):
        expect(badges.nth(index)).to_be_visible()
        expect(badges.nth(index)).to_have_text("degraded: aggTrades, funding")
    assert badges.first.get_attribute("title") == "\n".join(DEGRADED)


def test_the_form_runs_in_degraded_mode_and_the_list_badges_the_run(
    page: Page, server: Server, console: ConsoleLog
) -> None:
    console.allow(r"status of 422")  # the first submission, without degraded mode
    page.goto(server.base_url + "/#backtest")
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    form.get_by_label("Strategy").select_option(RUN["strategy"])
    form.get_by_label("Timeframe").select_option(RUN["timeframe"])
    form.get_by_label("Start date").fill(RUN["start"])
    form.get_by_label("End date").fill("2025-06-18")  # inclusive: the API's end is 06-19
    degraded_mode = form.get_by_label("Degraded mode", exact=True)
    expect(degraded_mode).not_to_be_checked()
    expect(degraded_mode).to_have_accessible_description(DEGRADED_MODE_HELP)
    run = form.get_by_role("button", name="Run backtest")

    run.click()
    expect(page.get_by_test_id("job-error")).to_contain_text(
        "The server rejected the backtest: strategy e2e_flow needs aggTrades for BTCUSDT from "
        "2025-06-17 to 2025-06-19; the store has none at all"
    )
    expect(page.get_by_test_id("results-empty")).to_be_visible()

    degraded_mode.check()
    run.click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)
    status, listing = server.api("GET", "/backtests")
    assert status == 200 and len(listing) == 1
    assert listing[0]["degraded"] == DEGRADED
    degraded_id = listing[0]["id"]
    row = page.locator(f'[data-testid="result-row"][data-id="{degraded_id}"]')
    expect(row).to_have_attribute("data-status", "done")
    badge = row.get_by_test_id("degraded-row-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("degraded")
    expect(badge).to_have_attribute("title", "\n".join(DEGRADED))

    status, queued = server.api("POST", "/backtests", {**RUN, "strategy": "sma_cross"})
    assert status == 202, queued
    server.wait_done(queued["id"])
    page.get_by_test_id("refresh-results").click()
    normal_id = queued["id"]
    normal = page.locator(f'[data-testid="result-row"][data-id="{normal_id}"]')
    expect(normal).to_have_attribute("data-status", "done")
    expect(normal.get_by_test_id("degraded-row-badge")).to_have_count(0)

    page.get_by_role("button", name="UK").click()
    expect(badge).to_have_text("деградований")
    expect(form.get_by_label("Деградований режим", exact=True)).to_be_checked()
