"""Schemas of `/backtests/{id}/overlays`: a strategy's own lines and zones for the chart."""

from __future__ import annotations

from pydantic import BaseModel, Field

from scalplab.strategies.overlays import Overlays


class OverlayLinePublic(BaseModel):
    """A line of the strategy (e.g. `sma_fast`): one `value` per bar `time` (open time,
    epoch seconds) where it is defined."""

    code: str = Field(examples=["sma_fast"])
    time: list[int]
    value: list[float]


class OverlayZonePublic(BaseModel):
    """A price band `low..high` from the bar that confirmed it (`start`) to the bar that
    ended it or the last bar (`end`), open times in epoch seconds."""

    kind: str = Field(examples=["order_block_bull", "order_block_bear", "fvg_bull", "fvg_bear"])
    start: int
    end: int
    low: float
    high: float


class OverlaysPublic(BaseModel):
    """The strategy's chart overlays over a backtest's candles (both lists empty when the
    plugin declares none)."""

    lines: list[OverlayLinePublic]
    zones: list[OverlayZonePublic]

    @classmethod
    def of(cls, overlays: Overlays) -> OverlaysPublic:
        """The public form (times from epoch ms to epoch seconds)."""
        return cls(
            lines=[
                OverlayLinePublic(
                    code=line.code,
                    time=[t // 1000 for t in line.time],
                    value=list(line.value),
                )
                for line in overlays.lines
            ],
            zones=[
                OverlayZonePublic(
                    kind=zone.kind,
                    start=zone.start // 1000,
                    end=zone.end // 1000,
                    low=zone.low,
                    high=zone.high,
                )
                for zone in overlays.zones
            ],
        )
