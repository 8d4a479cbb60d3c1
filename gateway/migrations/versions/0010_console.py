"""console: sessions, login throttle, case claims, pending overturns

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 05:13:15
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('console_login_throttle',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_console_login_throttle'))
    )
    op.create_table('console_pending_overturns',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision_id', sa.String(length=40), nullable=True),
    sa.Column('proposed_by', sa.String(length=254), nullable=False),
    sa.Column('proposed_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_console_pending_overturns_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_pending_overturns'))
    )
    with op.batch_alter_table('console_pending_overturns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_pending_overturns_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_console_pending_overturns_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('console_case_claims',
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('claimed_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_console_case_claims_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_console_case_claims_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_type', 'subject_id', name=op.f('pk_console_case_claims'))
    )
    with op.batch_alter_table('console_case_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_case_claims_platform_id'), ['platform_id'], unique=False)

    op.create_table('console_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=True),
    sa.Column('data', gateway.db.JSONType(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('absolute_expires_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_console_sessions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_console_sessions_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
        batch_op.drop_index('ix_console_sessions_expires_at')

    op.drop_table('console_sessions')
    with op.batch_alter_table('console_case_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_case_claims_platform_id'))

    op.drop_table('console_case_claims')
    with op.batch_alter_table('console_pending_overturns', schema=None) as batch_op:
        batch_op.drop_index('ix_console_pending_overturns_subject')
        batch_op.drop_index(batch_op.f('ix_console_pending_overturns_platform_id'))

    op.drop_table('console_pending_overturns')
    op.drop_table('console_login_throttle')
