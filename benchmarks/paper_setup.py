"""Shared set-up of the paper-trading benchmarks: 50 symbols of real candles and a live server.

Fifty symbols: the six recorded USDT-M symbols of shared/data/real (30 days of
1m each) and time-shifted copies of them (copy k of a symbol holds its real
candles moved k days later), so that at any instant the 50 pairs show 50
different real price paths instead of 50 copies signalling on the same bar.
The copies get names like `BTC3USDT`. Everything runs against a real
`scalplab serve` subprocess on 127.0.0.1 with its own temporary DATA_DIR.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.data.candles import CandleStore  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real" / "klines" / "um"
BASES = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT")
DAY_MS = 86_400_000
# Every gate that could stop signals from becoming orders is opened, so the load is real.
OPEN_GATES = {
    "MAX_OPEN_POSITIONS": "0",
    "DAILY_LOSS_LIMIT_PCT": "0",
    "LOSS_STREAK_LIMIT": "0",
    "MAX_TRADES_PER_HOUR": "0",
    "EXTREME_VOLATILITY_ATR_MULT": "0",
    "CONFIRM_ORDERS": "false",
}


def build_store(data_dir: Path, symbols: int) -> tuple[list[str], int, int]:
    """Write `symbols` 1m series; returns their names and the window all of them cover."""
    store = CandleStore(data_dir)
    names: list[str] = []
    first, last = 0, 2**62
    shift = 0
    while len(names) < symbols:
        for base in BASES:
            if len(names) == symbols:
                break
            frame = pd.read_csv(REAL / base / "1m.csv")
            frame["open_time"] = frame["open_time"] + shift * DAY_MS
            name = base if shift == 0 else f"{base[:-4]}{shift}USDT"
            store.merge(name, "1m", frame)
            names.append(name)
            first = max(first, int(frame["open_time"].iloc[0]))
            last = min(last, int(frame["open_time"].iloc[-1]))
        shift += 1
    return names, first, last


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path, port: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`scalplab serve` on 127.0.0.1:port over `data_dir`; returns once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATA_DIR"))}
    env.update({"DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", **OPEN_GATES})
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "scalplab", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(f"{base}/status/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not come up")


def add_pairs(base: str, names: list[str], params: dict[str, int]) -> None:
    """Trade every symbol with sma_cross on 1m."""
    with httpx.Client(base_url=base, timeout=30) as client:
        for name in names:
            response = client.post(
                "/pairs",
                json={"symbol": name, "strategy": "sma_cross", "timeframe": "1m", "params": params},
            )
            if response.status_code != 201:
                raise SystemExit(f"POST /pairs {name}: {response.status_code} {response.text}")


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, in MB (from /proc)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def read_signals(
    base: str,
    on_signal: Callable[[dict[str, Any], int], None],
    stop: threading.Event,
    ready: threading.Event | None = None,
) -> None:
    """Read `/signals/stream` until `stop`: `on_signal(data, arrival_ns)` per signal event."""
    with (
        httpx.Client(base_url=base, timeout=None) as client,
        client.stream("GET", "/signals/stream") as response,
    ):
        if ready is not None:
            ready.set()
        kind = ""
        for line in response.iter_lines():
            now = time.time_ns()
            if stop.is_set():
                return
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "signal":
                on_signal(json.loads(line[5:]), now)


def iso(ms: int) -> str:
    """Epoch ms → ISO-8601 UTC."""
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PaperServer:
    """A running server paper-trading `names` (sma_cross 5/20 on 1m) over their real candles."""

    base: str
    port: int
    process: subprocess.Popen[str]
    names: list[str]
    first_ms: int
    last_ms: int


@contextmanager
def paper_server(symbols: int) -> Iterator[PaperServer]:
    """A temporary store of `symbols` series, a server over it with every pair added;
    the server is stopped and the store deleted on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        names, first, last = build_store(data_dir, symbols)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_server(data_dir, port)
        try:
            add_pairs(base, names, {"fast": 5, "slow": 20})
            yield PaperServer(base, port, process, names, first, last)
        finally:
            process.terminate()
            process.wait(30)
