"""Seed 002's go-live gates (§12.3) worked out by hand on small scripted results.

The scripted book `BTCUSDT/s` (times in hours from T0, stops of the accepted signals):
- A, long: signal h0 stop 95, entry h1 at 100, a ladder of two records: 10 at tp +150 and 10
  stopped at breakeven −2 → one position, P&L 148, risk 20 × |100 − 95| = 100, R 1.48 (a win);
- B, short: signal h4 stop 105 (a rejected signal h4.5 with stop 101 is ignored), entry h5 at
  100, qty 10, P&L −50 → risk 50, R −1;
- C, long: signal h8 stop 98, entry h9 at 100, qty 10, P&L −30 → risk 20, R −1.5;
- D, long: entry h13 at 100, qty 10, P&L +20 with no signal of its own (a manual order): no R,
  although C's signal (h8) is the latest accepted long before it.
Per position: 2 wins of 4 (50 %), profit factor (148 + 20) / (50 + 30) = 2.1, average R
(1.48 − 1 − 1.5) / 3 = −0.34, two losses in a row (B, C); per record the win rate would be
2 of 5.
"""

from __future__ import annotations

import math

import pytest

from scalplab.orders.gates import (
    GATE_NAMES,
    MAX_CONSECUTIVE_LOSSES,
    GateCheck,
    PositionOutcome,
    evaluate,
    gates_line,
    gates_of_result,
    max_consecutive_losses,
    mean_gates,
    positions_of,
    positions_of_result,
    result_gates,
)
from scalplab.orders.metrics import metrics_of
from scalplab.orders.models import SignalRecord, Trade, signal_dict, trade_dict
from scalplab.orders.outcomes import SignalAccepted
from scalplab.timeutil import iso_ms
from tests.orders.harness import Harness
from tests.orders.test_execution_exits import LADDER, bar

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % H


def _trade(side: str, entry_h: float, exit_h: float, qty: float, pnl: float, **kw: object) -> Trade:
    return Trade(
        symbol="BTCUSDT",
        strategy="s",
        side=side,  # type: ignore[arg-type]
        entry_ms=T0 + int(entry_h * H),
        exit_ms=T0 + int(exit_h * H),
        entry_price=100.0,
        exit_price=100.0,
        qty=qty,
        exit_reason=kw.get("reason", "sl"),  # type: ignore[arg-type]
        fees=0.0,
        funding=0.0,
        slippage=0.0,
        pnl=pnl,
        bars_held=1,
        leg=kw.get("leg"),  # type: ignore[arg-type]
    )


def _signal(side: str, time_h: float, stop: float, status: str = "accepted") -> SignalRecord:
    take = 130.0 if side == "long" else 70.0
    return SignalRecord(
        "BTCUSDT",
        "s",
        T0 + int(time_h * H),
        side,
        100.0,
        stop,
        take,
        50.0,
        (),
        status,  # type: ignore[arg-type]
    )


TRADES = [
    _trade("long", 1, 2, 10, 150.0, reason="tp", leg=1),
    _trade("long", 1, 3, 10, -2.0),
    _trade("short", 5, 6, 10, -50.0),
    _trade("long", 9, 10, 10, -30.0),
    _trade("long", 13, 14, 10, 20.0, reason="end"),
]
SIGNALS = [
    _signal("long", 0, 95.0),
    _signal("long", 2, 90.0, "rejected"),
    _signal("short", 4, 105.0),
    _signal("short", 4.5, 101.0, "rejected"),
    _signal("long", 8, 98.0),
    _signal("long", 13, 99.0, "dropped"),
]


def _by_name(checks: list[GateCheck]) -> dict[str, GateCheck]:
    return {check.name: check for check in checks}


def test_positions_group_a_ladder_and_link_each_to_its_opening_signal() -> None:
    positions = positions_of(TRADES, SIGNALS)
    assert [(p.entry_ms, p.pnl, p.risk) for p in positions] == [
        (T0 + 1 * H, 148.0, 100.0),
        (T0 + 5 * H, -50.0, 50.0),
        (T0 + 9 * H, -30.0, 20.0),
        (T0 + 13 * H, 20.0, None),  # C's signal is not reused
    ]
    assert [p.r for p in positions] == [pytest.approx(1.48), -1.0, -1.5, None]
    assert positions[0].exit_ms == T0 + 3 * H  # the ladder's last record


def test_the_scripted_result_by_hand() -> None:
    checks = evaluate(positions_of(TRADES, SIGNALS), max_drawdown_pct=3.2, sharpe=1.5, days=2.0)
    assert [c.name for c in checks] == list(GATE_NAMES)
    gates = _by_name(checks)
    rows = {name: (c.value, c.threshold, c.op, c.passed) for name, c in gates.items()}
    assert rows["win_rate"] == (50.0, 55.0, ">", False)
    assert rows["profit_factor"] == (pytest.approx(2.1), 1.5, ">", True)
    assert rows["max_drawdown_pct"] == (3.2, 15.0, "<", True)
    assert rows["sharpe"] == (1.5, 1.2, ">", True)
    assert rows["avg_r"] == (pytest.approx(-0.34), 1.5, ">", False)
    assert rows["max_consecutive_losses"] == (2.0, 8, "<", True)
    assert rows["sample_size"] == (4.0, 200, ">", False)
    assert rows["trades_per_day"] == (2.0, None, "info", None)
    assert rows["paper_trade_days"] == (None, 14, "unchecked", None)
    assert gates["avg_r"].note == (
        "mean of 3 positions' net P&L / initial risk; 1 without a known stop left out"
    )
    assert gates["paper_trade_days"].note.startswith("not checked here")
    assert gates["win_rate"].note == "2 of 4 positions won"


def test_the_result_gates_read_drawdown_and_sharpe_from_the_metrics() -> None:
    metrics = {"max_drawdown_pct": 16.0, "sharpe": None}
    gates = _by_name(result_gates(TRADES, SIGNALS, metrics, T0, T0 + 4 * 86_400_000))
    assert (gates["max_drawdown_pct"].value, gates["max_drawdown_pct"].passed) == (16.0, False)
    assert (gates["sharpe"].value, gates["sharpe"].passed) == (None, False)
    assert gates["sharpe"].note.startswith("not computable")
    assert gates["trades_per_day"].value == 1.0


def test_a_real_ladder_is_one_position_with_its_r() -> None:
    """test_execution_exits' ladder: a long at 100 (filled 100.1), stop 95, qty 20; legs 10 at
    115 and 6 at 118, the last 4 closed at the end: three records, one position."""
    h = Harness()
    flat = bar(0, 100, 100, 100, 100)
    h.on_bar(flat)
    assert isinstance(h.on_signal(flat, LADDER), SignalAccepted)
    h.on_bar(bar(1, 100, 100, 100, 100))
    h.on_bar(bar(2, 110, 119, 109, 117))
    h.on_bar(bar(3, 117, 117, 116, 116))
    h.finish()
    assert len(h.trades) == 3
    [position] = positions_of(h.trades, h.signals)
    pnl = sum(t.pnl for t in h.trades)
    assert position.pnl == pytest.approx(pnl)
    assert position.risk == pytest.approx(20 * (100.1 - 95.0))
    assert position.r == pytest.approx(pnl / 102.0)
    model = h.model
    metrics = metrics_of(
        h.trades, model.equity_curve, h.signals, model.totals(), 10_000.0, model.equity
    )
    start, end = bar(0, 0, 0, 0, 0).open_ms, bar(4, 0, 0, 0, 0).open_ms
    gates = _by_name(result_gates(h.trades, h.signals, metrics.to_dict(), start, end))
    assert (gates["sample_size"].value, metrics.trades) == (1.0, 3)
    assert gates["win_rate"].value == 100.0
    assert gates["avg_r"].value == pytest.approx(pnl / 102.0)


def _outcomes(pnls: list[float]) -> list[PositionOutcome]:
    return [PositionOutcome(i, i + 1, pnl, 10.0) for i, pnl in enumerate(pnls)]


def test_consecutive_losses_count_positions_and_the_threshold_is_strict() -> None:
    assert max_consecutive_losses(_outcomes([1, -1, -1, -1, 1, -1, 0, -2, 5])) == 3
    assert max_consecutive_losses(_outcomes([])) == 0
    seven = _by_name(evaluate(_outcomes([1.0] + [-1.0] * 7), 0.0, None, 1.0))
    eight = _by_name(evaluate(_outcomes([1.0] + [-1.0] * MAX_CONSECUTIVE_LOSSES), 0.0, None, 1.0))
    streak = "max_consecutive_losses"
    assert (seven[streak].value, seven[streak].passed) == (7, True)
    assert (eight[streak].value, eight[streak].passed) == (8, False)


def test_thresholds_are_strict_and_undefined_values_fail() -> None:
    # 11 wins of 20 = 55 % exactly: not above 55; R 2 each win, −1 each loss → mean 0.65.
    pnls = [20.0] * 11 + [-10.0] * 9
    gates = _by_name(evaluate(_outcomes(pnls), 15.0, 1.2, 10.0))
    assert (gates["win_rate"].value, gates["win_rate"].passed) == (55.0, False)
    assert gates["max_drawdown_pct"].passed is False  # 15 is not under 15
    assert gates["sharpe"].passed is False  # 1.2 is not above 1.2
    assert gates["avg_r"].value == pytest.approx(0.65)
    empty = _by_name(evaluate([], 0.0, None, 0.0))
    above = ("win_rate", "profit_factor", "sharpe", "avg_r", "sample_size")
    assert [empty[name].passed for name in above] == [False] * 5
    assert (empty["profit_factor"].value, empty["profit_factor"].passed) == (None, False)
    assert empty["max_consecutive_losses"].passed is True
    assert empty["trades_per_day"].value is None
    only_wins = _by_name(evaluate(_outcomes([5.0, 7.0]), 0.0, None, 1.0))
    assert (only_wins["profit_factor"].value, only_wins["profit_factor"].passed) == (None, True)


def test_the_mean_of_windows_is_checked_again() -> None:
    first = evaluate(_outcomes([20.0, -10.0]), 4.0, 2.0, 2.0)  # win rate 50, sharpe 2
    second = evaluate(_outcomes([20.0, 20.0, 20.0, -10.0]), 8.0, None, 2.0)  # 75, no sharpe
    merged = _by_name(mean_gates([first, second]))
    assert [c for c in merged] == list(GATE_NAMES)
    assert (merged["win_rate"].value, merged["win_rate"].passed) == (62.5, True)
    assert merged["win_rate"].note == "mean of 2 of 2 windows"
    assert (merged["sharpe"].value, merged["sharpe"].note) == (
        2.0,
        "mean of 1 of 2 windows (the others: not computable: needs two days of returns that vary)",
    )
    assert merged["max_drawdown_pct"].value == 6.0
    assert merged["sample_size"].value == 3.0
    assert merged["trades_per_day"].passed is None and merged["trades_per_day"].value == 1.5
    assert merged["paper_trade_days"].passed is None
    assert mean_gates([]) == []


def _json_result(trades: list[Trade], signals: list[SignalRecord]) -> dict[str, object]:
    return {
        "start": iso_ms(T0),
        "end": iso_ms(T0 + 2 * 86_400_000),
        "metrics": {"max_drawdown_pct": 3.2, "sharpe": 1.5},
        "trades": [trade_dict(t) for t in trades],
        "signals": [signal_dict(s) for s in signals],
    }


def test_a_stored_result_gives_the_same_gates_as_the_run() -> None:
    result = _json_result(TRADES, SIGNALS)
    assert positions_of_result(result) == positions_of(TRADES, SIGNALS)
    expected = [c.to_dict() for c in evaluate(positions_of(TRADES, SIGNALS), 3.2, 1.5, 2.0)]
    assert gates_of_result(result) == expected
    assert gates_of_result({**result, "gates": [{"name": "kept"}]}) == [{"name": "kept"}]


@pytest.mark.parametrize(
    "change",
    [
        {"trades": [{"side": "long"}]},  # a trade without its prices
        {"metrics": {}},
        {"start": "yesterday"},
        {"trades": None},
    ],
)
def test_a_stored_result_lacking_what_the_gates_need_has_none(change: dict[str, object]) -> None:
    assert gates_of_result({**_json_result(TRADES, SIGNALS), **change}) is None


def test_the_compact_line() -> None:
    checks = [c.to_dict() for c in evaluate(positions_of(TRADES, SIGNALS), 3.2, 1.5, 2.0)]
    line = gates_line(checks)
    assert line.startswith("gates (seed 002 §12.3) 4/7 passed: ✗ win rate 50.0 % · ✓ PF 2.10")
    assert "✗ avg R -0.34" in line and "✓ loss streak 2" in line and "per day 2.00" in line
    assert not math.isnan(checks[0]["value"])
