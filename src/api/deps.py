"""FastAPI dependencies as `Annotated` aliases (`SettingsDep`, `SessionDep`, services)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from scalplab.api.context import AppContext
from scalplab.api.services.backtests import BacktestService
from scalplab.api.services.market import MarketService
from scalplab.api.services.orders import OrderService
from scalplab.api.services.pairs import PairService
from scalplab.api.services.settings import SettingsService
from scalplab.api.services.signals import SignalService
from scalplab.api.services.simulation import SimulationService
from scalplab.api.services.status import HealthService
from scalplab.config import Settings
from scalplab.strategies.registry import Registry


def get_context(request: Request) -> AppContext:
    """The running app's context (set by the lifespan)."""
    return cast(AppContext, request.app.state.context)


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_settings_dep(context: ContextDep) -> Settings:
    """The app's settings."""
    return context.settings


def get_session(context: ContextDep) -> Iterator[Session]:
    """A database session for one request; services commit, errors roll back."""
    with context.database.session() as session:
        yield session


def get_registry_dep(context: ContextDep) -> Registry:
    """The strategy registry discovered at start-up."""
    return context.registry


def get_health(context: ContextDep) -> HealthService:
    """The health service."""
    return context.health


def get_pairs(context: ContextDep) -> PairService:
    """The pairs service."""
    return context.pairs


def get_market(context: ContextDep) -> MarketService:
    """The market-data service."""
    return context.market


def get_backtests(context: ContextDep) -> BacktestService:
    """The backtests service."""
    return context.backtests


def get_simulation(context: ContextDep) -> SimulationService:
    """The paper-trading engine's controls and views."""
    return context.simulation


def get_signals(context: ContextDep) -> SignalService:
    """The signals service (list and event stream)."""
    return context.signals


def get_orders(context: ContextDep) -> OrderService:
    """The orders service (manual orders, confirmations)."""
    return context.orders


def get_runtime_settings(context: ContextDep) -> SettingsService:
    """The runtime settings service (`/settings`)."""
    return context.runtime_settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RegistryDep = Annotated[Registry, Depends(get_registry_dep)]
HealthDep = Annotated[HealthService, Depends(get_health)]
PairsDep = Annotated[PairService, Depends(get_pairs)]
MarketDep = Annotated[MarketService, Depends(get_market)]
BacktestsDep = Annotated[BacktestService, Depends(get_backtests)]
SimulationDep = Annotated[SimulationService, Depends(get_simulation)]
SignalsDep = Annotated[SignalService, Depends(get_signals)]
OrdersDep = Annotated[OrderService, Depends(get_orders)]
RuntimeSettingsDep = Annotated[SettingsService, Depends(get_runtime_settings)]
