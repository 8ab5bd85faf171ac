"""Schemas of `/simulation/heat`: the portfolio heat against the declared caps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scalplab.api.schemas.risk import SCOPE_HELP
from scalplab.strategies.breakers import Scope


class HeatCapPublic(BaseModel):
    """A heat cap a strategy declared (a `PortfolioHeat` breaker) and the heat it measures."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    strategy: str
    breaker: str
    max_pct: float = Field(description="the cap: open risk in % of the equity")
    min_free_pct: float = Field(description="an entry is refused when less heat than this is left")
    scope: Scope = Field(description=SCOPE_HELP)
    heat_pct: float = Field(description="the heat of the books the cap's scope holds now")
    free_pct: float = Field(description="heat left under the cap (0 when over it)")


class BookHeatPublic(BaseModel):
    """One book's open risk: a position or an entry waiting to fill or to be confirmed."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    symbol: str
    strategy: str
    side: Literal["long", "short"]
    state: Literal["position", "waiting"]
    risk: float = Field(description="what its stop would lose now, in USDT (≥ 0)")
    risk_pct: float = Field(description="the risk in % of the equity")
    qty: float | None = None
    entry: float | None = Field(None, description="the position's entry price")
    stop: float | None = Field(None, description="the position's current stop")


class HeatPublic(BaseModel):
    """The portfolio heat: the open risk of every book (entry → current stop) in % of the
    equity, against the caps the strategies declared."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    equity: float
    open_risk: float = Field(description="the books' open risk summed, in USDT")
    heat_pct: float = Field(description="open risk in % of the equity")
    cap_pct: float | None = Field(description="the tightest declared cap (null: none declared)")
    free_pct: float | None = Field(description="heat left under the tightest cap")
    caps: list[HeatCapPublic]
    books: list[BookHeatPublic] = Field(description="books holding risk, the largest first")
