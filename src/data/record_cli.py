"""`scalplab record`: Binance USDT-M market streams into the stores (see `recorder`)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from scalplab.config import get_settings
from scalplab.data.adapters.binance.config import BinanceConfig
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.recorder import RECORDABLE, MarketRecorder
from scalplab.errors import InputError


def _names(text: str, what: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError(f"--{what} needs at least one name")
    return names


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:20]!r}") from None
    if not 0 < value <= 30 * 86_400:
        raise argparse.ArgumentTypeError("seconds must be within (0, 2592000]")
    return value


def cmd_record(args: argparse.Namespace) -> int:
    """Record until the duration is over, the streams went idle, or Ctrl-C."""
    settings = get_settings()
    config = BinanceConfig.from_settings(settings)
    rest = BinanceRestClient(config.rest_url)
    try:
        recorder = MarketRecorder(
            config.ws_url,
            rest,
            settings.data_dir,
            _names(args.symbols, "symbols"),
            _names(args.streams, "streams"),
        )
        report = asyncio.run(recorder.run(args.duration, args.until_idle))
    finally:
        rest.close()
    payload: dict[str, Any] = report.to_dict()
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        for symbol, rows in sorted(report.rows.items()):
            counts = ", ".join(f"{stream} {n}" for stream, n in sorted(rows.items()))
            print(f"{symbol}: {counts}")
        print(
            f"backfilled {report.backfilled}, duplicates dropped {report.duplicates}, "
            f"missing {report.unfilled}, reconnects {report.reconnects}"
        )
        if not report.rows and report.connect_failures:
            print(f"nothing recorded: the WebSocket could not be reached "
                  f"({report.connect_failures} failed attempts)")  # fmt: skip
    unreachable = not report.rows and report.connect_failures > 0
    return 1 if report.write_errors or unreachable else 0


def register(subparsers: Any) -> None:
    """Add `record`."""
    p = subparsers.add_parser("record", help="record Binance market streams into the stores")
    p.add_argument("--symbols", required=True, help="e.g. BTCUSDT,ETHUSDT")
    p.add_argument(
        "--streams",
        default=",".join(RECORDABLE),
        help=f"comma-separated, of {', '.join(RECORDABLE)} (default: all)",
    )
    p.add_argument("--duration", type=_seconds, help="stop after this many seconds")
    p.add_argument("--until-idle", type=_seconds, help="stop after this many quiet seconds")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_record)
