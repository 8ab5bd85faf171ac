"""The details modal's chart and trade list end to end (issue 13): the OHLC legend on
hover, the strategy's overlays listed with toggles, a click on a trade row zooming the
chart to that trade, and a long trade list rendered as a window of rows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import save_screenshot

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

# A nervous SMA cross on 1m without circuit breakers: hundreds of trades in one day of the
# bundled sample.
RUN = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "1m",
    "start": "2025-06-17",
    "end": "2025-06-18",
    "params": {"fast": 2, "slow": 3, "stop_pct": 0.05, "rr": 3},
    "breakers": False,
}


def test_chart_legend_overlays_trade_focus_and_windowed_trades(
    page: Page, server: Server, tmp_path: Path
) -> None:
    status, queued = server.api("POST", "/backtests", RUN)
    assert status == 202, queued
    result = server.wait_done(queued["id"])["result"]
    trades = result["trades"]
    assert len(trades) > 150, "the run must trade enough to need a window of rows"
    status, candles = server.api(
        "GET", "/market/candles/BTCUSDT?tf=1m&start=2025-06-17&end=2025-06-18"
    )
    assert status == 200
    bars = {c["time"]: c for c in candles}

    page.goto(server.base_url + "/#backtest")
    page.get_by_test_id("result-row").get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    chart = dialog.get_by_test_id("price-chart")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(chart).to_have_attribute("data-trades", str(len(trades)))

    # the strategy's overlays, named in the reader's language, each with a toggle
    toggles = dialog.get_by_test_id("overlay-toggles")
    expect(toggles.locator('[data-code="sma_fast"]')).to_have_text("Fast SMA")
    expect(toggles.locator('[data-code="sma_slow"]')).to_have_text("Slow SMA")
    expect(toggles.locator('[data-code="sma_slow"] input')).to_be_checked()
    toggles.locator('[data-code="sma_slow"] input').uncheck()
    expect(toggles.locator('[data-code="sma_slow"] input')).not_to_be_checked()

    # hovering a bar shows its O H L C and volume, with thousands separators
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    legend = dialog.get_by_test_id("chart-legend")
    last = str(candles[-1]["time"])
    expect(legend).to_have_attribute("data-time", last)
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.3)
    expect(legend).not_to_have_attribute("data-time", last)
    bar = bars[int(legend.get_attribute("data-time") or 0)]
    expect(legend.locator('[data-field="open"]')).to_have_text(f"O {bar['open']:,.2f}")
    expect(legend.locator('[data-field="close"]')).to_have_text(f"C {bar['close']:,.2f}")
    expect(legend.locator('[data-field="volume"]')).to_contain_text("Vol ")

    # a long trade list renders a window of rows, and scrolling moves the window
    table = dialog.get_by_test_id("trades-table")
    expect(table).to_have_attribute("data-total-rows", str(len(trades)))
    rows = dialog.get_by_test_id("trade-row")
    shown = rows.count()
    assert 10 <= shown < 100 < len(trades)
    table.evaluate("t => { t.parentElement.scrollTop = t.parentElement.scrollHeight / 2; }")
    expect(rows.first).not_to_have_attribute("data-index", "0")
    middle = int(rows.first.get_attribute("data-index") or 0)
    assert middle > 50 and rows.count() < 100
    page.set_viewport_size({"width": 1280, "height": 900})  # no sideways scroll at 1,280 px
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")

    # a click on a trade row zooms the chart to that trade and highlights it
    index = int(rows.nth(5).get_attribute("data-index") or -1)
    row = dialog.locator(f'[data-testid="trade-row"][data-index="{index}"]')
    row.click()
    expect(row).to_have_attribute("aria-selected", "true")
    expect(chart).to_have_attribute("data-focus", str(index))
    trade = trades[index]
    entry = int(page.evaluate("iso => Date.parse(iso) / 1000", trade["entry_time"]))
    exit_ = int(page.evaluate("iso => Date.parse(iso) / 1000", trade["exit_time"]))
    page.wait_for_function(
        """([el, entry, exit]) => Number(el.dataset.visibleFrom) <= entry
            && Number(el.dataset.visibleTo) >= exit
            && Number(el.dataset.visibleTo) - Number(el.dataset.visibleFrom) < 6 * 3600""",
        arg=[chart.element_handle(), entry, exit_],
    )
    save_screenshot(page, tmp_path / "backtest-chart-focus.png")
