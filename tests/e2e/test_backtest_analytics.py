"""Trade analytics in the details modal end to end (issue 13): run a backtest from the
form, open "Detailed statistics" → Analytics, and check it against the API's `analytics`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

STRATEGY = "sma_cross"


def _signed(value: float) -> str:
    text = f"{abs(value):,.2f}"
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def test_analytics_section_matches_the_api(page: Page, server: Server) -> None:
    status, strategies = server.api("GET", "/strategies")
    assert status == 200
    names = [s["name"] for s in strategies]
    strategy = STRATEGY if STRATEGY in names else names[0]

    page.goto(server.base_url + "/#backtest")
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    form.get_by_label("Strategy").select_option(strategy)
    form.get_by_label("Timeframe").select_option("15m")
    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)

    status, listing = server.api("GET", "/backtests")
    assert status == 200 and len(listing) == 1
    status, job = server.api("GET", f"/backtests/{listing[0]['id']}")
    assert status == 200
    analytics: dict[str, Any] = job["result"]["analytics"]
    assert analytics is not None and analytics["positions"], "the sample run trades"

    page.get_by_test_id("result-row").get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    section = dialog.get_by_test_id("analytics-section")
    section.scroll_into_view_if_needed()
    expect(section.get_by_role("heading", name="Analytics")).to_be_visible()

    # long vs short: the counts the API computed
    split = section.get_by_test_id("analytics-split")
    for side in analytics["sides"]:
        row = split.locator(f'[data-side="{side["side"]}"]')
        expect(row).to_have_attribute("data-count", str(side["positions"]))
        expect(row.locator("td").nth(1)).to_have_text(str(side["positions"]))

    # the P&L histogram's bars and the underwater path are drawn
    bars = section.get_by_test_id("pnl-bar")
    expect(bars).to_have_count(len(analytics["histogram"]))
    drawn = [int(bars.nth(i).get_attribute("data-count") or -1) for i in range(bars.count())]
    assert drawn == [b["count"] for b in analytics["histogram"]]
    assert bars.nth(drawn.index(max(drawn))).bounding_box()["height"] > 10  # type: ignore[index]
    path = section.get_by_test_id("underwater-path")
    expect(path).to_be_visible()
    d = path.get_attribute("d") or ""
    assert d.startswith("M") and d.count("L") == len(analytics["underwater"]) - 1

    # monthly returns, daily on expand
    expect(section.get_by_test_id("analytics-monthly").get_by_test_id("period-row")).to_have_count(
        len(analytics["monthly"])
    )
    section.get_by_test_id("analytics-daily-toggle").click()
    expect(section.get_by_test_id("analytics-daily").get_by_test_id("period-row")).to_have_count(
        len(analytics["daily"])
    )

    # a trade row shows its R and its duration ("5 h 42 m")
    rows = section.get_by_test_id("analytics-row")
    expect(rows).to_have_count(len(analytics["positions"]))
    index = next(
        (i for i, p in enumerate(analytics["positions"]) if p["r"] is not None),
        0,
    )
    position = analytics["positions"][index]
    row = rows.nth(index)
    r_text = "—" if position["r"] is None else f"{_signed(position['r'])} R"
    expect(row.get_by_test_id("analytics-r")).to_have_text(r_text)
    minutes = round(position["duration_min"])
    hours, rest = divmod(minutes, 60)
    # "5 h 42 m", "5 h", "15 m" (never "15 m 0 s"): seconds only under a minute
    parts = [f"{hours} h"] * bool(hours) + [f"{rest} m"] * bool(rest)
    duration = " ".join(parts) or "0 s"
    expect(row.get_by_test_id("analytics-duration")).to_have_text(duration)
    assert re.fullmatch(r"\d+ h( \d+ m)?|\d+ m|0 s", duration)
