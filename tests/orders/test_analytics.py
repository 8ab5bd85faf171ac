"""Trade analytics (issue 13) worked out by hand on a small scripted run.

Hourly candles from T0 = 2025-01-31 20:00 UTC (h0 … h7), initial capital 1,000:
- A, long: signal h0 stop 95 (reasons bos, fvg), entry h1 at 100, qty 2, exit h3, P&L +20.
  Bars h1–h3: lowest low 97, highest high 112 → MAE 3 % (3 / 5 = 0.6 R), MFE 12 % (2.4 R);
  R = 20 / (2 × 5) = 2; 120 minutes; return 20 / 200 = 10 %.
- B, short: signal h4 stop 104 (reason choch), entry h5 at 100, qty 1, exit h6, P&L −4.
  Bars h5–h6: highest high 106, lowest low 98 → MAE 6 % (6 / 4 = 1.5 R), MFE 2 % (0.5 R);
  R = −1; 60 minutes; return −4 %. Bar h4 (high 200, low 1) is outside both positions.
- Equity 1000, 1000, 1010, 1020 (Jan 31 23:00), 1020, 1018, 1016, 1016: Jan 31 / January
  +2 %, Feb 1 / February (1016 / 1020 − 1) = −0.3922 %; drawdown 0 … 0, −0.1961, −0.3922,
  −0.3922.
- P&L histogram of [20, −4]: ⌈√2⌉ = 2 bins of width 12: [−4, 8) one, [8, 20] one.
"""

from __future__ import annotations

import pandas as pd
import pytest

from scalplab.orders.analytics import (
    HistogramBin,
    PeriodReturn,
    SideSplit,
    compute_analytics,
    pnl_histogram,
    underwater,
)
from scalplab.orders.models import SignalRecord, Trade
from scalplab.timeutil import iso_ms

H = 3_600_000
T0 = 1_738_353_600_000  # 2025-01-31T20:00:00Z


def _trade(
    side: str, entry_h: int, exit_h: int, qty: float, exit_price: float, pnl: float
) -> Trade:
    return Trade(
        "BTCUSDT",
        "s",
        side,
        T0 + entry_h * H,
        T0 + exit_h * H,
        100.0,
        exit_price,
        qty,  # type: ignore[arg-type]
        "tp" if pnl > 0 else "sl",
        0.0,
        0.0,
        0.0,
        pnl,
        exit_h - entry_h,
    )


def _signal(side: str, h: int, stop: float, reasons: tuple[str, ...]) -> SignalRecord:
    return SignalRecord(
        "BTCUSDT",
        "s",
        T0 + h * H,
        side,
        100.0,
        stop,
        0.0,
        50.0,
        reasons,
        "accepted",  # type: ignore[arg-type]
    )


TRADES = [_trade("long", 1, 3, 2.0, 110.0, 20.0), _trade("short", 5, 6, 1.0, 104.0, -4.0)]
SIGNALS = [_signal("long", 0, 95.0, ("bos", "fvg")), _signal("short", 4, 104.0, ("choch",))]
HIGHS = [100, 104, 112, 111, 200, 103, 106, 100]
LOWS = [100, 97, 99, 105, 1, 98, 101, 100]
CANDLES = pd.DataFrame(
    {
        "open_time": [T0 + h * H for h in range(8)],
        "open": [100.0] * 8,
        "high": [float(v) for v in HIGHS],
        "low": [float(v) for v in LOWS],
        "close": [100.0] * 8,
    }
)
EQUITY = [(T0 + h * H, v) for h, v in enumerate([1000.0, 1000, 1010, 1020, 1020, 1018, 1016, 1016])]


def test_per_position_r_duration_return_mae_mfe_and_reasons() -> None:
    result = compute_analytics(TRADES, SIGNALS, EQUITY, CANDLES, 1000.0)
    a, b = result.positions
    assert (a.side, a.entry_time, a.exit_time) == ("long", iso_ms(T0 + H), iso_ms(T0 + 3 * H))
    assert (a.r, a.duration_min, a.return_pct) == (2.0, 120.0, 10.0)
    assert (a.mae_pct, a.mfe_pct, a.mae_r, a.mfe_r) == (3.0, 12.0, 0.6, 2.4)
    assert a.reasons == ["bos", "fvg"]
    assert (b.side, b.r, b.duration_min, b.return_pct) == ("short", -1.0, 60.0, -4.0)
    assert (b.mae_pct, b.mfe_pct, b.mae_r, b.mfe_r) == (6.0, 2.0, 1.5, 0.5)
    assert b.reasons == ["choch"]


def test_long_short_split_and_period_returns() -> None:
    result = compute_analytics(TRADES, SIGNALS, EQUITY, CANDLES, 1000.0)
    assert result.sides == [
        SideSplit("long", 1, 1, 100.0, 20.0, 2.0),
        SideSplit("short", 1, 0, 0.0, -4.0, -1.0),
    ]
    assert result.daily == [
        PeriodReturn("2025-01-31", 1000.0, 1020.0, 20.0, 2.0),
        PeriodReturn("2025-02-01", 1020.0, 1016.0, -4.0, -0.3922),
    ]
    assert [(m.period, m.return_pct) for m in result.monthly] == [
        ("2025-01", 2.0),
        ("2025-02", -0.3922),
    ]
    assert result.histogram == [HistogramBin(-4.0, 8.0, 1), HistogramBin(8.0, 20.0, 1)]
    assert result.to_dict()["sides"][0]["positions"] == 1


def test_underwater_keeps_the_deepest_point_of_each_run_and_at_most_n_points() -> None:
    full = underwater(EQUITY)
    assert [v for _, v in full] == [0.0, 0.0, 0.0, 0.0, 0.0, -0.1961, -0.3922, -0.3922]
    assert underwater(EQUITY, max_points=3) == [
        (iso_ms(T0), 0.0),
        (iso_ms(T0 + 2 * H), 0.0),
        (iso_ms(T0 + 6 * H), -0.3922),
    ]
    long_curve = [(T0 + i * 60_000, 1000.0 - (i % 7)) for i in range(5_000)]
    assert len(underwater(long_curve)) == 1_000


def test_nothing_to_measure_gives_nones_not_zeros() -> None:
    manual = [_trade("long", 1, 3, 2.0, 110.0, 20.0)]
    result = compute_analytics(manual, [], [], CANDLES.iloc[:0], 1000.0)
    [a] = result.positions
    assert (a.r, a.mae_pct, a.mfe_pct, a.mae_r, a.mfe_r, a.reasons) == (
        None,
        None,
        None,
        None,
        None,
        [],
    )
    assert result.sides[1] == SideSplit("short", 0, 0, None, 0.0, None)
    assert (result.daily, result.underwater) == ([], [])
    assert pnl_histogram([]) == []
    assert pnl_histogram([5.0, 5.0]) == [HistogramBin(5.0, 5.0, 2)]


@pytest.mark.parametrize("count", [1, 4, 2000])
def test_histogram_counts_every_position(count: int) -> None:
    bins = pnl_histogram([float(i) for i in range(count)])
    assert sum(b.count for b in bins) == count
    assert len(bins) <= 30
