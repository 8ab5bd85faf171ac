"""Runtime settings of paper trading, and what a risk-settings form needs to know.

The engine validates and persists the settings (`confirm_orders`, the confirmation TTL,
the replay speed and the risk gate's `RiskSettings`); a change applies to the next
signal and order. `risk_schema()` describes every risk field (type, bounds, the
breaker it belongs to) with the environment's values, which are what a backtest uses
unless its request overrides them; `properties` describes the economics a run may change
(`scalplab.orders.properties`) with the environment's values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scalplab.config import Settings
from scalplab.orders.properties import PropertiesSchema, properties_schema
from scalplab.orders.risk import BREAKERS, RiskSettings
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.settings_store import SimulationSettings

log = logging.getLogger(__name__)

RiskValue = bool | int | float
ENABLED_SUFFIX = "_enabled"


@dataclass(frozen=True, slots=True)
class RiskField:
    """One field of `RiskSettings`: its type, the environment's value and its bounds."""

    name: str
    type: Literal["bool", "int", "float"]
    default: RiskValue
    min: float | None
    max: float | None
    breaker: str
    """The circuit breaker (`scalplab.orders.risk.BREAKERS`) the field configures."""


@dataclass(frozen=True, slots=True)
class RiskSchema:
    """Every risk field in `RiskSettings` order, the breakers in checking order, and the
    environment's settings (a backtest's defaults)."""

    fields: tuple[RiskField, ...]
    breakers: tuple[str, ...]
    defaults: RiskSettings


def risk_fields(values: RiskSettings) -> tuple[RiskField, ...]:
    """`RiskSettings`' fields described, with their values in `values`.

    Each breaker's fields follow its `<breaker>_enabled` flag in `RiskSettings` (the
    ATR windows belong to `extreme_volatility`, the last breaker).
    """
    properties = RiskSettings.model_json_schema()["properties"]
    described: list[RiskField] = []
    breaker = BREAKERS[0]
    for name, info in RiskSettings.model_fields.items():
        if name.endswith(ENABLED_SUFFIX) and name.removesuffix(ENABLED_SUFFIX) in BREAKERS:
            breaker = name.removesuffix(ENABLED_SUFFIX)
        bounds = properties[name]
        described.append(
            RiskField(
                name=name,
                type=_KINDS[info.annotation],
                default=getattr(values, name),
                min=_bound(bounds.get("minimum")),
                max=_bound(bounds.get("maximum")),
                breaker=breaker,
            )
        )
    return tuple(described)


_KINDS: dict[object, Literal["bool", "int", "float"]] = {bool: "bool", int: "int", float: "float"}


def _bound(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


class SettingsService:
    """Reads and changes confirm-orders, the confirmation TTL, replay speed and risk limits."""

    def __init__(self, engine: SimulationEngine, settings: Settings) -> None:
        self.engine = engine
        self.environment = RiskSettings.from_settings(settings)
        self.properties: PropertiesSchema = properties_schema(settings)

    def get(self) -> SimulationSettings:
        """The settings in force."""
        return self.engine.settings()

    def update(self, patch: Mapping[str, object]) -> SimulationSettings:
        """Apply `patch` as a whole (an `InputError` naming the field changes nothing)."""
        changes = dict(patch)
        updated = self.engine.update_settings(changes)
        log.info("settings changed: %s", ", ".join(sorted(changes)), extra={"changed": changes})
        return updated

    def risk_schema(self) -> RiskSchema:
        """Every risk field with its bounds and the environment's value."""
        return RiskSchema(risk_fields(self.environment), BREAKERS, self.environment)
