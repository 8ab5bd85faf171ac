"""Helpers of the paper-trading browser tests: API set-up, polling, the SPA's number formats."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

PLUGIN = "e2e_pulse"


def follow(server: Server, symbol: str, **params: Any) -> dict[str, Any]:
    """Add a pair traded by the test plugin on 1m bars (set-up through the API); the pair."""
    status, body = server.api(
        "POST",
        "/pairs",
        {"symbol": symbol, "strategy": PLUGIN, "timeframe": "1m", "params": params},
    )
    assert status == 201, body
    return dict(body)


def wait_for(probe: Callable[[], Any], what: str, timeout_s: float = 20.0) -> Any:
    """Poll `probe` until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s:.0f}s waiting for {what}")


def api_ok(server: Server, method: str, path: str, body: object | None = None) -> Any:
    """Call the API and require a 2xx answer."""
    status, answer = server.api(method, path, body)
    assert 200 <= status < 300, (method, path, status, answer)
    return answer


def price(value: float) -> str:
    """A price as the SPA shows it (en-US, decimals by magnitude)."""
    decimals = 2 if abs(value) >= 1000 else 4 if abs(value) >= 1 else 6
    return f"{value:,.{decimals}f}"


def qty(value: float) -> str:
    """A quantity as the SPA shows it (up to 8 decimals, no trailing zeros)."""
    text = f"{value:,.8f}".rstrip("0").rstrip(".")
    return text or "0"
