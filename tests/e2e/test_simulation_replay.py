"""Replay controls and the live chart of the Simulation tab, end to end: a replay started
from a date at a low speed is paused, stepped one bar ("bar X of N" moves by one), re-paced
while paused, and the chart shows the candles played, a fill marker and the equity curve;
the Dashboard shows the same "bar X of N"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.paper import api_ok, follow, wait_for

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

START = datetime(2025, 6, 18, tzinfo=UTC)
BARS = 6 * 1440
"""1m bars from 2025-06-18 to the end of the sample (2025-06-24)."""


def test_pause_step_speed_and_the_live_chart(clean_sim: Server, page: Page, server: Server) -> None:
    follow(server, "BTCUSDT", first=2, every=5)
    page.goto(server.base_url + "/#simulation")
    card = page.get_by_test_id("replay-card")
    state = card.get_by_test_id("replay-state")
    expect(state).to_have_text("not replaying")
    expect(card.get_by_role("button", name="Step one bar")).to_be_disabled()

    card.get_by_label("Start date (UTC)").fill("2025-06-18")
    card.get_by_test_id("replay-speed").select_option("120")  # a 1m bar every 0.5 s
    card.get_by_role("button", name="Start replay").click()
    expect(state).to_have_text("playing")
    chart = page.get_by_test_id("sim-chart")
    # The signal on bar 2 fills at bar 3's open: a fill marker on the candles played.
    expect(chart).to_have_attribute("data-fills", "1", timeout=15_000)

    card.get_by_role("button", name="Pause").click()
    expect(state).to_have_text("paused")
    progress = card.get_by_test_id("replay-progress")
    bar = int(progress.get_attribute("data-bar") or "0")
    assert bar >= 3
    text = card.get_by_test_id("replay-progress-text")
    expect(text).to_have_text(f"bar {bar:,} of {BARS:,}")
    card.get_by_role("button", name="Step one bar").click()
    expect(text).to_have_text(f"bar {bar + 1:,} of {BARS:,}")
    expect(progress).to_have_attribute("data-bar", str(bar + 1))

    # A new speed while paused: the same run, still paused, at bar X + 1.
    card.get_by_test_id("replay-speed").select_option("600")
    status = wait_for(
        lambda: (s := api_ok(server, "GET", "/simulation/status"))["speed"] == 600 and s,
        "the new speed",
    )
    assert status["replay"] == {"bar": bar + 1, "bars": BARS, "paused": True, "speed": 600}
    # The replay began at the start date picked: bar X + 1 opened X minutes after it.
    last_bar = (START + timedelta(minutes=bar)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert status["pairs"][0]["last_bar"] == last_bar
    last = int((START + timedelta(minutes=bar)).timestamp())
    expect(chart).to_have_attribute("data-last", str(last))
    # The candles played, after the stored ones before the start date (the chart's context).
    assert int(chart.get_attribute("data-candles") or "0") >= bar + 1
    assert int(chart.get_attribute("data-equity") or "0") >= 1
    assert int(chart.get_attribute("data-lines") or "0") >= 1  # the open position's levels
    expect(chart).to_be_visible()

    # The Dashboard's controls say where the replay stands too.
    page.get_by_role("tab", name="Dashboard").click()
    replay = page.get_by_test_id("sim-status").locator('[data-field="replay"] dd')
    expect(replay).to_have_text(f"bar {bar + 1:,} of {BARS:,} · paused")
    page.get_by_role("tab", name="Simulation").click()

    card.get_by_role("button", name="Resume").click()
    expect(state).to_have_text("playing")
    api_ok(server, "POST", "/simulation/stop")
