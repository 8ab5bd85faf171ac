"""The engine state on disk: a global row plus a row per pair, written only where touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.store import BookRow, SimStore, StoredState
from scalplab.storage.db import Database
from tests.simulation.conftest import real_bars
from tests.simulation.test_engine import attach, long_signal, step

Make = Callable[..., SimulationEngine]


def live_state(engine: SimulationEngine) -> dict[str, Any]:
    """Everything a restart needs, as the running engine holds it."""
    return {
        "execution": engine.account.model.state(trades=False),
        "atr": engine.account.sandbox.atr.state(),
        "bars": dict(engine.account.bars),
        "cursors": {
            book: bar.open_ms
            for book in engine.account.model.books()
            if (bar := engine.account.model.last_bar(book)) is not None
        },
    }


def stored_state(engine: SimulationEngine) -> dict[str, Any]:
    """The same, as `load_state` puts it back together from the rows."""
    stored = engine.store.load_state()
    assert stored is not None
    return {
        "execution": stored.execution,
        "atr": stored.risk["atr"],
        "bars": stored.run["bars"],
        "cursors": stored.cursors,
    }


@pytest.fixture
def feed_rows_written(database: Database) -> Iterator[list[str]]:
    """Books of the `engine_feeds_sim` rows each UPDATE/INSERT writes, in order."""
    written: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if "engine_feeds_sim" in statement and statement.lstrip().startswith(("UPDATE", "INSERT")):
            rows = params if many else [params]
            written.extend(str(v) for row in rows for v in row if "USDT/" in str(v))

    event.listen(database.engine, "before_cursor_execute", spy)
    yield written
    event.remove(database.engine, "before_cursor_execute", spy)


def test_each_commit_stores_the_whole_state_rewriting_only_the_pairs_it_touched(
    make_engine: Make, data_dir: Path, feed_rows_written: list[str]
) -> None:
    engine = make_engine()
    btc, eth = attach(engine, "BTCUSDT"), attach(engine, "ETHUSDT")
    btc_bars, eth_bars = real_bars(data_dir, "BTCUSDT"), real_bars(data_dir, "ETHUSDT")
    commits = 0
    for i in range(60):
        step(eth, eth_bars[i])
        signal = long_signal(btc_bars[i]) if i in (20, 45) else None
        step(btc, btc_bars[i], signal)
        if signal is not None:
            commits += 1
            assert stored_state(engine) == live_state(engine)
    assert commits == 2

    # A change on one pair rewrites that pair's row, not the other's.
    step(eth, eth_bars[60])
    with engine.lock, engine.journal.change():
        pass
    feed_rows_written.clear()
    step(btc, btc_bars[60], long_signal(btc_bars[60]))  # rejected (position open): still a change
    assert feed_rows_written == ["BTCUSDT/sma_cross"]
    assert stored_state(engine) == live_state(engine)

    # A restarted engine holds exactly the same books.
    restarted = make_engine()
    assert live_state(restarted) == live_state(engine)


def test_a_state_stored_with_its_books_inline_still_loads(database: Database) -> None:
    """Rows written before the per-book table existed keep every book in the global row."""
    store = SimStore(database)
    inline = StoredState(
        execution={"cash": 1.0, "fees_paid": 0.0, "bars_seen": 3, "feeds": {"BTCUSDT": {"i": 2}}},
        risk={"gate": {}, "atr": {"period": 14, "window": 20, "symbols": {"BTCUSDT": {"a": 1}}}},
        cursors={"BTCUSDT": 5},
        run={"bars": {"BTCUSDT": 3}},
        candles_processed=3,
        version=4,
    )
    with store.transaction() as session:
        store.save_state(session, inline)
    loaded = store.load_state()
    assert loaded is not None
    assert loaded.execution["books"] == {"BTCUSDT": {"i": 2}}  # what was `feeds` then
    assert loaded.risk == inline.risk and loaded.cursors == inline.cursors

    with store.transaction() as session:
        store.save_books(session, {"BTCUSDT": BookRow({"i": 9}, None, 7, 10)})
        store.save_books(session, {"ETHUSDT": BookRow({"i": 1}, {"a": 2}, 6, 1)})
    loaded = store.load_state()
    assert loaded is not None
    assert loaded.execution["books"] == {"BTCUSDT": {"i": 9}, "ETHUSDT": {"i": 1}}
    assert loaded.risk["atr"]["books"] == {"BTCUSDT": {"a": 1}, "ETHUSDT": {"a": 2}}
    assert loaded.cursors == {"BTCUSDT": 7, "ETHUSDT": 6}
    assert loaded.run["bars"] == {"BTCUSDT": 10, "ETHUSDT": 1}
