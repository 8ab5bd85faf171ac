"""`Bar`: one closed candle as every layer passes it around (feeds, execution, simulation)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    """One closed candle, labelled by its UTC open time in epoch milliseconds."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
