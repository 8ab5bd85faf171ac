"""The risk gate's settings: which platform circuit breakers bind, and their limits.

`RiskSettings` is bounded and strict (booleans are true/false only, numbers finite JSON
numbers; unknown keys are refused). Every breaker has an `*_enabled` flag, and a limit
of 0 disables it too. The breakers themselves are checked by
`scalplab.orders.risk.RiskGate`, in the order of `BREAKERS`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalplab.config import Settings
from scalplab.errors import ConfigError, InputError
from scalplab.validation import describe

BREAKERS: tuple[str, ...] = (
    "min_rr",
    "max_open_positions",
    "daily_loss_limit",
    "loss_streak",
    "overtrading",
    "spread",
    "extreme_volatility",
)
"""Breaker names, in checking order."""


def _default(name: str) -> Any:
    """The default of `Settings.<name>`, so both places can never disagree."""
    return Settings.model_fields[name].default


class RiskSettings(BaseModel):
    """Circuit-breaker configuration (bounded and strict: booleans are true/false only, numbers
    finite JSON numbers; unknown keys are refused).

    Defaults are those of `scalplab.config.Settings`; `from_settings` takes the values
    a deployment configured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    min_rr_enabled: bool = True
    min_rr: float = Field(_default("min_rr"), ge=0, le=1000)
    max_open_positions_enabled: bool = True
    max_open_positions: int = Field(_default("max_open_positions"), ge=0, le=1000)
    daily_loss_limit_enabled: bool = True
    daily_loss_limit_pct: float = Field(_default("daily_loss_limit_pct"), ge=0, le=100)
    loss_streak_enabled: bool = True
    loss_streak_limit: int = Field(_default("loss_streak_limit"), ge=0, le=1000)
    loss_streak_cooldown_minutes: int = Field(
        _default("loss_streak_cooldown_minutes"), ge=0, le=10_080
    )
    overtrading_enabled: bool = True
    max_trades_per_hour: int = Field(_default("max_trades_per_hour"), ge=0, le=10_000)
    spread_enabled: bool = True
    max_spread_pct: float = Field(_default("max_spread_pct"), ge=0, le=100)
    extreme_volatility_enabled: bool = True
    extreme_volatility_atr_mult: float = Field(
        _default("extreme_volatility_atr_mult"), ge=0, le=100
    )
    atr_period: int = Field(14, ge=1, le=500)
    atr_average_window: int = Field(20, ge=1, le=1000)

    @classmethod
    def from_settings(cls, settings: Settings) -> RiskSettings:
        """The limits configured in the environment (every breaker enabled)."""
        try:
            return cls(
                min_rr=settings.min_rr,
                max_open_positions=settings.max_open_positions,
                daily_loss_limit_pct=settings.daily_loss_limit_pct,
                loss_streak_limit=settings.loss_streak_limit,
                loss_streak_cooldown_minutes=settings.loss_streak_cooldown_minutes,
                max_trades_per_hour=settings.max_trades_per_hour,
                max_spread_pct=settings.max_spread_pct,
                extreme_volatility_atr_mult=settings.extreme_volatility_atr_mult,
            )
        except ValidationError as exc:
            raise ConfigError(f"invalid risk settings: {_problems(exc)}") from None

    @classmethod
    def parse(cls, data: dict[str, Any]) -> RiskSettings:
        """Validated settings from a JSON object; `InputError` naming each bad field."""
        if not isinstance(data, dict):
            raise InputError("risk settings must be a JSON object")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"invalid risk settings: {_problems(exc)}") from None

    def updated(self, patch: dict[str, Any]) -> RiskSettings:
        """A copy with `patch` applied and re-validated (`InputError` when out of range)."""
        if not isinstance(patch, dict):
            raise InputError("risk settings patch must be a JSON object")
        return RiskSettings.parse({**self.model_dump(), **patch})

    def active(self, breaker: str) -> bool:
        """True when `breaker` is enabled and its limit is not 0."""
        if breaker not in BREAKERS:
            raise InputError(f"unknown breaker {breaker!r}; known: {', '.join(BREAKERS)}")
        enabled: bool = getattr(self, f"{breaker}_enabled")
        limit: float = getattr(self, LIMIT_FIELD[breaker])
        if breaker == "loss_streak":
            limit = min(limit, self.loss_streak_cooldown_minutes)
        return enabled and limit > 0

    def active_breakers(self) -> list[str]:
        """The checks that bind with these settings, in checking order."""
        return [breaker for breaker in BREAKERS if self.active(breaker)]

    def without_breakers(self) -> RiskSettings:
        """A copy with every circuit breaker switched off (`min_rr` stays as it is): the
        research switch of a backtest."""
        return self.model_copy(
            update={f"{breaker}_enabled": False for breaker in BREAKERS if breaker != "min_rr"}
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return self.model_dump()


LIMIT_FIELD: dict[str, str] = {
    "min_rr": "min_rr",
    "max_open_positions": "max_open_positions",
    "daily_loss_limit": "daily_loss_limit_pct",
    "loss_streak": "loss_streak_limit",
    "overtrading": "max_trades_per_hour",
    "spread": "max_spread_pct",
    "extreme_volatility": "extreme_volatility_atr_mult",
}
"""The setting holding each breaker's limit."""


def _problems(exc: ValidationError) -> str:
    return describe(exc.errors())


__all__ = ["BREAKERS", "LIMIT_FIELD", "RiskSettings"]
