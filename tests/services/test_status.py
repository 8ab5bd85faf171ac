"""Health and the live-trading gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.services.context import Services
from scalplab.services.status import trading_gate
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("overrides", "live", "reason"),
    [
        ({}, False, "TRADING_MODE is simulation"),
        ({"TRADING_MODE": "live"}, False, "TRADING_APPROVED is false"),
        (
            {"TRADING_MODE": "live", "TRADING_APPROVED": True, "BINANCE_API_KEY": "k" * 16},
            False,
            "API keys missing (BINANCE_API_SECRET)",
        ),
        (
            {
                "TRADING_MODE": "live",
                "TRADING_APPROVED": True,
                "BINANCE_API_KEY": "k" * 16,
                "BINANCE_API_SECRET": "s" * 16,
            },
            False,
            "API_TOKEN missing (the API must be protected for live trading)",
        ),
        (
            {
                "TRADING_MODE": "live",
                "TRADING_APPROVED": True,
                "BINANCE_API_KEY": "k" * 16,
                "BINANCE_API_SECRET": "s" * 16,
                "API_TOKEN": "t" * 16,
            },
            True,
            "TRADING_MODE is live, TRADING_APPROVED is true, keys and API_TOKEN set",
        ),
    ],
)
def test_trading_gate_says_why(
    tmp_path: Path, overrides: dict[str, object], live: bool, reason: str
) -> None:
    gate = trading_gate(make_settings(tmp_path, **overrides))
    assert (gate.live, gate.reason, gate.mode) == (live, reason, "live" if live else "simulation")


def test_the_health_report_is_cached_for_its_ttl(services: Services) -> None:
    health = services.health
    assert health.cached() is None  # nothing pinged yet: a check is due
    report = health.check()
    assert (report.status, report.database, report.mode, report.healthy) == (
        "ok",
        "ok",
        "simulation",
        True,
    )
    assert health.cached() == report
    health.ttl_seconds = 0.0
    assert health.cached() is None
