"""Walk-forward windows, the stitched out-of-sample result and parameter stability."""

from __future__ import annotations

import dataclasses

import pytest

from scalplab.backtests.sweeps.records import (
    TrialOutcome,
    TrialScore,
    TrialTask,
    WalkForward,
    Window,
)
from scalplab.backtests.sweeps.walkforward import (
    compact,
    in_sample_gates,
    out_of_sample_gates,
    parse_walk_forward,
    plan_windows,
    stability,
    stitch,
)
from scalplab.errors import InputError
from scalplab.orders.gates import PositionOutcome, evaluate

DAY = 86_400_000


def test_windows_roll_by_the_test_length_and_tile_the_data() -> None:
    plans = plan_windows(0, 100 * DAY, WalkForward(60 * DAY, 10 * DAY))
    assert [(p.train.start_ms // DAY, p.train.end_ms // DAY) for p in plans] == [
        (0, 60),
        (10, 70),
        (20, 80),
        (30, 90),
    ]
    assert [(p.test.start_ms // DAY, p.test.end_ms // DAY) for p in plans if p.test] == [
        (60, 70),
        (70, 80),
        (80, 90),
        (90, 100),
    ]
    # a test range shorter than TEST at the end is not run
    assert len(plan_windows(0, 99 * DAY, WalkForward(60 * DAY, 10 * DAY))) == 3


def test_without_walk_forward_one_window_covers_the_range() -> None:
    [plan] = plan_windows(5, 50, None)
    assert plan.train == Window(0, 5, 50)
    assert plan.test is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("60d", "must look like TRAIN/TEST"),
        ("60d/0d", "not a positive duration"),
        ("60x/30d", "not a positive duration"),
        ("/30d", "not a positive duration"),
    ],
)
def test_bad_walk_forward_texts(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        parse_walk_forward(text)
    assert message in error.value.message


def test_walk_forward_texts_and_too_short_ranges() -> None:
    assert parse_walk_forward("60d/30d") == WalkForward(60 * DAY, 30 * DAY)
    assert parse_walk_forward(" 12h / 90m ") == WalkForward(12 * 3_600_000, 90 * 60_000)
    assert WalkForward(60 * DAY, 30 * DAY).to_text() == "60d/30d"
    with pytest.raises(InputError, match="needs at least 90 days of data, the range has 30 days"):
        plan_windows(0, 30 * DAY, WalkForward(60 * DAY, 30 * DAY))


def _score(net: float, fees: float = 1.0) -> TrialScore:
    return TrialScore(
        trades=2,
        win_rate=50.0,
        net_pnl=net,
        return_pct=net / 100,
        max_drawdown_pct=1.0,
        profit_factor=None,
        sharpe=None,
        sortino=None,
        expectancy=net / 2,
        fees=fees,
        funding=0.5,
        final_equity=10_000 + net,
    )


def test_stitch_chains_the_test_runs_into_one_account() -> None:
    window = Window(0, 0, DAY)
    first = TrialOutcome(
        TrialTask("test", window, 0, {}),
        _score(100.0),
        "backtrader",
        None,
        1.0,
        equity=((0, 10_000.0), (DAY // 2, 10_150.0), (DAY - 60_000, 10_100.0)),
        trade_pnls=((DAY // 2, 150.0), (DAY - 60_000, -50.0)),
    )
    second = TrialOutcome(
        TrialTask("test", window, 3, {}),
        _score(-40.0),
        "backtrader",
        None,
        1.0,
        equity=((DAY, 10_000.0), (DAY + 60_000, 9_960.0)),
        trade_pnls=((DAY + 60_000, -40.0),),
    )
    stitched = stitch([first, second], 10_000.0)
    assert stitched.equity == (
        (0, 10_000.0),
        (DAY // 2, 10_150.0),
        (DAY - 60_000, 10_100.0),
        (DAY, 10_100.0),
        (DAY + 60_000, 10_060.0),
    )
    assert stitched.trades == 3
    assert stitched.net_pnl == pytest.approx(60.0)
    assert stitched.return_pct == pytest.approx(0.6)
    assert stitched.win_rate == pytest.approx(100 / 3)
    assert stitched.profit_factor == pytest.approx(150 / 90)
    # peak 10,150 → trough 10,060
    assert stitched.max_drawdown_pct == pytest.approx((10_150 - 10_060) / 10_150 * 100)
    assert stitched.fees == pytest.approx(2.0)
    assert stitched.funding == pytest.approx(1.0)


def test_the_stitched_and_in_sample_gates() -> None:
    """Out of sample: window 0's two positions (R 1.5 and −0.5) then window 1's one (R −0.4),
    over two one-day test ranges; in sample: the mean of the windows' own gate tables."""
    window = Window(0, 0, DAY)
    train_0 = evaluate([PositionOutcome(0, 1, 30.0, 10.0)], 2.0, 1.0, 2.0)
    train_1 = evaluate([PositionOutcome(0, 1, -5.0, 10.0)], 4.0, 3.0, 2.0)
    first = TrialOutcome(
        TrialTask("test", window, 0, {}, in_sample=Window(0, -2 * DAY, 0)),
        _score(100.0),
        "backtrader",
        None,
        1.0,
        equity=((0, 10_000.0), (DAY // 2, 10_150.0), (DAY - 60_000, 10_100.0)),
        trade_pnls=((DAY // 2, 150.0), (DAY - 60_000, -50.0)),
        positions=(
            PositionOutcome(0, DAY // 2, 150.0, 100.0),
            PositionOutcome(DAY // 2, DAY - 60_000, -50.0, 100.0),
        ),
        in_sample_gates=tuple(train_0),
    )
    second = TrialOutcome(
        TrialTask("test", window, 3, {}),
        _score(-40.0),
        "backtrader",
        None,
        1.0,
        equity=((DAY, 10_000.0), (DAY + 60_000, 9_960.0)),
        trade_pnls=((DAY + 60_000, -40.0),),
        positions=(PositionOutcome(DAY, DAY + 60_000, -40.0, 100.0),),
        in_sample_gates=tuple(train_1),
    )
    stitched = stitch([first, second], 10_000.0)
    oos = {g.name: g for g in out_of_sample_gates([first, second], stitched, 2.0)}
    assert oos["win_rate"].value == pytest.approx(100 / 3)
    assert oos["profit_factor"].value == pytest.approx(150 / 90)
    assert oos["avg_r"].value == pytest.approx((1.5 - 0.5 - 0.4) / 3)
    assert oos["max_consecutive_losses"].value == 2
    assert oos["max_drawdown_pct"].value == stitched.max_drawdown_pct
    assert (oos["sample_size"].value, oos["trades_per_day"].value) == (3, 1.5)
    ins = {g.name: g for g in in_sample_gates([first, second])}
    assert (ins["win_rate"].value, ins["win_rate"].passed) == (50.0, False)
    assert (ins["avg_r"].value, ins["sharpe"].value) == (pytest.approx(1.25), 2.0)
    # A window whose in-sample run failed (no gates) is left out of the mean.
    failed = dataclasses.replace(second, in_sample_gates=())
    alone = in_sample_gates([first, failed])
    assert [(g.value, g.passed) for g in alone] == [(g.value, g.passed) for g in train_0]
    notes = {g.name: g.note for g in alone}
    assert notes["win_rate"] == "mean of 1 of 1 windows"
    assert notes["profit_factor"] == (
        "mean of 0 of 1 windows (the others: no losing position: unbounded)"
    )
    assert alone[-1] == train_0[-1]  # paper trading: not checked here
    assert in_sample_gates([failed]) == []


def test_stability_of_the_chosen_params() -> None:
    report = stability(
        ["fast", "allow_short"],
        [
            {"fast": 10, "allow_short": True},
            {"fast": 20, "allow_short": True},
            {"fast": 30, "allow_short": False},
        ],
    )
    fast, short = report
    assert fast.values == (10, 20, 30)
    assert fast.distinct == 3
    assert fast.mean == pytest.approx(20.0)
    assert fast.stdev == pytest.approx((200 / 3) ** 0.5)
    assert fast.cv == pytest.approx((200 / 3) ** 0.5 / 20)
    assert short.values == (True, True, False)
    assert short.distinct == 2
    assert short.mean is None  # not numbers


def test_compact_keeps_the_ends() -> None:
    curve = [(i, float(i)) for i in range(10_001)]
    kept = compact(curve, 500)
    assert len(kept) == 500
    assert kept[0] == (0, 0.0)
    assert kept[-1] == (10_000, 10_000.0)
    assert compact(curve[:10], 500) == curve[:10]
