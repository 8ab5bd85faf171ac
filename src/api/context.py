"""Everything the app holds for its lifetime, built at start-up and closed at shutdown."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from src.api.services.backtests import BacktestService
from src.api.services.market import MarketService
from src.api.services.pairs import PairService
from src.api.services.references import References
from src.api.services.status import HealthService
from src.api.worker import BacktestWorker
from src.backtests.storage import ResultStore
from src.config import Settings
from src.data.candles import CandleStore
from src.data.symbols import RulesStore
from src.storage.db import Database, migrate
from src.strategies.registry import Registry, get_registry

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

    @classmethod
    def start(cls, settings: Settings) -> AppContext:
        """Migrate the database, recover from a previous crash, open every service."""
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
        )

    def close(self) -> None:
        """Stop the worker and release the database."""
        self.worker.shutdown()
        self.database.dispose()
