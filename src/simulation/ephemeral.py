"""A throw-away paper engine for one pair: what `scalplab simulate` runs in.

Its own SQLite database in a temporary directory (removed afterwards), order
confirmation off, the run's risk settings, the model's full history kept for the
result; `signals()` gives the run's signals oldest first, as a backtest records them
(a blocked one with the scope, effect and end of its breaker's hold).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scalplab.config import Settings
from scalplab.orders.models import SignalRecord
from scalplab.orders.risk import RiskSettings
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.queries import signal_record
from scalplab.simulation.recorder import risk_event_view
from scalplab.simulation.views import PairSpec
from scalplab.storage.db import open_database
from scalplab.strategies.registry import Registry


@contextmanager
def ephemeral_engine(
    settings: Settings, registry: Registry, pair: PairSpec, risk: RiskSettings, prefix: str
) -> Iterator[tuple[SimulationEngine, Settings]]:
    """The engine and its settings, for the duration of the block."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        sim_settings = settings.model_copy(
            update={
                "db_url": "",
                "db_path": str(Path(scratch) / "simulate.db"),
                "confirm_orders": False,
                "initial_capital": settings.simulation_initial_capital,
            }
        )
        database = open_database(sim_settings)
        engine = SimulationEngine(sim_settings, database, registry, pairs=[pair], keep_history=True)
        try:
            engine.update_settings({"risk": risk.to_dict()})
            yield engine, sim_settings
        finally:
            engine.close()
            database.dispose()


def signals(engine: SimulationEngine) -> list[SignalRecord]:
    """Every signal of the run, oldest first (a blocked one with its breaker's hold)."""
    blocks = {
        row.signal_id: risk_event_view(row)
        for row in engine.store.risk_events(None)
        if row.signal_id is not None
    }
    rows = reversed(engine.store.signals(None, None))
    return [signal_record(row, blocks.get(row.id)) for row in rows]
