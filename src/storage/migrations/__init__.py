"""Alembic migrations of the application database (run by `src.storage.db.migrate`)."""
