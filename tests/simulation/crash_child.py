"""A paper-trading process for test_crash.py (run as `python -m tests.simulation.crash_child`).

`run DATA_DIR OUT`: starts the engine on a slow replay with order confirmation on,
confirms the first BTCUSDT confirmation like a person would, and once a position is
open AND another confirmation waits, writes the committed state to OUT and keeps
running until it is killed.
`resume DATA_DIR OUT`: a new process over the same database: writes the state it
restored to OUT.before, resumes the interrupted replay, waits for its end and writes
OUT.after.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from scalplab.config import Settings
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.views import FeedSpec
from scalplab.storage.db import open_database
from scalplab.strategies.registry import discover
from scalplab.timeutil import parse_utc, to_ms

START = "2025-06-17T00:00:00"
END = "2025-06-17T06:00:00"
SPEED = 6000.0  # a 5m bar every 0.05 s
RISK_OFF = {
    "MAX_OPEN_POSITIONS": 0,
    "DAILY_LOSS_LIMIT_PCT": 0,
    "LOSS_STREAK_LIMIT": 0,
    "MAX_TRADES_PER_HOUR": 0,
    "EXTREME_VOLATILITY_ATR_MULT": 0,
}


def child_settings(data_dir: Path) -> Settings:
    """The settings both processes use."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATA_DIR=data_dir,
        CONFIRM_ORDERS=True,
        PENDING_TTL_SECONDS=3600,
        **RISK_OFF,
    )


def spec() -> FeedSpec:
    """The slow replay both processes play."""
    return FeedSpec(
        speed=SPEED,
        start_ms=to_ms(parse_utc(START, "start")),
        end_ms=to_ms(parse_utc(END, "end")),
    )


def snapshot(engine: SimulationEngine) -> dict[str, Any]:
    """The committed state, as the engine API reports it."""
    with engine.lock:
        engine.journal.flush()
        account = engine.account
        read = engine.read
        read.refresh()
        return {
            "version": account.version,
            "cursors": {
                book: account.model.last_bar(book).open_ms  # type: ignore[union-attr]
                for book in account.model.books()
            },
            "bars": dict(account.bars),
            "candles_processed": account.candles_processed,
            "portfolio": read.portfolio().to_dict(),
            "positions": [p.to_dict() for p in read.positions()],
            "orders": [o.to_dict() for o in read.orders(limit=100)],
            "pending": [
                {k: v for k, v in p.to_dict().items() if k != "seconds_left"}
                for p in read.pending()
            ],
            "trades": [t.to_dict() for t in read.trades(limit=100)],
            "status": engine.status().to_dict(),
        }


def write(path: Path, data: dict[str, Any]) -> None:
    """Atomically write a JSON file."""
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temp, path)


def run(data_dir: Path, out: Path) -> None:
    """Trade until a position is open and a confirmation waits; report; keep running."""
    engine = SimulationEngine(
        child_settings(data_dir), open_database(child_settings(data_dir)), discover()
    )
    engine.start(spec())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = engine.read.pending()
        positions = engine.read.positions()
        if not positions and not engine.account.model.busy_books():
            for item in pending:
                if item.pending.order.symbol == "BTCUSDT":
                    engine.confirm(item.pending.id)
        elif positions and pending:
            write(out, snapshot(engine))
            while True:
                time.sleep(1)
        time.sleep(0.005)
    raise SystemExit("the replay never had a position and a confirmation at once")


def resume(data_dir: Path, out: Path) -> None:
    """Report what was restored, continue the replay to its end, report again."""
    settings = child_settings(data_dir)
    engine = SimulationEngine(settings, open_database(settings), discover())
    write(out.with_suffix(".before"), snapshot(engine))
    engine.resume()
    engine.wait(60)
    write(out.with_suffix(".after"), snapshot(engine))
    engine.close()


if __name__ == "__main__":
    mode, data, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    (run if mode == "run" else resume)(data, target)
