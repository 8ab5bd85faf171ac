"""The same migrations and CRUD against a real PostgreSQL (skipped when none is reachable).

Uses `postgresql://postgres@127.0.0.1:5432/test` (or `SCALPLAB_TEST_PG_URL`) only to
create a throw-away database, which the test drops again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url, select

from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.errors import NotFoundError
from scalplab.storage.db import Database, downgrade, migrate
from scalplab.storage.models import Pair
from tests.conftest import make_settings

ADMIN_URL = os.environ.get("SCALPLAB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {str(exc).splitlines()[0]}")


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a fresh, uniquely named database."""
    name = f"scalplab_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield make_settings(tmp_path, DB_URL=url)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_and_crud_on_postgres(pg_settings: Settings, tmp_path: Path) -> None:
    migrate(pg_settings)
    migrate(pg_settings)  # idempotent
    database = Database(pg_settings)
    try:
        inspector = inspect(database.engine)
        assert {"pairs", "backtests"} <= set(inspector.get_table_names())
        assert "ix_backtests_created_at" in {i["name"] for i in inspector.get_indexes("backtests")}

        with database.session() as session:
            session.add(
                Pair(
                    symbol="BTCUSDT",
                    strategy="sma_cross",
                    timeframe="15m",
                    params={"fast": 5, "allow_short": True},
                )
            )
        with database.session() as session:
            pair = session.scalars(select(Pair)).one()
            assert pair.params == {"fast": 5, "allow_short": True}
            assert pair.created_at.tzinfo is UTC

        store = ResultStore(pg_settings, database)
        result = {
            "id": "20250624T000000-0a1b2c3d",
            "created_at": "2025-06-24T00:00:00Z",
            "pair": "BTCUSDT",
            "strategy": "sma_cross",
            "strategy_version": "1.0.0",
            "timeframe": "15m",
            "start": "2025-06-17T00:00:00Z",
            "end": "2025-06-24T00:00:00Z",
            "params": {"fast": 5},
            "metrics": {
                "trades": 8,
                "win_rate": 12.5,
                "net_pnl": -489.77,
                "return_pct": -4.9,
                "max_drawdown_pct": 8.3,
                "profit_factor": None,
            },
            "trades": [],
            "equity": [],
            "result_hash": "f" * 64,
        }
        path = store.save(result)
        assert path.is_file() and path.is_relative_to(tmp_path)
        [summary] = store.list()
        assert summary.status == "done"
        assert summary.start == datetime(2025, 6, 17, tzinfo=UTC)
        assert summary.metrics is not None and summary.metrics["trades"] == 8
        assert summary.metrics["profit_factor"] is None
        stored = store.get(result["id"])
        assert {k: v for k, v in stored.items() if k != "gates"} == result
        assert stored["gates"][0]["name"] == "win_rate"  # computed on read

        job_id = store.create_job(_Request(), strategy_version="1.0.0")
        assert store.set_running(job_id) and store.set_progress(job_id, 0.5)
        assert store.fail_unfinished("interrupted by restart") == 1
        assert store.job(job_id).error == "interrupted by restart"

        assert store.delete_all() == 2
        assert not path.exists()
        with pytest.raises(NotFoundError):
            store.get(result["id"])
        downgrade(pg_settings, "base")
        assert not {"pairs", "backtests"} & set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()


class _Request:
    pair = "ETHUSDT"
    strategy = "sma_cross"
    timeframe = "1h"
    start = datetime(2025, 6, 17, tzinfo=UTC)
    end = datetime(2025, 6, 20, tzinfo=UTC)
    params: dict[str, object] = {"fast": 3}  # noqa: RUF012
