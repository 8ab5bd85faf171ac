"""The Sweep view of the Backtest tab end to end: the built SPA, the real server and Chromium.

Sweeps `sma_cross` over `fast` 5..15 step 5 × `slow` 30..60 step 30 (6 trials) on three
days of the bundled sample from the form, with a changed initial capital (a run property):
the progress shows while it runs, then the verification banner (valid), the best trial, the
trials table (sorted by a click on a header, checked against the API), the heat map; the top
trial opens as a backtest that lands with the same net P&L (the sweep's properties carried
over). Bad ranges are caught at the field before anything is sent, the server's refusal
shows in words, a sweep is deleted after a confirmation, and the view speaks Ukrainian.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import save_screenshot

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

START, END = "2025-06-17", "2025-06-19"  # inclusive in the form: [06-17, 06-20) in the API
GRID = {"fast": ("5", "15", "5"), "slow": ("30", "60", "30")}
TRIALS = 6


def _wait_ended(server: Server, sweep_id: str, timeout_s: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status, sweep = server.api("GET", f"/sweeps/{sweep_id}")
        assert status == 200, sweep
        if sweep["status"] not in ("queued", "running"):
            return dict(sweep)
        time.sleep(0.25)
    pytest.fail(f"sweep {sweep_id} still active after {timeout_s:.0f}s")


@pytest.fixture
def no_sweeps(server: Server) -> Server:
    """The server with no stored sweeps (an active one is cancelled first)."""
    status, sweeps = server.api("GET", "/sweeps")
    assert status == 200, sweeps
    for sweep in sweeps:
        if sweep["status"] in ("queued", "running"):
            server.api("POST", f"/sweeps/{sweep['id']}/cancel")
            _wait_ended(server, sweep["id"])
        status, body = server.api("DELETE", f"/sweeps/{sweep['id']}")
        assert status == 204, body
    return server


def _open_sweep_view(page: Page, server: Server) -> Locator:
    page.goto(server.base_url + "/#backtest")
    expect(page.get_by_role("heading", name="ScalpLab")).to_be_visible()
    page.get_by_role("button", name="Sweep", exact=True).click()
    expect(page.get_by_role("button", name="Sweep", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    form = page.get_by_test_id("sweep-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    expect(page.get_by_test_id("backtest-form")).to_be_hidden()
    return form


def _fill_grid(form: Locator) -> None:
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("15m")
    form.get_by_label("Start date").fill(START)
    form.get_by_label("End date").fill(END)
    expect(form.get_by_test_id("grid-size")).to_have_text(
        "Grid: choose at least one parameter to sweep"
    )
    for name, (start, stop, step) in GRID.items():
        form.get_by_label(f"Sweep {name}").check()
        row = form.get_by_test_id(f"sweep-param-{name}")
        row.get_by_label("From").fill(start)
        row.get_by_label("To").fill(stop)
        row.get_by_label("Step").fill(step)
    expect(form.get_by_test_id("axis-count-fast")).to_have_text("3 value(s), both ends included")
    expect(form.get_by_test_id("axis-count-slow")).to_have_text("2 value(s), both ends included")
    expect(form.get_by_test_id("grid-size")).to_have_text(f"Grid: {TRIALS} point(s)")
    form.get_by_label("Objective").select_option("net_pnl")


def _column(rows: Locator, name: str) -> list[float]:
    return [
        float(v)
        for v in rows.locator(f'[data-col="{name}"]').evaluate_all(
            "cells => cells.map(c => c.dataset.value)"
        )
    ]


def test_sweep_runs_ranks_maps_and_opens_a_trial_as_backtest(
    no_sweeps: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    """Form → progress → verified results → sort → heat map → open the top trial as a backtest."""
    form = _open_sweep_view(page, server)
    expect(page.get_by_test_id("sweeps-empty")).to_be_visible()
    _fill_grid(form)
    # Properties: a smaller account for every trial, sent as the one change.
    properties = form.get_by_test_id("run-properties")
    properties.locator("summary").click()
    expect(properties.get_by_label("Initial capital (USDT)")).to_have_value("10000")
    properties.get_by_label("Initial capital (USDT)").fill("5000")
    expect(properties.locator("summary")).to_contain_text("1 changed")
    save_screenshot(page, tmp_path / "sweep-form.png", full_page=True)

    form.get_by_role("button", name="Run sweep").click()
    detail = page.get_by_test_id("sweep-detail")
    # The progress shows first (queued, then task X of N with an ETA), then the results.
    progress = detail.get_by_role("progressbar", name="Sweep progress")
    expect(progress).to_be_visible()
    expect(detail.locator(".progress-text")).to_have_text(
        re.compile(r"^(Queued…|task \d+ of \d+ · ETA (—|(\d+ m )?\d+ s))$")
    )
    expect(detail).to_have_attribute("data-status", "done", timeout=120_000)
    expect(progress).to_be_hidden()

    status, sweeps = server.api("GET", "/sweeps")
    assert status == 200 and len(sweeps) == 1, sweeps
    sweep = sweeps[0]
    assert (sweep["pair"], sweep["strategy"], sweep["timeframe"], sweep["objective"]) == (
        "BTCUSDT",
        "sma_cross",
        "15m",
        "net_pnl",
    )
    assert (sweep["start"], sweep["end"]) == ("2025-06-17T00:00:00Z", "2025-06-20T00:00:00Z")
    assert sweep["request"]["grid"] == ["fast=5:15:5", "slow=30:60:30"]
    asked = {k: v for k, v in sweep["request"]["properties"].items() if v is not None}
    assert asked == {"initial_capital": 5000.0}, sweep["request"]
    summary = sweep["summary"]
    assert summary["valid"] and summary["trials"] == TRIALS, summary
    checked = summary["verification"]["checked"]
    assert checked > 0

    banner = detail.get_by_test_id("sweep-verification")
    expect(banner).to_have_text(
        f"Fast results verified against Backtrader: {checked} re-run(s), 0 differences."
    )
    expect(banner).to_have_class(re.compile("notice-success"))
    best = summary["best"]
    expect(detail.get_by_test_id("sweep-best")).to_contain_text(f"Best trial #{best['number']}")
    expect(detail.get_by_test_id("sweep-best").locator('[data-metric="net_pnl"] dd')).to_have_text(
        f"{best['score']['net_pnl']:+,.2f}".replace("-", "−")
    )

    # The trials table: every screened trial, ranked by the objective (net P&L, best first).
    status, trials = server.api("GET", f"/sweeps/{sweep['id']}/trials?kind=screen")
    assert status == 200 and len(trials) == TRIALS, trials
    rows = detail.get_by_test_id("trial-row")
    expect(rows).to_have_count(TRIALS)
    expect(rows.first).to_have_attribute("data-number", str(best["number"]))
    by_number = {t["number"]: t for t in trials}
    for index in range(TRIALS):
        row = rows.nth(index)
        trial = by_number[int(row.get_attribute("data-number") or "-1")]
        expect(row.locator('[data-col="param:fast"]')).to_have_text(str(trial["params"]["fast"]))
        expect(row.locator('[data-col="param:slow"]')).to_have_text(str(trial["params"]["slow"]))
        expect(row.locator('[data-col="trades"]')).to_have_text(str(trial["score"]["trades"]))
    status, verify = server.api("GET", f"/sweeps/{sweep['id']}/trials?kind=verify")
    assert status == 200 and len(verify) == checked
    expect(detail.locator('[data-col="verified"][data-verified="true"]')).to_have_count(checked)
    expect(detail.locator('[data-col="verified"][data-verified="false"]')).to_have_count(0)

    # Sorting: a click on "Net P&L" ranks by it, largest first; a second click reverses.
    header = detail.get_by_role("button", name="Net P&L", exact=True)
    header.click()
    expect(detail.locator('th[data-sort="net_pnl"]')).to_have_attribute("aria-sort", "descending")
    pnls = _column(rows, "net_pnl")
    assert pnls == sorted((t["score"]["net_pnl"] for t in trials), reverse=True), pnls
    header.click()
    expect(detail.locator('th[data-sort="net_pnl"]')).to_have_attribute("aria-sort", "ascending")
    assert _column(rows, "net_pnl") == sorted(pnls)
    header.click()
    assert _column(rows, "net_pnl") == pnls
    detail.get_by_role("button", name="Trades", exact=True).click()
    trades = _column(rows, "trades")
    assert trades == sorted(trades, reverse=True)
    header.click()

    # The heat map: fast × slow, one cell per pair of values, the best objective as value.
    heatmap = detail.get_by_test_id("heatmap")
    expect(heatmap.get_by_label("X axis")).to_have_value("fast")
    expect(heatmap.get_by_label("Y axis")).to_have_value("slow")
    cells = heatmap.get_by_test_id("heat-cell")
    expect(cells).to_have_count(TRIALS)
    ranked = [t for t in trials if t["objective"] is not None]
    expect(heatmap.locator('[data-testid="heat-cell"][data-value]')).to_have_count(len(ranked))
    top_trial = max(ranked, key=lambda t: t["objective"])
    top_cell = heatmap.locator(f'[data-testid="heat-cell"][data-value="{top_trial["objective"]}"]')
    expect(top_cell).to_have_attribute(
        "title",
        re.compile(
            rf"^fast={top_trial['params']['fast']}, slow={top_trial['params']['slow']}: "
            rf"Net P&L .+ \(trial #{top_trial['number']}\)$"
        ),
    )
    expect(top_cell).to_have_attribute("style", re.compile(r"background: rgb\("))
    heatmap.get_by_label("Y axis").select_option("")
    expect(cells).to_have_count(3)  # fast only: the best over slow
    heatmap.get_by_label("Y axis").select_option("slow")
    save_screenshot(page, tmp_path / "sweep-results.png", full_page=True)

    # "Open as backtest" on the top row (sorted by net P&L): the Backtest view runs it.
    top = rows.first
    trial_pnl = float(top.locator('[data-col="net_pnl"]').get_attribute("data-value") or "nan")
    trial_pnl_text = top.locator('[data-col="net_pnl"]').inner_text()
    top.get_by_role("button", name="Open as backtest").click()
    expect(page.get_by_role("button", name="Backtest", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    opened = page.get_by_test_id("opened-backtest")
    expect(opened.get_by_test_id("opened-done")).to_be_visible(timeout=120_000)
    expect(opened.get_by_test_id("opened-done")).to_contain_text(f"net P&L {trial_pnl_text}.")
    shown = float(opened.get_by_test_id("opened-net-pnl").get_attribute("data-value") or "nan")
    assert shown == pytest.approx(trial_pnl, abs=1e-6)
    status, backtests = server.api("GET", "/backtests")
    assert status == 200 and len(backtests) == 1, backtests
    run = backtests[0]
    assert (run["start"], run["end"]) == (sweep["start"], sweep["end"])
    assert {k: run["params"][k] for k in ("fast", "slow")} == top_trial_params(trials, top)
    status, opened_run = server.api("GET", f"/backtests/{run['id']}")
    assert status == 200 and opened_run["result"]["settings"]["initial_capital"] == 5000.0
    result_row = page.get_by_test_id("result-row")
    expect(result_row).to_have_count(1)
    expect(result_row.locator('[data-col="net_pnl"]')).to_have_text(trial_pnl_text)
    save_screenshot(page, tmp_path / "sweep-opened.png")

    # Back to the sweep: still there as it was left.
    opened.get_by_role("button", name="Back to the sweep").click()
    expect(detail).to_be_visible()
    expect(detail.locator('th[data-sort="net_pnl"]')).to_have_attribute("aria-sort", "descending")

    # The list: reopen, then delete after a confirmation.
    listed = page.get_by_test_id("sweep-row")
    expect(listed).to_have_count(1)
    expect(listed).to_have_attribute("data-status", "done")
    expect(listed).to_contain_text("sma_cross")
    detail.get_by_role("button", name="Close").click()
    expect(detail).to_have_count(0)
    listed.get_by_role("button", name="Open").click()
    expect(page.get_by_test_id("sweep-detail")).to_have_attribute("data-id", sweep["id"])
    expect(page.get_by_test_id("trial-row")).to_have_count(TRIALS)
    listed.get_by_role("button", name="Delete sweep").click()
    confirm = page.get_by_test_id("confirm-delete-sweep")
    confirm.get_by_role("button", name="Cancel").click()
    expect(listed).to_have_count(1)
    listed.get_by_role("button", name="Delete sweep").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_test_id("sweeps-empty")).to_be_visible()
    expect(page.get_by_test_id("sweep-detail")).to_have_count(0)
    assert server.api("GET", "/sweeps") == (200, [])


def top_trial_params(trials: list[dict[str, Any]], row: Locator) -> dict[str, Any]:
    """The swept params of the trial a table row shows."""
    number = int(row.get_attribute("data-number") or "-1")
    params = next(t["params"] for t in trials if t["number"] == number)
    return {"fast": params["fast"], "slow": params["slow"]}


def test_bad_ranges_are_caught_at_the_field_and_refusals_shown(
    no_sweeps: Server, page: Page, server: Server, console: ConsoleLog
) -> None:
    """To below From (and other bad input) shows at the field and sends nothing; the
    server's refusal of a range without data shows its one-line reason."""
    form = _open_sweep_view(page, server)
    _fill_grid(form)
    fast = form.get_by_test_id("sweep-param-fast")
    fast.get_by_label("To").fill("3")
    error = form.get_by_test_id("axis-error-fast")
    expect(error).to_have_text("fast: “To” must not be below “From”.")
    expect(fast.get_by_label("To")).to_have_attribute("aria-invalid", "true")
    expect(fast.get_by_label("To")).to_have_value("3")  # what was typed stays
    expect(form.get_by_test_id("grid-size")).to_have_text("Grid: — (fix the ranges above)")
    form.get_by_role("button", name="Run sweep").click()
    expect(page.get_by_test_id("sweep-form-errors")).to_contain_text(
        "fast: “To” must not be below “From”."
    )
    fast.get_by_label("Step").fill("0")
    expect(error).to_contain_text("fast: “Step” must be above 0.")
    fast.get_by_label("Step").fill("2.5")
    expect(error).to_contain_text("fast: “Step” must be a whole number.")
    form.get_by_test_id("sweep-param-slow").get_by_label("From").fill("1")
    expect(form.get_by_test_id("axis-error-slow")).to_have_text("slow: “From” must be at least 2.")
    form.get_by_role("button", name="Run sweep").click()
    assert server.api("GET", "/sweeps") == (200, []), "an invalid form reached the API"

    fast.get_by_label("To").fill("15")
    fast.get_by_label("Step").fill("5")
    form.get_by_test_id("sweep-param-slow").get_by_label("From").fill("30")
    expect(error).to_have_count(0)
    form.get_by_label("Walk-forward").check()
    form.get_by_label("Train days").fill("3")
    form.get_by_label("Test days").fill("2")
    expect(form.get_by_test_id("wf-windows")).to_have_text("0 window(s)")
    form.get_by_role("button", name="Run sweep").click()
    expect(page.get_by_test_id("sweep-form-errors")).to_contain_text(
        "Walk-forward needs at least 5 day(s) of data; the range has 3."
    )
    form.get_by_label("Walk-forward").uncheck()
    assert server.api("GET", "/sweeps") == (200, [])

    # Dates without candles pass the form; the API refuses them (HTTP 422) in one line.
    console.allow(r"status of 422")
    body = {
        "pair": "BTCUSDT",
        "strategy": "sma_cross",
        "timeframe": "15m",
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-01-04T00:00:00Z",
        "grid": ["fast=5:15:5"],
    }
    status, refused = server.api("POST", "/sweeps", body)
    assert status == 422 and isinstance(refused["detail"], str), refused
    form.get_by_label("Start date").fill("2024-01-01")
    form.get_by_label("End date").fill("2024-01-03")
    form.get_by_role("button", name="Run sweep").click()
    expect(page.get_by_test_id("sweep-form-errors")).to_be_hidden()
    expect(page.get_by_test_id("sweep-submit-error")).to_have_text(
        f"The server rejected the sweep: {refused['detail']}"
    )
    assert server.api("GET", "/sweeps") == (200, [])


def test_the_sweep_view_speaks_ukrainian(no_sweeps: Server, page: Page, server: Server) -> None:
    """EN/UK: the switch, the form, field errors and the results follow the language."""
    body = {
        "pair": "BTCUSDT",
        "strategy": "sma_cross",
        "timeframe": "15m",
        "start": "2025-06-17T00:00:00Z",
        "end": "2025-06-19T00:00:00Z",
        "grid": ["fast=5:10:5"],
        "objective": "net_pnl",
    }
    status, queued = server.api("POST", "/sweeps", body)
    assert status == 202, queued
    done = _wait_ended(server, queued["id"])
    assert done["status"] == "done", done

    form = _open_sweep_view(page, server)
    page.get_by_role("button", name="UK").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("button", name="Перебір", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("button", name="Бектест", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Новий перебір параметрів")).to_be_visible()
    form.get_by_label("Стратегія").select_option("sma_cross")
    form.get_by_label("Перебирати fast").check()
    fast = form.get_by_test_id("sweep-param-fast")
    for label in ("Від", "До", "Крок"):
        expect(fast.get_by_label(label, exact=True)).to_be_visible()
    expect(form.get_by_label("Вибірка")).to_be_visible()
    expect(form.get_by_label("Ціль")).to_be_visible()
    expect(form.get_by_label("Процеси")).to_be_visible()
    expect(form.get_by_role("button", name="Запустити перебір")).to_be_visible()
    fast.get_by_label("Від").fill("20")
    fast.get_by_label("До").fill("10")
    expect(form.get_by_test_id("axis-error-fast")).to_have_text(
        "fast: «До» не може бути меншим за «Від»."
    )
    form.get_by_role("button", name="Запустити перебір").click()
    errors = page.get_by_test_id("sweep-form-errors")
    expect(errors).to_contain_text("Виправте, будь ласка:")
    expect(errors).to_contain_text("fast: «До» не може бути меншим за «Від».")

    page.get_by_test_id("sweep-row").get_by_role("button", name="Відкрити").click()
    detail = page.get_by_test_id("sweep-detail")
    expect(detail.get_by_test_id("sweep-verification")).to_contain_text(
        "Швидкі результати перевірено через Backtrader"
    )
    expect(detail.get_by_role("heading", name="Теплова карта")).to_be_visible()
    expect(detail.get_by_role("button", name="Відкрити як бектест").first).to_be_visible()
    expect(page.get_by_test_id("sweep-row").locator(".badge")).to_have_text("готово")

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_test_id("axis-error-fast")).to_have_text(
        "fast: “To” must not be below “From”."
    )
    expect(errors).to_contain_text("fast: “To” must not be below “From”.")
    expect(detail.get_by_test_id("sweep-verification")).to_contain_text(
        "Fast results verified against Backtrader"
    )


def test_a_walk_forward_shows_its_go_live_gates(
    no_sweeps: Server, page: Page, server: Server, tmp_path: Path
) -> None:
    """A 3d/2d walk-forward over the week: the go-live gates out of sample and in sample, as
    the API has them, with their thresholds and marks."""
    body = {
        "pair": "BTCUSDT",
        "strategy": "sma_cross",
        "timeframe": "15m",
        "start": "2025-06-17T00:00:00Z",
        "end": "2025-06-24T00:00:00Z",
        "grid": ["fast=5:10:5"],
        "objective": "net_pnl",
        "walk_forward": "3d/2d",
    }
    status, queued = server.api("POST", "/sweeps", body)
    assert status == 202, queued
    done = _wait_ended(server, queued["id"])
    assert done["status"] == "done", done
    gates = done["summary"]["walk_forward"]["gates"]
    assert [len(gates["out_of_sample"]), len(gates["in_sample"])] == [9, 9], gates

    _open_sweep_view(page, server)
    page.get_by_test_id("sweep-row").get_by_role("button", name="Open").click()
    section = page.get_by_test_id("walk-forward").get_by_test_id("wf-gates-section")
    expect(section.get_by_role("heading", name="Go-live gates (seed 002 §12)")).to_be_visible()
    table = section.get_by_test_id("wf-gates")
    expect(table.get_by_test_id("gate-row")).to_have_count(9)
    marks = {True: "true", False: "false", None: "none"}
    for side, key in (("out_of_sample", "oos"), ("in_sample", "is")):
        for gate in gates[side]:
            cell = table.locator(f'[data-gate="{gate["name"]}"] [data-set="{key}"]')
            expect(cell.and_(page.locator('[data-col="passed"]'))).to_have_attribute(
                "data-passed", marks[gate["passed"]]
            )
        tally = sum(1 for g in gates[side] if g["op"] in (">", "<") and g["passed"])
        label = "Out of sample" if key == "oos" else "In sample"
        expect(table.locator("thead")).to_contain_text(f"{label} ({tally}/7)")
    sample = next(g for g in gates["out_of_sample"] if g["name"] == "sample_size")
    expect(
        table.locator('[data-gate="sample_size"] [data-set="oos"][data-col="value"]')
    ).to_have_text(str(int(sample["value"])))
    expect(table.locator('[data-gate="win_rate"] [data-col="threshold"]')).to_have_text("> 55 %")
    expect(
        table.locator('[data-gate="paper_trade_days"] [data-set="oos"][data-col="passed"]')
    ).to_have_text("not checked here")
    section.scroll_into_view_if_needed()
    save_screenshot(page, tmp_path / "sweep-walk-forward-gates.png", full_page=True)
    page.get_by_role("button", name="UK").click()
    expect(
        section.get_by_role("heading", name="Критерії виходу в реальну торгівлю (seed 002 §12)")
    ).to_be_visible()
    expect(table.locator('[data-gate="avg_r"] th')).to_have_text("Середній досягнутий R")
    expect(
        table.locator('[data-gate="paper_trade_days"] [data-set="is"][data-col="passed"]')
    ).to_have_text("тут не перевіряється")
    page.get_by_role("button", name="EN").click()
    expect(table.locator('[data-gate="avg_r"] th')).to_have_text("Average R achieved")
