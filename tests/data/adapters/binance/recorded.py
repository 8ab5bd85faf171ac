"""REAL recorded Binance USDT-M WebSocket captures (see shared/data/real/SOURCES.md)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

from tests.conftest import REAL

WS = REAL / "ws"
ORDER_BOOK = REAL / "orderbook_ws"


def combined_messages() -> list[str]:
    """The 2021 capture's combined-stream messages, each as the text Binance sent."""
    with (WS / "combined_stream_um_2021-07-22.jsonl").open() as lines:
        return [json.dumps(json.loads(line)["msg"], separators=(",", ":")) for line in lines]


def rest_depth(symbol: str) -> dict[str, Any]:
    """The 2021 REST `/fapi/v1/depth?limit=1000` answer for `symbol`."""
    path = REAL / "rest" / f"fapi_v1_depth_symbol{symbol}_limit1000_2021-07-22.json"
    answer: dict[str, Any] = json.loads(path.read_text())["response"]
    return answer


def capture(*names: str) -> Iterator[str]:
    """The lines' JSON texts of hftbacktest captures, in order (the REST snapshot line is
    a bare `{"lastUpdateId": …}`, the rest combined-stream messages)."""
    for name in names:
        with gzip.open(ORDER_BOOK / name, "rt") as lines:
            for line in lines:
                yield line.split(" ", 1)[1]


def agg_trade_rows() -> dict[str, list[dict[str, Any]]]:
    """Per symbol, the capture's aggregate trades as `/fapi/v1/aggTrades` rows (the stream's
    fields without the event envelope), in id order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for message in combined_messages():
        data = json.loads(message)["data"]
        if data["e"] == "aggTrade":
            row = {key: data[key] for key in ("a", "p", "q", "f", "l", "T", "m")}
            rows.setdefault(data["s"], []).append(row)
    return {symbol: sorted(trades, key=lambda row: row["a"]) for symbol, trades in rows.items()}
