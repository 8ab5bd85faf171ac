"""The results table end to end: notes and tags saved from "Detailed statistics", the tag
chips and the text filter, a sortable column, two results compared side by side (metrics
and overlaid, normalised equity curves), and "Delete result" asking first — at 1,280 px
without a horizontal scroll bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import save_screenshot

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _run(server: Server, pair: str) -> str:
    body = {
        "pair": pair,
        "strategy": "sma_cross",
        "timeframe": "15m",
        "start": "2025-06-17",
        "end": "2025-06-24",
        "params": {},
    }
    status, queued = server.api("POST", "/backtests", body)
    assert status == 202, queued
    return str(queued["id"])


def test_label_filter_sort_compare_and_delete_results(
    page: Page, server: Server, tmp_path: Path
) -> None:
    ids = {pair: _run(server, pair) for pair in ("BTCUSDT", "ETHUSDT")}
    for backtest_id in ids.values():
        server.wait_done(backtest_id)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.base_url + "/#backtest")
    rows = page.get_by_test_id("result-row")
    expect(rows).to_have_count(2)
    btc = page.locator(f'[data-testid="result-row"][data-id="{ids["BTCUSDT"]}"]')
    eth = page.locator(f'[data-testid="result-row"][data-id="{ids["ETHUSDT"]}"]')
    status, listing = server.api("GET", "/backtests")
    created = {row["id"]: row["created_at"] for row in listing}
    expect(btc.locator('[data-col="created_at"]')).to_contain_text(created[ids["BTCUSDT"]][:10])
    for language in ("UK", "EN"):  # Ukrainian headers are longer
        page.get_by_role("button", name=language, exact=True).click()
        overflow = page.get_by_test_id("results-table").evaluate(
            "table => table.parentElement.scrollWidth - table.parentElement.clientWidth"
        )
        assert overflow <= 0, f"{language}: the results table overflows by {overflow} px"
    expect(page.get_by_role("button", name="Compare (0)")).to_be_visible()

    # Notes and tags from the details dialog (a bad tag is refused, as typed).
    btc.get_by_role("button", name="Detailed statistics").click()
    editor = page.get_by_role("dialog", name="Detailed statistics").get_by_test_id("labels-editor")
    new_tag = editor.get_by_label("New tag")
    new_tag.fill("two words")
    new_tag.press("Enter")
    expect(editor.get_by_test_id("labels-tag-help")).to_contain_text("no spaces")
    expect(new_tag).to_have_value("two words")
    new_tag.fill("keep")
    new_tag.press("Enter")
    expect(editor.get_by_test_id("label-tag")).to_have_text(["keep×"])
    editor.get_by_label("Notes").fill("baseline run")
    editor.get_by_role("button", name="Save notes and tags").click()
    expect(editor.get_by_test_id("labels-saved")).to_be_visible()
    editor.screenshot(path=str(tmp_path / "labels-editor.png"))
    status, tagged = server.api("GET", "/backtests?tag=keep")
    assert [(r["id"], r["notes"], r["tags"]) for r in tagged] == [
        (ids["BTCUSDT"], "baseline run", ["keep"])
    ]
    page.keyboard.press("Escape")
    expect(btc.get_by_test_id("row-tags")).to_have_text("keep")
    expect(btc.get_by_test_id("row-notes")).to_contain_text("baseline run")
    save_screenshot(page, tmp_path / "backtest-results-table.png")

    # Filter by the tag chip, then by text.
    page.get_by_test_id("tag-chip").filter(has_text="keep").click()
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-id", ids["BTCUSDT"])
    page.get_by_role("button", name="all", exact=True).click()
    expect(rows).to_have_count(2)
    page.get_by_label("Filter results").fill("ethusdt")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-id", ids["ETHUSDT"])
    page.get_by_label("Filter results").fill("")

    # Sort by pair: ascending, then descending.
    pair_header = page.locator('th[data-sort="pair"]')
    pair_header.get_by_role("button").click()
    expect(pair_header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_have_attribute("data-id", ids["BTCUSDT"])
    pair_header.get_by_role("button").click()
    expect(pair_header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_have_attribute("data-id", ids["ETHUSDT"])

    # Tick both and compare them.
    compare = page.get_by_test_id("compare-button")
    expect(compare).to_be_disabled()
    for row in (btc, eth):
        row.get_by_test_id("select-result").check()
    expect(compare).to_have_text("Compare (2)")
    compare.click()
    dialog = page.get_by_role("dialog", name="Compare results")
    columns = dialog.get_by_test_id("compare-column")
    expect(columns).to_have_count(2)
    status, runs = server.api("GET", f"/backtests/compare?ids={ids['BTCUSDT']},{ids['ETHUSDT']}")
    assert status == 200, runs
    for index, run in enumerate(runs):
        expect(columns.nth(index)).to_contain_text(f"sma_cross · {run['summary']['pair']} · 15m")
        cells = dialog.locator('tr[data-metric="trades"] td')
        expect(cells.nth(index)).to_have_text(str(run["metrics"]["trades"]))
    if runs[0]["metrics"]["net_pnl"] != runs[1]["metrics"]["net_pnl"]:
        expect(dialog.locator('tr[data-metric="net_pnl"] td[data-best="true"]')).to_have_count(1)
    legend = dialog.get_by_test_id("legend-entry")
    expect(legend).to_have_text(["#1 sma_cross · BTCUSDT · 15m", "#2 sma_cross · ETHUSDT · 15m"])
    expect(dialog.get_by_test_id("compare-chart").locator("canvas").first).to_be_visible()
    save_screenshot(page, tmp_path / "backtest-compare.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # "Delete result" asks first: Esc keeps the result, "Yes, delete" removes it.
    eth.get_by_role("button", name="Delete result").click()
    confirm = page.get_by_role("dialog", name="Delete result")
    expect(confirm).to_contain_text("sma_cross · ETHUSDT · 15m")
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(rows).to_have_count(2)
    eth.get_by_role("button", name="Delete result").click()
    confirm.get_by_role("button", name="Yes, delete").click()
    expect(rows).to_have_count(1)
    status, listing = server.api("GET", "/backtests")
    assert [row["id"] for row in listing] == [ids["BTCUSDT"]]
