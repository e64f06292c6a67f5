"""A running job's heartbeat (``job.heartbeat_at``), written now and then by whoever runs it (a web
server, ``lessonlens batch``), so a restarting server re-queues only jobs nobody has beaten for the
grace period (``lessonlens.jobs.table.STALE_AFTER``), not those another machine still runs.

Revision ID: 0009_job_heartbeat
Revises: 0008_observe_groups
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_job_heartbeat"
down_revision = "0008_observe_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
