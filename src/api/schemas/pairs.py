"""Schemas of `/pairs`: the symbols the dashboard follows and their strategy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scalplab.api.schemas.common import ParamValue, RequestModel, UtcDateTime


class PairUpdate(RequestModel):
    """PUT body: every mutable field (the pair is the URL's id; its symbol stays)."""

    strategy: str = Field(min_length=1, max_length=64)
    timeframe: str = Field(min_length=1, max_length=8)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    enabled: bool = True


class PairCreate(PairUpdate):
    """POST body. A symbol may be followed by several strategies, each (symbol,
    strategy) once."""

    symbol: str = Field(min_length=1, max_length=32, examples=["BTCUSDT"])


class PairPatch(RequestModel):
    """PATCH body: only the fields given change."""

    strategy: str | None = Field(None, min_length=1, max_length=64)
    timeframe: str | None = Field(None, min_length=1, max_length=8)
    params: dict[str, ParamValue] | None = None
    enabled: bool | None = None


class PairPublic(BaseModel):
    """A followed pair as stored (addressed as `/pairs/{id}`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    symbol: str
    strategy: str
    timeframe: str
    params: dict[str, ParamValue]
    enabled: bool
    created_at: UtcDateTime
