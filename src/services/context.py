"""Everything the app holds for its lifetime, built at start-up and closed at shutdown."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scalplab.api.services.backtests import BacktestService
from scalplab.api.services.market import MarketService
from scalplab.api.services.orders import OrderService
from scalplab.api.services.pairs import PairService
from scalplab.api.services.references import References
from scalplab.api.services.settings import SettingsService
from scalplab.api.services.signals import SignalService
from scalplab.api.services.simulation import SimulationService
from scalplab.api.services.status import HealthService, trading_gate
from scalplab.api.worker import BacktestWorker
from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.symbols import RulesStore
from scalplab.errors import ScalpLabError
from scalplab.simulation.engine import SimulationEngine
from scalplab.storage.db import Database, migrate
from scalplab.strategies.registry import Registry, get_registry

EXCHANGE = "binance"

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Long-lived objects shared by every request."""

    settings: Settings
    database: Database
    registry: Registry
    store: ResultStore
    worker: BacktestWorker
    health: HealthService
    pairs: PairService
    market: MarketService
    backtests: BacktestService
    engine: SimulationEngine
    simulation: SimulationService
    signals: SignalService
    orders: OrderService
    runtime_settings: SettingsService

    @classmethod
    def start(cls, settings: Settings) -> AppContext:
        """Migrate the database, recover from a previous crash, open every service.

        The paper-trading engine reloads its books, orders and pending confirmations;
        a simulation a crash interrupted while running continues after its cursor
        (a clean shutdown stops it: `POST /simulation/start` continues it).
        """
        migrate(settings)
        database = Database(settings)
        store = ResultStore(settings, database)
        interrupted = store.fail_unfinished("interrupted by restart")
        if interrupted:
            log.warning(
                "marked %d unfinished backtests failed (interrupted by restart)", interrupted
            )
        registry = get_registry(settings.plugin_dir)
        for problem in registry.errors:
            log.warning("strategy plugin not loaded: %s", problem)
        candles = CandleStore(settings.data_dir, EXCHANGE)
        references = References(registry, candles, RulesStore(settings.data_dir, EXCHANGE))
        worker = BacktestWorker(settings, store)
        engine = SimulationEngine(settings, database, registry)
        _resume(engine)
        return cls(
            settings=settings,
            database=database,
            registry=registry,
            store=store,
            worker=worker,
            health=HealthService(settings, database),
            pairs=PairService(references),
            market=MarketService(candles),
            backtests=BacktestService(references, store, worker),
            engine=engine,
            simulation=SimulationService(engine),
            signals=SignalService(engine),
            orders=OrderService(engine, live=trading_gate(settings).live),
            runtime_settings=SettingsService(engine),
        )

    def close(self) -> None:
        """Stop the simulation and the worker, then release the database."""
        try:
            self.engine.close()
        finally:
            self.worker.shutdown()
            self.database.dispose()


def _resume(engine: SimulationEngine) -> None:
    """Continue a simulation the previous process left running (a failure is logged)."""
    try:
        status = engine.resume()
    except ScalpLabError as exc:
        log.warning("the interrupted simulation could not be resumed: %s", exc.message)
        return
    if status.state == "running":
        log.info(
            "resumed the simulation interrupted by a restart",
            extra={"candles_processed": status.candles_processed},
        )
