"""Binance stream messages that have NO real recording here, in Binance's documented shape.

`shared/data/real/SOURCES.md` records that no genuine `forceOrder` (liquidation) message
could be found. `FORCE_ORDER` is the example payload of the USDⓈ-M futures documentation
("Liquidation Order Streams"), field for field: it is not a recording.
"""

from __future__ import annotations

import json
from typing import Any

FORCE_ORDER: dict[str, Any] = {
    "e": "forceOrder",
    "E": 1568014460893,
    "o": {"s": "BTCUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "0.014", "p": "9910",
          "ap": "9910", "X": "FILLED", "l": "0.014", "z": "0.014", "T": 1568014460893},
}  # fmt: skip
"""`<symbol>@forceOrder` data (documented example)."""


def force_order_message(data: dict[str, Any] = FORCE_ORDER) -> str:
    """`data` as a combined-stream message of `btcusdt@forceOrder`."""
    stream = f"{data['o']['s'].lower()}@forceOrder"
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":"))
