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
from tests.api.conftest import api_client


def test_defaults_come_from_the_environment(settings: Settings, tmp_path: Path) -> None:
    configured = settings.model_copy(
        update={"confirm_orders": True, "pending_ttl_seconds": 90, "max_open_positions": 2}
    )
    with api_client(create_app(configured, web_dist=tmp_path / "none")) as client:
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
    with api_client(create_app(settings, web_dist=tmp_path / "none")) as client:
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
    with api_client(create_app(settings, web_dist=tmp_path / "none")) as restarted:
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
            "pending_ttl_seconds: Input should be greater than or equal to 5",
        ),
        (
            {"pending_ttl_seconds": 86_401},
            "pending_ttl_seconds: Input should be less than or equal to 86400",
        ),
        ({"replay_speed": 0}, "replay_speed: must be a finite number from 0.1 to 1000000"),
        ({"replay_speed": 5e-324}, "replay_speed: must be a finite number from 0.1 to 1000000"),
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


RISK = "invalid risk settings: "
RISK_VALUE = "must be true/false or a number"


@pytest.mark.parametrize(
    ("patch", "detail"),
    [
        ({"confirm_orders": "yes"}, "confirm_orders: Input should be a valid boolean"),
        ({"confirm_orders": 0}, "confirm_orders: Input should be a valid boolean"),
        ({"confirm_orders": 1}, "confirm_orders: Input should be a valid boolean"),
        ({"pending_ttl_seconds": "60"}, "pending_ttl_seconds: Input should be a valid integer"),
        ({"pending_ttl_seconds": 60.5}, "pending_ttl_seconds: Input should be a valid integer"),
        ({"replay_speed": "60"}, "replay_speed: Input should be a valid number"),
        ({"replay_speed": True}, "replay_speed: Input should be a valid number"),
        ({"risk": {"spread_enabled": "yes"}}, "risk.spread_enabled: " + RISK_VALUE),
        ({"risk": {"spread_enabled": 0}}, RISK + "spread_enabled: Input should be a valid boolean"),
        ({"risk": {"min_rr": "3"}}, "risk.min_rr: " + RISK_VALUE),
        ({"risk": {"min_rr": True}}, RISK + "min_rr: Input should be a valid number"),
        (
            {"risk": {"max_open_positions": 2.5}},
            RISK + "max_open_positions: Input should be a valid integer",
        ),
        ({"risk": "off"}, "risk: Input should be a valid dictionary"),
    ],
)  # fmt: skip
def test_types_are_strict(client: TestClient, patch: dict[str, Any], detail: str) -> None:
    before = client.get("/settings").json()
    response = client.patch("/settings", json=patch)
    assert response.status_code == 422
    assert response.json()["detail"] == detail
    assert client.get("/settings").json() == before


@pytest.mark.parametrize(
    "field",
    [
        '"replay_speed": NaN',
        '"replay_speed": Infinity',
        '"replay_speed": -Infinity',
        '"replay_speed": 1e400',
        '"risk": {"min_rr": NaN}',
        '"risk": {"max_spread_pct": Infinity}',
    ],
)
def test_non_finite_numbers_are_refused_as_such(client: TestClient, field: str) -> None:
    """JSON's non-standard NaN/Infinity literals reach the server as floats: named as such."""
    before = client.get("/settings").json()
    put = '"confirm_orders": true, "pending_ttl_seconds": 60'
    put += "" if field.startswith('"replay_speed"') else ', "replay_speed": 60'
    for method, body in (("PATCH", f"{{{field}}}"), ("PUT", f"{{{put}, {field}}}")):
        response = client.request(
            method, "/settings", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, body
        assert response.json()["detail"].endswith(": must be a finite number"), response.json()
    assert client.get("/settings").json() == before


BREAKER_LIMITS = [
    "min_rr",
    "max_open_positions",
    "daily_loss_limit_pct",
    "loss_streak_limit",
    "loss_streak_cooldown_minutes",
    "max_trades_per_hour",
    "max_spread_pct",
    "extreme_volatility_atr_mult",
    "atr_period",
    "atr_average_window",
]


@pytest.mark.parametrize("field", BREAKER_LIMITS)
def test_a_negative_breaker_limit_is_422_naming_the_field(client: TestClient, field: str) -> None:
    before = client.get("/settings").json()
    for method, body in (
        ("PATCH", {"risk": {field: -1}}),
        ("PUT", {"confirm_orders": True, "pending_ttl_seconds": 60, "replay_speed": 60,
                 "risk": {field: -0.5 if "pct" in field or field == "min_rr" else -1}}),
    ):  # fmt: skip
        response = client.request(method, "/settings", json=body)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(f"invalid risk settings: {field}: Input")
    assert client.get("/settings").json() == before


def test_the_risk_schema_gives_bounds_and_the_environments_values(
    settings: Settings, tmp_path: Path
) -> None:
    configured = settings.model_copy(update={"min_rr": 2.0})
    with api_client(create_app(configured, web_dist=tmp_path / "none")) as client:
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
