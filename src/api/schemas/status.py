"""Schemas of `/status`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HealthPublic(BaseModel):
    """Liveness, version, trading mode and why, database state."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["ok", "degraded"]
    version: str
    mode: Literal["simulation", "live"]
    live_trading: bool
    reason: str
    database: Literal["ok", "unavailable"]
