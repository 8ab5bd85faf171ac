"""The application database: engine pragmas, migrations, sessions, UTC timestamps (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from scalplab.errors import ConfigError, DataError, TemporaryError
from scalplab.storage import models_research, models_sim  # noqa: F401  (part of the schema)
from scalplab.storage.db import Database, database_url, downgrade, migrate, open_database
from scalplab.storage.models import Base, Pair, UTCDateTime
from tests.conftest import make_settings


def test_default_url_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "deep" / "data")
    url = database_url(settings)
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "deep" / "data" / "app.db")


def test_postgres_urls_use_psycopg3(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DB_URL="postgresql://u@db.example:5432/app")
    assert database_url(settings).drivername == "postgresql+psycopg"


def test_invalid_db_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid DB_URL"):
        database_url(make_settings(tmp_path, DB_URL="not a url"))


def test_migrate_creates_parent_dir_tables_and_indexes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "new" / "dir")
    migrate(settings)
    migrate(settings)  # idempotent
    assert (tmp_path / "new" / "dir" / "app.db").is_file()
    database = Database(settings)
    try:
        inspector = inspect(database.engine)
        assert {"pairs", "backtests", "alembic_version"} <= set(inspector.get_table_names())
        backtest_indexes = {ix["name"] for ix in inspector.get_indexes("backtests")}
        assert {
            "ix_backtests_created_at",
            "ix_backtests_status",
            "ix_backtests_pair_strategy_timeframe",
        } <= backtest_indexes
        assert "ix_pairs_created_at" in {ix["name"] for ix in inspector.get_indexes("pairs")}
        with database.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == "0009"  # head: 0009_reason_codes
            # the migration and the models describe the same schema
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 10_000
        assert database.ping() is True
    finally:
        database.dispose()


def test_downgrade_to_base_drops_the_tables(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings)
    downgrade(settings, "base")
    database = Database(settings)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert not {"pairs", "backtests"} & tables
    finally:
        database.dispose()


def test_session_commits_and_reads_back_utc(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))
    created = datetime(2025, 6, 17, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    try:
        with database.session() as session:
            session.add(
                Pair(
                    symbol="BTCUSDT",
                    strategy="smc",
                    timeframe="15m",
                    params={"a": 1},
                    enabled=True,
                    created_at=created,
                )
            )
        with database.session() as session:
            pair = session.scalars(select(Pair)).one()
            assert pair.created_at == datetime(2025, 6, 17, 10, 30, tzinfo=UTC)
            assert pair.created_at.tzinfo is UTC
            assert pair.params == {"a": 1}
    finally:
        database.dispose()


def test_a_failed_transaction_rolls_back_and_becomes_a_data_error(tmp_path: Path) -> None:
    database = open_database(make_settings(tmp_path))
    try:
        with database.session() as session:
            session.add(Pair(symbol="BTCUSDT", strategy="smc", timeframe="15m", params={}))
        with (
            pytest.raises(DataError, match="database error: UNIQUE constraint failed"),
            database.session() as session,
        ):
            session.add(Pair(symbol="ETHUSDT", strategy="smc", timeframe="1h", params={}))
            session.flush()
            session.add(Pair(symbol="BTCUSDT", strategy="smc", timeframe="1m", params={}))
        with database.session() as session:  # the whole transaction is gone, ETH included
            assert [p.symbol for p in session.scalars(select(Pair))] == ["BTCUSDT"]
    finally:
        database.dispose()


def test_naive_timestamps_are_refused(tmp_path: Path) -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError, match="timezone-aware"):
        column.process_bind_param(datetime(2025, 1, 1), dialect=None)  # type: ignore[arg-type]
    assert column.process_bind_param(None, dialect=None) is None  # type: ignore[arg-type]


def test_ping_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DB_URL="postgresql://nobody@127.0.0.1:1/none")
    database = Database(settings)
    try:
        assert database.ping() is False
    finally:
        database.dispose()


def test_migrate_against_an_unreachable_database_is_a_data_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DB_URL="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DataError, match="database migration failed"):
        migrate(settings)


def test_an_unreachable_database_is_a_temporary_error(tmp_path: Path) -> None:
    database = Database(make_settings(tmp_path, DB_URL="postgresql://nobody@127.0.0.1:1/none"))
    try:
        with pytest.raises(TemporaryError, match="database unavailable: "), database.session() as s:
            s.execute(text("SELECT 1"))
    finally:
        database.dispose()
