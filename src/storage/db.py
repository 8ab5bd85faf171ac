"""Engine, sessions and schema migrations of the application database.

`Settings.database_url` picks the backend: a SQLite file (default `DATA_DIR/app.db`,
WAL journal, foreign keys on, a busy timeout so the API and the backtest worker
process can share it) or PostgreSQL through `DB_URL` (psycopg 3).
The schema is owned by Alembic; `migrate(settings)` upgrades it to head in code,
no `alembic.ini` needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from scalplab.config import Settings
from scalplab.errors import ConfigError, DataError, TemporaryError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000

log = logging.getLogger(__name__)


def database_url(settings: Settings) -> URL:
    """The parsed database URL; a plain `postgresql://` URL uses psycopg 3."""
    raw = settings.database_url
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError("invalid DB_URL: not a database URL") from None
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    return url


def _prepare_sqlite_file(url: URL) -> None:
    """Create the parent directory of a SQLite database file."""
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection pragmas: WAL journal, enforced foreign keys, wait on locks."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_db_engine(settings: Settings) -> Engine:
    """A configured engine for `settings.database_url` (directories created as needed)."""
    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory; cheap to share, dispose when done."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_db_engine(settings)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises.

        Driver errors leave with a one-line message: `TemporaryError` when the
        database is unreachable or locked, `DataError` otherwise.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise TemporaryError(f"database unavailable: {_one_line(exc)}") from exc
        except SQLAlchemyError as exc:
            session.rollback()
            raise DataError(f"database error: {_one_line(exc)}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("database ping failed: %s", _one_line(exc))
            return False
        return True

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(settings: Settings) -> Config:
    """An Alembic configuration built in code (script location inside this package)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["settings"] = settings
    return config


def migrate(settings: Settings, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (default: the newest)."""
    engine = create_db_engine(settings)
    try:
        with engine.begin() as connection:
            config = alembic_config(settings)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise DataError(f"database migration failed: {_one_line(exc)}") from exc
    finally:
        engine.dispose()


def downgrade(settings: Settings, revision: str) -> None:
    """Downgrade the schema to `revision` (`base` drops every table)."""
    engine = create_db_engine(settings)
    try:
        with engine.begin() as connection:
            config = alembic_config(settings)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def open_database(settings: Settings) -> Database:
    """Migrate to head, then open the database."""
    migrate(settings)
    return Database(settings)


def _one_line(exc: BaseException) -> str:
    """The first line of a driver error (no SQL, no parameters, no URL)."""
    original = getattr(exc, "orig", None)
    message = str(original if original is not None else exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
