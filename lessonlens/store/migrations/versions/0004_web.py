"""The web platform's tables: accounts, sessions, API tokens, lesson catalogue, shares, audit log.

Revision ID: 0004_web
Revises: 0003_jobs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('subjects', sa.String(length=500), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_user')),
    sa.UniqueConstraint('name', name=op.f('uq_web_user_name'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_api_token_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('lesson_id', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_audit_event_user_id_web_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('web_lesson',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('teacher', sa.String(length=200), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('grade', sa.String(length=100), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('media', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['web_user.id'],
                            name=op.f('fk_web_lesson_owner_id_web_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_lesson'))
    )
    with op.batch_alter_table('web_lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_lesson_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_lesson_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_web_lesson_region_subject', ['region', 'subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_lesson_school'), ['school'], unique=False)

    op.create_table('web_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_web_session_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)

    op.create_table('lesson_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['web_user.id'],
                            name=op.f('fk_lesson_share_created_by_web_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['web_lesson.id'],
                            name=op.f('fk_lesson_share_lesson_id_web_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'],
                            name=op.f('fk_lesson_share_user_id_web_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_share'))
    )
    with op.batch_alter_table('lesson_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_share_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_share_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lesson_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_share_user_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_share_lesson_id'))

    op.drop_table('lesson_share')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))

    op.drop_table('web_session')
    with op.batch_alter_table('web_lesson', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_lesson_school'))
        batch_op.drop_index('ix_web_lesson_region_subject')
        batch_op.drop_index(batch_op.f('ix_web_lesson_owner_id'))
        batch_op.drop_index(batch_op.f('ix_web_lesson_date'))

    op.drop_table('web_lesson')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    op.drop_table('web_user')
