"""A REAL order-book capture as the full live market of one symbol, for the fake Binance.

The hftbacktest captures (shared/data/real/orderbook_ws/) hold Binance's raw `trade`
stream, `bookTicker`, `markPrice@1s` and diff depth with a REST snapshot. What a live
paper run of a market-data plugin subscribes is a little different, so `market_messages`
derives it from what Binance did send, nothing made up:
- `aggTrade`: consecutive trades (in id order) with the same time, side and price merged
  into one, the way Binance aggregates a taker order's fills at one price (`f` the
  first trade id, `l` the last, `q` the quantities summed in decimal, `T` the first fill's,
  `E` the last fill's; `a` numbered on from the first trade id without gaps, as Binance's
  own aggregate ids run), sent where its last fill arrived (the events
  `tests.data.features.recorded` stores, but for that numbering);
- `depth20@100ms`: partial books rebuilt from the snapshot and the real diffs
  (`fake_depth.with_partial_books`);
- `kline_1m`: each minute's closed kline made from its aggregate trades (open, high, low,
  close, volume, quote volume, trade count, taker-buy volumes; a minute without trades
  has none), sent once everything stamped before its close has been sent: right after
  the last message whose trade / book / mark time is before the close, with `E` the
  latest event time sent so far (at least close + `latency_ms`), so a paced replay sends
  it after every earlier-stamped message of every route.
The raw `trade` and diff-depth messages stay in the list (a client subscribing them gets
them). `kline_rows` are the same candles as REST `/klines` rows (for `ReplayState`).
`relabel` renames the symbol of every message (a capture replayed as another symbol).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scalplab.data.adapters.binance.fake_depth import with_partial_books
from scalplab.data.adapters.binance.fake_klines import kline_message

MINUTE_MS = 60_000


@dataclass(frozen=True)
class CaptureMarket:
    """The messages to serve and the 1m candles they close, as `/klines` rows."""

    messages: list[str]
    kline_rows: list[list[Any]]


def market_messages(
    lines: Sequence[str], symbol: str, latency_ms: int = 5, depth: int = 20
) -> CaptureMarket:
    """The capture's lines (the REST snapshot line and the combined-stream messages) as
    the messages of a live market of `symbol` (see the module docstring)."""
    symbol = symbol.upper()
    snapshot = next(json.loads(line) for line in lines if '"lastUpdateId"' in line[:20])
    recorded = [line for line in lines if line.startswith('{"stream"')]
    merged = with_partial_books(recorded, {symbol: snapshot}, depth)
    slots: list[str | None] = []
    pending: list[dict[str, Any]] = []
    pending_slot = 0
    aggregates: list[dict[str, Any]] = []
    first_id = -1

    def flush() -> None:
        if pending:
            data = _aggregate(pending, first_id + len(aggregates))
            aggregates.append(data)
            stream = f"{symbol.lower()}@aggTrade"
            slots[pending_slot] = json.dumps(
                {"stream": stream, "data": data}, separators=(",", ":")
            )
            pending.clear()

    for message in merged:
        envelope = json.loads(message)
        slots.append(message)
        if not envelope["stream"].endswith("@trade"):
            continue
        data = envelope["data"]
        if first_id < 0:
            first_id = data["t"]
        last = pending[-1] if pending else None
        if last is None or (last["T"], last["m"], last["p"]) != (data["T"], data["m"], data["p"]):
            flush()
        pending.append(data)
        slots.append(None)
        pending_slot = len(slots) - 1  # the aggregate goes out with its last fill
    flush()
    messages = [m for m in slots if m is not None]
    rows = _kline_rows(aggregates)
    return CaptureMarket(_with_klines(messages, rows, symbol, latency_ms), rows)


def _aggregate(trades: list[dict[str, Any]], agg_id: int) -> dict[str, Any]:
    first, last = trades[0], trades[-1]
    quantity = sum((Decimal(t["q"]) for t in trades), Decimal(0))
    return {
        "e": "aggTrade", "E": last["E"], "a": agg_id, "s": first["s"], "p": first["p"],
        "q": str(quantity), "f": first["t"], "l": last["t"], "T": first["T"], "m": first["m"],
    }  # fmt: skip


def _kline_rows(aggregates: list[dict[str, Any]]) -> list[list[Any]]:
    minutes: dict[int, list[dict[str, Any]]] = {}
    for trade in sorted(aggregates, key=lambda t: t["f"]):
        minutes.setdefault(trade["T"] // MINUTE_MS * MINUTE_MS, []).append(trade)
    rows = []
    for open_ms, trades in sorted(minutes.items()):
        prices = [Decimal(t["p"]) for t in trades]
        volume = sum((Decimal(t["q"]) for t in trades), Decimal(0))
        quote = sum((Decimal(t["q"]) * Decimal(t["p"]) for t in trades), Decimal(0))
        buys = [t for t in trades if not t["m"]]  # the buyer took: a taker buy
        buy_volume = sum((Decimal(t["q"]) for t in buys), Decimal(0))
        buy_quote = sum((Decimal(t["q"]) * Decimal(t["p"]) for t in buys), Decimal(0))
        count = sum(t["l"] - t["f"] + 1 for t in trades)
        rows.append([
            open_ms, trades[0]["p"], str(max(prices)), str(min(prices)), trades[-1]["p"],
            str(volume), open_ms + MINUTE_MS - 1, str(quote), count, str(buy_volume),
            str(buy_quote), "0",
        ])  # fmt: skip
    return rows


def _stamp(envelope: dict[str, Any]) -> int | None:
    """The time a consumer files a message under: a trade's, book's or depth's `T`, a
    mark price's `E`."""
    data = envelope.get("data")
    if not isinstance(data, dict):
        return None
    value = data.get("E") if "@markPrice" in envelope["stream"] else data.get("T", data.get("E"))
    return value if isinstance(value, int) else None


def _with_klines(
    messages: list[str], rows: list[list[Any]], symbol: str, latency_ms: int
) -> list[str]:
    envelopes = [json.loads(m) for m in messages]
    stamps = [_stamp(e) for e in envelopes]
    events = [e["data"].get("E") if isinstance(e.get("data"), dict) else None for e in envelopes]
    inserts: dict[int, list[str]] = {}
    for row in rows:
        close_ms = int(row[6]) + 1
        after = max((i for i, t in enumerate(stamps) if t is not None and t < close_ms), default=-1)
        latest = max((e for e in events[: after + 1] if isinstance(e, int)), default=0)
        event_ms = max(close_ms + latency_ms, latest)
        message = json.loads(kline_message(symbol, row, latency_ms=0))
        message["data"]["E"] = event_ms
        inserts.setdefault(after, []).append(json.dumps(message, separators=(",", ":")))
    out = list(inserts.get(-1, []))
    for index, message in enumerate(messages):
        out.append(message)
        out.extend(inserts.get(index, []))
    return out


def relabel(messages: Sequence[str], source: str, target: str) -> list[str]:
    """`messages` of `source` as `target`'s (stream names and `"s"` fields)."""
    pattern = re.compile(rf"\b{source.lower()}@")
    quoted = f'"s":"{source.upper()}"'
    return [
        pattern.sub(f"{target.lower()}@", m).replace(quoted, f'"s":"{target.upper()}"')
        for m in messages
    ]
