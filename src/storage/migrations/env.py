"""Alembic environment of ScalpLab, configured from code (see `scalplab.storage.db.migrate`).

`migrate()` hands over an open connection in `config.attributes["connection"]`;
without one (the `alembic` command line pointed at this directory) the URL comes
from `Settings` read from the environment.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from scalplab.config import Settings, load_settings
from scalplab.storage import models_research, models_sim  # noqa: F401  (their tables)
from scalplab.storage.db import create_db_engine
from scalplab.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply migrations on the given connection, or on one opened from settings."""
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    settings: Settings = config.attributes.get("settings") or load_settings()
    engine = create_db_engine(settings)
    try:
        with engine.begin() as own:
            _configure_and_run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("ScalpLab migrations run online only: use `scalplab serve` or migrate()")
run_online()
