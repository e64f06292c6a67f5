"""Index ``teacher_switches_per_10min`` (episodes metric), filled in from the stored documents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import json
import math

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMN = "teacher_switches_per_10min"
_analysis = sa.table("analysis", sa.column("lesson_id", sa.String), sa.column("document", sa.Text),
                     sa.column(COLUMN, sa.Float))


def _value(document: str) -> float | None:
    value = (json.loads(document).get("metrics") or {}).get("scalars", {}).get(COLUMN)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def upgrade() -> None:
    op.add_column("analysis", sa.Column(COLUMN, sa.Float(), nullable=True))
    conn = op.get_bind()
    # documents are read in chunks and only (id, value) pairs are kept, so memory stays small
    found: list[dict[str, object]] = []
    # the option goes on the statement: on the connection it would stick to alembic's later statements
    result = conn.execute(sa.select(_analysis.c.lesson_id, _analysis.c.document).execution_options(yield_per=500))
    for rows in result.partitions():
        found.extend({"id": lesson_id, "value": value} for lesson_id, document in rows
                     if (value := _value(document)) is not None)
    if found:
        conn.execute(_analysis.update().where(_analysis.c.lesson_id == sa.bindparam("id"))
                     .values({COLUMN: sa.bindparam("value")}), found)


def downgrade() -> None:
    with op.batch_alter_table("analysis") as batch:
        batch.drop_column(COLUMN)
