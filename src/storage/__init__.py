"""Persistence: SQLAlchemy models and sessions, migrations, file-system layout."""
