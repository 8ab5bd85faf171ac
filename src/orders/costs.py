"""The cost model: fees by liquidity and slippage against the trader."""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.orders.models import Liquidity


@dataclass(frozen=True, slots=True)
class CostModel:
    """Percentages as in the settings (0.05 means 0.05 %)."""

    taker_fee_pct: float
    maker_fee_pct: float
    slippage_pct: float

    def slipped(self, price: float, buying: bool) -> float:
        """`price` moved against the trader by `SLIPPAGE_PCT` (up when buying)."""
        factor = self.slippage_pct / 100.0
        return price * (1.0 + factor) if buying else price * (1.0 - factor)

    def fee(self, notional: float, liquidity: Liquidity) -> float:
        """Fee on a fill's notional (`qty × fill price`)."""
        pct = self.taker_fee_pct if liquidity == "taker" else self.maker_fee_pct
        return abs(notional) * pct / 100.0
