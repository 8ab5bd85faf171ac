"""Where the Binance adapter connects: base URLs from the settings (tests point them at
local servers that replay real recorded payloads)."""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.config import Settings


@dataclass(frozen=True, slots=True)
class BinanceConfig:
    """REST and WebSocket base URLs of Binance USDT-M futures."""

    rest_url: str = "https://fapi.binance.com"
    ws_url: str = "wss://fstream.binance.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> BinanceConfig:
        """`REST_URL` and `WS_URL`."""
        return cls(rest_url=settings.rest_url, ws_url=settings.ws_url)
