"""The composition root: every service, built at start-up and closed at shutdown.

`Services.start(settings)` migrates the database, recovers from a previous crash and
opens each service; a front end (the REST API's lifespan, a bot's main) holds the
result for its lifetime and calls `close()` at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from scalplab.backtests.storage import ResultStore
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.backtests.sweeps.worker import SweepWorker
from scalplab.backtests.worker import BacktestWorker
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.exchange import EXCHANGE
from scalplab.data.symbols import RulesStore
from scalplab.errors import ScalpLabError
from scalplab.notify.commands import BotServices
from scalplab.notify.runtime import TelegramRuntime
from scalplab.notify.universe import universe_alert
from scalplab.services.backtests import BacktestService
from scalplab.services.data import DataService
from scalplab.services.market import MarketService
from scalplab.services.orders import OrderService
from scalplab.services.pairs import PairService
from scalplab.services.portfolio import PortfolioService
from scalplab.services.providers import ProviderPolling
from scalplab.services.recording import MarketRecording
from scalplab.services.references import References
from scalplab.services.scanner import ScannerService
from scalplab.services.settings import SettingsService
from scalplab.services.signals import SignalService
from scalplab.services.simulation import SimulationService
from scalplab.services.status import HealthService, trading_gate
from scalplab.services.strategies import StrategyService
from scalplab.services.sweeps import SweepService
from scalplab.services.trading import HaltStore, TradingControl
from scalplab.services.universe import AutoUniverse, UniverseChange
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.live_trading import LiveTrading, open_ledger
from scalplab.storage.db import Database, migrate
from scalplab.strategies.registry import get_registry

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Long-lived services shared by every caller (thread-safe)."""

    settings: Settings
    database: Database
    worker: BacktestWorker
    sweep_worker: SweepWorker
    """Runs parameter sweeps on a background thread, one at a time."""
    engine: SimulationEngine
    health: HealthService
    pairs: PairService
    strategies: StrategyService
    market: MarketService
    backtests: BacktestService
    sweeps: SweepService
    simulation: SimulationService
    signals: SignalService
    orders: OrderService
    runtime_settings: SettingsService
    trading: TradingControl
    """The kill switch (halt / resume new entries)."""
    portfolio: PortfolioService
    """Heat, P&L, win rates and drawdown of the books (`/heat`, `/simulation/heat`)."""
    data: DataService
    """The Data tab: coverage, integrity checks, range deletion, kline downloads."""
    recording: MarketRecording | None = None
    ledger: Database | None = None
    """The live ledger's database (live trading only)."""
    telegram: TelegramRuntime | None = None
    """The Telegram notifier and bot (TELEGRAM_ENABLED only)."""
    scanner: ScannerService | None = None
    """The market scanner and the auto universe."""
    providers: ProviderPolling | None = None
    """The external data providers, polled and recorded while the engine runs."""

    @classmethod
    def start(
        cls,
        settings: Settings,
        worker_initializer: Callable[[Settings], None] | None = None,
    ) -> Services:
        """Migrate the database, recover from a previous crash, open every service.

        Backtests a previous process left queued or running are marked failed, and its
        sweeps interrupted (they can resume). The paper-trading engine reloads its books,
        orders and pending confirmations; a simulation a crash interrupted while running
        continues after its cursor (a clean shutdown stops it: `SimulationService.start`
        continues it).
        `worker_initializer` runs in the backtest worker process before its first job
        (a module-level function: the server passes its log set-up).
        """
        migrate(settings)
        database = Database(settings)
        store = ResultStore(settings, database)
        interrupted = store.fail_unfinished("interrupted by restart")
        if interrupted:
            log.warning(
                "marked %d unfinished backtests failed (interrupted by restart)", interrupted
            )
        sweeps_interrupted = SweepStore(database).interrupt_unfinished()
        if sweeps_interrupted:
            log.warning("marked %d unfinished sweeps interrupted (resumable)", sweeps_interrupted)
        registry = get_registry(settings.plugin_dir)
        for problem in registry.errors:
            log.warning("strategy plugin not loaded: %s", problem)
        candles = CandleStore(settings.data_dir, EXCHANGE)
        references = References(registry, candles, RulesStore(settings.data_dir, EXCHANGE))
        worker = BacktestWorker(settings, store, worker_initializer)
        sweep_worker = SweepWorker(settings, database)
        gate = trading_gate(settings)
        ledger = open_ledger(settings) if gate.live else None
        live = LiveTrading(settings) if gate.live else None
        if gate.live:
            log.warning("LIVE TRADING: orders go to Binance at %s", settings.rest_url)
        elif settings.trading_mode == "live":
            log.warning("TRADING_MODE=live refused, paper trading instead (%s)", gate.reason)
        halt_store = HaltStore(database)
        halt = halt_store.switch()
        engine = SimulationEngine(settings, database, registry, live=live, ledger=ledger, halt=halt)
        providers = ProviderPolling(settings, lambda: engine.account.run.state == "running").start()
        engine.lifecycle.live_readings = providers.readings  # live runs' external layers
        _resume(engine)
        pairs = PairService(database, references)
        recording = None
        if settings.record_market_data:
            recording = MarketRecording(
                settings, lambda: [pair.symbol for pair in pairs.list() if pair.enabled]
            )
            recording.start()
        services = cls(
            settings=settings,
            database=database,
            worker=worker,
            sweep_worker=sweep_worker,
            engine=engine,
            health=HealthService(
                settings,
                database,
                feed=engine.feed_health,
                recording=None if recording is None else recording.health,
                halted=lambda: halt.halted,
                live=None if live is None else live.health,
                providers=providers.health,
            ),
            pairs=pairs,
            strategies=StrategyService(registry),
            market=MarketService(candles),
            backtests=BacktestService(settings, references, store, worker),
            sweeps=SweepService(settings, references, database, sweep_worker),
            simulation=SimulationService(engine),
            signals=SignalService(engine),
            orders=OrderService(engine, live=gate.live),
            ledger=ledger,
            runtime_settings=SettingsService(engine, settings),
            trading=TradingControl(engine, halt, halt_store),
            portfolio=PortfolioService(engine),
            data=DataService(settings, candles),
            recording=recording,
            providers=providers,
        )
        services.scanner = start_scanner(services)
        if settings.telegram_enabled:
            services.telegram = start_telegram(services)
            services.scanner.on_change = lambda change: _notify(services, change)
            services.health.telegram = services.telegram.health
        return services

    def close(self) -> None:
        """Stop the simulation, the backtest and sweep workers, then release the database."""
        try:
            if self.telegram is not None:
                self.telegram.close()
            if self.recording is not None:
                self.recording.close()
            if self.scanner is not None:
                self.scanner.close()
            if self.providers is not None:
                self.providers.close()
            self.data.close()
            self.engine.close()
        finally:
            self.worker.shutdown()
            self.sweep_worker.shutdown()
            self.database.dispose()
            if self.ledger is not None:
                self.ledger.dispose()


def start_telegram(services: Services) -> TelegramRuntime:
    """The Telegram runtime over `services`: engine events, backtest ends, the commands'
    services; started (it connects to the Bot API in its own thread)."""
    runtime = TelegramRuntime(
        services.settings,
        BotServices(
            services.simulation,
            services.orders,
            services.trading,
            services.health,
            services.portfolio,
        ),
        events=services.signals.subscribe,
        summaries=services.backtests.store.summary,
    ).start()
    services.worker.add_listener(runtime.backtest_finished)
    return runtime


def start_scanner(services: Services) -> ScannerService:
    """The market scanner over `services` (pairs, engine), its refresh thread started."""
    settings, simulation = services.settings, services.simulation

    def open_books() -> set[tuple[str, str]]:
        return {(position.symbol, position.strategy) for position in simulation.positions()}

    def restart_live() -> None:
        simulation.stop()
        simulation.start(feed_kind="live")

    scanner = ScannerService(
        settings,
        AutoUniverse(settings, services.database, services.pairs, open_books),
        feed_kind=lambda: services.engine.feed_health().kind,
        restart=restart_live,
        rules=RulesStore(settings.data_dir, EXCHANGE),
    )
    scanner.start()
    services.health.scanner = scanner.health
    return scanner


def _notify(services: Services, change: UniverseChange) -> None:
    if services.telegram is not None:
        services.telegram.submit(universe_alert(change))


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
