"""Alembic environment: always run on the connection :mod:`lessonlens.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from lessonlens.store.migrate import VERSION_TABLE
from lessonlens.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through lessonlens.store.migrate (e.g. `lessonlens store init`)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
