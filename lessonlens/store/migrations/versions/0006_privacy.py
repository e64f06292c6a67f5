"""Teacher consent to be named in rankings (``web_user.ranking_consent``) and failed sign-ins kept in
the database (``login_failure``), so the login rate limit holds across server processes.

Revision ID: 0006_privacy
Revises: 0005_observe
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_privacy"
down_revision = "0005_observe"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ranking_consent", sa.String(length=20), nullable=False,
                                      server_default="none"))
        batch_op.add_column(sa.Column("ranking_consent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table("login_failure",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=300), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure"))
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index("ix_login_failure_key_at", ["key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failure_key_at")
    op.drop_table("login_failure")
    with op.batch_alter_table("web_user", schema=None) as batch_op:
        batch_op.drop_column("ranking_consent_at")
        batch_op.drop_column("ranking_consent")
