"""Runtime settings of paper trading, changed from the dashboard and kept in `app_settings`.

`confirm_orders`, `pending_ttl_seconds`, `replay_speed` and the risk gate's
`RiskSettings` start from the environment (`scalplab.config.Settings`) and, once
changed, are read from the database, so a restart keeps what the operator set.
`app_settings` is not a `_sim` table: a simulation reset does not undo them.
A patch is validated as a whole before anything is written; an out-of-range
or unknown value is an `InputError` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.limits import MAX_PENDING_TTL_SECONDS, MIN_PENDING_TTL_SECONDS, ReplaySpeed
from scalplab.orders.risk import RiskSettings
from scalplab.storage.db import Database
from scalplab.storage.models import utc_now
from scalplab.storage.models_sim import AppSetting
from scalplab.validation import describe

KEYS = ("confirm_orders", "pending_ttl_seconds", "replay_speed", "risk")


class _Patch(BaseModel):
    """The top-level fields a settings patch may carry (bounds as in `Settings`)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    confirm_orders: bool | None = None
    pending_ttl_seconds: int | None = Field(
        None, ge=MIN_PENDING_TTL_SECONDS, le=MAX_PENDING_TTL_SECONDS
    )
    replay_speed: ReplaySpeed | None = None
    risk: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """What the dashboard can change about paper trading."""

    confirm_orders: bool
    pending_ttl_seconds: int
    replay_speed: float
    risk: RiskSettings

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "confirm_orders": self.confirm_orders,
            "pending_ttl_seconds": self.pending_ttl_seconds,
            "replay_speed": self.replay_speed,
            "risk": self.risk.to_dict(),
        }


def defaults(settings: Settings) -> SimulationSettings:
    """The environment's values."""
    return SimulationSettings(
        confirm_orders=settings.confirm_orders,
        pending_ttl_seconds=settings.pending_ttl_seconds,
        replay_speed=settings.sim_replay_speed,
        risk=RiskSettings.from_settings(settings),
    )


def apply_patch(current: SimulationSettings, patch: dict[str, Any]) -> SimulationSettings:
    """`current` with `patch` applied; `InputError` naming every problem, nothing applied."""
    if not isinstance(patch, dict):
        raise InputError("settings must be a JSON object")
    data = dict(patch)
    if isinstance(data.get("replay_speed"), int) and not isinstance(data["replay_speed"], bool):
        data["replay_speed"] = float(data["replay_speed"])
    try:
        checked = _Patch.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid settings: {describe(exc.errors())}") from None
    risk = current.risk if checked.risk is None else current.risk.updated(checked.risk)
    return SimulationSettings(
        confirm_orders=(
            current.confirm_orders if checked.confirm_orders is None else checked.confirm_orders
        ),
        pending_ttl_seconds=(
            current.pending_ttl_seconds
            if checked.pending_ttl_seconds is None
            else checked.pending_ttl_seconds
        ),
        replay_speed=current.replay_speed if checked.replay_speed is None else checked.replay_speed,
        risk=risk,
    )


class SettingsStore:
    """Reads and writes the runtime settings rows."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.base = defaults(settings)

    def load(self) -> SimulationSettings:
        """Stored values over the environment's defaults (a stored value that no longer
        validates, e.g. after a bound changed, falls back to the default)."""
        with self.database.session() as session:
            stored = {row.key: row.value for row in session.query(AppSetting).all()}
        current = self.base
        for key in KEYS:
            if key not in stored:
                continue
            try:
                current = apply_patch(current, {key: stored[key]})
            except InputError:
                continue
        return current

    def save(self, value: SimulationSettings) -> None:
        """Write every key in one transaction."""
        data = value.to_dict()
        with self.database.session() as session:
            for key in KEYS:
                row = session.get(AppSetting, key)
                if row is None:
                    session.add(AppSetting(key=key, value=data[key], updated_at=utc_now()))
                else:
                    row.value = data[key]
                    row.updated_at = utc_now()
