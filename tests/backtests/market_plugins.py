"""A test-only plugin that declares market data and keeps what `self.market` showed it."""

from __future__ import annotations

from typing import ClassVar

from scalplab.data.features import BarFeatures
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class MarketProbe(SignalStrategy):
    """Records `self.market` on every closed bar; shorts when takers sold a sweep."""

    name = "market_probe"
    market_data = ("aggTrades", "bookTicker", "depth20", "funding", "markPrice")
    params = (("sweep_k", 10.0),)
    seen: ClassVar[dict[int, BarFeatures]] = {}

    def generate_signal(self) -> Signal | None:
        market = self.market
        type(self).seen[int(self.data.open_ms[0])] = market
        close = float(self.data.close[0])
        if market.sell_sweeps:
            return Signal("short", close, close * 1.002, close * 0.99, reasons=["sell sweep"])
        return None
