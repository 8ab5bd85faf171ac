"""The Data tab end to end: the built SPA, a real server whose REST_URL is a local server
replaying the REAL recorded BTCUSDT 1m klines, and Chromium at 1,280 px.

The coverage lists the sample's BTCUSDT 1m (bars, no gap, funding complete) without
horizontal overflow; "Check integrity" reports it OK; "Delete range" asks for a
confirmation and the bars drop, the hole listed; a download shows its progress, is
cancelled while Binance answers 503 (what it fetched stays), then resumes to the end; in
Ukrainian the table still fits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from tests.conftest import REAL
from tests.e2e.conftest import save_screenshot, serving

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

BUSY = Fault(503, "<html>Service Unavailable</html>")


@pytest.fixture(scope="module")
def binance_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ReplayServer, Server]]:
    """Binance replaying the real BTCUSDT 1m klines, and a server whose REST_URL it is."""
    state = ReplayState()
    state.add_klines("BTCUSDT", "1m", REAL / "klines" / "um" / "BTCUSDT" / "1m.csv")
    folder = tmp_path_factory.mktemp("e2e-data-tab")
    with ReplayServer(state) as binance, serving(folder, REST_URL=binance.base_url) as server:
        yield binance, server


def test_coverage_check_delete_and_a_cancelled_then_resumed_download(
    binance_server: tuple[ReplayServer, Server], page: Page, tmp_path: Path
) -> None:
    binance, data_server = binance_server
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(data_server.base_url + "/#data")
    row = page.get_by_test_id("coverage-row-BTCUSDT-1m")
    expect(row.get_by_test_id("coverage-bars")).to_have_text("10,080")
    expect(row).to_contain_text("2025-06-17 00:00")
    expect(row).to_contain_text("2025-06-23 23:59")
    expect(row).to_contain_text("none")  # no gap
    expect(row).to_contain_text("22 records · complete")
    expect(page.get_by_test_id("market-empty")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    wrapper = page.get_by_test_id("coverage-table").locator("xpath=..")
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth")

    row.get_by_test_id("coverage-check").click()
    modal = page.get_by_test_id("check-modal")
    expect(modal.get_by_test_id("check-status")).to_have_text("OK")
    expect(modal.get_by_test_id("check-rows")).to_have_text("10,080")
    expect(modal.get_by_test_id("check-gaps")).to_have_text("none")
    modal.get_by_test_id("modal-close").click()

    row.get_by_test_id("coverage-delete").click()
    dialog = page.get_by_test_id("delete-modal")
    dialog.get_by_test_id("delete-start").fill("2025-06-18T00:00")
    dialog.get_by_test_id("delete-end").fill("2025-06-17T06:00")
    expect(dialog.get_by_test_id("delete-problem")).to_have_text(
        "The start must be before the end."
    )
    expect(dialog.get_by_test_id("delete-submit")).to_be_disabled()
    dialog.get_by_test_id("delete-end").fill("2025-06-18T06:00")
    dialog.get_by_test_id("delete-submit").click()
    expect(dialog.get_by_test_id("delete-confirm")).to_contain_text(
        "Delete every BTCUSDT 1m bar from 2025-06-18 00:00 to 2025-06-18 06:00?"
    )
    assert data_server.api("GET", "/data/coverage")[1][0]["timeframes"][0]["bars"] == 10_080
    dialog.get_by_test_id("delete-yes").click()
    expect(page.get_by_test_id("delete-done")).to_have_text(
        "Deleted 360 BTCUSDT 1m bars; 9,720 stored."
    )
    expect(row.get_by_test_id("coverage-bars")).to_have_text("9,720")
    expect(row.get_by_test_id("coverage-gaps")).to_contain_text("1 gap(s), 360 bars missing")

    # Binance fails calls 2 to 5 (waits of 1, 2, 4, 8 s): the download is cancelled there
    for call in range(2, 6):
        binance.state.fail_call("klines", call, BUSY)
    form = page.get_by_test_id("download-form")
    form.get_by_test_id("download-mode").select_option("range")
    form.get_by_test_id("download-start").fill("2025-06-10")
    form.get_by_test_id("download-end").fill("2025-06-17")
    form.get_by_test_id("download-submit").click()
    job = form.get_by_test_id("download-job")
    expect(job).to_contain_text("1,500 of 10,080 candles · 1 page(s)")
    expect(job.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "15")
    form.get_by_test_id("download-cancel").click()
    expect(form.get_by_test_id("download-status")).to_have_text("cancelled")
    expect(form).to_contain_text("start the same download again to resume")
    expect(row.get_by_test_id("coverage-bars")).to_have_text("12,720")  # two pages kept

    form.get_by_test_id("download-submit").click()
    expect(form.get_by_test_id("download-status")).to_have_text("done")
    expect(job.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(job).to_contain_text("7,080 new candles stored")
    expect(row.get_by_test_id("coverage-bars")).to_have_text("19,800")
    expect(row).to_contain_text("2025-06-10 00:00")
    save_screenshot(page, tmp_path / "data-tab.png", full_page=True)

    page.get_by_test_id("lang-uk").click()  # longer labels: still no horizontal overflow
    expect(page.get_by_role("heading", name="Збережені свічки")).to_be_visible()
    expect(row.get_by_test_id("coverage-check")).to_have_text("Перевірити цілісність")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth")
    save_screenshot(page, tmp_path / "data-tab-uk.png", full_page=True)
