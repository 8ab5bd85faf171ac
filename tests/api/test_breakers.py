"""A strategy whose breaker has a negative window, through the API: a 422 naming the breaker
and its field, in one line; nothing is queued or stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.config import Settings
from tests.api.test_backtests import RUN
from tests.conftest import make_settings

PLUGIN = """
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import Cooldown


class NegativeWindow(SignalStrategy):
    name = "negative_window"
    breakers = (Cooldown("sgnl_cooldown", -60),)
"""


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The real sample plus the bad plugin in STRATEGIES_DIR."""
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "negative_window.py").write_text(PLUGIN, encoding="utf-8")
    return make_settings(data_dir)


def test_a_breaker_with_a_negative_window_is_refused_naming_it(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/backtests", json={**RUN, "strategy": "negative_window"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("unknown strategy 'negative_window' (known: ")
    assert detail.endswith(
        "negative_window.py: StrategyError: breaker 'sgnl_cooldown': seconds must be a whole "
        "number of seconds in 1..86400, not -60"
    )
    assert "\n" not in detail
    assert client.get("/backtests").json() == []
    assert not (settings.data_dir / "backtests").exists()
    names = [strategy["name"] for strategy in client.get("/strategies").json()]
    assert "negative_window" not in names and "sma_cross" in names
