"""Alembic migrations of the application database (run by `scalplab.storage.db.migrate`)."""
