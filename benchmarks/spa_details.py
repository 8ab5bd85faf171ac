"""Time to open the details of a result with about 5,000 trades in the SPA.

A real `scalplab serve` over the real BTCUSDT month (see `spa_setup.py`) runs the e2e
test plugin `e2e_pulse` on 1m over 2025-05-25 → 2025-06-21: a long signal every 7 bars,
0.3 % stop, 3.5 R target, closed after at most 3 bars, so every signal trades (about one
trade per 7 bars), each risking 0.01 % of the equity (`RISK_PER_TRADE_PCT`) so the fees
never empty the account (5,464 trades). The result is made through the API; the clock
then runs, in headless Chromium, from clicking "Detailed statistics" on its row until the
dialog shows its metrics and its first trade row, and on until the price chart's canvas
is drawn. Each of `--runs` openings uses a fresh page. It also reports the sizes of
what the dialog loads: the result JSON and the run's candles.
Usage: `python benchmarks/spa_details.py [--runs 3]`. Target: under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
from playwright.sync_api import expect
from spa_setup import FIRST_DAY, SpaServer, chromium, new_page, seconds, spa_server

RUN = {
    "pair": "BTCUSDT",
    "strategy": "e2e_pulse",
    "timeframe": "1m",
    "start": FIRST_DAY,
    "end": "2025-06-21",
    "allow_partial": True,
    "params": {"first": 2, "every": 7, "stop_pct": 0.3, "rr": 3.5, "max_hold_bars": 3},
}


def payload_sizes(server: SpaServer, backtest_id: str) -> None:
    """Bytes (and gzip-encoded bytes) of the result and of the run's candles."""
    for path in (
        f"/backtests/{backtest_id}",
        f"/market/candles/BTCUSDT?tf=1m&start={RUN['start']}&end={RUN['end']}",
    ):
        started = time.perf_counter()
        plain = httpx.get(server.base + path, headers={"Accept-Encoding": "identity"}, timeout=60)
        took = seconds(started)
        with httpx.stream(
            "GET", server.base + path, headers={"Accept-Encoding": "gzip"}, timeout=60
        ) as zipped:
            wire = sum(len(chunk) for chunk in zipped.iter_raw())
        print(
            f"GET {path.split('?')[0]}: {plain.status_code}, {len(plain.content) / 1e6:.2f} MB "
            f"({wire / 1e6:.2f} MB on the wire with gzip), {took:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="openings to time")
    args = parser.parse_args()
    with spa_server({"RISK_PER_TRADE_PCT": "0.01"}) as server, chromium() as browser:
        queued = server.api("POST", "/backtests", RUN)
        result = server.wait_done(queued["id"])["result"]
        print(f"result: {len(result['trades'])} trades over {result['metrics']['bars']} bars")
        payload_sizes(server, queued["id"])
        times: list[float] = []
        charts: list[float] = []
        for index in range(args.runs):
            page = new_page(browser)
            page.goto(server.base + "/#backtest")
            row = page.get_by_test_id("result-row").first
            expect(row).to_have_attribute("data-status", "done", timeout=30_000)
            started = time.perf_counter()
            row.get_by_role("button", name="Detailed statistics").click()
            dialog = page.get_by_role("dialog", name="Detailed statistics")
            expect(dialog.get_by_test_id("metrics-performance")).to_be_visible(timeout=60_000)
            expect(dialog.get_by_test_id("trade-row").first).to_be_visible(timeout=60_000)
            elapsed = seconds(started)
            rows = dialog.get_by_test_id("trade-row").count()
            all_rows = dialog.locator("tr").count()
            expect(dialog.locator("canvas").first).to_be_visible(timeout=60_000)
            drawn = seconds(started)
            times.append(elapsed)
            charts.append(drawn)
            print(
                f"opening {index + 1}: {elapsed:.2f} s ({rows} trade rows, {all_rows} table "
                f"rows in the dialog), the price chart drawn at {drawn:.2f} s"
            )
            page.context.close()
        print(
            f"details median {statistics.median(times):.2f} s; "
            f"with the chart drawn {statistics.median(charts):.2f} s"
        )


if __name__ == "__main__":
    main()
