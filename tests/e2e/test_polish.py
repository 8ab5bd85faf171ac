"""Polish a user notices (issue 13), in Ukrainian at 1,280 px: a server rejection reason
sent as a code and shown in Ukrainian, a built-in strategy's description in Ukrainian,
the fees/funding sign legend, money in USDT, "—" where there is nothing to measure, a
go-live gate's note sent as a code and shown in Ukrainian with its number, and no table
wider than its box on the Backtest tab (results table and details dialog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

# reward/risk 2 is under MIN_RR 3: every signal of the day is rejected as `min_rr`.
RUN = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "5m",
    "start": "2025-06-17",
    "end": "2025-06-19",
    "params": {"fast": 3, "slow": 8, "stop_pct": 0.2, "rr": 2},
}
SMA_CROSS_UK = "Перетин швидкої та повільної SMA з фіксованим стопом у % і тейк-профітом за RR."
MIN_RR_UK = "прибуток/ризик нижче мінімуму"
PER_DAY_UK = "позицій на день за 2 дн."  # gateNote.per_day_over, {days: 2}
# Every data table of the page (class `table`; the chart library lays its canvas out in a
# table of its own) whose content is wider than the box holding it.
OVERFLOWING_TABLES = """() => [...document.querySelectorAll('table.table')]
  .filter((t) => t.offsetParent !== null && t.scrollWidth > t.parentElement.clientWidth + 1)
  .map((t) => `${t.closest("[data-testid]")?.dataset.testid}: `
    + `${t.scrollWidth} > ${t.parentElement.clientWidth}`)"""


def test_ukrainian_reasons_descriptions_and_no_table_overflow(page: Page, server: Server) -> None:
    status, queued = server.api("POST", "/backtests", RUN)
    assert status == 202, queued
    result = server.wait_done(queued["id"])["result"]
    assert result["rejected"].get("min_rr", 0) > 0, result["rejected"]
    rejected = [s for s in result["signals"] if s["reason"] == "min_rr"]
    assert rejected[0]["reason_code"] == "min_rr" and rejected[0]["reason_params"]["min"] == 3

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.base_url + "/#backtest")
    page.get_by_test_id("lang-uk").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")

    form = page.get_by_test_id("backtest-form")
    form.get_by_label("Стратегія").select_option("sma_cross")
    expect(form.get_by_test_id("strategy-description")).to_have_text(SMA_CROSS_UK)

    row = page.get_by_test_id("result-row")
    expect(row).to_have_attribute("data-status", "done")
    assert page.evaluate(OVERFLOWING_TABLES) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    row.get_by_role("button", name="Детальна статистика").click()
    dialog = page.get_by_role("dialog", name="Детальна статистика")
    reason = dialog.get_by_test_id("metrics-rejected").locator('[data-metric="min_rr"]')
    expect(reason.locator("dt")).to_have_text(MIN_RR_UK)
    expect(reason.locator("dd")).to_have_text(str(result["rejected"]["min_rr"]))
    expect(dialog.get_by_test_id("costs-legend")).to_contain_text("додатна сума сплачена")
    performance = dialog.get_by_test_id("metrics-performance")
    assert result["metrics"]["trades"] == 0
    # nothing to measure without trades: "—", never 0.00
    for name in ("win_rate", "expectancy", "avg_hold_minutes"):
        expect(performance.locator(f'[data-metric="{name}"] dd')).to_have_text("—")
    expect(performance.locator('[data-metric="net_pnl"] dd')).to_have_text("0,00 USDT")
    gates = {gate["name"]: gate for gate in result["gates"]}
    assert gates["trades_per_day"]["code"] == "per_day_over"
    assert gates["trades_per_day"]["note"] == "positions per day over 2 days"
    per_day = dialog.get_by_test_id("gates-table").locator('[data-gate="trades_per_day"]')
    expect(per_day.locator('[data-col="value"]')).to_have_attribute("title", PER_DAY_UK)
    win_rate = dialog.get_by_test_id("gates-table").locator('[data-gate="win_rate"]')
    expect(win_rate.locator('[data-col="value"]')).to_have_attribute("title", "немає позицій")
    assert page.evaluate(OVERFLOWING_TABLES) == []
