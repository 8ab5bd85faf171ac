"""Exits beyond one stop and one target on Binance (the fake): a take-profit ladder as one
reduce-only TAKE_PROFIT_MARKET per leg beside a closePosition stop, stop rules replacing
the stop (cancel, then place under a new client id), the signal's own max-hold closing at
market — with faults during a stop replacement, the reconciliation of missing legs, a
restart with a moved stop, and one comparison with the simulated venue over the same
signal and price path.

Sizing (REAL 2021 BTCUSDT rules, equity 10,000, 1 % risk): entry 31877.6, stop 31500 →
risk 377.6 → qty 0.264; a 50/50 ladder at 33000 / 33400 → legs 0.132 / 0.132 (average
33200: reward/risk 1322.4 / 377.6 = 3.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.fake_faults import ALGO_ORDER_PATH, OrderTimeout, ServerError
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.ids import is_client_order_id
from scalplab.orders.live_exits import leg_quantities
from scalplab.orders.live_orders import moved_stop_id
from scalplab.orders.live_state import BracketLeg
from scalplab.orders.live_sync import LiveSession
from scalplab.orders.models import Bar, Trade
from scalplab.orders.outcomes import SignalAccepted
from scalplab.orders.types import Order
from scalplab.strategies.signal import Signal
from tests.orders.harness import Harness
from tests.orders.live_harness import (
    BOOK,
    FIRST_BAR,
    PRICE,
    RULES,
    SYMBOL,
    Live,
    assert_consistent,
    open_live,
    wait_until,
)

LEGS = ((33000.0, 0.5), (33400.0, 0.5))
ENTRY = float(PRICE)


@pytest.fixture
def live() -> Iterator[Live]:
    with open_live() as opened:
        yield opened


def bar(minute: int, open_: float, high: float, low: float, close: float) -> Bar:
    return Bar(minute * 60_000, open_, high, low, close)


def enter(live: Live, signal: Signal, protection: int) -> Order:
    """Submit `signal`; its entry fills and `protection` algo orders go out."""
    outcome = live.signal(signal)
    assert isinstance(outcome, SignalAccepted), outcome
    wait_until(lambda: len(live.exchange.open_algo_orders()) == protection)
    return outcome.order


def ladder(live: Live, breakeven_after_leg: int | None = None) -> Order:
    signal = Signal(
        "long", ENTRY, 31500.0, take_profits=LEGS, breakeven_after_leg=breakeven_after_leg
    )
    return enter(live, signal, 3)


def client_ids(live: Live, order: Order) -> list[str]:
    return [live.sandbox.queue.get(child).client_order_id for child in order.children]


def leg_one_then_breakeven(live: Live) -> Order:
    """A ladder with breakeven after leg 1; the price goes through leg 1, the bar closes."""
    order = ladder(live, breakeven_after_leg=1)
    live.play(33000)
    live.bar(bar(1, ENTRY, 33000.0, 31870.0, 33000.0))
    live.venue.worker.idle(5.0)
    return order


# ----- the ladder -------------------------------------------------------------------------


def test_a_ladder_goes_out_as_one_reduce_only_take_profit_per_leg_and_a_stop(
    live: Live,
) -> None:
    order = ladder(live)
    stop_id, leg_1, leg_2 = client_ids(live, order)
    assert (stop_id[-3:], leg_1[-4:], leg_2[-4:]) == ("-sl", "-tp1", "-tp2")
    algos = {a.client_algo_id: a for a in live.exchange.open_algo_orders()}
    stop = algos[stop_id]
    assert (stop.order_type, stop.close_position, stop.trigger_price) == (
        "STOP_MARKET",
        True,
        Decimal("31500.0"),
    )
    for client_id, price in ((leg_1, "33000.0"), (leg_2, "33400.0")):
        leg = algos[client_id]
        assert (leg.order_type, leg.reduce_only, leg.side) == ("TAKE_PROFIT_MARKET", True, "SELL")
        assert (leg.quantity, leg.trigger_price) == (Decimal("0.132"), Decimal(price))
    assert live.position_qty() == pytest.approx(0.264)
    assert_consistent(live)


def test_price_through_leg_one_books_its_trade_and_the_stop_still_covers_the_rest(
    live: Live,
) -> None:
    order = ladder(live)
    stop_id, _, leg_2 = client_ids(live, order)
    live.play(33000)
    (trade,) = live.sandbox.model.trades
    assert (trade.exit_reason, trade.leg, trade.qty) == ("tp", 1, pytest.approx(0.132))
    assert trade.exit_price == pytest.approx(33000.0)
    assert live.position_qty() == pytest.approx(0.132)
    position = live.sandbox.model.position(BOOK)
    assert position is not None and position.legs_filled == 1
    assert {a.client_algo_id for a in live.exchange.open_algo_orders()} == {stop_id, leg_2}
    assert [live.status(child) for child in order.children] == ["accepted", "filled", "accepted"]
    assert_consistent(live)


def test_breakeven_after_leg_one_replaces_the_stop_at_the_entry_price(live: Live) -> None:
    order = leg_one_then_breakeven(live)
    stop_id = client_ids(live, order)[0]
    position = live.sandbox.model.position(BOOK)
    assert position is not None and position.stop_loss == pytest.approx(ENTRY)
    (stop,) = live.stops()
    assert (stop.client_algo_id, stop.trigger_price) == (moved_stop_id(stop_id, 1), PRICE)
    assert stop.client_algo_id == f"{stop_id}.1" and stop.close_position
    (old,) = [a for a in live.exchange.algo_orders() if a.client_algo_id == stop_id]
    assert old.status == "CANCELED"
    queued = live.sandbox.queue.get(order.children[0])
    assert (queued.status, queued.stop_price) == ("accepted", PRICE)
    assert "breakeven after leg 1" in queued.reason
    assert_consistent(live)


def test_the_moved_stop_fills_cancels_the_remaining_leg_and_books_every_trade(
    live: Live,
) -> None:
    order = leg_one_then_breakeven(live)
    live.play(31877.6)
    wait_until(lambda: not live.exchange.open_algo_orders())
    assert live.sandbox.model.position(BOOK) is None and live.venue_qty() == 0
    first, second = live.sandbox.model.trades
    assert (first.exit_reason, first.leg, first.qty) == ("tp", 1, pytest.approx(0.132))
    assert (second.exit_reason, second.leg, second.qty) == ("sl", None, pytest.approx(0.132))
    assert second.exit_price == pytest.approx(ENTRY)
    fees = sum(float(t.commission) for t in live.exchange.trades())
    assert first.fees + second.fees == pytest.approx(fees)
    wait_until(lambda: live.status(order.children[2]) == "cancelled")
    assert [live.status(child) for child in order.children] == ["filled", "filled", "cancelled"]
    assert_consistent(live)


def test_the_last_leg_cancels_the_stop(live: Live) -> None:
    order = ladder(live)
    live.play(33000, 33400)
    wait_until(lambda: not live.exchange.open_algo_orders())
    trades = live.sandbox.model.trades
    assert [(t.exit_reason, t.leg) for t in trades] == [("tp", 1), ("tp", 2)]
    assert live.sandbox.model.position(BOOK) is None and live.venue_qty() == 0
    wait_until(lambda: live.status(order.children[0]) == "cancelled")
    assert_consistent(live)


# ----- stop rules and max-hold ----------------------------------------------------------------


def test_a_trailing_stop_rule_moves_the_stop_bar_by_bar(live: Live) -> None:
    # ATR(2), Wilder, seeded with the first two true ranges: FIRST_BAR 30, bar 1 80 → 55
    # → stop 31940 − 55 = 31885; bar 2 TR 170 → ATR 112.5 → 32080 − 112.5 = 31967.5;
    # bar 3 TR 170 → ATR 141.25 → 32200 − 141.25 = 32058.75 (on the 2021 tick, 0.01).
    order = enter(live, Signal("long", ENTRY, 31500.0, 33200.0, trail_atr=(1.0, 2)), 2)
    stop_id = client_ids(live, order)[0]
    path = [
        (bar(1, ENTRY, 31950.0, 31870.0, 31940.0), "31885.0"),
        (bar(2, 31940.0, 32100.0, 31930.0, 32080.0), "31967.5"),
        (bar(3, 32080.0, 32220.0, 32050.0, 32200.0), "32058.75"),
    ]
    for move, (closed, level) in enumerate(path, start=1):
        live.play(closed.high, closed.low, closed.close)
        live.bar(closed)
        live.venue.worker.idle(5.0)
        (stop,) = live.stops()
        assert (stop.client_algo_id, stop.trigger_price) == (
            moved_stop_id(stop_id, move),
            Decimal(level),
        )
        assert live.sandbox.queue.get(order.children[0]).stop_price == Decimal(level)
        assert_consistent(live)
    history = [a.status for a in live.exchange.algo_orders() if a.order_type == "STOP_MARKET"]
    assert history == ["CANCELED", "CANCELED", "CANCELED", "NEW"]
    live.play(32000)
    wait_until(lambda: not live.exchange.open_algo_orders())
    (trade,) = live.sandbox.model.trades
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(32000.0))
    assert_consistent(live)


def test_the_signals_own_max_hold_closes_at_market_and_cancels_the_protection(
    live: Live,
) -> None:
    order = enter(live, Signal("long", ENTRY, 31500.0, 33200.0, max_hold_bars=2), 2)
    live.bar(bar(1, ENTRY, 31890.0, 31870.0, 31880.0))
    live.venue.worker.idle(5.0)
    assert live.position_qty() == pytest.approx(0.264)  # held 1 bar of 2
    live.play(31900)
    live.bar(bar(2, 31880.0, 31905.0, 31875.0, 31900.0))
    wait_until(lambda: live.sandbox.model.position(BOOK) is None)
    wait_until(lambda: not live.exchange.open_algo_orders())
    (trade,) = live.sandbox.model.trades
    assert (trade.exit_reason, trade.qty) == ("max_hold", pytest.approx(0.264))
    assert trade.exit_price == pytest.approx(31900.0) and trade.bars_held == 2
    (close,) = [o for o in live.exchange.orders() if o.reduce_only]
    assert close.type == "MARKET"
    wait_until(lambda: live.status(order.children[0]) == "cancelled")
    assert [live.status(child) for child in order.children] == ["cancelled", "cancelled"]
    assert_consistent(live)


# ----- faults during a stop replacement -------------------------------------------------------


def one_stop_at_breakeven(live: Live, order: Order) -> None:
    stop_id = client_ids(live, order)[0]
    wait_until(lambda: [s.client_algo_id for s in live.stops()] == [f"{stop_id}.1"], 15.0)
    placed = [a for a in live.exchange.algo_orders() if a.client_algo_id == f"{stop_id}.1"]
    assert len(placed) == 1 and placed[0].trigger_price == PRICE
    assert live.status(order.children[0]) == "accepted"
    assert_consistent(live)


def test_a_moved_stop_placed_without_an_answer_is_looked_up_not_doubled(live: Live) -> None:
    order = ladder(live, breakeven_after_leg=1)
    live.play(33000)
    live.exchange.fault(OrderTimeout(delay_s=1.0, path=ALGO_ORDER_PATH))
    live.bar(bar(1, ENTRY, 33000.0, 31870.0, 33000.0))
    counters = live.venue.state.counters
    wait_until(lambda: counters.unknown_outcomes == 1 and counters.lookups >= 1)
    one_stop_at_breakeven(live, order)
    assert counters.resent_after_lookup == 0


def test_a_moved_stop_refused_with_a_5xx_is_sent_again_under_the_same_id(live: Live) -> None:
    order = ladder(live, breakeven_after_leg=1)
    live.play(33000)
    live.exchange.fault(ServerError(placed=False, path=ALGO_ORDER_PATH))
    live.bar(bar(1, ENTRY, 33000.0, 31870.0, 33000.0))
    wait_until(lambda: live.venue.state.counters.resent_after_lookup == 1)
    one_stop_at_breakeven(live, order)


def test_a_cancel_without_an_answer_is_looked_up_before_the_new_stop_goes_out(
    live: Live,
) -> None:
    order = ladder(live, breakeven_after_leg=1)
    live.play(33000)
    live.exchange.fault(OrderTimeout(delay_s=1.0, path=ALGO_ORDER_PATH, method="DELETE"))
    live.bar(bar(1, ENTRY, 33000.0, 31870.0, 33000.0))
    one_stop_at_breakeven(live, order)


def test_a_cancel_that_keeps_failing_keeps_the_old_stop_until_it_is_gone(live: Live) -> None:
    order = ladder(live, breakeven_after_leg=1)
    stop_id = client_ids(live, order)[0]
    live.play(33000)
    # every attempt of the client's DELETE (4) answered 503, nothing cancelled
    live.exchange.fault(ServerError(placed=False, path=ALGO_ORDER_PATH, method="DELETE"), 4)
    live.bar(bar(1, ENTRY, 33000.0, 31870.0, 33000.0))
    wait_until(lambda: not live.exchange.faults.queued, 15.0)
    assert [s.client_algo_id for s in live.stops()] == [stop_id]  # the old one still protects
    one_stop_at_breakeven(live, order)


# ----- reconciliation and restart -----------------------------------------------------------


def test_reconciliation_places_a_missing_leg_again_with_what_is_left(live: Live) -> None:
    order = ladder(live)
    _, leg_1, leg_2 = client_ids(live, order)
    live.play(33000)
    live.venue.client.cancel_algo_order(leg_2)  # someone cancelled it on Binance
    wait_until(lambda: live.venue.state.orders.by_client(leg_2).done)  # type: ignore[union-attr]
    live.venue.worker.put(live.session.reconcile)
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    again = [a for a in live.exchange.open_algo_orders() if a.client_algo_id == leg_2]
    assert len(again) == 1 and again[0].quantity == Decimal("0.132")
    assert not any(a.client_algo_id == leg_1 for a in live.exchange.open_algo_orders())
    assert live.venue.state.counters.protection_replaced == 1
    assert_consistent(live)


def test_what_is_left_of_each_leg_is_trimmed_to_the_position() -> None:
    legs = (
        BracketLeg("a", "a-tp1", 1, Decimal("33000"), Decimal("0.132")),
        BracketLeg("b", "a-tp2", 2, Decimal("33400"), Decimal("0.132")),
    )
    partly = leg_quantities(legs, {1: Decimal("0.05")}, Decimal("0.214"))
    assert [(leg.number, qty) for leg, qty in partly] == [
        (1, Decimal("0.082")),
        (2, Decimal("0.132")),
    ]
    smaller = leg_quantities(legs, {}, Decimal("0.2"))  # an entry that filled in part
    assert [(leg.number, qty) for leg, qty in smaller] == [
        (1, Decimal("0.132")),
        (2, Decimal("0.068")),
    ]
    done = leg_quantities(legs, {1: Decimal("0.132")}, Decimal("0.132"))
    assert [(leg.number, qty) for leg, qty in done] == [(2, Decimal("0.132"))]


def test_after_a_restart_the_moved_stop_binance_holds_is_followed_not_doubled(
    live: Live,
) -> None:
    order = leg_one_then_breakeven(live)
    moved = f"{client_ids(live, order)[0]}.1"
    live.session.stop()
    placed = len(live.exchange.algo_orders())
    venue = BinanceVenue(live.sandbox.model, live.sandbox.queue, live.venue.client)
    venue.listen(live.sandbox.pipeline.on_venue_event)
    session = LiveSession(venue, live.fake.ws_url, leverage=5, connect_timeout_s=5)
    session.start({BOOK: SYMBOL})
    try:
        wait_until(lambda: session.health().reconciliations >= 1)
        assert [s.client_algo_id for s in live.stops()] == [moved]
        assert len(live.exchange.algo_orders()) == placed  # nothing placed again
        target = venue.state.stops[BOOK]
        assert (target.move, target.known, target.level) == (1, True, PRICE)
        live.exchange.set_price(SYMBOL, PRICE)
        wait_until(lambda: live.sandbox.model.position(BOOK) is None)
        wait_until(lambda: not live.exchange.open_algo_orders())
        assert [t.exit_reason for t in live.sandbox.model.trades] == ["tp", "sl"]
    finally:
        session.stop()


# ----- the same signal through the simulated venue ------------------------------------------


def test_the_ladder_trades_as_in_the_simulated_venue_but_for_binances_fills(
    live: Live,
) -> None:
    signal = Signal("long", ENTRY, 31500.0, take_profits=LEGS, breakeven_after_leg=1)
    bars = [
        bar(1, ENTRY, 33000.0, 31870.0, 33000.0),  # through leg 1; breakeven at its close
        bar(2, 33000.0, 33000.0, 31800.0, 31850.0),  # down through the moved stop
    ]
    sim = Harness(rules=RULES)
    sim.step(FIRST_BAR, signal)
    for closed in bars:
        sim.step(closed)

    enter(live, signal, 3)
    for closed in bars:
        live.play(closed.high, closed.low, closed.close)
        live.bar(closed)
        live.venue.worker.idle(5.0)
    wait_until(lambda: not live.exchange.open_algo_orders())

    def shape(trades: list[Trade]) -> list[tuple[str, int | None, float]]:
        return [(t.exit_reason, t.leg, round(t.qty, 9)) for t in trades]

    simulated, on_binance = sim.trades, live.sandbox.model.trades
    assert shape(on_binance) == shape(simulated) == [("tp", 1, 0.132), ("sl", None, 0.132)]
    # What Binance does differently: the market entry is not slipped by the cost model
    # (the fake fills at its price), so breakeven is that fill price; TAKE_PROFIT_MARKET
    # and STOP_MARKET fill at the market once triggered — the leg at the price the market
    # trades (here its trigger), taker fee instead of the limit's maker fee; the stop at
    # the price that went through it (31800), not at its level slipped.
    leg_sim, stop_sim = simulated
    leg_live, stop_live = on_binance
    assert leg_live.exit_price == leg_sim.exit_price == 33000.0
    assert leg_sim.entry_price == pytest.approx(ENTRY * 1.001)
    assert leg_live.entry_price == pytest.approx(ENTRY)
    assert stop_sim.exit_price == pytest.approx(31909.48 * 0.999)  # 31909.4776 on the tick
    assert stop_live.exit_price == pytest.approx(31800.0)
    half = 0.132
    assert leg_sim.fees == pytest.approx(half * (ENTRY * 1.001 * 0.0005 + 33000.0 * 0.0002))
    assert leg_live.fees == pytest.approx(half * (ENTRY * 0.0005 + 33000.0 * 0.0005))
    assert_consistent(live)


def test_a_moved_stops_client_id_is_deterministic_and_fits_binances_rule() -> None:
    base = "sb-000000000-0777bd1bea2c19c6-sl"
    assert moved_stop_id(base, 0) == base
    assert moved_stop_id(base, 7) == f"{base}.7" == moved_stop_id(base, 7)
    hashed = {moved_stop_id(base, move) for move in (1000, 1001)}
    assert len(hashed) == 2
    assert all(len(i) <= 36 and is_client_order_id(i) for i in hashed)
    assert moved_stop_id(base, 1000) == moved_stop_id(base, 1000)
