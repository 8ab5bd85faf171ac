"""The account-level breaker conditions (`scalplab.strategies.breaker_conditions`,
evaluated by `scalplab.orders.breaker_conditions`) through the order pipeline and the
gate, hand-computed: the open books and their risk a gate sees, a heat cap that shrinks
or refuses an entry, closed positions reaching the gate (and its saved state), a feed's
move read off Backtrader's lines, and bad declarations. Settings as in
`tests.orders.harness` (equity 10 000, risk 1 %, LONG sized 20)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scalplab.data.symbols import SymbolRules
from scalplab.errors import StrategyError
from scalplab.orders.commands import SubmitSignal
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.gating import open_books
from scalplab.orders.models import Bar, BookKey
from scalplab.orders.outcomes import SignalAccepted, SignalBlocked, SignalOutcome
from scalplab.orders.risk import RiskGate
from scalplab.orders.risk_records import OpenBook
from scalplab.strategies.breakers import (
    Breaker,
    BreakerInputs,
    BreakerWatch,
    Correlated,
    DailyLoss,
    FeedChange,
    FeedMove,
    OpenPositions,
    PauseUntil,
    PortfolioHeat,
    ScaleSize,
    ScoreBand,
    UtcHours,
    WinStreak,
    needs_atr,
)
from scalplab.strategies.breakers import ExtremeVolatility as Volatility
from scalplab.strategies.signal import Signal
from tests.orders.harness import NO_BREAKERS, RULES, Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)  # RR 3: qty 20, risk 20 × 5 = 100 = 1 %
OTHER = SymbolRules(
    "OTHERUSDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("5"), 2, 3
)


def bar(i: int, low: float = 100.0) -> Bar:
    return Bar(T0 + i * H, 100, 100, low, 100)


def harness() -> tuple[Harness, str]:
    h = Harness()
    other = h.sandbox.model.add_book(
        BookKey("OTHERUSDT", "test"), OTHER, FundingSchedule([], 0.0), None
    )
    return h, other


def submit(
    h: Harness, i: int, *breakers: Breaker, book: str | None = None, signal: Signal = LONG
) -> SignalOutcome:
    command = SubmitSignal(book or h.book, bar(i), signal, BreakerInputs(tuple(breakers)))
    return h.pipeline.submit_signal(command)


def test_open_books_hold_waiting_entries_and_positions_at_their_risk() -> None:
    h, other = harness()
    for book in (h.book, other):
        h.on_bar(bar(0), book)
    assert isinstance(submit(h, 0, book=other), SignalAccepted)
    venue = h.sandbox.venue
    # waiting entry: qty 20 × (last close 100 − stop 95)
    assert open_books(venue, h.queue, None) == (OpenBook("OTHERUSDT", "test", "long", 100.0),)
    h.on_bar(bar(1), other)  # fills at 100 slipped 0.1 % = 100.1: 20 × 5.1
    assert open_books(venue, h.queue, None) == (
        OpenBook("OTHERUSDT", "test", "long", pytest.approx(102.0)),  # type: ignore[arg-type]
    )


def test_the_heat_cap_shrinks_the_entry_to_the_heat_left_or_refuses_it() -> None:
    h, other = harness()
    for book in (h.book, other):
        h.on_bar(bar(0), book)
    submit(h, 0, book=other)  # 1 % of heat waiting
    # 1 % open + 1 % new > 1.5 %: 0.5 % left, the entry × 0.5 (20 → 10)
    shrunk = submit(h, 0, PortfolioHeat("heat", 1.5, 0.2))
    assert isinstance(shrunk, SignalAccepted) and shrunk.record.qty == 10.0
    assert shrunk.record.reason == (
        "heat: open risk 1.00 % of all books + this entry's 1.00 % exceed the heat cap of "
        "1.5 %: shrunk to the 0.50 % left; size × 0.5"
    )


def test_under_the_free_heat_an_entry_needs_it_is_blocked() -> None:
    h, other = harness()
    for book in (h.book, other):
        h.on_bar(bar(0), book)
    submit(h, 0, book=other)
    blocked = submit(h, 0, PortfolioHeat("heat", 1.5, 0.6))
    assert isinstance(blocked, SignalBlocked)
    assert blocked.record.reason.startswith(
        "open risk 1.00 % of all books + this entry's 1.00 % exceed the heat cap of 1.5 %; "
        "0.50 % left, under the 0.6 % an entry needs"
    )
    # a scale declared before it shrinks the entry first: 0.5 % ≤ 0.5 % left, no cap
    half = ScoreBand("band", 0, 101, effect=ScaleSize(0.5))
    scored = Signal("long", 100.0, 95.0, 115.0, score=70.0)
    scaled = submit(h, 0, half, PortfolioHeat("heat", 1.5, 0.6), signal=scored)
    assert isinstance(scaled, SignalAccepted) and scaled.record.qty == 10.0
    # a symbol scope counts TESTUSDT's books only (none busy): no cap
    h, other = harness()
    for book in (h.book, other):
        h.on_bar(bar(0), book)
    submit(h, 0, book=other)
    own = submit(h, 0, PortfolioHeat("heat", 1.5, 0.6, scope="symbol"))
    assert isinstance(own, SignalAccepted) and own.record.qty == 20.0


def test_open_positions_count_the_busy_books_of_the_scope() -> None:
    h, other = harness()
    for book in (h.book, other):
        h.on_bar(bar(0), book)
    submit(h, 0, book=other)
    blocked = submit(h, 0, OpenPositions("positions", 1))
    assert isinstance(blocked, SignalBlocked)
    assert blocked.record.reason == (
        "1 open positions of all books reach the limit of 1; signal blocked"
    )
    assert isinstance(submit(h, 0, OpenPositions("mine", 1, scope="symbol")), SignalAccepted)


def test_a_stopped_position_reaches_the_gate_as_a_stop_and_a_loss() -> None:
    h = Harness()
    h.on_bar(bar(0))
    h.on_signal(bar(0), LONG)
    h.on_bar(bar(1))  # filled at 100.1
    h.on_bar(bar(2, low=94.0))  # the stop at 95 fills (slipped)
    closed = h.sandbox.gate.strategy_breakers.memory.closed
    assert [(s.exit_ms, s.symbol, s.strategy) for s in closed.stops] == [
        (T0 + 2 * H, "TESTUSDT", "test")
    ]
    assert len(closed.outcomes) == 1 and closed.outcomes[0].pnl == pytest.approx(h.trades[0].pnl)
    restored = RiskGate.from_state(NO_BREAKERS, h.sandbox.gate.state())
    assert restored.strategy_breakers.memory.closed.state() == closed.state()


def test_a_position_closed_in_legs_is_one_outcome() -> None:
    gate = RiskGate(NO_BREAKERS)
    gate.record_close(T0, "BTCUSDT", "c", 30.0, "tp", flat=False)
    gate.record_close(T0 + H, "BTCUSDT", "c", -10.0, "sl", flat=True)  # breakeven-ish stop
    closed = gate.strategy_breakers.memory.closed
    assert [(o.exit_ms, o.pnl) for o in closed.outcomes] == [(T0 + H, 20.0)]
    assert [s.exit_ms for s in closed.stops] == [T0 + H] and not closed.running


class Line:
    """A Backtrader line: `[0]` the latest value, `[-k]` k bars before."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def __getitem__(self, index: int) -> float:
        return self.values[len(self.values) - 1 + index]


class Data:
    def __init__(self, closes: list[float]) -> None:
        self.close = Line(closes)

    def __len__(self) -> int:
        return len(self.close.values)


def test_the_watch_reads_a_feed_s_move_over_its_bars() -> None:
    move = FeedMove("macro", "BTCUSDT:15m", minutes=60, pct=5.0)
    assert move.bars == 4
    watch = BreakerWatch((move,), ("1m", "BTCUSDT:15m"))
    inputs = watch.inputs([None, None, Data([100.0, 101.0, 102.0, 103.0, 104.0, 106.0])], T0)
    assert inputs.feed_moves == (
        FeedChange("BTCUSDT:15m", 4, pytest.approx(106 / 101 * 100 - 100)),
    )  # type: ignore[arg-type]
    short = watch.inputs([None, None, Data([100.0, 99.0, 98.0, 97.0])], T0)
    assert short.move("BTCUSDT:15m", 4) == FeedChange("BTCUSDT:15m", 4, None)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: WinStreak("w", 0), "breaker 'w': wins must be a whole number in 1..1000, not 0"),
        (lambda: DailyLoss("d", 0.0), "breaker 'd': pct must be a number in (0, 100], not 0.0"),
        (lambda: Correlated("c", 1.0), "breaker 'c': threshold must be a correlation in (-1, 1)"),
        (
            lambda: Correlated("c", 0.8, bars=10, min_bars=11),
            "min_bars must be a whole number in 3..10",
        ),
        (lambda: UtcHours("u", (4, 24)), "hours must be a tuple of distinct hours 0..23"),
        (lambda: ScoreBand("s", 80, 70), "low and high must be scores with 0 <= low < high <= 101"),
        (
            lambda: FeedMove("f", "BTCUSDT:15m", 50, 5.0),
            "minutes (50) must be a whole number of 15m bars",
        ),
        (lambda: PortfolioHeat("h", 6.0, 7.0), "min_free_pct must be a number in 0..max_pct"),
        (lambda: OpenPositions("o", 5, effect=PauseUntil()), "effect PauseUntil needs seconds"),
        (lambda: Volatility("v", -1.0), "atr_mult must be a number in (0, 1000]"),
    ],
)
def test_bad_declarations_name_the_breaker_and_the_field(build: Any, message: str) -> None:
    with pytest.raises(StrategyError) as raised:
        build()
    assert message in str(raised.value)


def test_what_a_gate_must_track_for_declared_breakers() -> None:
    assert needs_atr((Volatility("v", 3.0),)) and not needs_atr((WinStreak("w", 5),))
    assert BreakerInputs((OpenPositions("o", 5),)).needs_books
    assert not BreakerInputs((WinStreak("w", 5),)).needs_books
    with pytest.raises(StrategyError, match="feed 'BTCUSDT:15m' is not one of the strategy"):
        BreakerWatch((FeedMove("m", "BTCUSDT:15m", 60, 5.0),), ("1h",))
    assert RULES.symbol == "TESTUSDT"
