"""`AtrTracker`: Wilder ATR per book and the average before it, by hand and on real bars."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scalplab.data.bars import Bar
from scalplab.errors import DataError, InputError
from scalplab.orders.atr import AtrTracker
from scalplab.orders.risk import RiskContext, RiskGate, RiskSettings
from tests.conftest import real_klines

MIN = 60_000
D0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def ctx(atr: float | None, atr_avg: float | None) -> RiskContext:
    return RiskContext("BTCUSDT", "smc", "long", 3.5, D0, 10_000.0, 0, 0.02, atr, atr_avg)


def bar(i: int, high: float, low: float, close: float) -> Bar:
    return Bar(D0 + i * MIN, close, high, low, close)


def test_atr_by_hand() -> None:
    tracker = AtrTracker(period=3, window=2)
    # true ranges: 2 (first bar: high − low), 2, 3 → first ATR = 7/3
    assert tracker.update("X", bar(0, 10, 8, 9)) is None
    assert tracker.update("X", bar(1, 11, 9, 10)) is None
    assert tracker.update("X", bar(2, 12, 9, 11)) == pytest.approx(7 / 3)
    assert tracker.atr_avg("X") is None
    # TR max(3, |13 − 11|, |10 − 11|) = 3 → ATR (7/3 × 2 + 3) / 3 = 23/9
    assert tracker.update("X", bar(3, 13, 10, 12)) == pytest.approx(23 / 9)
    assert tracker.atr_avg("X") is None  # one earlier ATR, the window needs two
    # a gap: TR max(10, |30 − 12|, |20 − 12|) = 18 → ATR (23/9 × 2 + 18) / 3 = 208/27
    assert tracker.update("X", bar(4, 30, 20, 25)) == pytest.approx(208 / 27)
    # average of the two ATRs before it: (7/3 + 23/9) / 2 = 22/9; ratio 208/66 ≈ 3.15
    assert tracker.atr_avg("X") == pytest.approx(22 / 9)
    context = ctx(tracker.atr("X"), tracker.atr_avg("X"))
    decision = RiskGate(RiskSettings(atr_period=3, atr_average_window=2)).check(context)
    assert decision.breaker == "extreme_volatility"
    assert "3.15×" in decision.reason
    # a repeated bar (same open time) is ignored
    assert tracker.update("X", bar(4, 99, 1, 50)) == pytest.approx(208 / 27)
    assert tracker.atr("unknown") is None
    assert tracker.atr_avg("unknown") is None
    # books are apart: another book's bars start their own window
    assert tracker.update("Y", bar(5, 10, 8, 9)) is None
    assert tracker.atr("X") == pytest.approx(208 / 27)


def real_bars(count: int) -> list[Bar]:
    frame = real_klines("BTCUSDT").iloc[:count]
    rows: list[Any] = list(frame.itertuples())
    return [
        Bar(int(r.open_time), float(r.open), float(r.high), float(r.low), float(r.close))
        for r in rows
    ]


def test_atr_on_real_bars_restarts_exactly() -> None:
    bars = real_bars(600)
    whole = AtrTracker()
    for b in bars:
        whole.update("BTCUSDT", b)
    first = AtrTracker()
    for b in bars[:250]:
        first.update("BTCUSDT", b)
    resumed = AtrTracker.from_state(json.loads(json.dumps(first.state())))
    for b in bars[200:]:  # the overlap is skipped, as after a restart
        resumed.update("BTCUSDT", b)
    assert resumed.atr("BTCUSDT") == whole.atr("BTCUSDT")
    assert resumed.atr_avg("BTCUSDT") == whole.atr_avg("BTCUSDT")
    atr, avg = whole.atr("BTCUSDT"), whole.atr_avg("BTCUSDT")
    assert atr is not None and avg is not None
    # a calm stretch of real 1m BTC bars: ATR within a few dollars of its recent average
    assert 0 < atr < 500
    assert 0.3 < atr / avg < 3.0
    assert RiskGate().check(ctx(atr, avg)).allowed


def test_atr_tracker_state_is_validated() -> None:
    with pytest.raises(InputError, match="must be >= 1"):
        AtrTracker(period=0)
    with pytest.raises(DataError, match="malformed ATR tracker state"):
        AtrTracker.from_state({"period": 14})
    partial = AtrTracker(period=3, window=2)
    partial.update("X", bar(0, 10, 8, 9))
    restored = AtrTracker.from_state(partial.state())
    assert restored.update("X", bar(1, 11, 9, 10)) is None
    assert restored.update("X", bar(2, 12, 9, 11)) == pytest.approx(7 / 3)
    assert restored.book_state("nope") is None
    # state written when the tracker was keyed by symbol still loads
    legacy = {**partial.state(), "symbols": partial.state()["books"]}
    del legacy["books"]
    assert AtrTracker.from_state(legacy).state() == partial.state()
    assert partial.state(books=False)["books"] == {}


def test_state_written_with_the_warm_up_true_ranges_still_loads() -> None:
    """The release before saved a warming-up book's true ranges (`seed`), not their count
    and sum: such a state continues exactly like the tracker that wrote it."""
    tracker = AtrTracker(period=3, window=2)
    tracker.update("X", bar(0, 10, 8, 9))
    tracker.update("X", bar(1, 11, 9, 10))
    saved = tracker.state()
    book = saved["books"]["X"]
    assert (book["count"], book["total"], book["atr"]) == (2, 4.0, None)
    old = {"last_open_ms": D0 + MIN, "prev_close": 10.0, "seed": [2.0, 2.0], "atr": None}
    restored = AtrTracker.from_state({**saved, "books": {"X": {**old, "history": []}}})
    assert restored.state() == saved
    for resumed in (restored, tracker):
        assert resumed.update("X", bar(2, 12, 9, 11)) == pytest.approx(7 / 3)
    assert restored.state() == tracker.state()
