"""Time from clicking "Run backtest" to the result visible, for a 30-day 1m backtest.

The Backtest tab of the built SPA in headless Chromium against a real `scalplab serve`
over the real BTCUSDT month (see `spa_setup.py`): sma_cross (default parameters) on 1m,
2025-05-25 → 2025-06-23 (30 days, 43,287 bars). The clock runs from the click to the
"done" notice, read in the page (the click event to the DOM change that shows the
notice); the time Playwright's `expect` saw it is shown too (it re-checks every 0.5 s
after the first 0.3 s, so it lags the page by up to half a second). The first run is
the cold one (the first backtest after the server started; the page opens as soon as
the server answers), then `--warm` runs follow. For
each run it also reports how long the bar said "Queued…" and the progress values it
showed (read by a MutationObserver on the bar's `aria-valuenow`).
Usage: `python benchmarks/spa_backtest.py [--warm 3]`. Target: under 2 s warm.
"""

from __future__ import annotations

import argparse
import statistics
import time

from playwright.sync_api import Page, expect
from spa_setup import FIRST_DAY, chromium, new_page, seconds, spa_server

LAST_DAY = "2025-06-23"
TIMEOUT_MS = 300_000
WATCH_PROGRESS = """() => {
  window.__progress = [];
  const t0 = performance.now();
  const seen = (node) => {
    const bar = node.querySelector?.('[data-testid="backtest-progress"]');
    if (!bar) return;
    const text = document.querySelector('.progress-text')?.textContent ?? '';
    const last = window.__progress[window.__progress.length - 1];
    const now = [Math.round(performance.now() - t0), bar.getAttribute('aria-valuenow'), text];
    if (!last || last[1] !== now[1] || last[2] !== now[2]) window.__progress.push(now);
  };
  window.__clickAt = null;
  window.__doneAt = null;
  document.querySelector('[data-testid="run-backtest"]')?.addEventListener(
    'click', () => { window.__clickAt = performance.now(); }, {once: true});
  new MutationObserver(() => {
    seen(document);
    if (window.__doneAt === null && document.querySelector('[data-testid="job-done"]')) {
      window.__doneAt = performance.now();
    }
  }).observe(document.body, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
}"""
IN_PAGE_SECONDS = "(window.__doneAt - window.__clickAt) / 1000"


def fill_form(page: Page) -> None:
    """sma_cross on BTCUSDT 1m over the 30 days."""
    form = page.get_by_test_id("backtest-form")
    expect(form.get_by_label("Pair")).to_have_value("BTCUSDT")
    form.get_by_label("Strategy").select_option("sma_cross")
    form.get_by_label("Timeframe").select_option("1m")
    form.get_by_label("Start date").fill(FIRST_DAY)
    form.get_by_label("End date").fill(LAST_DAY)


def run_once(page: Page) -> tuple[float, float, list[list[object]]]:
    """Click "Run backtest"; seconds until the result shows (in the page, and as
    Playwright's `expect` saw it), and the progress seen."""
    page.evaluate(WATCH_PROGRESS)
    started = time.perf_counter()
    page.get_by_test_id("backtest-form").get_by_role("button", name="Run backtest").click()
    expect(page.get_by_test_id("job-done")).to_be_visible(timeout=TIMEOUT_MS)
    detected = seconds(started)
    return float(page.evaluate(IN_PAGE_SECONDS)), detected, page.evaluate("window.__progress")


def queued_seconds(progress: list[list[object]]) -> float:
    """How long the bar said "Queued…" (from its first to its first other state)."""
    queued = [p for p in progress if str(p[2]).startswith("Queued")]
    if not queued:
        return 0.0
    later = [p for p in progress if float(str(p[0])) > float(str(queued[0][0]))]
    moved = next((p for p in later if not str(p[2]).startswith("Queued")), None)
    end = float(str(moved[0])) if moved else float(str(queued[-1][0]))
    return (end - float(str(queued[0][0]))) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm runs after the cold one")
    args = parser.parse_args()
    with spa_server() as server, chromium() as browser:
        up = time.perf_counter()
        page = new_page(browser)
        page.goto(server.base + "/#backtest")
        fill_form(page)
        print(f"page ready {seconds(up):.2f} s after the server answered")
        times: list[float] = []
        seen: list[float] = []
        for index in range(args.warm + 1):
            elapsed, detected, progress = run_once(page)
            times.append(elapsed)
            seen.append(detected)
            values = sorted({int(str(p[1])) for p in progress if p[1] is not None})
            label = "cold" if index == 0 else f"warm {index}"
            print(
                f"{label:7s} {elapsed:6.2f} s  (expect saw it at {detected:.2f} s)  "
                f"queued {queued_seconds(progress):.2f} s  progress values {values}"
            )
        [summary] = [r for r in server.api("GET", "/backtests") if r["status"] == "done"][:1]
        job = server.api("GET", f"/backtests/{summary['id']}")
        print(
            f"run: {job['result']['metrics']['bars']} bars, "
            f"{job['result']['metrics']['trades']} trades"
        )
        print(f"cold {times[0]:.2f} s; warm median {statistics.median(times[1:]):.2f} s")
        print(
            f"as expect saw it: cold {seen[0]:.2f} s; "
            f"warm median {statistics.median(seen[1:]):.2f} s"
        )


if __name__ == "__main__":
    main()
