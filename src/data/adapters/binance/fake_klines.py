"""Real recorded candles as Binance `kline_1m` stream messages, for the fake WebSocket.

A closed kline event in Binance's exact combined-stream shape (`{"stream":
"solusdt@kline_1m", "data": {"e": "kline", "E", "s", "k": {"t", "T", "s", "i", "f", "L",
"o", "c", "h", "l", "v", "n", "x", "q", "V", "Q", "B"}}}`) made from a REST `/klines` row
of a real recording (`fake_rest.load_kline_rows`): the values are the recorded ones,
decimal strings as recorded; `E` is the close time plus `latency_ms`, as Binance stamps
a closing kline a few ms after the minute; first/last trade ids are not in the
recordings and are sent as Binance does for an interval without trades (-1). With
`forming=True` every closed kline is preceded by an update of the same candle still
forming (`x: false`, its open as close so far), which a consumer must ignore.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def kline_message(
    symbol: str, row: Sequence[Any], *, closed: bool = True, latency_ms: int = 5
) -> str:
    """One combined-stream kline message of `symbol` from a REST kline `row`."""
    open_time, close_time = int(row[0]), int(row[6])
    candle = {
        "t": open_time,
        "T": close_time,
        "s": symbol,
        "i": "1m",
        "f": -1,
        "L": -1,
        "o": str(row[1]),
        "c": str(row[4]) if closed else str(row[1]),
        "h": str(row[2]) if closed else str(row[1]),
        "l": str(row[3]) if closed else str(row[1]),
        "v": str(row[5]) if closed else "0",
        "n": int(row[8]) if closed else 0,
        "x": closed,
        "q": str(row[7]) if closed else "0",
        "V": str(row[9]) if closed else "0",
        "Q": str(row[10]) if closed else "0",
        "B": "0",
    }
    event_time = close_time + latency_ms if closed else open_time + latency_ms
    data = {"e": "kline", "E": event_time, "s": symbol, "k": candle}
    stream = f"{symbol.lower()}@kline_1m"
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":"))


def kline_messages(
    rows_by_symbol: dict[str, Sequence[Sequence[Any]]], *, forming: bool = False
) -> list[str]:
    """The kline messages of several symbols, merged in time order (by close, then
    symbol order), each closed one after its forming update when `forming`."""
    timeline: list[tuple[int, int, str]] = []
    for order, (symbol, rows) in enumerate(rows_by_symbol.items()):
        for row in rows:
            if forming:
                timeline.append((int(row[0]), order, kline_message(symbol, row, closed=False)))
            timeline.append((int(row[6]), order, kline_message(symbol, row)))
    timeline.sort(key=lambda item: (item[0], item[1]))
    return [message for _, _, message in timeline]
