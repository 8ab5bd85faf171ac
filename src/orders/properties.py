"""A run's properties: the economic settings one backtest, replay or sweep may change.

Capital, risk per trade, leverage, maker and taker fees, slippage and the funding model
(with its rate) override the environment's settings (`INITIAL_CAPITAL`,
`RISK_PER_TRADE_PCT`, `MAX_LEVERAGE`, `MAKER_FEE_PCT`, `TAKER_FEE_PCT`, `SLIPPAGE_PCT`,
`FUNDING_MODEL`, `DEFAULT_FUNDING_RATE`) for that run only. A property left unset keeps
the environment's value. The bounds are the environment's own (`scalplab.config`), so a
run accepts what a `.env` would, but for an upper bound on the capital (`MAX_CAPITAL`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

from scalplab.config import FUNDING_MODELS, FundingModel, Settings
from scalplab.errors import InputError, snippet

MAX_CAPITAL = 1_000_000_000_000.0
"""Largest initial capital a run accepts (USDT): a bound, so a typo cannot overflow."""

SETTING_OF = {
    "initial_capital": "initial_capital",
    "risk_per_trade_pct": "risk_per_trade_pct",
    "max_leverage": "max_leverage",
    "maker_fee_pct": "maker_fee_pct",
    "taker_fee_pct": "taker_fee_pct",
    "slippage_pct": "slippage_pct",
    "funding_rate": "default_funding_rate",
}
"""Each numeric property → the setting it overrides."""


@dataclass(frozen=True, slots=True)
class Bound:
    """A numeric property's bounds (`low_open`: the low end itself is refused, etc.)."""

    low: float | None
    low_open: bool
    high: float | None
    high_open: bool

    def allows(self, value: float) -> bool:
        """Whether `value` is a finite number within the bounds."""
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def describe(self) -> str:
        """`greater than 0 and at most 100`, in words."""
        parts = []
        if self.low is not None:
            parts.append(f"{'greater than' if self.low_open else 'at least'} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'less than' if self.high_open else 'at most'} {self.high:g}")
        return " and ".join(parts) if parts else "a finite number"

    def check(self, label: str, value: float) -> float:
        """`value`, or an `InputError` naming `label` and the bounds."""
        if not self.allows(value):
            raise InputError(f"{label} must be {self.describe()}, not {value:g}")
        return value


def _bound(setting: str, schema: Mapping[str, object]) -> Bound:
    """The bounds `Settings` declares for `setting` (`schema`: its JSON-schema entry)."""

    def number(key: str) -> float | None:
        value = schema.get(key)
        return float(value) if isinstance(value, int | float) else None

    low, open_low = number("minimum"), number("exclusiveMinimum")
    high, open_high = number("maximum"), number("exclusiveMaximum")
    if setting == "initial_capital":
        high, open_high = MAX_CAPITAL, None
    return Bound(
        low if open_low is None else open_low,
        open_low is not None,
        high if open_high is None else open_high,
        open_high is not None,
    )


_SCHEMA = Settings.model_json_schema(by_alias=False)["properties"]
BOUNDS: dict[str, Bound] = {
    name: _bound(setting, _SCHEMA[setting]) for name, setting in SETTING_OF.items()
}
"""Each numeric property's bounds."""


@dataclass(frozen=True, slots=True)
class RunProperties:
    """What a run changes of the environment's economics (None: the environment's value).

    Invalid values are refused on construction with an `InputError` naming the field.
    `funding_rate` is the rate of the `fixed` model, and the rate where none was recorded
    under `recorded`; it means nothing under `none`, which refuses it.
    """

    initial_capital: float | None = None
    risk_per_trade_pct: float | None = None
    max_leverage: float | None = None
    maker_fee_pct: float | None = None
    taker_fee_pct: float | None = None
    slippage_pct: float | None = None
    funding_model: FundingModel | None = None
    funding_rate: float | None = None

    def __post_init__(self) -> None:
        for name, bound in BOUNDS.items():
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InputError(f"{name} must be a number, not {snippet(str(value))}")
                bound.check(name, float(value))
        if self.funding_model is not None and self.funding_model not in FUNDING_MODELS:
            raise InputError(
                f"funding_model must be one of {', '.join(FUNDING_MODELS)}, "
                f"not {snippet(str(self.funding_model))}"
            )
        if self.funding_model == "none" and self.funding_rate is not None:
            raise InputError("funding_rate is for the fixed or recorded funding model, not none")

    @classmethod
    def of(cls, values: Mapping[str, object]) -> RunProperties:
        """Properties from a mapping of field names (an unknown name is an `InputError`)."""
        known = [item.name for item in fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InputError(
                f"unknown run propert{'y' if len(unknown) == 1 else 'ies'} "
                f"{', '.join(snippet(name) for name in unknown)}: known are {', '.join(known)}"
            )
        return cls(**values)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """The properties set (JSON-safe), for storing a request."""
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return {name: value for name, value in values.items() if value is not None}

    def applied(self, settings: Settings) -> Settings:
        """`settings` with these properties in force (the same object when none is set).

        The capital is both `INITIAL_CAPITAL` and `SIMULATION_INITIAL_CAPITAL`, so a replay
        through paper trading starts from the same equity as the backtest."""
        update: dict[str, object] = {
            setting: float(value)
            for name, setting in SETTING_OF.items()
            if (value := getattr(self, name)) is not None
        }
        if self.initial_capital is not None:
            update["simulation_initial_capital"] = float(self.initial_capital)
        if self.funding_model is not None:
            update["funding_model"] = self.funding_model
        return settings.model_copy(update=update) if update else settings


@dataclass(frozen=True, slots=True)
class PropertyField:
    """One numeric property: the environment's value and its bounds (what a form shows)."""

    name: str
    default: float
    min: float | None
    min_exclusive: bool
    max: float | None
    max_exclusive: bool


@dataclass(frozen=True, slots=True)
class PropertiesSchema:
    """Every numeric property with the environment's value, the funding models and the
    environment's funding model: a run's properties unless its request overrides them."""

    fields: tuple[PropertyField, ...]
    funding_models: tuple[FundingModel, ...]
    funding_model: FundingModel


def properties_schema(settings: Settings) -> PropertiesSchema:
    """The properties a run may change, with `settings`' values as the defaults."""
    described = tuple(
        PropertyField(
            name=name,
            default=float(getattr(settings, setting)),
            min=BOUNDS[name].low,
            min_exclusive=BOUNDS[name].low_open,
            max=BOUNDS[name].high,
            max_exclusive=BOUNDS[name].high_open,
        )
        for name, setting in SETTING_OF.items()
    )
    return PropertiesSchema(described, FUNDING_MODELS, settings.funding_model)
