"""Binance's request signature: HMAC-SHA256 of the total parameters, hex-encoded.

A signed request carries `timestamp` (the venue's clock, ms) and `recvWindow`; the
signature covers the query string followed by the form body exactly as sent, and is
appended as `signature`. The API key travels in the `X-MBX-APIKEY` header. Both the
client (`trading.BinanceTradingClient`) and the fake venue (`fake_exchange`) use these
functions, so what one signs the other verifies byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode

API_KEY_HEADER = "X-MBX-APIKEY"


def encode(params: Mapping[str, object]) -> str:
    """The parameters as Binance reads them: `k=v&…` in the given order, URL-encoded."""
    return urlencode([(key, _text(value)) for key, value in params.items()])


def sign(secret: str, payload: str) -> str:
    """The hex HMAC-SHA256 of `payload` (query string + body) under `secret`."""
    return hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(secret: str, payload: str, signature: str) -> bool:
    """Whether `signature` signs `payload` under `secret` (compared in constant time)."""
    return hmac.compare_digest(sign(secret, payload), signature)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
