"""Schemas of `/status`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HealthPublic(BaseModel):
    """Liveness, version, trading mode and why, database state."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["ok", "degraded"]
    version: str
    mode: Literal["simulation", "live"]
    live_trading: bool
    reason: str
    database: Literal["ok", "unavailable"]
    feed: str | None = Field(None, description="the paper engine's running feed: replay | live")
    ws_connected: bool | None = Field(None, description="live feed: every connection up")
    feed_state: str | None = Field(
        None, description="live feed: connecting | connected | stale | reconnecting"
    )
    stream_age_s: dict[str, float | None] | None = Field(
        None, description="live feed: seconds since each stream's last message"
    )
    reconnects: int | None = None
    stale_alarms: int | None = None
    backfilled: int | None = Field(None, description="live feed: klines fetched over REST")
    bad_messages: int | None = None
    rest_latency_ms: float | None = Field(None, description="median of recent REST answers")
    rest_used_weight: int | None = Field(None, description="Binance's used weight this minute")
    recording: list[str] | None = Field(
        None, description="RECORD_MARKET_DATA: the symbols whose market data is recorded"
    )
    recorder_write_errors: int | None = None
    clock_offset_ms: int | None = Field(
        None, description="live feed: local clock minus Binance's latest event time"
    )
    book_resyncs: int | None = Field(
        None, description="live feed with LIVE_ORDER_BOOKS: order books started over"
    )
