"""Schemas of `/settings`: paper-trading settings the dashboard changes at runtime.

Types and bounds are checked here (and shown in the OpenAPI schema) with the
constants the engine's settings store uses; the store re-checks every patch as
a whole, the risk fields against `RiskSettings` (their bounds are in its schema,
which `risk` documents). A bad value is a 422 naming the field, and nothing is
changed.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from scalplab.api.schemas.common import RequestModel
from scalplab.limits import MAX_PENDING_TTL_SECONDS, MIN_PENDING_TTL_SECONDS, ReplaySpeed
from scalplab.orders.risk import RiskSettings
from scalplab.validation import FINITE


def _risk_value(value: object) -> object:
    """A breaker field takes true/false or a finite JSON number (which, `RiskSettings` says)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", FINITE)
    if not isinstance(value, bool | int | float):
        raise PydanticCustomError("risk_value", "must be true/false or a number")
    return value


def _risk_patch_schema() -> dict[str, Any]:
    """`RiskSettings`' JSON schema with every field optional: the shape of a risk patch."""
    schema = RiskSettings.model_json_schema()
    properties = {
        name: {key: value for key, value in spec.items() if key != "default"}
        for name, spec in schema["properties"].items()
    }
    return {
        "type": "object",
        "title": "RiskPatch",
        "description": "circuit-breaker fields to change (bounds as in RiskSettings)",
        "properties": properties,
        "additionalProperties": False,
    }


RiskPatch = Annotated[
    dict[str, Annotated[bool | int | float, BeforeValidator(_risk_value)]],
    WithJsonSchema(_risk_patch_schema()),
]
"""Some `RiskSettings` fields by name; `RiskSettings` checks names, types and bounds."""

PendingTtl = Annotated[int, Field(ge=MIN_PENDING_TTL_SECONDS, le=MAX_PENDING_TTL_SECONDS)]


class SettingsPatch(RequestModel):
    """PATCH body: only the fields given change; `risk` may name a few breaker fields."""

    confirm_orders: bool | None = Field(None, description="orders wait for a person's confirmation")
    pending_ttl_seconds: PendingTtl | None = Field(
        None, description="seconds a confirmation stays open (5 to 86400)", examples=[60]
    )
    replay_speed: ReplaySpeed | None = Field(
        None,
        description="default replay speed, multiple of real time (0.1 to 1000000)",
        examples=[60],
    )
    risk: RiskPatch | None = Field(
        None,
        description='circuit-breaker fields to change, e.g. {"max_open_positions": 3, '
        '"spread_enabled": false}',
    )


class SettingsUpdate(RequestModel):
    """PUT body: every top-level field; `risk` fields not given keep their value."""

    confirm_orders: bool
    pending_ttl_seconds: PendingTtl = Field(examples=[60])
    replay_speed: ReplaySpeed = Field(examples=[60])
    risk: RiskPatch = Field(default_factory=dict)


class SettingsPublic(BaseModel):
    """The settings in force (stored values over the environment's defaults)."""

    confirm_orders: bool
    pending_ttl_seconds: int
    replay_speed: float
    risk: RiskSettings
