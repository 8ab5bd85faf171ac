"""A whole fake Binance USDT-M on ephemeral ports, for tests and benchmarks: the REST
server (`fake_rest.ReplayServer`, market data and the venue's trading endpoints), a
WebSocket server (market streams from a `fake.FakeBinanceWs` capture or paced
`fake_live.PacedKlines` candles, and the venue's user-data stream at
`/private/ws?listenKey=…`) and the venue itself (`fake_exchange.FakeExchange`).

    with FakeVenue(FakeExchange(api_key, api_secret)) as venue:
        venue.exchange.set_price("BTCUSDT", "65000")
        client = SomeClient(rest_url=venue.rest_url, ws_url=venue.ws_url)
        …

Both servers run in daemon threads (the WebSocket one on its own event loop), so a
synchronous test and an asyncio test use it alike; leaving the block stops them.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from websockets.asyncio.server import ServerConnection, serve

from scalplab.data.adapters.binance.fake import FakeBinanceWs
from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_live import PacedKlines
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState

START_TIMEOUT_S = 10.0


class FakeVenue:
    """REST + WebSocket + venue; `market` (optional) serves the market streams and gets
    the venue attached (a `PacedKlines` then moves the venue's prices)."""

    def __init__(
        self,
        exchange: FakeExchange | None = None,
        state: ReplayState | None = None,
        market: FakeBinanceWs | PacedKlines | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.state = state if state is not None else ReplayState()
        self.exchange = (
            exchange
            if exchange is not None
            else FakeExchange(exchange_info=self.state.exchange_info)
        )
        self.state.exchange = self.exchange
        self.market = market
        if market is not None:
            market.exchange = self.exchange
        self.host = host
        self.rest = ReplayServer(self.state, 0, host)
        self.ws_port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    @property
    def rest_url(self) -> str:
        return self.rest.base_url

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}"

    def user_stream_url(self, listen_key: str) -> str:
        """Where the user-data stream of `listen_key` is served."""
        return f"{self.ws_url}/private/ws?listenKey={listen_key}"

    async def _handle(self, socket: ServerConnection) -> None:
        if self.market is not None:
            await self.market.handle(socket)
            return
        path = socket.request.path if socket.request else "/"
        if path.startswith("/private"):
            await self.exchange.serve_user_stream(socket)
        else:
            await socket.wait_closed()  # no market data: accepted and quiet

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with serve(
                self._handle, self.host, 0, max_queue=None, compression=None
            ) as server:
                self.ws_port = next(iter(server.sockets)).getsockname()[1]
                if isinstance(self.market, FakeBinanceWs):
                    self.market.port = self.ws_port
                self._ready.set()
                await self._stop.wait()
        except BaseException as error:  # reported to the thread that started the venue
            self._failure = error
            self._ready.set()

    def __enter__(self) -> FakeVenue:
        self.rest.__enter__()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failure is not None:
            self.rest.__exit__(None, None, None)
            raise RuntimeError("the fake venue's WebSocket server did not start") from (
                self._failure
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.rest.__exit__(kind, error, trace)
