"""Order books kept live from the fake Binance replaying the REAL 2021 capture.

The fake WebSocket streams the capture's diff depth (four symbols, `depth@100ms`) at 20×
the recorded pace; the fake REST answers `/fapi/v1/depth` with the real snapshot plus
the real diffs up to the stream's position (`DepthAtPosition`), as Binance's REST
would at that moment. Truth: Binance's own bookTicker wherever its update id names an
applied diff, and at the end the book rebuilt here independently (plain dicts) from the
real snapshot and every real diff. After each fault (a lost diff, a dropped connection,
reordered and repeated messages, a silent stream, a stall) the books must equal it.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_depth import DepthAtPosition
from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.websocket import Backoff, ConnectionOptions
from scalplab.data.book_keeper import BookUpdate, OrderBookKeeper, SnapshotRetry
from tests.data.adapters.binance.recorded import combined_messages, rest_depth

SYMBOLS = ("SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT")
MESSAGES = combined_messages()
DEPTH = [json.loads(m)["data"] for m in MESSAGES if "@depth@" in m]
FINAL = {s: max(d["u"] for d in DEPTH if d["s"] == s) for s in SYMBOLS}
SPEED = 20.0
DEPTH_LEVELS = 100
FAST = ConnectionOptions(backoff=Backoff(initial=0.05, maximum=0.2))
RETRY = SnapshotRetry(initial_s=0.02, maximum_s=0.1, cooldown_s=0.2)

Side = list[tuple[float, float]]


def true_book(symbol: str) -> tuple[Side, Side]:
    """The best levels after every recorded diff: the REST snapshot, then each diff that
    ends at or after it applied in order."""
    answer = rest_depth(symbol)
    sides = [{float(p): float(q) for p, q in answer[key]} for key in ("bids", "asks")]
    for diff in DEPTH:
        if diff["s"] == symbol and diff["u"] >= answer["lastUpdateId"]:
            for side, key in zip(sides, ("b", "a"), strict=True):
                for price, qty in diff[key]:
                    if float(qty) == 0:
                        side.pop(float(price), None)
                    else:
                        side[float(price)] = float(qty)
    bids = sorted(sides[0].items(), reverse=True)[:DEPTH_LEVELS]
    return bids, sorted(sides[1].items())[:DEPTH_LEVELS]


TRUTH = {symbol: true_book(symbol) for symbol in SYMBOLS}
TICKERS = [
    json.loads(m)["data"] for m in MESSAGES if "@bookTicker" in m
]  # Binance's best bid/ask, each with the update id it shows


def check_tickers(updates: list[BookUpdate]) -> int:
    """Every book top the keeper showed at a ticker's update id is the ticker's; how many."""
    tops = {(u.symbol, u.update_id): u.top for u in updates}
    checked = 0
    for ticker in TICKERS:
        top = tops.get((ticker["s"], ticker["u"]))
        if top is not None:
            checked += 1
            expected = tuple(float(ticker[k]) for k in ("b", "B", "a", "A"))
            assert (top.bid, top.bid_qty, top.ask, top.ask_qty) == expected, ticker
    return checked


def at_the_end(keeper: OrderBookKeeper, symbols: tuple[str, ...] = SYMBOLS) -> bool:
    return all(
        keeper.books[s].synced and keeper.books[s].last_update_id == FINAL[s] for s in symbols
    )


def assert_books_are_true(keeper: OrderBookKeeper, symbols: tuple[str, ...] = SYMBOLS) -> None:
    for symbol in symbols:
        assert keeper.books[symbol].levels(DEPTH_LEVELS) == TRUTH[symbol], symbol


def keep(
    fake: FakeBinanceWs,
    done: Callable[[OrderBookKeeper], bool] = at_the_end,
    options: ConnectionOptions = FAST,
    timeout: float = 20.0,
    rest_errors: int = 0,
) -> tuple[OrderBookKeeper, list[BookUpdate]]:
    """Run a keeper of the four books against `fake` and a REST fake that answers at
    `fake`'s position (its first `rest_errors` depth requests fail with a 503), until
    `done` (or fail after `timeout` s)."""
    updates: list[BookUpdate] = []
    depth = DepthAtPosition(MESSAGES, {s: rest_depth(s) for s in SYMBOLS}, lambda: fake.position)
    state = ReplayState(depth_answer=depth)
    state.fail_next("depth", Fault(503, "Service Unavailable"), rest_errors)
    with ReplayServer(state) as rest_server:
        rest = BinanceRestClient(rest_server.base_url, max_attempts=1)

        async def main() -> OrderBookKeeper:
            async with running(fake):
                keeper = OrderBookKeeper(
                    fake.base, SYMBOLS, rest, options=options, retry=RETRY,
                    on_update=updates.append, rng=random.Random(7),
                )  # fmt: skip
                task = asyncio.create_task(keeper.run())
                try:
                    async with asyncio.timeout(timeout):
                        while not done(keeper):
                            await asyncio.sleep(0.02)
                finally:
                    keeper.stop()
                    await task
                return keeper

        return asyncio.run(main()), updates


def depth_fake(**faults: Any) -> FakeBinanceWs:
    return FakeBinanceWs(MESSAGES, speed=SPEED, **faults)


def test_a_clean_run_shows_binances_best_bid_and_ask_and_ends_true() -> None:
    keeper, updates = keep(depth_fake())
    health = keeper.health()
    assert health.book_resyncs == 0 and health.snapshot_failures == 0
    assert all(h.snapshots_fetched == 1 for h in health.symbols.values())
    assert health.diffs_applied == len(updates) - len(SYMBOLS)  # plus one per sync
    assert check_tickers(updates) >= 40  # of the 50 tickers naming a diff's update id
    assert_books_are_true(keeper)
    assert keeper.top("sushiusdt") == keeper.books["SUSHIUSDT"].top() is not None


def test_a_lost_diff_is_a_resync_from_a_fresh_snapshot() -> None:
    sushi = [i for i, m in enumerate(MESSAGES) if m.startswith('{"stream":"sushiusdt@depth@')]
    lost = sushi[100]
    keeper, updates = keep(depth_fake(drop_message_at=frozenset({lost})))
    health = keeper.health().symbols
    assert health["SUSHIUSDT"].resyncs == 1 and health["SUSHIUSDT"].snapshots_fetched == 2
    assert all(health[s].resyncs == 0 for s in SYMBOLS[1:])
    lost_id = json.loads(MESSAGES[lost])["data"]["u"]
    assert ("SUSHIUSDT", lost_id) not in {(u.symbol, u.update_id) for u in updates}
    check_tickers(updates)
    assert_books_are_true(keeper)


def test_failed_snapshots_are_retried_until_the_books_sync() -> None:
    errors = len(SYMBOLS) * RETRY.attempts  # some symbol sees a whole round fail
    keeper, updates = keep(depth_fake(), rest_errors=errors)
    health = keeper.health()
    assert sum(h.snapshot_errors for h in health.symbols.values()) == errors
    assert health.snapshot_failures >= 1
    check_tickers(updates)
    assert_books_are_true(keeper)


def test_a_dropped_connection_starts_every_book_over() -> None:
    fake = depth_fake(drop_after=300, resume_at=350)  # 50 messages lost on the wire
    keeper, updates = keep(fake)
    assert [c.health.reconnects for c in keeper.manager.connections] == [1]
    assert all(
        h.resyncs == 1 and h.snapshots_fetched == 2 for h in keeper.health().symbols.values()
    )
    check_tickers(updates)
    assert_books_are_true(keeper)


def test_reordered_and_repeated_messages_never_make_a_wrong_book() -> None:
    fake = depth_fake(reorder_every=7, repeat=2)
    keeper, updates = keep(
        fake, done=lambda k: at_the_end(k) and fake.visits[0].sent == 2 * len(DEPTH)
    )
    health = keeper.health()
    assert health.book_resyncs > 0  # a swap within one symbol breaks `pu`
    assert sum(h.diffs_ignored for h in health.symbols.values()) >= len(DEPTH)  # 2nd pass
    check_tickers(updates)
    assert_books_are_true(keeper)


def test_a_silent_stream_raises_the_stale_alarm_and_a_reconnect() -> None:
    options = ConnectionOptions(backoff=FAST.backoff, stale_after={"depth": 0.5})
    fake = depth_fake(silent_stream="ctkusdt@depth@100ms")

    def alarmed(keeper: OrderBookKeeper) -> bool:
        health = keeper.manager.connections[0].health
        return health.stale_alarms >= 1 and health.reconnects >= 1

    keeper, _ = keep(fake, done=alarmed, options=options)
    assert keeper.top("CTKUSDT") is None and not keeper.health().symbols["CTKUSDT"].synced
    assert len(fake.visits) >= 2


def test_a_stalled_connection_is_survived() -> None:
    keeper, updates = keep(depth_fake(stall_after=200, stall_s=1.0))
    assert keeper.manager.connections[0].health.reconnects == 0
    assert keeper.health().book_resyncs == 0
    check_tickers(updates)
    assert_books_are_true(keeper)


def test_a_stall_past_the_stale_limit_reconnects_and_resyncs() -> None:
    options = ConnectionOptions(backoff=FAST.backoff, stale_after={"depth": 0.5})
    fake = depth_fake(stall_after=200, stall_s=2.0)

    def recovered(keeper: OrderBookKeeper) -> bool:
        return keeper.manager.connections[0].health.reconnects >= 1 and at_the_end(keeper)

    keeper, updates = keep(fake, done=recovered, options=options)
    assert keeper.health().book_resyncs >= len(SYMBOLS)
    check_tickers(updates)
    assert_books_are_true(keeper)
