"""`scalplab scan`: one refresh of the market scanner, printed as a table or JSON.

Thresholds come from the `SCANNER_*` settings (`--min-score` overrides the score one);
the table lists the qualified pairs (every measured symbol with `--all`), then the
symbols left out with the reason. `--json` prints the whole `ScanResult`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from scalplab.config import get_settings
from scalplab.data.scanner.result import ScannerRow, ScanResult
from scalplab.data.scanner.scanner import MarketScanner
from scalplab.data.scanner.score import ScannerParams
from scalplab.errors import InputError

SHOWN_LEFT_OUT = 10
"""Left-out symbols the table names before summarising."""


def _number(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def table(result: ScanResult, rows: list[ScannerRow]) -> list[str]:
    """The human-readable report of `result`, listing `rows`."""
    qualified = result.qualified
    header = (
        f"{result.universe} USDT-M perpetuals at {result.base_url}: {result.candidates} "
        f"candidates, {len(qualified)} qualified (score > {result.params.min_score:g}), "
        f"{len(result.left_out)} left out; REST weight {result.weight_used}, "
        f"{result.duration_s:.2f} s"
    )
    lines = [header, ""]
    if rows:
        lines.append(
            f"{'symbol':<16}{'score':>7}{'volume 24h USDT':>18}{'spread %':>10}"
            f"{'ATR % 15m':>11}{'change %':>10}{'price':>14}  why not"
        )
        for row in rows:
            lines.append(
                f"{row.symbol:<16}{_number(row.total, '.1f'):>7}"
                f"{row.volume_24h:>18,.0f}{row.spread_pct:>10.4f}"
                f"{_number(row.atr_pct, '.3f'):>11}{row.price_change_pct:>+10.2f}"
                f"{row.price:>14.8g}  {'; '.join(row.reasons)}"
            )
    else:
        lines.append("no pair qualifies")
    if result.left_out:
        lines += ["", f"left out ({len(result.left_out)}):"]
        lines += [f"  {item.symbol}: {item.reason}" for item in result.left_out[:SHOWN_LEFT_OUT]]
        if len(result.left_out) > SHOWN_LEFT_OUT:
            lines.append(f"  … and {len(result.left_out) - SHOWN_LEFT_OUT} more (see --json)")
    return lines


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan once and print the result."""
    settings = get_settings()
    params = ScannerParams.from_settings(settings)
    if args.min_score is not None:
        params = dataclasses.replace(params, min_score=args.min_score)
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    scanner = MarketScanner(args.base_url or settings.rest_url, params)
    try:
        result = scanner.scan()
    finally:
        scanner.close()
    rows = list(result.rows) if args.all else result.qualified
    rows = rows[: args.limit] if args.limit is not None else rows
    if args.json:
        payload: dict[str, Any] = result.to_dict()
        payload["rows"] = [row.to_dict() for row in rows]
        print(json.dumps(payload, indent=2))
    else:
        print("\n".join(table(result, rows)))
    return 0


def register(subparsers: Any) -> None:
    """Add `scan`."""
    p = subparsers.add_parser(
        "scan", help="score every USDT-M perpetual (volume, spread, ATR, change) and list "
        "the pairs worth trading",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the scan as JSON")
    p.add_argument(
        "--min-score", type=float, default=None, help="qualifying score (default SCANNER_MIN_SCORE)"
    )
    p.add_argument("--limit", type=int, default=None, help="print at most N rows")
    p.add_argument(
        "--all", action="store_true", help="every measured symbol, not only the qualified ones"
    )
    p.add_argument("--base-url", default=None, help="Binance USDT-M REST base (default REST_URL)")
    p.set_defaults(handler=cmd_scan)
