"""A backtest's properties and its date range, end to end: the built SPA, the real server
and Chromium.

The form refuses a range wholly outside the stored data (in words, nothing queued) and
says where a range that sticks out will be clamped; a bad property keeps the text as typed
and shows its problem; the run with changed properties is recorded with them, its details
show the funding model, and the copied CLI command, run on the same data, reproduces the
result hash.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from scalplab.backtests.runner import run_backtest
from scalplab.orders.run_args import add_run_arguments, request_from_args
from tests.conftest import make_settings
from tests.e2e.conftest import save_screenshot

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_properties_and_the_stored_range_in_the_backtest_form(
    page: Page,
    server: Server,
    tmp_path: Path,
) -> None:
    page.goto(server.base_url + "/#backtest")
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("15m")

    # Wholly outside the stored week: refused before anything runs.
    form.get_by_label("Start").fill("2025-07-01")
    form.get_by_label("End").fill("2025-07-03")
    outside = (
        "No stored BTCUSDT 15m data in 2025-07-01 → 2025-07-03: the store holds "
        "2025-06-17 → 2025-06-23."
    )
    expect(form.get_by_test_id("range-outside")).to_have_text(outside)
    form.get_by_role("button", name="Run backtest").click()
    expect(form.get_by_test_id("form-errors")).to_contain_text(outside)
    assert server.api("GET", "/backtests") == (200, [])

    # Sticking out: clamped to the stored part, and the form says so.
    form.get_by_label("Start").fill("2025-06-10")
    form.get_by_label("End").fill("2025-06-19")
    expect(form.get_by_test_id("range-outside")).to_have_count(0)
    expect(form.get_by_test_id("range-clamped")).to_have_text(
        "The store holds 2025-06-17 → 2025-06-23: this run will be clamped to "
        "2025-06-17 → 2025-06-19."
    )

    # Properties: prefilled from the server, a bad value stays as typed with its problem.
    properties = form.get_by_test_id("run-properties")
    properties.locator("summary").click()
    capital = properties.get_by_label("Initial capital (USDT)")
    expect(capital).to_have_value("10000")
    capital.fill("1.5.2")
    expect(capital).to_have_value("1.5.2")
    expect(properties.get_by_test_id("prop-error-initial_capital")).to_have_text(
        "Initial capital (USDT): must be a number."
    )
    capital.fill("20000")
    properties.get_by_label("Taker fee (%)").fill("0")
    properties.get_by_label("Funding model").select_option("none")
    expect(properties.get_by_label("Funding rate per settlement")).to_be_disabled()
    expect(properties.locator("summary")).to_contain_text("3 changed")
    save_screenshot(page, tmp_path / "backtest-properties.png", full_page=True)
    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)

    status, [summary] = server.api("GET", "/backtests")
    assert status == 200
    result = server.wait_done(summary["id"])["result"]
    settings = result["settings"]
    assert (settings["initial_capital"], settings["taker_fee_pct"]) == (20000.0, 0.0)
    assert settings["funding_model"] == "none" and result["metrics"]["funding"] == 0
    assert settings["maker_fee_pct"] == 0.02  # unchanged: the environment's
    assert result["partial"] is True and result["start"] == "2025-06-17T00:00:00Z"

    # The details show the properties; the copied CLI command carries them.
    page.get_by_test_id("result-row").get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    provenance = dialog.get_by_test_id("provenance")
    expect(provenance.get_by_test_id("prov-funding").locator("td")).to_have_text("No funding")
    expect(provenance.get_by_test_id("prov-settings")).to_contain_text("initial_capital: 20000")
    field = dialog.get_by_test_id("cli-command")
    expect(field).to_have_value(
        re.compile(
            r"^scalplab backtest --pair BTCUSDT --strategy sma_cross --tf 15m --start 2025-06-10 "
            r"--end 2025-06-20 (--param \S+ )+--capital 20000 --taker-fee-pct 0 --funding none "
            r"--allow-partial$"
        )
    )
    command = field.input_value()

    # Parsed as `scalplab backtest` parses it and run on the server's data, the command
    # reproduces the result hash.
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    args = parser.parse_args(shlex.split(command)[2:])
    rerun = run_backtest(request_from_args(args), make_settings(server.data_dir))
    assert rerun["result_hash"] == result["result_hash"]
