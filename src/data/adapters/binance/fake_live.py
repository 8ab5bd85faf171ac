"""A fake Binance that plays stored REAL candles as a live market, for demos and benchmarks.

REST (`fake_rest.ReplayServer`) serves the candles of a candle store — the warm-up and
any backfill — and a WebSocket sends their closing klines in Binance's exact shape
(`fake_klines`), paced: each stored minute from `start_ms` on lasts `minute_s` seconds
of wall time; the closes of one minute go out spread over `spread_s` seconds (0: all at
once), each stamped with `E` = the instant it is sent, as Binance stamps its events.
Only `/market` kline streams are served; other routes are accepted and stay quiet, except
`/private` when a `fake_exchange.FakeExchange` is attached (`exchange`): its user-data
stream, the venue trading at each close as it is sent.
`sent_at` keeps each close's `E` by (symbol, open time) for latency measurements.

`python -m scalplab.data.adapters.binance.fake_live --data-dir DIR --symbols A,B
--start DATE --port P --rest-port Q [--minute-s 1] [--api-key K --api-secret S]` serves
a data directory (what `make demo` runs against), with a venue to trade on when given
fake credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_klines import kline_message
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.candles import CandleStore
from scalplab.data.symbols import normalize_symbol
from scalplab.timeutil import parse_utc, to_ms


@dataclass
class PacedKlines:
    """The WebSocket side: stored rows per symbol (REST `/klines` rows), played from
    `start_ms` on, `minute_s` seconds per minute."""

    rows: dict[str, list[list[Any]]]
    start_ms: int
    minute_s: float = 1.0
    spread_s: float = 0.0
    minutes: int | None = None
    """Minutes to play (None: every stored one from `start_ms`)."""
    sent_at: dict[tuple[str, int], int] = field(default_factory=dict)
    finished: threading.Event = field(default_factory=threading.Event)
    exchange: FakeExchange | None = None
    """When set, each close sent is its price (`set_price`), and `/private` connections
    are its user-data stream."""

    async def handle(self, socket: ServerConnection) -> None:
        """Serve one connection: its subscribed kline streams, paced; quiet otherwise."""
        url = urlsplit(socket.request.path if socket.request else "/")
        if url.path.startswith("/private") and self.exchange is not None:
            await self.exchange.serve_user_stream(socket)
            return
        streams = set(parse_qs(url.query).get("streams", [""])[0].split("/"))
        names = [s for s in self.rows if f"{s.lower()}@kline_1m" in streams]
        if not url.path.startswith("/market") or not names:
            await socket.wait_closed()
            return
        try:
            await self._play(socket, names)
            self.finished.set()
            await socket.wait_closed()
        except ConnectionClosed:
            pass

    async def _play(self, socket: ServerConnection, names: list[str]) -> None:
        cursors = {name: _first_at(self.rows[name], self.start_ms) for name in names}
        gap = self.spread_s / len(names)
        played = 0
        while self.minutes is None or played < self.minutes:
            began = time.monotonic()
            minute = self.start_ms + played * 60_000
            sent = False
            for name in names:
                rows, index = self.rows[name], cursors[name]
                if index >= len(rows) or int(rows[index][0]) != minute:
                    continue
                cursors[name] = index + 1
                event_ms = int(time.time() * 1000)
                message = json.loads(kline_message(name, rows[index], latency_ms=0))
                message["data"]["E"] = event_ms
                await socket.send(json.dumps(message, separators=(",", ":")))
                self.sent_at[(name, minute)] = event_ms
                if self.exchange is not None:  # the venue trades at the replayed close
                    self.exchange.set_price(name, str(rows[index][4]), event_ms)
                sent = True
                if gap:
                    await asyncio.sleep(gap)
            if not sent and all(cursors[n] >= len(self.rows[n]) for n in names):
                return
            played += 1
            rest = self.minute_s - (time.monotonic() - began)
            if rest > 0:
                await asyncio.sleep(rest)


def _first_at(rows: Sequence[Sequence[Any]], start_ms: int) -> int:
    for index, row in enumerate(rows):
        if int(row[0]) >= start_ms:
            return index
    return len(rows)


def store_rows(store: CandleStore, symbols: Sequence[str], state: ReplayState) -> dict[str, Any]:
    """Serve each symbol's stored 1m candles over REST; their rows, for the WebSocket."""
    return {
        symbol: state.serve_candles(symbol, "1m", store.read(symbol, "1m")) for symbol in symbols
    }


def serve_in_thread(paced: PacedKlines, port: int) -> threading.Event:
    """Run the WebSocket server on 127.0.0.1:`port` in a daemon thread; set once up."""
    ready = threading.Event()

    async def main() -> None:
        async with serve(paced.handle, "127.0.0.1", port, compression=None):
            ready.set()
            await asyncio.Future()

    threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()
    return ready


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a data directory's candles as a live Binance until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument("--start", required=True, help="first minute streamed (UTC)")
    parser.add_argument("--port", type=int, required=True, help="WebSocket port")
    parser.add_argument("--rest-port", type=int, required=True)
    parser.add_argument("--minute-s", type=float, default=1.0, help="wall seconds per minute")
    parser.add_argument("--spread-s", type=float, default=0.5, help="closes spread over (s)")
    parser.add_argument("--api-key", help="trade on a fake venue with these fake credentials")
    parser.add_argument("--api-secret", default="")
    parser.add_argument("--balance", default="10000", help="the venue's USDT wallet")
    args = parser.parse_args(argv)
    symbols = [normalize_symbol(s) for s in args.symbols.split(",") if s.strip()]
    state = ReplayState()
    rows = store_rows(CandleStore(args.data_dir), symbols, state)
    start_ms = to_ms(parse_utc(args.start, "--start"))
    paced = PacedKlines(rows, start_ms, args.minute_s, min(args.spread_s, args.minute_s))
    if args.api_key:
        state.exchange = paced.exchange = FakeExchange(
            args.api_key, args.api_secret, balance=args.balance
        )
    with ReplayServer(state, port=args.rest_port) as rest:
        serve_in_thread(paced, args.port).wait(10)
        trading = ", trading" if args.api_key else ""
        print(f"fake Binance: REST {rest.base_url}, WebSocket ws://127.0.0.1:{args.port}{trading}")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
