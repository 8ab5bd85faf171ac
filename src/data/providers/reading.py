"""What an external data provider answers: a typed reading, or the record of a layer left out.

A `ProviderReading` is one fetch of one provider: its metrics (name → number), optional
labels (name → text, e.g. the Fear & Greed classification), when the values were true
(`observed_at`), when we fetched them (`fetched_at`), and where from (`source`: a base URL
and path, never a key). A fetch that failed is a reading too, with no metrics and
`left_out = "layer left out: <reason>"` (DECISIONS.md §4: a layer without data is left out
and its weight renormalised; it is never scored as neutral in silence).

Freshness decay (FEATURES.md B.4, PC-14), by the data's age at the moment it is used:

| age | weight |
| --- | --- |
| younger than 5 minutes | 1.0 |
| 5 minutes up to (not including) 15 | 0.7 |
| 15 minutes up to (not including) 30 | 0.4 |
| 30 minutes or older | 0.2 |

Each boundary belongs to the older band (exactly 5 minutes old is no longer "younger than
5 minutes": 0.7). A negative age (the source stamps slightly ahead of our clock) counts as
0; an unknown age as the oldest band.

The age of a reading at `at_ms` is measured from `observed_at`, except for a value the
source says stays current until a known instant (`current_until`: the Fear & Greed index
is published once a day and is "the" index until the next one): its age is 0 until that
instant and counts from it afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scalplab.timeutil import iso_ms

Layer = Literal["on_chain", "sentiment", "macro", "order_flow"]
"""The confluence layer a provider feeds (FEATURES.md B.3-B.5)."""
PROVIDER_LAYERS: dict[str, Layer] = {
    "fear_greed": "sentiment",
    "whale_alert": "on_chain",
    "exchange_flows": "on_chain",
    "binance_derivatives": "order_flow",
    "macro": "macro",
}
"""Every known provider (in the registry's order) → the layer it feeds."""

FRESHNESS_BANDS: tuple[tuple[float, float], ...] = (
    (5 * 60.0, 1.0),
    (15 * 60.0, 0.7),
    (30 * 60.0, 0.4),
)
"""(age limit in seconds, weight) for ages below each limit, youngest first."""
OLDEST_WEIGHT = 0.2
"""The weight of data 30 minutes old or older."""
STALE_AFTER_S = 30 * 60.0
"""From this age on a provider's data is stale (its weight is the floor, 0.2)."""
LEFT_OUT = "layer left out: "
"""How every left-out record's reason starts."""


def freshness(age_s: float) -> float:
    """The weight of data `age_s` seconds old: 1.0 / 0.7 / 0.4 / 0.2 (see the module)."""
    if math.isnan(age_s):
        return OLDEST_WEIGHT
    for limit, weight in FRESHNESS_BANDS:
        if age_s < limit:
            return weight
    return OLDEST_WEIGHT


@dataclass(frozen=True, slots=True)
class ProviderReading:
    """One fetch of one provider (see the module docstring). Times are epoch ms, UTC."""

    provider: str
    layer: Layer
    fetched_at: int
    source: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    observed_at: int | None = None
    """When the values were true at the source (None for a left-out record)."""
    current_until: int | None = None
    """The source says the values stay current until this instant (None: no such promise)."""
    left_out: str | None = None
    """`layer left out: <reason>` when the fetch gave no data, else None."""

    @classmethod
    def missing(
        cls, provider: str, layer: Layer, fetched_at: int, source: str, reason: str
    ) -> ProviderReading:
        """The record of a layer left out, with its reason."""
        text = reason if reason.startswith(LEFT_OUT) else LEFT_OUT + reason
        return cls(provider=provider, layer=layer, fetched_at=fetched_at, source=source,
                   left_out=text)  # fmt: skip

    @property
    def available(self) -> bool:
        """True when the reading holds data (it is not a left-out record)."""
        return self.left_out is None

    @property
    def reason(self) -> str | None:
        """Why the layer is left out, without the `layer left out: ` prefix (None if not)."""
        return None if self.left_out is None else self.left_out.removeprefix(LEFT_OUT)

    def age_s(self, at_ms: int) -> float:
        """Seconds between the values' truth and `at_ms` (see the module; NaN if unknown)."""
        if self.observed_at is None:
            return math.nan
        if self.current_until is not None and self.current_until > self.observed_at:
            return max(0.0, (at_ms - self.current_until) / 1000.0)
        return max(0.0, (at_ms - self.observed_at) / 1000.0)

    def freshness(self, at_ms: int) -> float:
        """The decay weight at `at_ms` (0.0 for a left-out record: it carries no weight)."""
        return freshness(self.age_s(at_ms)) if self.available else 0.0

    def to_dict(self, at_ms: int | None = None) -> dict[str, Any]:
        """A JSON-ready view; with `at_ms`, also the age and freshness at that instant."""
        payload: dict[str, Any] = {
            "provider": self.provider,
            "layer": self.layer,
            "available": self.available,
            "left_out": self.left_out,
            "metrics": dict(self.metrics),
            "labels": dict(self.labels),
            "observed_at": None if self.observed_at is None else iso_ms(self.observed_at),
            "current_until": None if self.current_until is None else iso_ms(self.current_until),
            "fetched_at": iso_ms(self.fetched_at),
            "source": self.source,
        }
        if at_ms is not None:
            age = self.age_s(at_ms)
            payload["age_s"] = None if math.isnan(age) else round(age, 3)
            payload["freshness"] = self.freshness(at_ms)
        return payload
