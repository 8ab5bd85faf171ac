"""The simulation tables: the migrations match the models (0005 upgrades a database of the
release before), constraints, JSON and UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

import scalplab.storage.models_sim as sim
from scalplab.errors import DataError
from scalplab.simulation.queries import signal_record
from scalplab.simulation.recorder import signal_view
from scalplab.simulation.store import SimStore
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
            assert version.scalar_one() == "0009"
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


OLD_SIGNAL = (
    "INSERT INTO signals_sim (symbol, strategy, time_ms, side, entry, stop_loss, take_profit, "
    "confidence, reasons, status, reason, qty, order_id, breaker) VALUES ('BTCUSDT', 'smc', "
    "1750118400000, 'long', 106000.0, 105000.0, 110000.0, 60.0, '[\"bos\"]', 'accepted', '', "
    "0.002, 'o1', NULL)"
)
"""A signal as the release before 0005 wrote it (no payload columns)."""


def test_upgrading_a_0004_database_keeps_its_signals_without_a_payload(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings, "0004")
    database = Database(settings)
    try:
        with database.engine.begin() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("signals_sim")}
            assert "score" not in columns and "breakdown" not in columns
            connection.execute(text(OLD_SIGNAL))
        migrate(settings)
        with database.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == "0009"
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        [row] = SimStore(database).signals(None, None)
        assert (row.symbol, row.reasons, row.order_id) == ("BTCUSDT", ["bos"], "o1")
        assert (row.score, row.tier, row.variant, row.breakdown) == (None, None, None, None)
        view = signal_view(row)
        assert (view.score, view.tier, view.variant, view.breakdown) == (None, None, None, {})
        record = signal_record(row)
        assert (record.score, record.breakdown, record.status) == (None, {}, "accepted")
    finally:
        database.dispose()
    downgrade(settings, "0004")  # and back: the signal stays, its payload columns go
    database = Database(settings)
    try:
        with database.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("signals_sim")}
            assert not {"score", "tier", "variant", "breakdown"} & columns
            count = connection.execute(text("SELECT count(*) FROM signals_sim"))
            assert count.scalar_one() == 1
    finally:
        database.dispose()


def test_a_signal_payload_round_trips(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))
    breakdown = {"oi_divergence": 0.82, "oi_divergence_score": 90.0, "spread_pct": -0.0125}
    try:
        with database.session() as session:
            session.add(
                sim.SignalSim(
                    symbol="BTCUSDT",
                    strategy="sgnl",
                    time_ms=1_750_118_400_000,
                    side="short",
                    entry=1.0,
                    stop_loss=1.1,
                    take_profit=0.6,
                    confidence=70.0,
                    reasons=["Strong OI divergence detected"],
                    status="accepted",
                    score=78.5,
                    tier="HIGH",
                    variant="B",
                    breakdown=breakdown,
                )
            )
        with database.session() as session:
            row = session.scalars(select(sim.SignalSim)).one()
            assert (row.score, row.tier, row.variant) == (78.5, "HIGH", "B")
            assert row.breakdown == breakdown and list(row.breakdown) == list(breakdown)
    finally:
        database.dispose()
