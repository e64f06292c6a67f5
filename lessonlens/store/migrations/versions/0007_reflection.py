"""Teacher reflections on lessons and the goals they set for the next term.

Revision ID: 0007_reflection
Revises: 0006_privacy
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reflection"
down_revision = "0006_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lesson_reflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('goals_term', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['web_lesson.id'],
                            name=op.f('fk_lesson_reflection_lesson_id_web_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_lesson_reflection_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_reflection')),
    sa.UniqueConstraint('lesson_id', name=op.f('uq_lesson_reflection_lesson_id'))
    )
    with op.batch_alter_table('lesson_reflection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_reflection_goals_term'), ['goals_term'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_reflection_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lesson_reflection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_reflection_user_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_reflection_goals_term'))
    op.drop_table('lesson_reflection')
