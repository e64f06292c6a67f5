"""Online observation (观评课): events, invitations and submissions, score drafts, time-stamped notes.

Revision ID: 0005_observe
Revises: 0004_web
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_observe"
down_revision = "0004_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('observe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('rubrics', sa.String(length=1000), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['web_user.id'],
                            name=op.f('fk_observe_event_created_by_web_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['web_lesson.id'],
                            name=op.f('fk_observe_event_lesson_id_web_lesson'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observe_event'))
    )
    with op.batch_alter_table('observe_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observe_event_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('observe_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['observe_event.id'],
                            name=op.f('fk_observe_invite_event_id_observe_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_observe_invite_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observe_invite')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_observe_invite_event_id_user_id'))
    )
    with op.batch_alter_table('observe_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observe_invite_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observe_invite_user_id'), ['user_id'], unique=False)

    op.create_table('observe_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('t', sa.Float(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('rubric', sa.String(length=100), nullable=False),
    sa.Column('indicator', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['observe_event.id'],
                            name=op.f('fk_observe_note_event_id_observe_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_observe_note_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observe_note')),
    sa.UniqueConstraint('event_id', 'user_id', 'client_id', name=op.f('uq_observe_note_event_id_user_id_client_id'))
    )
    with op.batch_alter_table('observe_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observe_note_event_id'), ['event_id'], unique=False)

    op.create_table('observe_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rubric', sa.String(length=100), nullable=False),
    sa.Column('indicator', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['observe_event.id'],
                            name=op.f('fk_observe_score_event_id_observe_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_observe_score_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observe_score')),
    sa.UniqueConstraint('event_id', 'user_id', 'rubric', 'indicator',
                            name=op.f('uq_observe_score_event_id_user_id_rubric_indicator'))
    )
    with op.batch_alter_table('observe_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observe_score_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('observe_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observe_score_event_id'))

    op.drop_table('observe_score')
    with op.batch_alter_table('observe_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observe_note_event_id'))

    op.drop_table('observe_note')
    with op.batch_alter_table('observe_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observe_invite_user_id'))
        batch_op.drop_index(batch_op.f('ix_observe_invite_event_id'))

    op.drop_table('observe_invite')
    with op.batch_alter_table('observe_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observe_event_lesson_id'))

    op.drop_table('observe_event')
