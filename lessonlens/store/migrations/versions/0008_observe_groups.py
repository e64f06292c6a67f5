"""Observation events remember the groups they invited (``observe_event.groups``), so a teacher who
joins the school or region later, or is given the subject later, is invited too.

Revision ID: 0008_observe_groups
Revises: 0007_reflection
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_observe_groups"
down_revision = "0007_reflection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observe_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("groups", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("observe_event", schema=None) as batch_op:
        batch_op.drop_column("groups")
