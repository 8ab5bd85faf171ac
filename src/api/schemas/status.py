"""Schemas of `/status`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LiveVenuePublic(BaseModel):
    """Live trading: the Binance venue's session."""

    model_config = ConfigDict(from_attributes=True)

    user_stream_connected: bool
    user_stream_reconnects: int
    listen_key_rotations: int
    orders_sent: int
    orders_refused: int
    unknown_outcomes: int = Field(description="orders sent without an answer (looked up)")
    resent_after_lookup: int = Field(description="sent again after Binance did not have them")
    fills: int
    fills_from_rest: int = Field(description="fills the user stream missed, fetched over REST")
    protection_replaced: int
    emergency_closes: int = Field(description="positions closed because a stop was refused")
    orphans_cancelled: int
    reconciliations: int
    position_mismatches: int
    last_refusal: str
    wallet_balance: float | None


class TelegramPublic(BaseModel):
    """The Telegram notifier."""

    model_config = ConfigDict(from_attributes=True)

    enabled: bool
    state: str
    sent: int
    failed: int
    dropped: int
    deduplicated: int
    cooled_down: int
    retries: int
    queue_depth: int
    last_error: str | None = None
    last_sent_at: str | None = None


class ProviderHealthPublic(BaseModel):
    """One external data provider (confluence layers 3-4, Binance derivatives)."""

    model_config = ConfigDict(from_attributes=True)

    provider: str
    layer: Literal["on_chain", "sentiment", "macro", "order_flow"]
    state: Literal["ok", "stale", "failing", "not configured", "idle"] = Field(
        description="not configured: its layer is left out; idle: not fetched yet; failing: "
        "the last fetch failed; stale: its data is 30 min old or older"
    )
    reason: str | None = Field(None, description="why not ok (never a key)")
    source: str | None = Field(None, description="base URL and path of its data")
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    fetches: int = 0
    failures: int = 0
    observed_at: str | None = Field(None, description="when the latest data was true")
    age_s: float | None = None
    freshness: float | None = Field(
        None, description="decay weight of the latest data now: 1.0 / 0.7 / 0.4 / 0.2"
    )


class ScannerHealthPublic(BaseModel):
    """The market scanner."""

    model_config = ConfigDict(from_attributes=True)

    enabled: bool = Field(description="SCANNER_ENABLED")
    active: bool = Field(description="refreshing now (the engine runs on the live feed)")
    auto_universe: bool
    last_scan_at: str | None = Field(None, description="when the latest good scan finished")
    last_error: str | None = Field(None, description="why the latest refresh failed")
    qualified: int | None = None
    left_out: int | None = Field(None, description="symbols the latest scan could not measure")
    weight_used: int | None = Field(None, description="REST weight of the latest scan")


class HealthPublic(BaseModel):
    """Liveness, version, trading mode and why, the kill switch, whether the API needs a
    token, database state and the running feed's figures."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["ok", "degraded"]
    version: str
    mode: Literal["simulation", "live"]
    live_trading: bool
    reason: str = Field(description="why this mode: every live-trading condition not met")
    database: Literal["ok", "unavailable"]
    missing: list[str] = Field(
        default_factory=list,
        description="live-trading conditions not met (TRADING_MODE=live, TRADING_APPROVED=true, "
        "BINANCE_API_KEY, BINANCE_API_SECRET, API_TOKEN); [] when live",
    )
    halted: bool = Field(False, description="the kill switch: new entries are stopped")
    auth_required: bool = Field(
        False, description="API_TOKEN is set: state changes and event streams need it"
    )
    venue: Literal["simulated", "binance"] = Field(
        "simulated", description="where orders go: the simulated venue or Binance"
    )
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
    live_venue: LiveVenuePublic | None = Field(
        None, description="live trading: the Binance venue (user stream, orders, reconciliation)"
    )
    telegram: TelegramPublic | None = Field(None, description="the Telegram notifier")
    scanner: ScannerHealthPublic | None = Field(None, description="the market scanner")
    providers: list[ProviderHealthPublic] | None = Field(
        None, description="external data providers: a layer without one is left out"
    )
