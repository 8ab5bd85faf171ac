"""A test-only plugin that declares market data, for the degraded-mode browser test.

Copied into the e2e server's `DATA_DIR/strategies`. It reads aggregate-trade flow and
funding through `self.market`; the bundled sample has no recorded market data, so a
backtest of it is refused unless run in degraded mode (funding then comes from the
funding store, trade flow is missing). It never signals: the run's numbers are its
(empty) metrics, shown with the degraded badge.
"""

from __future__ import annotations

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class FlowStrategy(SignalStrategy):
    """Reads the bar's taker flow and funding; never signals."""

    name = "e2e_flow"
    version = "1.0.0"
    description = "Test plugin: declares aggTrades and funding."
    market_data = ("aggTrades", "funding")

    def generate_signal(self) -> Signal | None:
        market = self.market
        assert market.taker_buy_count is None  # nothing recorded in the sample
        return None
