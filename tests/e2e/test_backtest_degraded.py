"""A degraded backtest (DECISIONS.md §6) shows a "degraded" badge beside its numbers.

`plugins/e2e_flow.py` declares aggregate trades and funding; the bundled sample holds
neither recorded stream. The API refuses the run in one line, runs it with
`degraded: true`, and the result's "Detailed statistics" show what was substituted
once above the metrics and a small badge beside each group of numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

RUN = {
    "pair": "BTCUSDT",
    "strategy": "e2e_flow",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-19",
}
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
    expect(badges).to_have_count(4)  # performance, costs, exits, signals
    for index in range(4):
        expect(badges.nth(index)).to_be_visible()
        expect(badges.nth(index)).to_have_text("degraded: aggTrades, funding")
    assert badges.first.get_attribute("title") == "\n".join(DEGRADED)
