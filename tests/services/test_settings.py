"""Runtime settings, and the risk schema a form is built from."""

from __future__ import annotations

import pytest

from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.risk import BREAKERS, RiskSettings
from scalplab.services.context import Services
from scalplab.services.settings import risk_fields
from tests.conftest import make_settings


def test_update_applies_a_patch_as_a_whole(services: Services) -> None:
    settings = services.runtime_settings
    before = settings.get()
    with pytest.raises(InputError, match="invalid risk settings: max_open_positions"):
        settings.update({"confirm_orders": True, "risk": {"max_open_positions": -1}})
    assert settings.get() == before
    updated = settings.update({"risk": {"min_rr": 2.0}})
    assert updated.risk.min_rr == 2.0 and updated.confirm_orders == before.confirm_orders
    assert services.engine.settings() == updated


def test_the_risk_schema_describes_every_field_with_the_environments_values(
    settings: Settings,
) -> None:
    configured = make_settings(settings.data_dir, MIN_RR=2.5, MAX_TRADES_PER_HOUR=7)
    environment = RiskSettings.from_settings(configured)
    fields = risk_fields(environment)
    assert [f.name for f in fields] == list(RiskSettings.model_fields)
    by_name = {f.name: f for f in fields}
    assert (by_name["min_rr"].type, by_name["min_rr"].default) == ("float", 2.5)
    assert (by_name["min_rr"].min, by_name["min_rr"].max) == (0.0, 1000.0)
    assert (by_name["max_trades_per_hour"].default, by_name["max_trades_per_hour"].breaker) == (
        7,
        "overtrading",
    )
    assert by_name["spread_enabled"].type == "bool" and by_name["spread_enabled"].min is None
    assert by_name["atr_period"].breaker == "extreme_volatility"
    assert by_name["loss_streak_cooldown_minutes"].breaker == "loss_streak"
    assert {f.breaker for f in fields} == set(BREAKERS)
    for breaker in BREAKERS:
        assert by_name[f"{breaker}_enabled"].breaker == breaker


def test_the_service_schema_has_the_environment_not_the_runtime_values(
    services: Services,
) -> None:
    services.runtime_settings.update({"risk": {"min_rr": 1.5}})
    schema = services.runtime_settings.risk_schema()
    assert schema.defaults == RiskSettings.from_settings(services.settings)
    assert schema.defaults.min_rr == 3.0 and schema.breakers == BREAKERS
