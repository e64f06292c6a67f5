"""Alembic migrations of the store schema, run programmatically (see :mod:`lessonlens.store.migrate`)."""
