"""The risk engine of the 15m confluence engine (seed 002 §8; FEATURES.md B.7;
DECISIONS.md §5): the stop, the take-profit ladder and the breakers that size and cap
its trades.

- Stop: `ATR(14, 15m) × 1.5` from the entry; a stop under 0.3 % of the entry is widened
  to 0.3 % — the floor as a minimum distance, the stop itself moved (the seed floors the
  distance but keeps the old stop: FEATURES.md B.7 defect 1, fixed as PROPOSED there);
  over 3 % the signal is discarded ("too volatile for a scalp").
- Ladder: 1.5R / 2.5R / 4.0R closing 40 / 40 / 20 %; breakeven after TP1, the stop to
  TP1 after TP2 (§8 `trailing_stop_rules`); 8 bars of 15m at most (§1.4).
- Reward/risk: the platform measures the gate at the quantity-weighted leg price, 2.4R
  for this ladder; the seed's own gate (`MIN_RR_RATIO` 2.0 at TP2 = 2.5R) always passes.
  At the platform's default `MIN_RR` of 3 every signal is rejected `min_rr`
  (DECISIONS.md §1): the seed assumed a floor of 2.0, so trade it with `min_rr=2`.
- Sizing (§8 "Adjust risk based on confluence score"): the platform sizes every entry at
  `RISK_PER_TRADE_PCT` (the seed's is 1.5 %); the score bands scale it — 85 and over
  × 1.0, 75–85 × 0.75, under 75 × 0.5 (65 is the lowest score that trades; the seed
  leaves under 65 undefined) — as `ScoreBand` breakers with a `ScaleSize` effect; a win
  streak of 5 halves it (Breaker 4); the portfolio heat cap (6 % of the equity at risk
  across the open positions, DECISIONS.md §5) shrinks it to the heat left and refuses
  it when under 1 % is left (`PortfolioHeat`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.strategies.breakers import PortfolioHeat, ScaleSize, ScoreBand

SIZE_BANDS: tuple[tuple[float, float, float], ...] = ((75.0, 85.0, 0.75), (0.0, 75.0, 0.5))
"""`(low, high, factor)`: the score bands under full risk (§8)."""


@dataclass(frozen=True, slots=True)
class TradeLevels:
    """A trade's stop and ladder (legs nearest first: `(price, fraction)`)."""

    stop: float
    legs: tuple[tuple[float, float], ...]
    stop_pct: float
    """Entry → stop in % of the entry (after the floor)."""
    floored: bool
    """Whether the ATR stop was widened to the floor."""


def trade_levels(
    direction: int,
    entry: float,
    atr: float,
    atr_mult: float,
    floor_pct: float,
    max_pct: float,
    r_multiples: tuple[float, ...],
    fractions: tuple[float, ...],
) -> TradeLevels | None:
    """The stop and the ladder of a trade in `direction` (+1 long, −1 short), or None
    when the ATR stop is wider than `max_pct` % (discarded)."""
    distance = atr * atr_mult
    stop_pct = distance / entry * 100.0
    if stop_pct > max_pct:
        return None
    floored = stop_pct < floor_pct
    if floored:
        distance = entry * floor_pct / 100.0
        stop_pct = floor_pct
    legs = tuple(
        (entry + direction * distance * r, fraction)
        for r, fraction in zip(r_multiples, fractions, strict=True)
    )
    return TradeLevels(entry - direction * distance, legs, stop_pct, floored)


def ladder_reward_risk(r_multiples: tuple[float, ...], fractions: tuple[float, ...]) -> float:
    """The fraction-weighted R of a ladder (0.4 × 1.5 + 0.4 × 2.5 + 0.2 × 4 = 2.4)."""
    return sum(r * fraction for r, fraction in zip(r_multiples, fractions, strict=True))


def size_factor(score: float) -> float:
    """The risk multiplier of a score (§8), as the `ScoreBand` breakers apply it."""
    for low, high, factor in SIZE_BANDS:
        if low <= score < high:
            return factor
    return 1.0


def sizing_breakers(prefix: str) -> tuple[ScoreBand, ...]:
    """The score bands as breakers that scale the entry's size."""
    return tuple(
        ScoreBand(f"{prefix}_size_{int(low)}_{int(high)}", low, high, effect=ScaleSize(factor))
        for low, high, factor in SIZE_BANDS
    )


def heat_breaker(name: str, max_pct: float = 6.0, min_free_pct: float = 1.0) -> PortfolioHeat:
    """The portfolio heat cap (§8 `MAX_PORTFOLIO_HEAT_PCT` 6; reject under 1 % left)."""
    return PortfolioHeat(name, max_pct, min_free_pct)


__all__ = [
    "SIZE_BANDS",
    "TradeLevels",
    "heat_breaker",
    "ladder_reward_risk",
    "size_factor",
    "sizing_breakers",
    "trade_levels",
]
