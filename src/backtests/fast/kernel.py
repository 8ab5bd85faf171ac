"""The compiled simulation of one book: the execution semantics of ARCHITECTURE.md, bar by bar.

It repeats, operation for operation, what the Backtrader path does for a strategy
that gives one stop and one target (`scalplab.orders.pipeline`, `execution`, `ledger`,
`levels`, `sizing`, `funding`, `risk`, `atr`), so both give the same floats:

- on each bar: the gate's UTC day (its start equity: the equity before the bar), the
  funding of a position held into the bar (`qty × open × rate`, per settlement instant
  in `(previous open, open]`), a queued max-hold exit at the open (taker, slipped), the
  entry queued on the previous close at the open (taker, slipped), then the levels
  (the open first, a bar reaching both fills the stop, liquidation like a stop with the
  level nearer the entry winning), the equity at the close, the ATR window;
- then the strategy's turn: the max-hold request, and the bar's signal: dropped on the
  last bar, `position_open` while a position or an entry waits (or ignored entirely
  for a strategy quiet in position), `invalid_levels`, sizing
  (`min(equity × risk% / |entry − stop|, equity × leverage / entry, max qty)` down to
  the step) and its `min_qty` / `min_notional` / `insufficient_margin` checks, then the
  risk gate in its order: `min_rr`, `daily_loss_limit`, `loss_streak`, `overtrading`,
  `extreme_volatility` (`max_open_positions` cannot bind for one flat book and
  `spread` has no data in a backtest: both always allow);
- at the end, a position still open closes at the last close (taker, slipped).

Levels arrive rounded to the tick (`scalplab.backtests.fast.ticks`); sizing, the levels
a bar reaches and a closing trade are `scalplab.backtests.fast.fills`. Trades, fates and
totals come back as arrays (`FATE_*` and `fills.EXIT_*` codes), turned into records by
`scalplab.backtests.fast.runner`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from scalplab.backtests.fast.fills import (
    EXIT_END,
    EXIT_MAX_HOLD,
    EXIT_TP,
    SIZE_MIN_NOTIONAL,
    SIZE_MIN_QTY,
    close_trade,
    level_hit,
    position_size,
    python_sum,
)
from scalplab.strategies.vector import FloatArray, IntArray, SideArray
from scalplab.strategies.vectorised.jit import compiled

BoolArray = npt.NDArray[np.bool_]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
TOLERANCE = 1e-9
MARGIN_TOLERANCE = 1 + 1e-9
RECENT_TRADES = 1000

# Signal fates, in `FATES` order: (status, reason or breaker).
FATE_ACCEPTED, FATE_DROPPED, FATE_POSITION_OPEN, FATE_INVALID_LEVELS = 0, 1, 2, 3
FATE_MIN_QTY, FATE_MIN_NOTIONAL, FATE_INSUFFICIENT_MARGIN, FATE_MIN_RR = 4, 5, 6, 7
FATE_DAILY_LOSS, FATE_LOSS_STREAK, FATE_OVERTRADING, FATE_VOLATILITY = 8, 9, 10, 11
FATES = (
    ("accepted", ""),
    ("dropped", "last_bar"),
    ("rejected", "position_open"),
    ("rejected", "invalid_levels"),
    ("rejected", "min_qty"),
    ("rejected", "min_notional"),
    ("rejected", "insufficient_margin"),
    ("rejected", "min_rr"),
    ("blocked", "daily_loss_limit"),
    ("blocked", "loss_streak"),
    ("blocked", "overtrading"),
    ("blocked", "extreme_volatility"),
)

# economics[]: the run's money settings.
ECON_CAPITAL, ECON_RISK_PCT, ECON_LEVERAGE, ECON_MAINT_PCT = 0, 1, 2, 3
ECON_TAKER_PCT, ECON_MAKER_PCT, ECON_SLIPPAGE_PCT = 4, 5, 6
# limits[]: the gate's float limits.
LIMIT_MIN_RR, LIMIT_DAILY_PCT, LIMIT_VOLATILITY = 0, 1, 2
# options[]: switches and integer limits.
OPT_MAX_HOLD, OPT_QUIET, OPT_NEUMAIER, OPT_MIN_RR, OPT_DAILY = 0, 1, 2, 3, 4
OPT_STREAK, OPT_STREAK_LIMIT, OPT_COOLDOWN_MS, OPT_OVERTRADING, OPT_PER_HOUR = 5, 6, 7, 8, 9
OPT_VOLATILITY, OPT_ATR_PERIOD, OPT_ATR_WINDOW = 10, 11, 12
OPTIONS = 13

# totals[] (floats) and counters[] (ints) of the run.
TOTAL_FEES, TOTAL_SLIPPAGE, TOTAL_FUNDING, TOTAL_CASH = 0, 1, 2, 3
COUNT_IN_MARKET, COUNT_DEFAULT_FUNDING, COUNT_STEP_OVERFLOW = 0, 1, 2


@compiled
def simulate_book(
    open_ms: IntArray,
    opens: FloatArray,
    highs: FloatArray,
    lows: FloatArray,
    closes: FloatArray,
    side: SideArray,
    entry: FloatArray,
    stop_loss: FloatArray,
    take_profit: FloatArray,
    funding_ms: IntArray,
    funding_rate: FloatArray,
    funding_recorded: BoolArray,
    economics: FloatArray,
    sizing: FloatArray,
    limits: FloatArray,
    options: IntArray,
) -> tuple[IntArray, FloatArray, int, FloatArray, IntArray, FloatArray, IntArray]:
    """Run one book over the bars (see the module docstring). Returns the trade rows
    (ints, floats, how many), the equity at each close, the count of each fate, the
    totals and the counters."""
    bars = len(closes)
    capital = economics[ECON_CAPITAL]
    risk_pct = economics[ECON_RISK_PCT]
    leverage = economics[ECON_LEVERAGE]
    mmr = economics[ECON_MAINT_PCT] / 100.0
    taker_pct = economics[ECON_TAKER_PCT]
    maker_pct = economics[ECON_MAKER_PCT]
    slip = economics[ECON_SLIPPAGE_PCT] / 100.0
    max_hold = options[OPT_MAX_HOLD]
    quiet = options[OPT_QUIET] != 0
    neumaier = options[OPT_NEUMAIER] != 0
    atr_period = max(options[OPT_ATR_PERIOD], 1)
    atr_window = max(options[OPT_ATR_WINDOW], 1)
    rows = int(np.count_nonzero(side)) + 1
    trade_ints = np.zeros((rows, 4), dtype=np.int64)
    trade_floats = np.zeros((rows, 7))
    trades = 0
    equity = np.empty(bars)
    fates = np.zeros(len(FATES), dtype=np.int64)
    counters = np.zeros(3, dtype=np.int64)
    cash = capital
    fees_paid = 0.0
    slippage_paid = 0.0
    funding_paid = 0.0
    # the position, the entry waiting for the next open, a queued max-hold exit
    held = False
    direction = 0
    qty = 0.0
    entry_price = 0.0
    entry_bar = 0
    stop = 0.0
    target = 0.0
    liquidation = 0.0
    position_fees = 0.0
    position_funding = 0.0
    position_slippage = 0.0
    waiting = False
    waiting_direction = 0
    waiting_qty = 0.0
    waiting_stop = 0.0
    waiting_target = 0.0
    exit_queued = False
    instant = 0
    # the risk gate: the UTC day, the daily block, the loss streak, the entries
    day = np.int64(-1)
    day_start = 0.0
    daily_until = np.int64(-1)
    streak = 0
    last_loss_ms = np.int64(0)
    streak_until = np.int64(-1)
    entry_times = np.empty(rows, dtype=np.int64)
    entries_from = 0
    entries = 0
    # the ATR tracker (`WilderAtr`): seed sum, value, the window of values before it
    atr_total = 0.0
    seeded = 0
    atr = 0.0
    atr_ready = False
    history = np.empty(atr_window)
    history_first = 0
    history_count = 0
    before = capital
    for t in range(bars):
        now = open_ms[t]
        bar_open, bar_high, bar_low, bar_close = opens[t], highs[t], lows[t], closes[t]
        today = now - now % DAY_MS
        if day < 0 or today > day:
            day = today
            day_start = before
        held_before = held
        while instant < len(funding_ms) and funding_ms[instant] <= now:
            if held:
                rate = funding_rate[instant]
                if not funding_recorded[instant]:
                    counters[COUNT_DEFAULT_FUNDING] += 1
                amount = qty * bar_open * rate * direction
                cash -= amount
                position_funding += amount
                funding_paid += amount
            instant += 1
        if exit_queued:
            exit_queued = False
            if held:
                price = bar_open * (1.0 + slip) if direction < 0 else bar_open * (1.0 - slip)
                gross, fee, slipped, pnl = close_trade(
                    trade_ints,
                    trade_floats,
                    trades,
                    direction,
                    qty,
                    entry_price,
                    entry_bar,
                    position_fees,
                    position_funding,
                    position_slippage,
                    t,
                    price,
                    bar_open,
                    taker_pct,
                    EXIT_MAX_HOLD,
                )
                trades += 1
                cash += gross - fee
                fees_paid += fee
                slippage_paid += slipped
                held = False
                streak = min(streak + 1, RECENT_TRADES) if pnl < 0 else 0
                last_loss_ms = now if pnl < 0 else last_loss_ms
        opened = False
        if waiting:
            waiting = False
            buying = waiting_direction > 0
            price = bar_open * (1.0 + slip) if buying else bar_open * (1.0 - slip)
            fee = abs(price * waiting_qty) * taker_pct / 100.0
            cash -= fee
            fees_paid += fee
            position_slippage = abs(price - bar_open) * waiting_qty
            slippage_paid += position_slippage
            held = True
            opened = True
            direction = waiting_direction
            qty = waiting_qty
            entry_price = price
            entry_bar = t
            stop = waiting_stop
            target = waiting_target
            if buying:
                liquidation = price * (1.0 - 1.0 / leverage + mmr)
            else:
                liquidation = price * (1.0 + 1.0 / leverage - mmr)
            position_fees = fee
            position_funding = 0.0
        if held:
            reason, level = level_hit(
                direction, entry_price, stop, target, liquidation, bar_open, bar_high, bar_low
            )
            if reason >= 0:
                if reason == EXIT_TP:
                    price, fee_pct = level, maker_pct
                else:
                    price = level * (1.0 + slip) if direction < 0 else level * (1.0 - slip)
                    fee_pct = taker_pct
                gross, fee, slipped, pnl = close_trade(
                    trade_ints,
                    trade_floats,
                    trades,
                    direction,
                    qty,
                    entry_price,
                    entry_bar,
                    position_fees,
                    position_funding,
                    position_slippage,
                    t,
                    price,
                    level,
                    fee_pct,
                    reason,
                )
                trades += 1
                cash += gross - fee
                fees_paid += fee
                slippage_paid += slipped
                held = False
                streak = min(streak + 1, RECENT_TRADES) if pnl < 0 else 0
                last_loss_ms = now if pnl < 0 else last_loss_ms
        if held_before or opened:
            counters[COUNT_IN_MARKET] += 1
        unrealised = (bar_close - entry_price) * qty * direction if held else 0.0
        value = cash + unrealised
        equity[t] = value
        before = value
        if options[OPT_VOLATILITY] != 0:
            true_range = bar_high - bar_low
            if t > 0:
                previous = closes[t - 1]
                up = abs(bar_high - previous)
                down = abs(bar_low - previous)
                true_range = up if up > true_range else true_range
                true_range = down if down > true_range else true_range
            if not atr_ready:
                atr_total += true_range
                seeded += 1
                if seeded == atr_period:
                    atr = atr_total / atr_period
                    atr_ready = True
            else:
                if history_count < atr_window:
                    history[(history_first + history_count) % atr_window] = atr
                    history_count += 1
                else:
                    history[history_first] = atr
                    history_first = (history_first + 1) % atr_window
                atr = (atr * (atr_period - 1) + true_range) / atr_period
        # the strategy's turn: a max-hold exit, then the bar's signal
        if max_hold > 0 and held and t - entry_bar + 1 >= max_hold:
            exit_queued = True
        signal = side[t]
        if signal == 0 or (quiet and held):
            continue
        if t == bars - 1:
            fates[FATE_DROPPED] += 1
            continue
        if held or waiting:
            fates[FATE_POSITION_OPEN] += 1
            continue
        price, level_stop, level_target = entry[t], stop_loss[t], take_profit[t]
        if signal > 0:
            valid = level_stop < price < level_target
        else:
            valid = level_target < price < level_stop
        if not valid:
            fates[FATE_INVALID_LEVELS] += 1
            continue
        size = position_size(value, price, level_stop, risk_pct, leverage, sizing)
        if math.isnan(size):
            counters[COUNT_STEP_OVERFLOW] += 1
            break
        if size <= 0 or size < sizing[SIZE_MIN_QTY]:
            fates[FATE_MIN_QTY] += 1
            continue
        if size * price < sizing[SIZE_MIN_NOTIONAL]:
            fates[FATE_MIN_NOTIONAL] += 1
            continue
        if size * price / leverage > value * MARGIN_TOLERANCE:
            fates[FATE_INSUFFICIENT_MARGIN] += 1
            continue
        risk = abs(price - level_stop)
        reward_risk = abs(level_target - price) / risk if risk > 0 else 0.0
        if options[OPT_MIN_RR] != 0 and not reward_risk >= limits[LIMIT_MIN_RR] - TOLERANCE:
            fates[FATE_MIN_RR] += 1
            continue
        if options[OPT_DAILY] != 0:
            if daily_until >= 0 and now < daily_until:
                fates[FATE_DAILY_LOSS] += 1
                continue
            if day_start > 0:
                loss_pct = (day_start - value) / day_start * 100.0
                if not loss_pct < limits[LIMIT_DAILY_PCT] - TOLERANCE:
                    daily_until = today + DAY_MS
                    fates[FATE_DAILY_LOSS] += 1
                    continue
        if options[OPT_STREAK] != 0:
            if streak >= options[OPT_STREAK_LIMIT] and streak > 0:
                until = last_loss_ms + options[OPT_COOLDOWN_MS]
                if streak_until < 0 or until > streak_until:
                    streak_until = until
            if streak_until >= 0 and now < streak_until:
                fates[FATE_LOSS_STREAK] += 1
                continue
        if options[OPT_OVERTRADING] != 0:
            while entries_from < entries and entry_times[entries_from] <= now - HOUR_MS:
                entries_from += 1
            if entries - entries_from >= options[OPT_PER_HOUR]:
                fates[FATE_OVERTRADING] += 1
                continue
        if options[OPT_VOLATILITY] != 0 and atr_ready and history_count == atr_window:
            average = python_sum(history, history_first, atr_window, neumaier) / atr_window
            if average > 0 and not atr / average < limits[LIMIT_VOLATILITY] - TOLERANCE:
                fates[FATE_VOLATILITY] += 1
                continue
        fates[FATE_ACCEPTED] += 1
        entry_times[entries] = now
        entries += 1
        waiting = True
        waiting_direction = 1 if signal > 0 else -1
        waiting_qty = size
        waiting_stop = level_stop
        waiting_target = level_target
    if held and bars > 0:
        last = bars - 1
        price = closes[last] * (1.0 + slip) if direction < 0 else closes[last] * (1.0 - slip)
        gross, fee, slipped, pnl = close_trade(
            trade_ints,
            trade_floats,
            trades,
            direction,
            qty,
            entry_price,
            entry_bar,
            position_fees,
            position_funding,
            position_slippage,
            last,
            price,
            closes[last],
            taker_pct,
            EXIT_END,
        )
        trades += 1
        cash += gross - fee
        fees_paid += fee
        slippage_paid += slipped
        equity[last] = cash + 0.0
    totals = np.array([fees_paid, slippage_paid, funding_paid, cash])
    return trade_ints, trade_floats, trades, equity, fates, totals, counters
