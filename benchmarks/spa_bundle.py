"""Lighthouse-style numbers of the built SPA: first-screen JS/CSS size (gzip) and first
contentful paint from the local server.

The first screen is what headless Chromium fetches from `web/dist/assets` when it opens
the app's root (the default tab) until the network is idle; each file's gzip size is
`gzip -9` of the built file (what a compressing server or proxy sends). The whole build
is listed too, so lazily loaded chunks (the Backtest tab, the details dialog, the
Ukrainian plugin texts) are visible. First contentful paint is the Performance API's
`first-contentful-paint` entry, median of `--loads` loads on fresh pages against a real
`scalplab serve` (see `spa_setup.py`).
Usage: `python benchmarks/spa_bundle.py [--loads 5]`. Budget: 152 KB gzip of first-screen JS.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
from pathlib import Path

from spa_setup import WEB_DIST, chromium, new_page, spa_server

BUDGET_KB = 152.0
FCP = """() => new Promise((resolve) => {
  const found = () => performance.getEntriesByName('first-contentful-paint')[0];
  const done = () => {
    const entry = found();
    if (entry) resolve(entry.startTime);
    return Boolean(entry);
  };
  if (done()) return;
  new PerformanceObserver(() => { done(); }).observe({ type: 'paint', buffered: true });
})"""


def gzip_kb(path: Path) -> float:
    """Kilobytes of `path` compressed with gzip -9."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="page loads to time")
    args = parser.parse_args()
    assets = WEB_DIST / "assets"
    print("build (raw KB / gzip KB):")
    for path in sorted(assets.iterdir()):
        print(f"  {path.name:40s} {path.stat().st_size / 1024:8.1f} {gzip_kb(path):8.1f}")
    with spa_server() as server, chromium() as browser:
        paints: list[float] = []
        first: set[str] = set()
        for _ in range(args.loads):
            page = new_page(browser)
            loaded: set[str] = set()
            page.on(
                "response",
                lambda response, seen=loaded: (
                    seen.add(response.url.rsplit("/", 1)[-1])
                    if "/assets/" in response.url
                    else None
                ),
            )
            page.goto(server.base + "/", wait_until="networkidle")
            paints.append(float(page.evaluate(FCP)))
            first |= loaded
            page.context.close()
    js = [assets / name for name in sorted(first) if name.endswith(".js")]
    css = [assets / name for name in sorted(first) if name.endswith(".css")]
    js_kb, css_kb = sum(gzip_kb(p) for p in js), sum(gzip_kb(p) for p in css)
    print("first screen: " + ", ".join(p.name for p in js + css))
    print(f"first-screen JS  {js_kb:6.1f} KB gzip (budget {BUDGET_KB:.0f} KB)")
    print(f"first-screen CSS {css_kb:6.1f} KB gzip")
    print(
        f"first contentful paint: median {statistics.median(paints):.0f} ms "
        f"(min {min(paints):.0f}, max {max(paints):.0f}) over {len(paints)} loads"
    )


if __name__ == "__main__":
    main()
