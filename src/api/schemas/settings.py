"""Schemas of `/settings`: paper-trading settings the dashboard changes at runtime.

Bounds are checked by the engine's settings store (one source of truth): a value
out of range is a 422 naming the field and the bound, and nothing is changed.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from scalplab.api.schemas.common import RequestModel
from scalplab.orders.risk import RiskSettings

RiskValue = bool | int | float


class SettingsPatch(RequestModel):
    """PATCH body: only the fields given change; `risk` may name a few breaker fields."""

    confirm_orders: bool | None = Field(None, description="orders wait for a person's confirmation")
    pending_ttl_seconds: int | None = Field(
        None, description="seconds a confirmation stays open (5 to 86400)", examples=[60]
    )
    replay_speed: float | None = Field(
        None, description="default replay speed, multiple of real time (> 0)", examples=[60]
    )
    risk: dict[str, RiskValue] | None = Field(
        None,
        description='circuit-breaker fields to change, e.g. {"max_open_positions": 3, '
        '"spread_enabled": false}',
    )


class SettingsUpdate(RequestModel):
    """PUT body: every top-level field; `risk` fields not given keep their value."""

    confirm_orders: bool
    pending_ttl_seconds: int = Field(examples=[60])
    replay_speed: float = Field(examples=[60])
    risk: dict[str, RiskValue] = Field(default_factory=dict)


class SettingsPublic(BaseModel):
    """The settings in force (stored values over the environment's defaults)."""

    confirm_orders: bool
    pending_ttl_seconds: int
    replay_speed: float
    risk: RiskSettings
