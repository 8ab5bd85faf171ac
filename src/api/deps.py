"""FastAPI dependencies as `Annotated` aliases: the services the routes call."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from scalplab.errors import TemporaryError
from scalplab.services.backtests import BacktestService
from scalplab.services.context import Services
from scalplab.services.data import DataService
from scalplab.services.market import MarketService
from scalplab.services.orders import OrderService
from scalplab.services.pairs import PairService
from scalplab.services.portfolio import PortfolioService
from scalplab.services.scanner import ScannerService
from scalplab.services.settings import SettingsService
from scalplab.services.signals import SignalService
from scalplab.services.simulation import SimulationService
from scalplab.services.status import HealthService
from scalplab.services.strategies import StrategyService
from scalplab.services.sweeps import SweepService
from scalplab.services.trading import TradingControl


def get_services(request: Request) -> Services:
    """The running app's services (opened by the lifespan)."""
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_health(services: ServicesDep) -> HealthService:
    """The health service."""
    return services.health


def get_pairs(services: ServicesDep) -> PairService:
    """The pairs service."""
    return services.pairs


def get_strategies(services: ServicesDep) -> StrategyService:
    """The strategy plugins."""
    return services.strategies


def get_market(services: ServicesDep) -> MarketService:
    """The market-data service."""
    return services.market


def get_backtests(services: ServicesDep) -> BacktestService:
    """The backtests service."""
    return services.backtests


def get_sweeps(services: ServicesDep) -> SweepService:
    """The parameter sweeps service."""
    return services.sweeps


def get_simulation(services: ServicesDep) -> SimulationService:
    """The paper-trading engine's controls and views."""
    return services.simulation


def get_signals(services: ServicesDep) -> SignalService:
    """The signals service (list and event stream)."""
    return services.signals


def get_orders(services: ServicesDep) -> OrderService:
    """The orders service (manual orders, confirmations)."""
    return services.orders


def get_trading(services: ServicesDep) -> TradingControl:
    """The kill switch (`/trading`)."""
    return services.trading


def get_portfolio(services: ServicesDep) -> PortfolioService:
    """Heat, P&L, win rates and drawdown of the books (`/simulation/heat`)."""
    return services.portfolio


def get_data(services: ServicesDep) -> DataService:
    """The Data tab's service (coverage, downloads, checks, deletion)."""
    return services.data


def get_scanner(services: ServicesDep) -> ScannerService:
    """The market scanner."""
    if services.scanner is None:
        raise TemporaryError("the market scanner is not running")
    return services.scanner


def get_runtime_settings(services: ServicesDep) -> SettingsService:
    """The runtime settings service (`/settings`)."""
    return services.runtime_settings


HealthDep = Annotated[HealthService, Depends(get_health)]
PairsDep = Annotated[PairService, Depends(get_pairs)]
StrategiesDep = Annotated[StrategyService, Depends(get_strategies)]
MarketDep = Annotated[MarketService, Depends(get_market)]
BacktestsDep = Annotated[BacktestService, Depends(get_backtests)]
SweepsDep = Annotated[SweepService, Depends(get_sweeps)]
SimulationDep = Annotated[SimulationService, Depends(get_simulation)]
SignalsDep = Annotated[SignalService, Depends(get_signals)]
OrdersDep = Annotated[OrderService, Depends(get_orders)]
RuntimeSettingsDep = Annotated[SettingsService, Depends(get_runtime_settings)]
TradingDep = Annotated[TradingControl, Depends(get_trading)]
PortfolioDep = Annotated[PortfolioService, Depends(get_portfolio)]
ScannerDep = Annotated[ScannerService, Depends(get_scanner)]
DataDep = Annotated[DataService, Depends(get_data)]
