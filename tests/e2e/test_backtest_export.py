"""Export and provenance in the backtest details end to end: the built SPA, the real
server and Chromium.

Runs a backtest from the form (min_rr changed, circuit breakers off), opens its details,
downloads the trades (CSV), the result (JSON) and the chart (PNG), copies the CLI command
that reproduces the run and reads the provenance (the result hash among it).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _cli(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # JSON as JavaScript reads it: 2.0 is 2
    return str(value)


def _expected_command(result: dict[str, Any]) -> str:
    parts = [
        "scalplab backtest",
        f"--pair {result['pair']}",
        f"--strategy {result['strategy']}",
        f"--tf {result['timeframe']}",
        "--start 2025-06-17",
        "--end 2025-06-24",
    ]
    parts += [f"--param {key}={_cli(value)}" for key, value in result["params"].items()]
    parts += ["--risk min_rr=2.5", "--no-breakers"]
    return " ".join(parts)


def test_export_trades_result_chart_and_cli_command(
    page: Page, server: Server, tmp_path: Path
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    page.goto(server.base_url + "/#backtest")
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("15m")
    risk = form.get_by_test_id("risk-overrides")
    risk.locator("summary").click()
    risk.get_by_label("Minimum RR", exact=True).fill("2.5")
    risk.get_by_label("Circuit breakers", exact=True).uncheck()
    form.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=120_000)

    status, [summary] = server.api("GET", "/backtests")
    assert status == 200
    result = server.wait_done(summary["id"])["result"]
    assert result["trades"], "the sample run must trade"

    page.get_by_test_id("result-row").get_by_role("button", name="Detailed statistics").click()
    dialog = page.get_by_role("dialog", name="Detailed statistics")
    toolbar = dialog.get_by_test_id("export-toolbar")
    expect(toolbar).to_be_visible()
    stem = f"BTCUSDT_sma_cross_15m_{summary['id']}"

    # Trades as CSV: a header and one row per trade of the result.
    with page.expect_download() as info:
        toolbar.get_by_role("link", name="Export trades (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"{stem}_trades.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["symbol", "strategy", "side"] and rows[0][-1] == "pnl"
    assert len(rows) - 1 == len(result["trades"])
    assert [row[3] for row in rows[1:]] == [t["entry_time"] for t in result["trades"]]

    # The stored result as JSON: the same hash.
    with page.expect_download() as info:
        toolbar.get_by_role("link", name="Export result (JSON)").click()
    document = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert info.value.suggested_filename == f"{stem}_result.json"
    assert document["result_hash"] == result["result_hash"]
    assert document["id"] == summary["id"]

    # The chart as PNG, once drawn.
    expect(dialog.get_by_test_id("price-chart").locator("canvas").first).to_be_visible()
    with page.expect_download() as info:
        toolbar.get_by_role("button", name="Export chart (PNG)").click()
    png = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename == f"{stem}_chart.png"
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    (tmp_path / "chart.png").write_bytes(png)

    # The CLI command reproducing the run: shown, and copied with a confirmation.
    expected = _expected_command(result)
    expect(toolbar.get_by_test_id("cli-command")).to_have_value(expected)
    toolbar.get_by_role("button", name="Copy as CLI command").click()
    expect(toolbar.get_by_test_id("cli-copied")).to_have_text("Copied to the clipboard")
    assert page.evaluate("navigator.clipboard.readText()") == expected

    # Provenance: hash, source, bars, settings and symbol rules used.
    provenance = dialog.get_by_test_id("provenance")
    expect(provenance.get_by_test_id("result-hash")).to_have_text(result["result_hash"])
    expect(provenance.get_by_test_id("prov-source")).to_contain_text("candle store: BTCUSDT 15m")
    expect(provenance.get_by_test_id("prov-degraded")).to_contain_text("no")
    expect(provenance.get_by_test_id("prov-bars")).to_contain_text(
        f"2025-06-17 00:00 → 2025-06-23 23:45 · {result['metrics']['bars']:,} bars"
    )
    expect(provenance.get_by_test_id("prov-rules")).to_contain_text(
        f"source: {result['symbol_rules']['source']}"
    )
    expect(provenance.get_by_test_id("prov-settings")).to_contain_text("min_rr: 2.5")
    provenance.screenshot(path=str(tmp_path / "provenance.png"))
    toolbar.screenshot(path=str(tmp_path / "toolbar.png"))

    # Ukrainian.
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="UK").click()
    page.get_by_test_id("result-row").get_by_role("button", name="Детальна статистика").click()
    toolbar = page.get_by_test_id("export-toolbar")
    expect(toolbar.get_by_role("link", name="Експорт угод (CSV)")).to_be_visible()
    expect(toolbar.get_by_role("button", name="Копіювати як команду CLI")).to_be_visible()
    expect(page.get_by_test_id("provenance")).to_contain_text("Хеш результату")
