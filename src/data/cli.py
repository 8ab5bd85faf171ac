"""`scalplab data …`: import, download, check, delete, rules, samples, list.

Handlers return the exit code; domain errors propagate as `ScalpLabError`s
and `scalplab.cli.main` prints them as one line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scalplab.config import get_settings
from scalplab.data.adapters.binance.config import BinanceConfig
from scalplab.data.adapters.binance.http import BinanceRestClient, fetch_exchange_info
from scalplab.data.candle_prune import delete_candles
from scalplab.data.candles import CandleStore
from scalplab.data.csv_import import ImportReport, import_funding_csv, import_klines_csv
from scalplab.data.download import download_klines
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import Gap, IntegrityReport, ms_to_iso
from scalplab.data.inventory import candle_inventory
from scalplab.data.market_import import KINDS, import_market_csv
from scalplab.data.market_store import MarketStore
from scalplab.data.samples import import_samples
from scalplab.data.store_check import check_stored
from scalplab.data.symbols import RulesStore
from scalplab.data.timeframes import TIMEFRAMES
from scalplab.errors import DataError, InputError, NotFoundError, snippet
from scalplab.timeutil import parse_utc, to_ms

CORRUPT_EXIT = 3
SHOWN = 10
"""How many gaps / bad timestamps a human-readable report lists before summarising."""


def _data_dir() -> Path:
    return get_settings().data_dir


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2))


def _listing(items: list[str], label: str) -> list[str]:
    if not items:
        return [f"{label}: none"]
    lines = [f"{label}: {len(items)}"]
    lines += [f"  {item}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"  … and {len(items) - SHOWN} more")
    return lines


def _gap_lines(gaps: list[Gap]) -> list[str]:
    missing = sum(gap.missing_bars for gap in gaps)
    items = [
        f"{ms_to_iso(g.after_ms)} → {ms_to_iso(g.before_ms)} ({g.missing_bars} bars missing)"
        for g in gaps
    ]
    lines = _listing(items, "gaps")
    if gaps:
        lines[0] += f" ({missing} bars missing, kept as holes)"
    return lines


def _describe_import(report: ImportReport) -> list[str]:
    span = (
        f"{ms_to_iso(report.first_ms)} → {ms_to_iso(report.last_ms)}"
        if report.first_ms is not None and report.last_ms is not None
        else "no rows"
    )
    lines = [
        f"imported {report.path} into {report.symbol} {report.kind}",
        f"rows read: {report.rows} ({report.columns} columns), span {span}",
        f"added: {report.added}, now stored: {report.total}"
        + (
            f", identical duplicates dropped: {report.duplicates_dropped}"
            if report.duplicates_dropped
            else ""
        ),
    ]
    if report.kind != "funding":
        lines += _gap_lines(report.gaps)
    return lines


# --- handlers ---


def cmd_import(args: argparse.Namespace) -> int:
    """`data import PATH --symbol SYM (--tf TF | --funding | --kind KIND)`."""
    data_dir = _data_dir()
    path = Path(args.path)
    if args.kind:
        market = import_market_csv(path, args.symbol, args.kind, MarketStore(data_dir))
        if args.json:
            _print_json(market.to_dict())
        else:
            days = ", ".join(market.days) or "none"
            print(f"{market.symbol} {market.kind}: {market.rows} rows read, {market.added} new")
            print(f"days: {days}")
        return 0
    if args.funding:
        report = import_funding_csv(path, args.symbol, FundingStore(data_dir))
    else:
        report = import_klines_csv(path, args.symbol, args.tf or "1m", CandleStore(data_dir))
    if args.json:
        _print_json(report.to_dict())
    else:
        print("\n".join(_describe_import(report)))
    return 0


def _client(base_url: str | None) -> BinanceRestClient:
    return BinanceRestClient(base_url or BinanceConfig.from_settings(get_settings()).rest_url)


def cmd_download(args: argparse.Namespace) -> int:
    """`data download --symbol SYM --tf TF --days N [--base-url URL]`."""
    store = CandleStore(_data_dir())
    client = _client(args.base_url)
    try:
        report = download_klines(client, store, args.symbol, args.tf, args.days)
    finally:
        client.close()
    if args.json:
        _print_json(report.to_dict())
        return 0
    print(
        f"downloaded {report.symbol} {report.timeframe} "
        f"{ms_to_iso(report.requested_from_ms)} → {ms_to_iso(report.requested_to_ms)} "
        f"from {client.base_url}"
    )
    print(
        f"requests: {report.requests} (retries {report.retries}, waited {report.waited_s:.1f} s); "
        f"closed candles received: {report.fetched}"
        + (f", still-open candle dropped: {report.dropped_open}" if report.dropped_open else "")
    )
    print(f"added: {report.added}, now stored: {report.total}")
    print("\n".join(_gap_lines(report.gaps)))
    return 0


def _check_lines(symbol: str, report: IntegrityReport, source: str) -> list[str]:
    span = (
        f"{ms_to_iso(report.first_ms)} → {ms_to_iso(report.last_ms)}"
        if report.first_ms is not None and report.last_ms is not None
        else "empty"
    )
    lines = [f"{symbol} {report.timeframe}{source}: {report.rows} rows, {span}"]
    lines += _gap_lines(report.gaps)
    lines += _listing([ms_to_iso(t) for t in report.duplicates], "duplicate open times")
    lines += _listing([ms_to_iso(t) for t in report.ohlc_violations], "OHLC violations")
    lines += _listing([ms_to_iso(t) for t in report.misaligned], f"off the {report.timeframe} grid")
    lines.append(
        "status: ok" if report.ok else f"status: CORRUPT ({report.corruption().describe()})"
    )
    return lines


def _market_lines(days: list[dict[str, Any]]) -> list[str]:
    """One line per stored market-data day: rows, and missing aggregate-trade ids."""
    lines = []
    for row in days:
        where = f"market {row['symbol']} {row['stream']} {row['day']}"
        if "error" in row:
            lines.append(f"{where}: error: {row['error']}")
            continue
        missing = row["missing_ids"]
        lines.append(
            f"{where}: {row['rows']} rows" + (f", {missing} ids missing" if missing else "")
        )
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    """`data check --symbol SYM --tf TF [--json]`: the candles' report and the market-data
    days of the symbol; exit 0 when ok (gaps alone ok), 3 if corrupt or unreadable."""
    data_dir = _data_dir()
    checked = check_stored(CandleStore(data_dir), MarketStore(data_dir), args.symbol, args.tf)
    symbol, report = checked.symbol, checked.candles
    market = [day.to_dict() for day in checked.market]
    if args.json:
        candles = {} if report is None else report.to_dict()
        _print_json(
            {"symbol": symbol, "resampled_from": "1m" if checked.resampled else None}
            | candles
            | {"ok": checked.ok, "market": market}
        )
    else:
        lines = (
            [f"{symbol}: no {args.tf} candles stored"]
            if report is None
            else _check_lines(symbol, report, " (resampled from 1m)" if checked.resampled else "")
        )
        lines += _market_lines(market)
        unreadable = checked.unreadable_market
        if unreadable:
            lines.append(f"status: CORRUPT ({unreadable} unreadable market-data files)")
        elif report is None:
            lines.append("status: ok")
        print("\n".join(lines))
    return 0 if checked.ok else CORRUPT_EXIT


def cmd_delete(args: argparse.Namespace) -> int:
    """`data delete --symbol SYM --tf TF --start DATE --end DATE [--json]`: delete the stored
    bars opening in `[start, end)` (one atomic write)."""
    start = to_ms(parse_utc(args.start, "--start"))
    end = to_ms(parse_utc(args.end, "--end"))
    report = delete_candles(CandleStore(_data_dir()), args.symbol, args.tf, start, end)
    if args.json:
        _print_json(
            {
                "symbol": report.symbol,
                "timeframe": report.timeframe,
                "start": ms_to_iso(report.start_ms),
                "end": ms_to_iso(report.end_ms),
                "deleted": report.deleted,
                "remaining": report.remaining,
            }
        )
        return 0
    span = (
        f"{ms_to_iso(report.first_ms)} → {ms_to_iso(report.last_ms)}"
        if report.first_ms is not None and report.last_ms is not None
        else "nothing (file removed)"
    )
    print(
        f"deleted {report.deleted} {report.symbol} {report.timeframe} candles from "
        f"{ms_to_iso(report.start_ms)} to {ms_to_iso(report.end_ms)}; "
        f"{report.remaining} stored: {span}"
    )
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    """`data rules [--base-url URL | --file PATH]`: refresh the symbol-rules cache."""
    store = RulesStore(_data_dir())
    if args.file:
        path = Path(args.file)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(f"no such file: {path}") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise DataError(f"{path}: invalid JSON ({exc})") from None
        source = str(path)
    else:
        client = _client(args.base_url)
        try:
            payload = fetch_exchange_info(client)
        finally:
            client.close()
        source = f"{client.base_url}/fapi/v1/exchangeInfo"
    count = store.save_exchange_info(payload)
    print(f"saved trading rules for {count} symbols from {source} to {store.path}")
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    """`data samples`: import the bundled real-data sample into an empty store."""
    data_dir = _data_dir()
    if CandleStore(data_dir).has_candles():
        print(f"the candle store under {data_dir} already has candles; sample not imported")
        return 0
    result = import_samples(data_dir, Path(args.samples_dir) if args.samples_dir else None)
    for report in result.candles:
        print(
            f"imported sample {report.symbol} {report.kind}: {report.added} candles "
            f"{ms_to_iso(report.first_ms or 0)} → {ms_to_iso(report.last_ms or 0)}"
        )
    for report in result.funding:
        print(f"imported sample {report.symbol} funding: {report.added} settlements")
    if result.rules:
        print(
            f"cached 2021 sample trading rules for {result.rules} symbols "
            "(run `scalplab data rules` for current ones)"
        )
    else:
        print("kept the existing symbol-rules cache")
    return 0


def _inventory(data_dir: Path) -> dict[str, Any]:
    """Stored files and spans; an unreadable file is listed with its `error`, not fatal."""
    funding = FundingStore(data_dir)
    rows: list[dict[str, Any]] = []
    for entry in candle_inventory(CandleStore(data_dir), resampled=False):
        rows += [
            {
                "symbol": entry.symbol,
                "timeframe": span.timeframe,
                "first": ms_to_iso(span.first_ms),
                "last": ms_to_iso(span.last_ms),
                "rows": span.rows,
            }
            for span in entry.spans
        ]
        rows += [{"symbol": entry.symbol, "error": error} for error in entry.errors]
    funding_rows: list[dict[str, Any]] = []
    for symbol in funding.symbols():
        try:
            frame = funding.read(symbol)
        except DataError as exc:
            funding_rows.append({"symbol": symbol, "error": exc.message})
            continue
        times = frame["funding_time"]
        funding_rows.append(
            {
                "symbol": symbol,
                "rows": len(frame),
                "first": ms_to_iso(int(times.iloc[0])) if len(frame) else None,
                "last": ms_to_iso(int(times.iloc[-1])) if len(frame) else None,
            }
        )
    try:
        rules: int | str = len(RulesStore(data_dir).symbols())
    except DataError as exc:
        rules = f"error: {exc.message}"
    return {
        "data_dir": str(data_dir),
        "candles": rows,
        "funding": funding_rows,
        "market": [day.to_dict() for day in MarketStore(data_dir).inventory()],
        "rules_symbols": rules,
    }


def cmd_list(args: argparse.Namespace) -> int:
    """`data list [--json]`: stored symbols, timeframes and spans."""
    inventory = _inventory(_data_dir())
    if args.json:
        _print_json(inventory)
        return 0
    print(f"data dir: {inventory['data_dir']}")
    if not inventory["candles"]:
        print("no candles stored (try `scalplab data samples` or `scalplab data download`)")
    else:
        print(f"{'SYMBOL':<14}{'TF':<5}{'FIRST':<22}{'LAST':<22}{'ROWS':>9}")
        for row in inventory["candles"]:
            if "error" in row:
                print(f"{row['symbol']:<14}error: {row['error']}")
                continue
            print(
                f"{row['symbol']:<14}{row['timeframe']:<5}{row['first']:<22}"
                f"{row['last']:<22}{row['rows']:>9}"
            )
        print("(other timeframes are resampled from 1m on read)")
    for row in inventory["funding"]:
        if "error" in row:
            print(f"funding {row['symbol']}: error: {row['error']}")
            continue
        print(f"funding {row['symbol']}: {row['rows']} settlements {row['first']} → {row['last']}")
    for line in _market_lines(inventory["market"]):
        print(line)
    print(f"symbol rules cached: {inventory['rules_symbols']}")
    return 0


# --- parser ---


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {snippet(text)}") from None
    if not 1 <= value <= 3650:
        raise argparse.ArgumentTypeError("days must be from 1 to 3650")
    return value


def register(subparsers: Any) -> None:
    """Add `data` and its sub-commands to the top-level parser."""
    data = subparsers.add_parser("data", help="import, download, check and list market data")
    commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    commands.required = True
    timeframes = list(TIMEFRAMES)

    p = commands.add_parser("import", help="import a Binance kline, funding or market-data CSV")
    p.add_argument("path", help="CSV file (.csv or .csv.gz), Binance archive layout")
    p.add_argument("--symbol", required=True, help="e.g. BTCUSDT")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--tf", choices=timeframes, help="kline timeframe (default 1m)")
    kind.add_argument("--funding", action="store_true", help="symbol,funding_time,funding_rate CSV")
    kind.add_argument(
        "--kind", choices=sorted(KINDS), help="a data.binance.vision market-data archive CSV"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("download", help="download klines from Binance USDT-M REST")
    p.add_argument("--symbol", required=True)
    p.add_argument("--tf", choices=timeframes, default="1m")
    p.add_argument("--days", type=_days, required=True, help="how many days back from now")
    p.add_argument("--base-url", help="REST base URL (default: REST_URL)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_download)

    p = commands.add_parser(
        "check", help="candle gaps / duplicates / OHLC sanity and market-data days"
    )
    p.add_argument("--symbol", required=True)
    p.add_argument("--tf", choices=timeframes, default="1m")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_check)

    p = commands.add_parser("delete", help="delete a range of stored candles")
    p.add_argument("--symbol", required=True)
    p.add_argument("--tf", choices=timeframes, required=True)
    p.add_argument("--start", required=True, help="first bar to delete (UTC date or time)")
    p.add_argument("--end", required=True, help="end of the range, exclusive (UTC)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_delete)

    p = commands.add_parser("rules", help="cache symbol trading rules from exchangeInfo")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--base-url", help="REST base URL (default: REST_URL)")
    source.add_argument(
        "--file", help="a recorded exchangeInfo JSON (raw or {url,recv_ts,response})"
    )
    p.set_defaults(handler=cmd_rules)

    p = commands.add_parser(
        "samples", help="import the bundled real-data sample if the store is empty"
    )
    p.add_argument("--samples-dir", help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_samples)

    p = commands.add_parser("list", help="stored symbols, timeframes and spans")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
