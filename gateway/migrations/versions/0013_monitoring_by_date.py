"""monitoring by date: sweep runs, expiry pre-warnings, six-monthly re-verification,
registry validity indexed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 05:40:00
"""
from alembic import op
import sqlalchemy as sa

import gateway.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monitor_runs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('swept_on', sa.Date(), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('merchants_seen', sa.Integer(), nullable=False),
    sa.Column('merchants_changed', sa.Integer(), nullable=False),
    sa.Column('listings_seen', sa.Integer(), nullable=False),
    sa.Column('listings_changed', sa.Integer(), nullable=False),
    sa.Column('merchants_reverified', sa.Integer(), nullable=False),
    sa.Column('warnings_sent', sa.Integer(), nullable=False),
    sa.Column('violations_escalated', sa.Integer(), nullable=False),
    sa.Column('started_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_runs')),
    sa.UniqueConstraint('swept_on', name=op.f('uq_monitor_runs_swept_on'))
    )
    op.create_table('expiry_warnings',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('document_kind', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('days_left', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('run_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_expiry_warnings_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_warnings')),
    sa.UniqueConstraint('subject_type', 'subject_id', 'number', 'valid_until', 'threshold', name='uq_expiry_warnings_once')
    )
    with op.batch_alter_table('expiry_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expiry_warnings_platform_id'), ['platform_id'], unique=False)
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverified_on', sa.Date(), nullable=True))
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_devices_valid_until'), ['valid_until'], unique=False)
    with op.batch_alter_table('registry_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_enterprises_valid_until'), ['valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('registry_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_enterprises_valid_until'))
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_devices_valid_until'))
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('reverified_on')
    with op.batch_alter_table('expiry_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expiry_warnings_platform_id'))
    op.drop_table('expiry_warnings')
    op.drop_table('monitor_runs')
