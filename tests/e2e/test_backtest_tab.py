"""The Backtest tab end to end: the built SPA, the real server and Chromium.

Runs a backtest from the form on the bundled sample, checks the results table
against the API, opens "Detailed statistics" (metrics, chart, trades), deletes
results one by one and all at once, and shows client- and server-side errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import ConsoleLog, Server

pytestmark = pytest.mark.e2e

SAMPLE_FIRST_DAY = "2025-06-17"
SAMPLE_LAST_DAY = "2025-06-23"
PREFERRED_STRATEGY = "smc"
EXIT_REASONS = ("tp", "sl", "liquidation", "end", "max_hold")


def _strategies(server: Server) -> list[dict[str, Any]]:
    status, strategies = server.api("GET", "/strategies")
    assert status == 200 and strategies, "the registry offers no strategy"
    return list(strategies)


def _pick_strategy(server: Server) -> dict[str, Any]:
    strategies = _strategies(server)
    return next((s for s in strategies if s["name"] == PREFERRED_STRATEGY), strategies[0])


def _open(page: Page, server: Server) -> Locator:
    page.goto(server.base_url + "/#backtest")
    expect(page.get_by_role("heading", name="ScalpLab")).to_be_visible()
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    return form


def _expect_param_controls(form: Locator, strategy: dict[str, Any]) -> None:
    """Every parameter is rendered from its metadata with its default value."""
    for param in strategy["params"]:
        control = form.get_by_label(param["name"], exact=True)
        if param["type"] == "bool":
            expect(control).to_have_attribute("type", "checkbox")
            if param["default"]:
                expect(control).to_be_checked()
            else:
                expect(control).not_to_be_checked()
        elif param["choices"]:
            expect(control).to_have_value(str(param["default"]))
            assert control.locator("option").all_inner_texts() == param["choices"]
        elif param["type"] in ("int", "float"):
            expect(control).to_have_attribute("type", "number")
            assert float(control.input_value()) == float(param["default"])
            if param["min"] is not None:
                assert float(control.get_attribute("min") or "nan") == param["min"]
            if param["max"] is not None:
                assert float(control.get_attribute("max") or "nan") == param["max"]
        else:
            expect(control).to_have_value(str(param["default"]))


def test_run_backtest_and_inspect_details(page: Page, server: Server, tmp_path: Path) -> None:
    """Form → run → table → detailed statistics (metrics, chart, trades) → delete."""
    strategy = _pick_strategy(server)
    form = _open(page, server)
    expect(page.get_by_role("tab")).to_have_count(4)
    expect(page.get_by_role("tab", name="Backtest")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("results-empty")).to_be_visible()

    form.get_by_label("Strategy").select_option(strategy["name"])
    form.get_by_label("Timeframe").select_option("15m")
    # The range defaults to the last 7 days of the pair's stored data (the whole sample).
    expect(form.get_by_label("Start date")).to_have_value(SAMPLE_FIRST_DAY)
    expect(form.get_by_label("End date")).to_have_value(SAMPLE_LAST_DAY)
    _expect_param_controls(form, strategy)

    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)

    status, listing = server.api("GET", "/backtests")
    assert status == 200 and len(listing) == 1
    summary = listing[0]
    assert (summary["pair"], summary["strategy"], summary["timeframe"]) == (
        "BTCUSDT",
        strategy["name"],
        "15m",
    )
    assert (summary["start"], summary["end"]) == ("2025-06-17T00:00:00Z", "2025-06-24T00:00:00Z")
    key = summary["metrics"]

    row = page.get_by_test_id("result-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "done")
    expect(row).to_contain_text(f"{SAMPLE_FIRST_DAY} – {SAMPLE_LAST_DAY}")
    expect(row.locator('[data-col="trades"]')).to_have_text(str(key["trades"]))
    expect(row.locator('[data-col="win_rate"]')).to_have_text(f"{key['win_rate']:.1f} %")

    # Metrics are not in the page before "Detailed statistics" is clicked.
    expect(page.get_by_test_id("metrics-performance")).to_have_count(0)
    row.get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    expect(dialog).to_be_visible()

    status, job = server.api("GET", f"/backtests/{summary['id']}")
    assert status == 200
    result = job["result"]
    metrics = result["metrics"]
    performance = dialog.get_by_test_id("metrics-performance")
    expect(performance.locator('[data-metric="trades"] dd')).to_have_text(str(metrics["trades"]))
    expect(performance.locator('[data-metric="win_rate"] dd')).to_have_text(
        f"{metrics['win_rate']:.2f} %" if metrics["trades"] else "—"  # nothing to measure
    )
    expect(performance.locator('[data-metric="final_equity"] dd')).to_have_text(
        f"{metrics['final_equity']:,.2f} USDT"
    )
    for name in (
        "net_pnl",
        "return_pct",
        "expectancy",
        "sharpe",
        "sortino",
        "profit_factor",
        "max_drawdown_pct",
        "exposure_pct",
        "avg_hold_minutes",
    ):
        expect(performance.locator(f'[data-metric="{name}"]')).to_be_visible()
    for name in ("fees", "slippage", "funding"):
        expect(
            dialog.get_by_test_id("metrics-costs").locator(f'[data-metric="{name}"]')
        ).to_be_visible()
    exits = dialog.get_by_test_id("metrics-exits")
    for reason in EXIT_REASONS:
        expect(exits.locator(f'[data-metric="{reason}"] dd')).to_have_text(
            str(metrics["exits"][reason])
        )
    signals = dialog.get_by_test_id("metrics-signals")
    for name in ("signals_generated", "signals_accepted", "signals_rejected"):
        expect(signals.locator(f'[data-metric="{name}"] dd')).to_have_text(str(metrics[name]))
    for reason, count in result["rejected"].items():
        expect(
            dialog.get_by_test_id("metrics-rejected").locator(f'[data-metric="{reason}"] dd')
        ).to_have_text(str(count))

    # Seed 002's go-live gates beside the metrics: value, threshold and mark as the API has them.
    gates_table = dialog.get_by_test_id("gates-table")
    expect(gates_table.get_by_test_id("gate-row")).to_have_count(len(result["gates"]))
    marks = {True: "true", False: "false", None: "none"}
    for gate in result["gates"]:
        expect(
            gates_table.locator(f'[data-gate="{gate["name"]}"] [data-col="passed"]')
        ).to_have_attribute("data-passed", marks[gate["passed"]])
    gate = {g["name"]: g for g in result["gates"]}
    expect(gates_table.locator('[data-gate="sample_size"] [data-col="value"]')).to_have_text(
        str(int(gate["sample_size"]["value"]))
    )
    expect(gates_table.locator('[data-gate="win_rate"] [data-col="threshold"]')).to_have_text(
        "> 55 %"
    )
    expect(gates_table.locator('[data-gate="max_drawdown_pct"] [data-col="value"]')).to_have_text(
        f"{gate['max_drawdown_pct']['value']:.1f} %"
    )
    expect(gates_table.locator('[data-gate="paper_trade_days"] [data-col="passed"]')).to_have_text(
        "not checked here"
    )
    tally = sum(1 for g in result["gates"] if g["op"] in (">", "<") and g["passed"])
    expect(dialog.get_by_test_id("gates-summary")).to_have_text(f"{tally} of 7 gates passed")

    chart = dialog.get_by_test_id("price-chart")
    expect(chart.locator("canvas").first).to_be_visible()
    chart_box = chart.bounding_box()
    assert chart_box is not None and chart_box["height"] > 200
    expect(dialog.get_by_test_id("trade-row")).to_have_count(len(result["trades"]))

    # Grow the viewport to the whole dialog so the screenshot shows all of it.
    box = dialog.bounding_box()
    assert box is not None
    page.set_viewport_size({"width": 1440, "height": int(box["height"]) + 80})
    shot = tmp_path / "backtest-details.png"
    dialog.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    page.set_viewport_size({"width": 1440, "height": 1000})

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    row.get_by_role("button", name="Detailed statistics").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.screenshot(path=str(tmp_path / "backtest-tab.png"))

    row.get_by_role("button", name="Delete result").click()
    page.get_by_role("dialog", name="Delete result").get_by_role(
        "button", name="Yes, delete"
    ).click()
    expect(page.get_by_test_id("results-empty")).to_be_visible()
    expect(page.get_by_test_id("result-row")).to_have_count(0)
    assert server.api("GET", "/backtests") == (200, [])


def test_a_run_with_risk_overrides_shows_them_in_its_details(
    page: Page, server: Server, tmp_path: Path
) -> None:
    """Risk settings (collapsed) show the environment's values; a run with min_rr changed and
    the circuit breakers off records both, and its details show them beside the blocks."""
    form = _open(page, server)
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("15m")
    risk = form.get_by_test_id("risk-overrides")
    expect(risk).not_to_have_attribute("open", "")
    expect(risk.locator("summary")).to_contain_text("Risk settings (the environment's defaults)")
    risk.locator("summary").click()
    status, schema = server.api("GET", "/settings/risk-schema")
    assert status == 200, schema
    for field in schema["fields"]:
        control = risk.locator(f"#bt-risk-{field['name']}")
        if field["type"] == "bool":
            expect(control).to_be_checked(checked=bool(field["default"]))
        else:
            assert float(control.input_value()) == float(field["default"]), field
    breakers = risk.get_by_label("Circuit breakers", exact=True)
    expect(breakers).to_be_checked()

    # Out of bounds is stopped in the form, before the API.
    risk.get_by_label("Positions", exact=True).fill("-1")
    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Positions: must be at least 0.")
    assert server.api("GET", "/backtests") == (200, [])
    risk.get_by_test_id("risk-defaults").click()

    risk.get_by_label("Minimum RR", exact=True).fill("2.5")
    breakers.uncheck()
    expect(risk.get_by_label("Entries per hour", exact=True)).to_be_disabled()
    expect(risk.get_by_label("Minimum RR", exact=True)).to_be_enabled()  # min_rr stays
    expect(risk.locator("summary")).to_contain_text("1 changed · circuit breakers off")
    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)

    status, [summary] = server.api("GET", "/backtests")
    status, job = server.api("GET", f"/backtests/{summary['id']}")
    used = job["result"]["risk"]
    assert (used["min_rr"], used["breakers_on"]) == (2.5, ["min_rr"]), used
    assert not used["overtrading_enabled"] and job["result"]["blocked"] == {}

    page.get_by_test_id("result-row").get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    expect(dialog.get_by_test_id("breakers-on")).to_have_text(
        "Circuit breakers on: Minimum reward/risk"
    )
    rows = dialog.get_by_test_id("risk-used-row")
    expect(rows).to_have_count(len(schema["breakers"]))
    min_rr = dialog.locator('[data-testid="risk-used-row"][data-breaker="min_rr"]')
    expect(min_rr).to_have_attribute("data-on", "true")
    expect(min_rr).to_contain_text("Minimum RR: 2.5")
    overtrading = dialog.locator('[data-testid="risk-used-row"][data-breaker="overtrading"]')
    expect(overtrading).to_have_attribute("data-on", "false")
    expect(overtrading).to_contain_text("off")
    expect(dialog.get_by_test_id("metrics-blocked")).to_have_count(0)
    expect(dialog.get_by_text("No signal was blocked.")).to_be_visible()
    signals = dialog.get_by_test_id("metrics-signals")
    expect(signals.locator('[data-metric="signals_blocked"] dd')).to_have_text("0")
    dialog.get_by_test_id("risk-section").screenshot(path=str(tmp_path / "risk-used.png"))
    dialog.get_by_role("button", name="Close").click()
    page.get_by_test_id("result-row").get_by_role("button", name="Delete result").click()
    page.get_by_role("button", name="Yes, delete", exact=True).click()
    expect(page.get_by_test_id("results-empty")).to_be_visible()


def test_delete_all_asks_for_confirmation(page: Page, server: Server) -> None:
    """The "Delete all" button removes every result only after the confirmation step."""
    for pair, strategy in (("BTCUSDT", _pick_strategy(server)["name"]), ("ETHUSDT", "sma_cross")):
        status, queued = server.api(
            "POST",
            "/backtests",
            {
                "pair": pair,
                "strategy": strategy,
                "timeframe": "15m",
                "start": "2025-06-17",
                "end": "2025-06-24",
                "params": {},
            },
        )
        assert status == 202, queued
        server.wait_done(queued["id"])
    _open(page, server)
    rows = page.get_by_test_id("result-row")
    expect(rows).to_have_count(2)

    page.get_by_role("button", name="Delete all").click()
    confirm = page.get_by_test_id("confirm-delete-all")
    expect(confirm).to_contain_text("Delete all 2 result(s)?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(rows).to_have_count(2)

    page.get_by_role("button", name="Delete all").click()
    page.get_by_role("button", name="Yes, delete all").click()
    expect(page.get_by_test_id("results-empty")).to_be_visible()
    assert server.api("GET", "/backtests") == (200, [])


def test_validation_errors_are_shown(page: Page, server: Server, console: ConsoleLog) -> None:
    """Client-side checks stop bad input before the API; server errors show their detail."""
    form = _open(page, server)
    run = form.get_by_role("button", name="Run backtest")
    errors = page.get_by_test_id("form-errors")

    form.get_by_label("Start date").fill("2025-06-20")
    form.get_by_label("End date").fill("2025-06-18")
    run.click()
    expect(errors).to_contain_text("The end date must not be before the start date.")

    form.get_by_label("Start date").fill("2025-05-01")
    form.get_by_label("End date").fill(SAMPLE_LAST_DAY)
    run.click()
    expect(errors).to_contain_text("The date range must be 1–30 days (selected: 54).")

    strategy = _pick_strategy(server)
    bounded = next(
        p for p in strategy["params"] if p["type"] in ("int", "float") and p["max"] is not None
    )
    form.get_by_label("Start date").fill(SAMPLE_FIRST_DAY)
    form.get_by_label(bounded["name"], exact=True).fill(str(int(bounded["max"]) + 1))
    run.click()
    expect(errors).to_contain_text(f"{bounded['name']}: must be at most {bounded['max']:g}.")
    assert server.api("GET", "/backtests") == (200, []), "an invalid form reached the API"
    form.get_by_label(bounded["name"], exact=True).fill(str(bounded["default"]))

    # Dates outside the stored data: the API refuses them (HTTP 422), and so does the form,
    # in words, before anything is sent.
    body = {
        "pair": "BTCUSDT",
        "strategy": strategy["name"],
        "timeframe": "15m",
        "start": "2024-01-01",
        "end": "2024-01-08",
        "params": {},
    }
    status, refused = server.api("POST", "/backtests", body)
    assert status == 422 and "no BTCUSDT 15m candles" in refused["detail"]
    form.get_by_label("Start date").fill("2024-01-01")
    form.get_by_label("End date").fill("2024-01-07")
    run.click()
    outside = f"the store holds {SAMPLE_FIRST_DAY} → {SAMPLE_LAST_DAY}."
    expect(errors).to_contain_text("No stored BTCUSDT")
    expect(errors).to_contain_text(outside)
    expect(form.get_by_test_id("range-outside")).to_contain_text(outside)
    expect(page.get_by_test_id("results-empty")).to_be_visible()
    assert server.api("GET", "/backtests") == (200, []), "a range with no data reached the API"


def test_language_switch_translates_the_tab(page: Page, server: Server) -> None:
    """EN/UK switch: labels, buttons and messages follow the chosen language."""
    form = _open(page, server)
    page.get_by_role("button", name="UK").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("tab", name="Бектест")).to_be_visible()
    expect(form.get_by_role("button", name="Запустити бектест")).to_be_visible()
    form.get_by_label("Дата початку").fill("2025-06-20")
    form.get_by_label("Дата завершення").fill("2025-06-18")
    form.get_by_role("button", name="Запустити бектест").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "Дата завершення не може бути раніше дати початку."
    )
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "The end date must not be before the start date."
    )
    expect(page.get_by_role("tab", name="Backtest")).to_be_visible()
