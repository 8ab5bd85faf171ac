"""What a strategy may declare it needs beyond candles, and the knobs of the features.

The vocabulary is fixed: a plugin lists names of `MARKET_DATA` in its `market_data`
class attribute (reference symbols come through its `feeds`). Each name is read from
one stored stream of the market-data store (`scalplab.data.market_store`), or, for
`funding`'s fallback, from the funding store:

| name | stored stream | per-bar features |
| --- | --- | --- |
| `aggTrades` | `aggTrade` | taker buy/sell volume, notional, count; largest trade; CVD; sweeps |
| `bookTicker` | `bookTicker` | best bid/ask and their sizes, spread % at the close |
| `depth20` | `depth20` | top-N imbalance, depth, largest wall each side at the close |
| `openInterest` | `openInterest` | open interest at the close and its change over the bar |
| `funding` | `markPrice` | the premium index's funding rate and next funding time at the close |
| `markPrice` | `markPrice` | mark and index price at the close |
| `longShortRatio` | `metrics` | global, top-trader and taker long/short ratios at the close |
| `forceOrder` | `forceOrder` | liquidations in the bar, by the side they closed |

`FeatureParams` holds the thresholds (sweeps, depth levels, walls); a plugin sets its
defaults with `market_params`, and a Backtrader param of the same name (`sweep_k`, …)
overrides them per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from scalplab.errors import InputError, snippet

MARKET_DATA: tuple[str, ...] = (
    "aggTrades",
    "bookTicker",
    "depth20",
    "openInterest",
    "funding",
    "markPrice",
    "longShortRatio",
    "forceOrder",
)
"""Everything a plugin may declare in `market_data`."""

STORED_AS: dict[str, str] = {
    "aggTrades": "aggTrade",
    "bookTicker": "bookTicker",
    "depth20": "depth20",
    "openInterest": "openInterest",
    "funding": "markPrice",
    "markPrice": "markPrice",
    "longShortRatio": "metrics",
    "forceOrder": "forceOrder",
}
"""Declared name → the market-store stream it is read from."""

HOW_TO_GET: dict[str, str] = {
    "aggTrade": "record it with `scalplab record --streams aggTrade` or import an archive "
    "with `scalplab data import --kind aggTrades`",
    "bookTicker": "record it with `scalplab record --streams bookTicker` or import an archive "
    "with `scalplab data import --kind bookTicker`",
    "depth20": "record it with `scalplab record --streams depth20` (Binance publishes no "
    "depth20 history)",
    "openInterest": "record it with `scalplab record --streams openInterest`",
    "markPrice": "record it with `scalplab record --streams markPrice`",
    "metrics": "import the metrics archive with `scalplab data import --kind metrics`",
    "forceOrder": "record it with `scalplab record --streams forceOrder`",
}
"""Stored stream → how to fill the store (the tail of a refusal)."""

SWEEP_STEPS_S = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
"""Allowed `sweep_step_s`: divisors of a minute, so every bar starts on a step."""


@dataclass(frozen=True, slots=True)
class FeatureParams:
    """Thresholds of the per-bar features (FEATURES.md A.1 #1, #3, #5; B.3 walls).

    Sweeps (A.1 #5, PROPOSED reading): an aggregate trade is a sweep candidate when its
    notional is at least `sweep_k` × the median notional of the aggregate trades of the
    `sweep_window_s` seconds before the start of its `sweep_step_s`-second step (the
    reference is refreshed every step, so it never includes the trade itself or anything
    after it), or when its taker's trades printed at `sweep_levels` or more prices in one
    millisecond (consecutive aggregate trades with the same time and side; their price
    changes + 1 count as levels). Depth: `depth_levels` levels a side make the
    imbalance and the average level size; a wall is a level (of all 20) whose quantity
    exceeds `wall_multiple` × that average, within `wall_range_pct` % of the mid price.
    """

    sweep_k: float = 10.0
    sweep_window_s: int = 60
    sweep_step_s: int = 10
    sweep_levels: int = 2
    depth_levels: int = 10
    wall_multiple: float = 5.0
    wall_range_pct: float = 1.0

    def __post_init__(self) -> None:
        if not self.sweep_k > 0:
            raise InputError(f"sweep_k must be positive, not {snippet(self.sweep_k)}")
        if not 1 <= self.sweep_window_s <= 86_400:
            raise InputError(f"sweep_window_s must be 1 to 86400, not {self.sweep_window_s}")
        if self.sweep_step_s not in SWEEP_STEPS_S:
            raise InputError(
                f"sweep_step_s must divide a minute ({', '.join(map(str, SWEEP_STEPS_S))}), "
                f"not {snippet(self.sweep_step_s)}"
            )
        if self.sweep_levels < 2:
            raise InputError(f"sweep_levels must be at least 2, not {self.sweep_levels}")
        if not 1 <= self.depth_levels <= 20:
            raise InputError(f"depth_levels must be 1 to 20, not {self.depth_levels}")
        if not self.wall_multiple > 0 or not self.wall_range_pct > 0:
            raise InputError("wall_multiple and wall_range_pct must be positive")

    @property
    def window_ms(self) -> int:
        """The sweep reference window in ms."""
        return self.sweep_window_s * 1000

    @property
    def step_ms(self) -> int:
        """The sweep reference step in ms."""
        return self.sweep_step_s * 1000

    def resolved(self, params: Mapping[str, object]) -> FeatureParams:
        """These defaults with any run param of the same name (a plugin's tunables)."""
        changes: dict[str, object] = {}
        for spec in fields(self):
            if spec.name in params:
                value = params[spec.name]
                kind = type(getattr(self, spec.name))
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InputError(f"param {spec.name} must be a number, not {snippet(value)}")
                if kind is int and value != int(value):
                    raise InputError(f"param {spec.name} must be a whole number, not {value}")
                changes[spec.name] = kind(value)
        return replace(self, **changes) if changes else self  # type: ignore[arg-type]


def parse_market_data(entries: Iterable[object]) -> tuple[str, ...]:
    """A plugin's `market_data`, checked against the vocabulary (`InputError` naming an
    unknown or repeated name)."""
    if isinstance(entries, str):
        raise InputError(f"market_data must be a tuple of names, not the string {entries!r}")
    names: list[str] = []
    for entry in entries:
        if entry not in MARKET_DATA:
            raise InputError(
                f"market_data {snippet(entry)} is not one of: {', '.join(MARKET_DATA)}"
            )
        assert isinstance(entry, str)
        if entry in names:
            raise InputError(f"market_data {entry} is declared twice")
        names.append(entry)
    return tuple(names)
