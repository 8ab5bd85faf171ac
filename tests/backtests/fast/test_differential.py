"""The fast kernel against the order pipeline on seeded random markets, every breaker on.

Random walks with gaps through the levels, holes across funding instants, stops beyond
the liquidation price, reward/risk ratios at the `MIN_RR` edge with levels off the tick,
max-hold exits, strategies silent in position or not — and the platform breakers with
limits tight enough that each of them binds. Whatever happens, the two paths must agree
on every trade, every equity point, every signal's fate and every total.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.orders.funding import FUNDING_INTERVAL_MS, FundingSchedule
from scalplab.orders.models import Bar
from scalplab.orders.risk import RiskSettings
from scalplab.strategies.signal import Signal
from tests.backtests.fast.dual import assert_agree, run_both
from tests.orders.harness import CONFIG, RULES

START = 1_750_000_000_000 - 1_750_000_000_000 % FUNDING_INTERVAL_MS
STEP = 900_000  # 15 minutes
TIGHT = RiskSettings(
    min_rr=3.0,
    daily_loss_limit_pct=1.5,
    loss_streak_limit=2,
    loss_streak_cooldown_minutes=90,
    max_trades_per_hour=1,
    max_spread_pct=0.1,
    extreme_volatility_atr_mult=1.6,
    atr_period=5,
    atr_average_window=8,
)
BREAKERS = ("daily_loss_limit", "loss_streak", "overtrading", "extreme_volatility")


def market(rng: random.Random, bars: int) -> list[Bar]:
    """A random walk of 15-minute bars with gaps, spikes and holes (prices on 0.001)."""
    out: list[Bar] = []
    price, time_ms = 100.0, START + STEP
    for _ in range(bars):
        time_ms += STEP * (rng.choice([2, 40]) if rng.random() < 0.02 else 1)
        jump = rng.gauss(0, 0.004) + (rng.choice([-0.06, 0.06]) if rng.random() < 0.01 else 0)
        bar_open = round(price * (1 + jump), 3)
        close = round(bar_open * (1 + rng.gauss(0, 0.006)), 3)
        reach = abs(rng.gauss(0, 0.004)) * (5 if rng.random() < 0.03 else 1)
        high = round(max(bar_open, close) * (1 + reach), 3)
        low = round(min(bar_open, close) * (1 - abs(rng.gauss(0, 0.004))), 3)
        out.append(Bar(time_ms, bar_open, high, low, close))
        price = close
    return out


def signals(rng: random.Random, bars: list[Bar]) -> dict[int, Signal]:
    """A signal on about a fifth of the bars: random side, stop distance and reward."""
    chosen: dict[int, Signal] = {}
    for index, bar in enumerate(bars):
        if rng.random() > 0.2:
            continue
        share = rng.choice([0.00002, 0.002, 0.005, 0.005, 0.01, 0.01, 0.03])
        risk = bar.close * (0.25 if rng.random() < 0.02 else share) + rng.random() * 0.001
        reward = risk * rng.choice([2.9, 2.999, 3.0, 3.001, 3.5, 5.0])
        if rng.random() < 0.5:
            stop, target = bar.close - risk, bar.close + reward
            if stop <= 0:
                continue
            chosen[index] = Signal("long", bar.close, stop, target)
        elif bar.close - reward > 0:
            chosen[index] = Signal("short", bar.close, bar.close + risk, bar.close - reward)
    return chosen


@pytest.mark.parametrize("seed", range(8))
def test_random_markets_agree_with_every_breaker_on(seed: int) -> None:
    rng = random.Random(seed)
    bars = market(rng, 1500)
    recorded = [
        (instant + rng.randint(0, 5), rng.choice([-0.0003, 0.0001, 0.0004]))
        for instant in range(START, bars[-1].open_ms, FUNDING_INTERVAL_MS)
        if rng.random() < 0.7
    ]
    config = replace(CONFIG, max_leverage=rng.choice([5.0, 20.0]), risk_per_trade_pct=2.0)
    rules = replace(RULES, tick_size=Decimal("0.01"), step_size=Decimal("0.001"))
    dual = run_both(
        bars,
        signals(rng, bars),
        config=config,
        rules=rules,
        risk=TIGHT,
        funding=FundingSchedule(recorded, 0.0001),
        max_hold_bars=rng.choice([0, 6]),
        quiet=seed % 2 == 1,
    )
    assert_agree(dual)
    assert len(dual.fast.trades) > 10


def test_the_random_markets_exercise_every_exit_and_breaker() -> None:
    exits: Counter[str] = Counter()
    blocked: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for seed in range(8):
        rng = random.Random(seed)
        bars = market(rng, 1500)
        dual = run_both(
            bars,
            signals(rng, bars),
            config=replace(CONFIG, max_leverage=20.0),
            risk=TIGHT,
            max_hold_bars=6 if seed % 2 else 0,
        )
        exits.update(trade.exit_reason for trade in dual.fast.trades)
        blocked.update(dual.fast.blocked)
        rejected.update(dual.fast.rejected)
    assert set(exits) == {"tp", "sl", "liquidation", "end", "max_hold"}
    assert set(blocked) == set(BREAKERS)
    assert {"position_open", "min_rr", "invalid_levels"} <= set(rejected)
