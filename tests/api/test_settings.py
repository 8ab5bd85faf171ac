"""`/settings`: read, change, validate and persist the paper-trading settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.schemas.risk import RiskOverrides
from scalplab.config import Settings
from scalplab.orders.risk import RiskSettings


def test_defaults_come_from_the_environment(settings: Settings, tmp_path: Path) -> None:
    configured = settings.model_copy(
        update={"confirm_orders": True, "pending_ttl_seconds": 90, "max_open_positions": 2}
    )
    with TestClient(create_app(configured, web_dist=tmp_path / "none")) as client:
        body = client.get("/settings").json()
    assert body["confirm_orders"] is True and body["pending_ttl_seconds"] == 90
    assert body["replay_speed"] == 60.0
    risk = body["risk"]
    assert risk["max_open_positions"] == 2 and risk["max_open_positions_enabled"] is True
    assert risk["min_rr"] == 3.0 and risk["daily_loss_limit_pct"] == 2.5
    assert risk["loss_streak_limit"] == 3 and risk["loss_streak_cooldown_minutes"] == 10
    assert risk["max_trades_per_hour"] == 25 and risk["max_spread_pct"] == 0.1
    assert risk["extreme_volatility_atr_mult"] == 3.0
    for breaker in (
        "min_rr",
        "max_open_positions",
        "daily_loss_limit",
        "loss_streak",
        "overtrading",
        "spread",
        "extreme_volatility",
    ):
        assert risk[f"{breaker}_enabled"] is True


def test_patch_changes_only_the_given_fields_and_survives_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    with TestClient(create_app(settings, web_dist=tmp_path / "none")) as client:
        before = client.get("/settings").json()
        response = client.patch(
            "/settings",
            json={
                "confirm_orders": True,
                "pending_ttl_seconds": 30,
                "risk": {"max_open_positions": 3, "spread_enabled": False},
            },
        )
        assert response.status_code == 200, response.text
        after = response.json()
        assert after["confirm_orders"] is True and after["pending_ttl_seconds"] == 30
        assert after["replay_speed"] == before["replay_speed"]
        assert after["risk"] == {
            **before["risk"],
            "max_open_positions": 3,
            "spread_enabled": False,
        }
        assert client.get("/simulation/status").json()["confirm_orders"] is True
    with TestClient(create_app(settings, web_dist=tmp_path / "none")) as restarted:
        assert restarted.get("/settings").json() == after


def test_put_sets_every_top_level_field(client: TestClient) -> None:
    body = {"confirm_orders": True, "pending_ttl_seconds": 120, "replay_speed": 600}
    response = client.put("/settings", json={**body, "risk": {"min_rr": 2.5}})
    assert response.status_code == 200, response.text
    stored = client.get("/settings").json()
    assert {key: stored[key] for key in body} == body
    assert stored["risk"]["min_rr"] == 2.5
    missing = client.put("/settings", json={"confirm_orders": False})
    assert missing.status_code == 422
    assert "pending_ttl_seconds: Field required" in missing.json()["detail"]
    assert client.get("/settings").json() == stored


@pytest.mark.parametrize(
    ("patch", "detail"),
    [
        (
            {"pending_ttl_seconds": 4},
            "invalid settings: pending_ttl_seconds: Input should be greater than or equal to 5",
        ),
        (
            {"pending_ttl_seconds": 86_401},
            "invalid settings: pending_ttl_seconds: Input should be less than or equal to 86400",
        ),
        ({"replay_speed": 0}, "invalid settings: replay_speed: Input should be greater than 0"),
        (
            {"risk": {"max_open_positions": -1}},
            "invalid risk settings: max_open_positions: Input should be greater than or equal to 0",
        ),
        (
            {"risk": {"daily_loss_limit_pct": 101}},
            "invalid risk settings: daily_loss_limit_pct: Input should be less than or equal",
        ),
        ({"risk": {"speed_limit": 1}}, "invalid risk settings: speed_limit: Extra inputs"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"confirm_orders": "maybe"}, "confirm_orders: Input should be a valid boolean"),
    ],
)
def test_out_of_range_is_422_naming_the_field_and_changes_nothing(
    client: TestClient, patch: dict[str, Any], detail: str
) -> None:
    before = client.get("/settings").json()
    combined = {"confirm_orders": True, **patch}  # a valid field in the same patch is not applied
    response = client.patch("/settings", json=combined)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail), response.json()
    assert client.get("/settings").json() == before


def test_the_risk_schema_gives_bounds_and_the_environments_values(
    settings: Settings, tmp_path: Path
) -> None:
    configured = settings.model_copy(update={"min_rr": 2.0})
    with TestClient(create_app(configured, web_dist=tmp_path / "none")) as client:
        client.patch("/settings", json={"risk": {"min_rr": 4.0}})  # paper's, not a backtest's
        schema = client.get("/settings/risk-schema").json()
    assert schema["breakers"] == [
        "min_rr",
        "max_open_positions",
        "daily_loss_limit",
        "loss_streak",
        "overtrading",
        "spread",
        "extreme_volatility",
    ]
    assert schema["defaults"]["min_rr"] == 2.0
    fields = {field["name"]: field for field in schema["fields"]}
    assert list(fields) == list(schema["defaults"])
    assert fields["min_rr"] == {
        "name": "min_rr",
        "type": "float",
        "default": 2.0,
        "min": 0.0,
        "max": 1000.0,
        "breaker": "min_rr",
    }
    assert fields["overtrading_enabled"]["type"] == "bool"
    assert fields["max_trades_per_hour"]["breaker"] == "overtrading"


def test_backtest_risk_overrides_list_every_risk_setting_with_its_bounds() -> None:
    overrides = RiskOverrides.model_json_schema()["properties"]
    risk = RiskSettings.model_json_schema()["properties"]
    assert list(overrides) == list(risk)
    for name, spec in risk.items():
        given, _null = overrides[name]["anyOf"]
        assert {key: given.get(key) for key in ("type", "minimum", "maximum")} == {
            key: spec.get(key) for key in ("type", "minimum", "maximum")
        }, name
