"""`LiveSource` with local order books: the fake Binance replays the REAL 2021 capture
(kline_1m, depth@100ms, bookTicker of four symbols); the books sync from the recorded REST
snapshots and the best bid/ask the feed reports is the book's, equal to the truth."""

from __future__ import annotations

import asyncio

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.live_source import LiveConfig, LiveSource
from tests.data.adapters.binance.recorded import combined_messages, rest_depth
from tests.data.test_book_keeper import DEPTH_LEVELS, FINAL, TRUTH

SYMBOLS = ("SUSHIUSDT", "AKROUSDT")


def test_the_feed_keeps_true_books_and_reports_their_top() -> None:
    fake = FakeBinanceWs(combined_messages(), interval=0.001)
    state = ReplayState(depth={s: rest_depth(s) for s in SYMBOLS})
    with ReplayServer(state) as rest_server:
        rest = BinanceRestClient(rest_server.base_url, max_attempts=1)

        async def main() -> LiveSource:
            async with running(fake):
                config = LiveConfig(fake.base, rest, warmup_bars=0, order_books=True)
                source = LiveSource([(s, "1m") for s in SYMBOLS], config)
                await source.prepare()
                assert source.keeper is not None
                books = source.keeper.books
                for _ in range(400):
                    if all(
                        books[s].synced and books[s].last_update_id == FINAL[s] for s in SYMBOLS
                    ):
                        break
                    await asyncio.sleep(0.05)
                await source.aclose()
                return source

        source = asyncio.run(main())
    assert source.keeper is not None
    for symbol in SYMBOLS:
        book = source.keeper.books[symbol]
        assert book.levels(DEPTH_LEVELS) == TRUTH[symbol]
        bids, asks = TRUTH[symbol]
        assert source.best_bid_ask(symbol) == (bids[0][0], asks[0][0])
    health = source.health()
    assert health.book_resyncs == 0 and health.prepared
    assert source.last_price["SUSHIUSDT"] > 0  # the klines flowed too
