"""Per-bar aggregate-trade features on REAL aggregate trades, checked by hand.

The slice: the 40 SUSHIUSDT aggregate trades Binance streamed on 2021-07-22 22:25:44 →
22:26:08 (shared/data/real/ws), in 10-second bars. Expected values are computed here a
second way, trade by trade in plain Python, and a few are written out literally.
"""

from __future__ import annotations

import statistics
from decimal import Decimal

import numpy as np
import pytest

from scalplab.data.features.spec import FeatureParams
from scalplab.data.features.trades import (
    TradeArrays,
    segment_sums,
    trade_columns,
    window_medians,
    with_cvd,
)
from tests.data.adapters.binance.recorded import agg_trade_rows

TF = 10_000
OPENS = np.array([1626992740000, 1626992750000, 1626992760000])  # 22:25:40, :50, 22:26:00
SWEEP_MS = 1626992750163  # a taker bought through three price levels in this millisecond


def sushi() -> list[dict[str, object]]:
    return agg_trade_rows()["SUSHIUSDT"]


def arrays(rows: list[dict[str, object]]) -> TradeArrays:
    return TradeArrays(
        np.array([r["T"] for r in rows], dtype=np.int64),
        np.array([float(str(r["p"])) for r in rows]),
        np.array([float(str(r["q"])) for r in rows]),
        np.array([r["m"] for r in rows], dtype=np.bool_),
    )


def by_hand(rows: list[dict[str, object]], params: FeatureParams) -> list[dict[str, object]]:
    """Every feature of each bar of `OPENS`, trade by trade."""
    trades = [
        (int(str(r["T"])), float(str(r["p"])), float(str(r["q"])), bool(r["m"])) for r in rows
    ]
    notional = [p * q for _, p, q, _ in trades]
    bars = []
    for open_ms in OPENS.tolist():
        inside = [i for i, (t, *_) in enumerate(trades) if open_ms <= t < open_ms + TF]
        buys = [i for i in inside if not trades[i][3]]
        sells = [i for i in inside if trades[i][3]]
        flagged = [i for i in inside if _is_sweep(i, trades, notional, params)]
        top = max(inside, key=lambda i: notional[i])  # max() keeps the first of equals
        bars.append(
            {
                "taker_buy_volume": sum(trades[i][2] for i in buys),
                "taker_sell_volume": sum(trades[i][2] for i in sells),
                "taker_buy_notional": sum(notional[i] for i in buys),
                "taker_sell_notional": sum(notional[i] for i in sells),
                "taker_buy_count": len(buys),
                "taker_sell_count": len(sells),
                "largest_trade_qty": trades[top][2],
                "largest_trade_notional": notional[top],
                "largest_trade_side": -1.0 if trades[top][3] else 1.0,
                "buy_sweeps": sum(1 for i in flagged if not trades[i][3]),
                "sell_sweeps": sum(1 for i in flagged if trades[i][3]),
                "buy_sweep_notional": sum(notional[i] for i in flagged if not trades[i][3]),
                "sell_sweep_notional": sum(notional[i] for i in flagged if trades[i][3]),
            }
        )
    return bars


def _is_sweep(
    i: int,
    trades: list[tuple[int, float, float, bool]],
    notional: list[float],
    params: FeatureParams,
) -> bool:
    time, _, _, maker = trades[i]
    step = time - time % params.step_ms
    window = [notional[j] for j, t in enumerate(trades) if step - params.window_ms <= t[0] < step]
    if window and notional[i] >= params.sweep_k * statistics.median(window):
        return True
    same = [t for t in trades if t[0] == time and t[3] == maker]
    return len({t[1] for t in same}) >= params.sweep_levels


@pytest.mark.parametrize("k", [10.0, 2.0])
def test_every_trade_feature_matches_a_trade_by_trade_computation(k: float) -> None:
    params = FeatureParams(sweep_k=k)
    rows = sushi()
    columns = trade_columns(arrays(rows), OPENS, TF, params)
    for bar, expected in enumerate(by_hand(rows, params)):
        for name, value in expected.items():
            assert columns[name][bar] == pytest.approx(value, rel=1e-12), (bar, name)


def test_the_first_bar_written_out() -> None:
    columns = with_cvd(trade_columns(arrays(sushi()), OPENS, TF, FeatureParams()))
    # 22:25:44.108 a taker bought 297 at 7.6120; 22:25:45.907 a taker sold 1 at 7.6120
    assert columns["taker_buy_volume"][0] == 297.0
    assert columns["taker_sell_volume"][0] == 1.0
    assert (columns["taker_buy_count"][0], columns["taker_sell_count"][0]) == (1.0, 1.0)
    assert columns["taker_buy_notional"][0] == pytest.approx(297 * 7.612)
    assert columns["largest_trade_qty"][0] == 297.0
    assert columns["largest_trade_side"][0] == 1.0  # a buy
    assert columns["delta"][0] == 296.0
    assert columns["cvd"][0] == 296.0
    assert columns["cvd"][1] == 296.0 + columns["delta"][1]
    assert columns["cvd"][2] == columns["cvd"][1] + columns["delta"][2]


def test_sweeps_through_price_levels_and_by_size() -> None:
    rows = sushi()
    plain = trade_columns(arrays(rows), OPENS, TF, FeatureParams())
    # 22:25:50.163: one buy at 7.6130, 7.6140, 7.6150 (3 levels); 22:25:51.410: sells at
    # 7.6160, 7.6150, 7.6140; 22:25:52.833: sells at 7.6120, 7.6110. The reference of the
    # 22:25:50 step is the median of the two earlier trades: (7.612 + 2260.764) / 2.
    assert (plain["buy_sweeps"][1], plain["sell_sweeps"][1]) == (3.0, 5.0)
    assert plain["buy_sweep_notional"][1] == pytest.approx(1 * 7.613 + 173 * 7.614 + 482 * 7.615)
    loose = trade_columns(arrays(rows), OPENS, TF, FeatureParams(sweep_levels=4, sweep_k=2.0))
    # only 482 x 7.615 = 3670.43 >= 2 x 1134.188 in that bar
    assert (loose["buy_sweeps"][1], loose["sell_sweeps"][1]) == (1.0, 0.0)
    assert loose["buy_sweep_notional"][1] == pytest.approx(482 * 7.615)


def test_a_trade_at_exactly_the_close_belongs_to_the_next_bar() -> None:
    rows = sushi()
    opens = np.array([SWEEP_MS - TF, SWEEP_MS])  # the first bar closes at the sweep's ms
    columns = trade_columns(arrays(rows), opens, TF, FeatureParams())
    at_close = [r for r in rows if r["T"] == SWEEP_MS]
    assert len(at_close) == 3
    before = [r for r in rows if SWEEP_MS - TF <= int(str(r["T"])) < SWEEP_MS]
    assert columns["taker_buy_count"][0] == sum(1 for r in before if not r["m"])
    assert columns["taker_buy_volume"][1] >= sum(float(Decimal(str(r["q"]))) for r in at_close)
    assert columns["buy_sweeps"][0] == 0.0 and columns["buy_sweeps"][1] >= 3.0


def test_a_bar_without_trades_has_zero_flow_and_no_largest_trade() -> None:
    opens = np.array([1626992700000, *OPENS.tolist()])
    columns = trade_columns(arrays(sushi()), opens, TF, FeatureParams())
    assert columns["taker_buy_volume"][0] == 0.0 and columns["taker_buy_count"][0] == 0.0
    assert np.isnan(columns["largest_trade_qty"][0]) and np.isnan(columns["largest_trade_side"][0])
    empty = trade_columns(TradeArrays.empty(), OPENS, TF, FeatureParams())
    assert empty["delta"].tolist() == [0.0, 0.0, 0.0]


def test_segment_sums_do_not_depend_on_what_else_the_array_holds() -> None:
    values = np.array([float(str(r["q"])) * float(str(r["p"])) for r in sushi()])
    lo, hi = np.array([2, 10, 30]), np.array([10, 30, 40])
    whole = segment_sums(values, lo, hi)
    alone = [segment_sums(values[a:b], np.array([0]), np.array([b - a]))[0] for a, b in
             zip(lo, hi, strict=True)]  # fmt: skip
    assert whole.tolist() == alone
    assert segment_sums(values, np.array([5, 7]), np.array([5, 9])).tolist() == [
        0.0,
        values[7] + values[8],
    ]


def test_window_medians_are_numpys_median() -> None:
    values = np.array([float(str(r["q"])) for r in sushi()])
    low, high = np.array([0, 3, 5, 9]), np.array([7, 3, 40, 10])
    got = window_medians(values, low, high)
    assert got[0] == np.median(values[0:7]) and np.isnan(got[1])
    assert got[2] == np.median(values[5:40]) and got[3] == values[9]
