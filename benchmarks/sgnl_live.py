"""SGNL-V2 on N live symbols against the fake Binance: signal latency and the server's RSS.

A real `scalplab serve` paper-trades `--symbols` pairs (default 50) with SGNL-V2 on 1m on
its live Binance feed (`POST /simulation/start {"feed": "live"}`), pointed at a fake
Binance in this process. The market is REAL but re-labelled: the BTCUSDT order-book
capture of 2023-04-04 23:58:20 → 00:06:55 (shared/data/real/orderbook_ws/) served as the
full live market (`fake_capture.market_messages`: aggTrade, bookTicker, depth20@100ms,
markPrice@1s and each minute's closing kline), once as BTCUSDT (SGNL's reference feed)
and once per further symbol under a made-up name (`SG1USDT`, …) with the same payloads —
so every symbol signals on the same bars. Open interest is not recorded: REST answers
400 and SGNL runs with its OI rule off. Params: the research thresholds of
tests/strategies/test_sgnl_v2.py (`OPENED`: `max_price` raised for BTC prices, score
and gates opened), MIN_RR 1, so that signals fire. The WebSocket replays at `--speed`×
the recorded pace; each closing kline is stamped `E` = the instant it is sent (as
Binance stamps its events). An SSE client on `/signals/stream` takes each signal's
arrival; latency = arrival − the `E` of the kline that closed the signal's bar.
Usage: `python benchmarks/sgnl_live.py [--symbols 50] [--speed 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from paper_setup import ROOT, free_port, read_signals, rss_mb, start_server

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_capture import market_messages, relabel
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_rest_data import candle_rows
from scalplab.data.candles import CandleStore

CAPTURE = ROOT.parent / "shared" / "data" / "real" / "orderbook_ws"
FILES = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")
SERVED = ("@aggTrade", "@bookTicker", "@depth20@", "@markPrice", "@kline_1m")
OPENED = {
    "max_price": 1_000_000.0, "atr_period": 2, "min_score": 0.0, "min_ask_dominance": 0.0,
    "oi_rule": False, "max_resistance_pct": 100.0, "max_spread_pct": 100.0,
    "min_funding_rate": -0.01, "btc_pump_pct": 100.0,
}  # fmt: skip


class StampedFake(FakeBinanceWs):
    """The fake WebSocket, each closing kline stamped `E` = the instant it goes out."""

    sent_at: dict[tuple[str, int], int]

    def _message(self, index: int, repeat: int) -> str:
        message = super()._message(index, repeat)
        if "@kline_1m" not in self.streams[index]:
            return message
        envelope = json.loads(message)
        now = int(time.time() * 1000)
        envelope["data"]["E"] = now
        self.sent_at[(envelope["data"]["s"], envelope["data"]["k"]["t"])] = now
        return json.dumps(envelope, separators=(",", ":"))


def lines() -> list[str]:
    out = []
    for name in FILES:
        with gzip.open(CAPTURE / name, "rt") as source:
            out.extend(line.split(" ", 1)[1] for line in source)
    return out


def serve_ws(fake: FakeBinanceWs) -> threading.Event:
    ready = threading.Event()

    async def main() -> None:
        async with running(fake):
            ready.set()
            await asyncio.Future()

    threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()
    return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--speed", type=float, default=3.0, help="times the recorded pace")
    args = parser.parse_args()
    market = market_messages(lines(), "BTCUSDT")
    base_messages = [m for m in market.messages if any(s in m[:60] for s in SERVED)]
    names = ["BTCUSDT"] + [f"SG{k}USDT" for k in range(1, args.symbols)]
    messages: list[str] = []
    per_symbol = [relabel(base_messages, "BTCUSDT", name) for name in names]
    for group in zip(*per_symbol, strict=True):  # interleaved in recorded order
        messages.extend(group)
    del per_symbol
    fake = StampedFake(messages, speed=args.speed)
    fake.sent_at = {}
    minutes = len(market.kline_rows)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        state = ReplayState()
        frame = pd.DataFrame(
            [[int(r[0]), *(float(v) for v in r[1:6])] for r in market.kline_rows],
            columns=["open_time", "open", "high", "low", "close", "volume"],
        )
        store = CandleStore(data_dir)  # the stored candles make the symbols known to /pairs
        for name in names:
            store.merge(name, "1m", frame)
            state.klines[(name, "1m")] = candle_rows(frame, "1m")
        serve_ws(fake).wait(10)
        with ReplayServer(state) as rest:
            port = free_port()
            env = {"REST_URL": rest.base_url, "WS_URL": fake.base, "LIVE_WARMUP_BARS": "0",
                   "MIN_RR": "1.0"}  # fmt: skip
            process = start_server(data_dir, port, env)
            base = f"http://127.0.0.1:{port}"
            try:
                with httpx.Client(base_url=base, timeout=60) as client:
                    for name in names:
                        answer = client.post("/pairs", json={
                            "symbol": name, "strategy": "sgnl_v2", "timeframe": "1m",
                            "params": OPENED,
                        })  # fmt: skip
                        if answer.status_code != 201:
                            raise SystemExit(
                                f"POST /pairs {name}: {answer.status_code} {answer.text}"
                            )
                    arrivals: list[tuple[str, str, int]] = []
                    stop = threading.Event()

                    def on_signal(data: dict[str, Any], arrived_ns: int) -> None:
                        arrivals.append((data["symbol"], data["time"], arrived_ns))

                    reader = threading.Thread(target=read_signals, args=(base, on_signal, stop))
                    reader.daemon = True
                    reader.start()
                    time.sleep(0.5)
                    began = time.monotonic()
                    answer = client.post("/simulation/start", json={"feed": "live"})
                    if answer.status_code >= 400:
                        raise SystemExit(f"start: {answer.status_code} {answer.text}")
                    deadline = began + 520 / args.speed + 120
                    peak = 0.0
                    while time.monotonic() < deadline:
                        time.sleep(5)
                        now = client.get("/simulation/status").json()
                        rss, peak = rss_mb(process.pid)
                        print(f"  {now['candles_processed']} candles, {len(arrivals)} signals, "
                              f"RSS {rss:.0f} MB, error {now['error']}", flush=True)  # fmt: skip
                        if len(fake.sent_at) == minutes * len(names):
                            time.sleep(3)
                            break
                    status = client.get("/simulation/status").json()
                    health = client.get("/status/health").json()
                    rss, peak = rss_mb(process.pid)
                    stop.set()
                    client.post("/simulation/stop", json={})
            finally:
                process.terminate()
                process.wait(30)
    latencies = []
    for symbol, bar_time, arrived_ns in arrivals:
        open_ms = int(pd.Timestamp(bar_time).value // 1_000_000)
        event_ms = fake.sent_at.get((symbol, open_ms))
        if event_ms is not None:
            latencies.append(arrived_ns / 1e6 - event_ms)
    print(
        f"SGNL-V2 on {len(names)} symbols live (REAL BTCUSDT capture 2023-04-04/05, "
        f"re-labelled as {len(names) - 1} made-up symbols; {args.speed:g}x the recorded pace, "
        f"{minutes} minutes): {status['candles_processed']} candles, {len(arrivals)} signals "
        f"({len(latencies)} timed); reconnects {health.get('reconnects')}, "
        f"server RSS {rss:.0f} MB (peak {peak:.0f} MB)"
    )
    if not latencies:
        raise SystemExit(f"no signal arrived (status: {status})")
    values = np.array(latencies)
    print(
        f"closing kline E -> signal on SSE: p50 {np.percentile(values, 50):.2f} ms, "
        f"p99 {np.percentile(values, 99):.2f} ms, max {values.max():.2f} ms, "
        f"mean {statistics.fmean(latencies):.2f} ms"
    )


if __name__ == "__main__":
    main()
