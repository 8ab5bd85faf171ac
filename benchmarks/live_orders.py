"""Live orders against the fake Binance: signal → order accepted latency, and a soak.

Everything real but the exchange: the order pipeline, the Binance venue, the signed REST
client and the user-data stream talk over loopback to the fake Binance (REAL 2021
exchangeInfo rules; prices are REAL BTCUSDT 1m closes — in the soak, their returns
applied to every symbol from a per-symbol base price).

1. latency: a signal on a bar's close → `submit_signal` → the venue's worker → signed
   `POST /fapi/v1/order` → the fake's answer (the order accepted). p50 / p99 over N
   entries (each closed again before the next; an entry, its two algo orders, its close
   and their cancels are ~5 orders, so entries are paced at one per 0.3 s: faster, they
   would meet the order limit the client enforces — 270 per 10 s and 1,080 a minute,
   Binance's 300 and 1,200 less 10 % — and the figure would be the limit's wait).
2. soak: `--pairs` symbols trade for `--minutes` (strategy signals, market entries, and
   a person's post-only limit entries, `GTX`) with faults injected every few seconds
   (order timeout after placing, 5xx placed and not placed, -1021, -2019, a user stream
   dropped during a fill, listenKey expiry); at the end: orders lost or duplicated, fills
   not booked, positions different from the venue's, positions without a stop — once
   the books have converged (trading stopped, resting post-only entries cancelled,
   reconciled until equal to the venue; the time it took is printed).

    .venv/bin/python benchmarks/live_orders.py [--entries 200] [--pairs 50] [--minutes 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_faults import (
    ClockSkew,
    ListenKeyExpiry,
    MarginShortfall,
    OrderTimeout,
    ServerError,
    StreamDropOnFill,
)
from scalplab.data.adapters.binance.fake_rest_data import load_kline_rows, load_recorded_answer
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.symbols import SymbolRules, parse_exchange_info
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.cancelling import cancel_working_order
from scalplab.orders.commands import SubmitOrder, SubmitSignal
from scalplab.orders.costs import CostModel
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.live_sync import LiveSession
from scalplab.orders.models import Bar, BookKey
from scalplab.orders.outcomes import SignalAccepted
from scalplab.orders.queue import OrderQueue
from scalplab.orders.risk import RiskSettings
from scalplab.orders.sandbox import Sandbox, open_sandbox
from scalplab.orders.types import OrderRejected, OrderRequest
from scalplab.strategies.signal import Signal

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
KEY, SECRET = "benchmark-key-0123456789abcdef", "benchmark-secret-fedcba9876543210"
PACE_S = 0.3
"""One entry per 0.3 s at most: its ~5 orders stay inside the order limit, so the figure
is the path's latency, not a wait for the limit."""

CONFIG = ExecutionConfig(200_000.0, 0.2, 5.0, 0.4, CostModel(0.05, 0.02, 0.0))


def closes(real: Path) -> list[float]:
    rows = load_kline_rows(real / "klines" / "um" / "BTCUSDT" / "1m.csv", 60_000)
    return [float(row[4]) for row in rows]


def rounded(price: float, rules: SymbolRules) -> float:
    tick = rules.tick_size
    return float((Decimal(repr(price)) / tick).quantize(Decimal(1)) * tick)


class Rig:
    """A sandbox on the Binance venue, its session and the fake exchange."""

    def __init__(self, fake: FakeVenue, books: dict[str, SymbolRules]) -> None:
        self.fake = fake
        client = BinanceTradingClient(fake.rest_url, KEY, SECRET, timeout_s=0.5)
        made: list[BinanceVenue] = []

        def factory(model: ExecutionModel, queue: OrderQueue) -> BinanceVenue:
            made.append(BinanceVenue(model, queue, client))
            return made[0]

        risk = RiskSettings(min_rr=3.0).without_breakers()
        self.sandbox: Sandbox = open_sandbox(CONFIG, risk, venue_factory=factory)
        for symbol, rules in books.items():
            self.sandbox.model.add_book(BookKey(symbol, "bench"), rules, FundingSchedule([], 0.0))
        self.venue = made[0]
        self.refused_before_sending: list[str] = []
        self.session = LiveSession(self.venue, fake.ws_url, leverage=5, connect_timeout_s=10)
        self.session.start({f"{s}/bench": s for s in books})

    def bar(self, symbol: str, index: int, price: float) -> None:
        with self.venue.lock:
            self.sandbox.pipeline.on_bar(
                f"{symbol}/bench", Bar(index * 60_000, price, price, price, price)
            )

    def signal(
        self, symbol: str, index: int, price: float, long: bool, rules: SymbolRules
    ) -> str | None:
        direction = 1 if long else -1
        signal = Signal(
            side="long" if long else "short",
            entry=price,
            stop_loss=rounded(price * (1 - 0.005 * direction), rules),
            take_profit=rounded(price * (1 + 0.02 * direction), rules),
            confidence=50,
            reasons=["benchmark"],
        )
        bar = Bar(index * 60_000, price, price, price, price)
        with self.venue.lock:
            outcome = self.sandbox.pipeline.submit_signal(
                SubmitSignal(f"{symbol}/bench", bar, signal)
            )
        return outcome.order.id if isinstance(outcome, SignalAccepted) else None

    def post_only_entry(self, symbol: str, price: float, long: bool, rules: SymbolRules) -> None:
        """A person's post-only limit entry 0.1 % inside the market, risk-sized, with the
        signal's bracket distances (it rests until the price comes to it)."""
        direction = 1 if long else -1
        limit = rounded(price * (1 - 0.001 * direction), rules)
        request = OrderRequest(
            symbol=symbol,
            side="buy" if long else "sell",
            type="limit",
            price=Decimal(repr(limit)),
            post_only=True,
            stop_loss=Decimal(repr(rounded(limit * (1 - 0.005 * direction), rules))),
            take_profit=Decimal(repr(rounded(limit * (1 + 0.02 * direction), rules))),
        )
        with self.venue.lock:
            try:
                self.sandbox.pipeline.submit_order(SubmitOrder(f"{symbol}/bench", request))
            except OrderRejected as refusal:  # before any order, e.g. under the min notional
                self.refused_before_sending.append(refusal.reason.split(":")[0][:60])

    def cancel_resting_entries(self) -> int:
        """Withdraw the entries still resting (a soak ends with every order settled)."""
        resting = [
            o
            for o in self.venue.state.orders.unsettled()
            if o.role == "entry" and o.progress == "working"
        ]
        with self.venue.lock:
            for live in resting:
                cancel_working_order(self.venue, self.sandbox.queue, live.order_id, [live.book])
        return len(resting)


def latency(real: Path, entries: int) -> None:
    info = load_recorded_answer(real / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json")
    rules = parse_exchange_info(info)["BTCUSDT"]
    prices = closes(real)
    exchange = FakeExchange(KEY, SECRET, exchange_info=info, balance="100000000")
    exchange.set_price("BTCUSDT", Decimal(repr(prices[0])))
    samples: list[float] = []
    with FakeVenue(exchange) as fake:
        rig = Rig(fake, {"BTCUSDT": rules})
        try:
            for index in range(entries):
                price = rounded(prices[index], rules)
                exchange.set_price("BTCUSDT", Decimal(repr(price)))
                rig.bar("BTCUSDT", index, price)
                started = time.perf_counter()
                order_id = rig.signal("BTCUSDT", index, price, index % 2 == 0, rules)
                assert order_id is not None, "the signal was not accepted"
                while order_id not in rig.venue.state.acknowledged_at:
                    time.sleep(0.0002)
                samples.append((rig.venue.state.acknowledged_at[order_id] - started) * 1000)
                while rig.sandbox.model.position("BTCUSDT/bench") is None:
                    time.sleep(0.001)
                with rig.venue.lock:
                    rig.venue.close_position("BTCUSDT/bench", "manual", None)
                while rig.sandbox.model.position("BTCUSDT/bench") is not None or (
                    rig.venue.state.orders.unsettled()
                ):
                    time.sleep(0.001)
                time.sleep(max(0.0, started + PACE_S - time.perf_counter()))
        finally:
            rig.session.stop()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"signal -> order accepted by the fake venue, {len(samples)} entries:")
    print(f"  p50 {statistics.median(samples):.2f} ms  p99 {p99:.2f} ms  max {samples[-1]:.2f} ms")


FAULTS = (
    lambda: OrderTimeout(delay_s=1.0),
    lambda: ServerError(placed=True),
    lambda: ServerError(placed=False),
    ClockSkew,
    MarginShortfall,
    StreamDropOnFill,
    ListenKeyExpiry,
)


def soak(real: Path, pairs: int, minutes: float, seed: int) -> None:
    info = load_recorded_answer(real / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json")
    every = parse_exchange_info(info)
    symbols = sorted(s for s in every if s.endswith("USDT") and every[s].min_notional <= 5)
    chosen = symbols[:pairs]
    prices = closes(real)
    rng = random.Random(seed)
    bases = {s: 50.0 + 950.0 * rng.random() for s in chosen}
    exchange = FakeExchange(KEY, SECRET, exchange_info=info, balance="100000000")
    for symbol in chosen:
        exchange.set_price(symbol, Decimal(repr(rounded(bases[symbol], every[symbol]))))
    faults = 0
    with FakeVenue(exchange) as fake:
        rig = Rig(fake, {s: every[s] for s in chosen})
        ends = time.monotonic() + minutes * 60
        index, next_fault = 0, time.monotonic() + 2.0
        try:
            while time.monotonic() < ends:
                index += 1
                for symbol in chosen:
                    rules = every[symbol]
                    move = prices[index % len(prices)] / prices[0]
                    price = rounded(bases[symbol] * move**8, rules)
                    exchange.set_price(symbol, Decimal(repr(price)))
                    rig.bar(symbol, index, price)
                    book = f"{symbol}/bench"
                    busy = rig.venue.position(book) or rig.venue.has_pending_entry(book)
                    if not busy and rng.random() < 0.01:
                        if rng.random() < 0.3:
                            rig.post_only_entry(symbol, price, rng.random() < 0.5, rules)
                        else:
                            rig.signal(symbol, index, price, rng.random() < 0.5, rules)
                if time.monotonic() >= next_fault:
                    exchange.fault(rng.choice(FAULTS)())
                    faults += 1
                    next_fault = time.monotonic() + rng.uniform(1.0, 4.0)
                time.sleep(0.2)
            converged_s = converge(rig, exchange, chosen)
        finally:
            rig.session.stop()
    report(rig, exchange, chosen, faults, index)
    if converged_s is None:
        print(f"  NOT converged within {CONVERGE_S:.0f} s of the last fault")
    else:
        print(f"  books equal to the venue {converged_s:.1f} s after the last fault")


CONVERGE_S = 120.0
"""How long the books may take, once trading and faults stop, to equal the venue's."""


def converge(rig: Rig, exchange: FakeExchange, symbols: list[str]) -> float | None:
    """Stop trading, withdraw the resting entries and reconcile (as the session does every
    30 s, here every 2 s) until every order is settled, every fill booked and every
    position equal to the venue's; the seconds it took (None: not within CONVERGE_S)."""
    started = time.monotonic()
    while time.monotonic() - started < CONVERGE_S:
        rig.cancel_resting_entries()  # also those the worker places meanwhile
        rig.session.reconcile()
        if settled(rig, exchange, symbols):
            return time.monotonic() - started
        time.sleep(2.0)
    return None


def settled(rig: Rig, exchange: FakeExchange, symbols: list[str]) -> bool:
    """No entry or exit unsettled, every venue fill booked, every position equal to the
    venue's and protected by a stop."""
    if any(o.role in ("entry", "exit") for o in rig.venue.state.orders.unsettled()):
        return False  # (working stops and targets of open positions are not unsettled)
    booked = {trade for _, trade in rig.venue.state.seen_trades}
    if any(t.trade_id not in booked for t in exchange.trades()):
        return False
    stops = {a.symbol for a in exchange.open_algo_orders() if a.order_type == "STOP_MARKET"}
    return all(
        abs(our_qty(rig, s) - float(exchange.position(s).amount)) <= 1e-12
        and (our_qty(rig, s) == 0 or s in stops)
        for s in symbols
    )


def our_qty(rig: Rig, symbol: str) -> float:
    """The books' signed position on `symbol`."""
    position = rig.sandbox.model.position(f"{symbol}/bench")
    return 0.0 if position is None else position.qty * position.direction


def report(rig: Rig, exchange: FakeExchange, symbols: list[str], faults: int, bars: int) -> None:
    queue = rig.sandbox.queue
    venue_ids = [o.client_order_id for o in exchange.orders()]
    duplicates = len(venue_ids) - len(set(venue_ids))
    entries = [o for o in queue.repository.list(1_000_000) if o.parent_id is None]
    lost = 0
    for order in entries:
        on_venue = order.client_order_id in set(venue_ids)
        if order.status == "filled" and not on_venue:
            lost += 1
        if order.status in ("accepted", "submitted"):
            lost += 1
            live = rig.venue.state.orders.by_client(order.client_order_id)
            held = [o for o in exchange.orders() if o.client_order_id == order.client_order_id]
            print(
                f"  unsettled at the end: {order.id} {order.type} {order.status} "
                f"{order.reason!r}; venue: "
                f"{None if live is None else (live.progress, live.attempts, live.exchange_id)}; "
                f"Binance: {[(o.status, str(o.quantity)) for o in held]}"
            )
    booked = {trade for _, trade in rig.venue.state.seen_trades}
    unbooked = sum(1 for t in exchange.trades() if t.trade_id not in booked)
    mismatched = unprotected = 0
    stops = {a.symbol for a in exchange.open_algo_orders() if a.order_type == "STOP_MARKET"}
    for symbol in symbols:
        if abs(our_qty(rig, symbol) - float(exchange.position(symbol).amount)) > 1e-12:
            mismatched += 1
        if rig.sandbox.model.position(f"{symbol}/bench") is not None and symbol not in stops:
            unprotected += 1
    counters = rig.venue.state.counters
    filled = sum(1 for o in entries if o.status == "filled")
    rejected = sum(1 for o in entries if o.status == "rejected")
    cancelled = sum(1 for o in entries if o.status == "cancelled")
    post_only = [o for o in entries if o.post_only]
    post_only_filled = sum(1 for o in post_only if o.status == "filled")
    print(f"soak: {len(symbols)} pairs, {bars} price steps, {faults} faults injected")
    algos, fills = len(exchange.algo_orders()), len(exchange.trades())
    print(f"  entries {len(entries)} (filled {filled}, rejected {rejected}, resting at the end "
          f"and cancelled {cancelled}); post-only {len(post_only)} "
          f"(filled {post_only_filled}, refused before sending "
          f"{len(rig.refused_before_sending)})")  # fmt: skip
    print(f"  venue orders "
          f"{len(venue_ids)}, algo orders {algos}, fills {fills}")  # fmt: skip
    print(f"  unknown outcomes {counters.unknown_outcomes}, resent after lookup "
          f"{counters.resent_after_lookup}, fills via REST {counters.fills_from_rest}, "
          f"reconciliations {counters.reconciliations}")  # fmt: skip
    print(f"  position mismatches seen by reconciliation {counters.position_mismatches}")
    reasons = Counter(rig.refused_before_sending).most_common(3)
    print(f"  post-only refusals before sending, most common: {reasons}")
    print(f"  lost orders {lost}, duplicated orders {duplicates}, unbooked fills {unbooked}")
    print(f"  positions unlike the venue's {mismatched}, positions without a stop {unprotected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-soak", action="store_true")
    args = parser.parse_args()
    latency(args.real, args.entries)
    if not args.skip_soak:
        soak(args.real, args.pairs, args.minutes, args.seed)


if __name__ == "__main__":
    main()
