"""The simulation tables: migrations 0002 and 0003 match the models, constraints, JSON and UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

import scalplab.storage.models_sim as sim
from scalplab.errors import DataError
from scalplab.storage.db import Database, downgrade, migrate, open_database
from scalplab.storage.models import Base
from tests.conftest import make_settings

SIM_NAMES = {
    "engine_state_sim",
    "engine_feeds_sim",
    "orders_sim",
    "pending_sim",
    "signals_sim",
    "trades_sim",
    "snapshots_sim",
    "risk_events_sim",
}


def test_migrations_create_the_sim_tables_and_match_the_models(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings)
    database = Database(settings)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert SIM_NAMES | {"app_settings", "pairs", "backtests"} <= tables
        assert {t.__tablename__ for t in sim.SIM_TABLES} == SIM_NAMES
        assert all(name.endswith("_sim") for name in SIM_NAMES)
        with database.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == "0004"
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_downgrade_to_0001_drops_only_the_new_tables(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings)
    downgrade(settings, "0001")
    database = Database(settings)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert not (SIM_NAMES | {"app_settings"}) & tables
        assert {"pairs", "backtests"} <= tables
    finally:
        database.dispose()
    migrate(settings)  # and back up again


def test_client_order_id_is_unique(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))

    def order(order_id: str) -> sim.OrderSim:
        return sim.OrderSim(
            id=order_id,
            seq=1 if order_id == "o1" else 2,
            client_order_id="sl-BTCUSDT-1",
            symbol="BTCUSDT",
            status="accepted",
            source="strategy",
            created_ms=1,
            updated_ms=1,
            data={"id": order_id},
        )

    try:
        with database.session() as session:
            session.add(order("o1"))
        with pytest.raises(DataError, match="UNIQUE"), database.session() as session:
            session.add(order("o2"))
        with database.session() as session:
            assert [o.id for o in session.scalars(select(sim.OrderSim))] == ["o1"]
    finally:
        database.dispose()


def test_rows_round_trip_with_json_and_utc_times(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))
    created = datetime(2025, 6, 17, 12, 0, tzinfo=UTC)
    try:
        with database.session() as session:
            session.add(
                sim.PendingSim(
                    id="p1",
                    order_id="o1",
                    status="open",
                    created_at=created,
                    expires_at=created + timedelta(seconds=60),
                    data={"order": {"qty": "0.010"}},
                )
            )
            session.add(sim.AppSetting(key="confirm_orders", value=True))
            session.add(
                sim.EngineStateSim(
                    id=sim.ENGINE_STATE_ID,
                    execution={"cash": 10_000.0},
                    risk={},
                    cursors={"BTCUSDT": 1_750_118_400_000},
                    run={},
                    candles_processed=3,
                    version=1,
                )
            )
        with database.session() as session:
            pending = session.get(sim.PendingSim, "p1")
            assert pending is not None
            assert pending.expires_at == datetime(2025, 6, 17, 12, 1, tzinfo=UTC)
            assert pending.data == {"order": {"qty": "0.010"}}
            setting = session.get(sim.AppSetting, "confirm_orders")
            assert setting is not None and setting.value is True
            state = session.get(sim.EngineStateSim, sim.ENGINE_STATE_ID)
            assert state is not None and state.cursors == {"BTCUSDT": 1_750_118_400_000}
    finally:
        database.dispose()
