"""reports, report channels, delivery receipts and schedules

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 05:13:57.070679
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_channels',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('report_kinds', gateway.db.JSONType(), nullable=False),
    sa.Column('formats', gateway.db.JSONType(), nullable=False),
    sa.Column('config', gateway.db.JSONType(), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_report_channels_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_channels'))
    )
    with op.batch_alter_table('report_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_channels_platform_id'), ['platform_id'], unique=False)

    op.create_table('report_schedules',
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_period', sa.String(length=8), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_report_schedules_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'region', name=op.f('pk_report_schedules'))
    )
    op.create_table('reports',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=True),
    sa.Column('violation_id', sa.String(length=40), nullable=True),
    sa.Column('bureaus', gateway.db.JSONType(), nullable=False),
    sa.Column('routing_rule', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('files', gateway.db.JSONType(), nullable=False),
    sa.Column('case_count', sa.Integer(), nullable=True),
    sa.Column('case_digest', sa.String(length=64), nullable=True),
    sa.Column('requested_by', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('generated_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_reports_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_platform_created', ['platform_id', 'created_at'], unique=False)
        batch_op.create_index('ix_reports_platform_region_period', ['platform_id', 'region', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_violation_id'), ['violation_id'], unique=False)

    op.create_table('report_deliveries',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('channel_id', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=24), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('files', gateway.db.JSONType(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempt_log', gateway.db.JSONType(), nullable=False),
    sa.Column('receipt', gateway.db.JSONType(), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['report_channels.id'], name=op.f('fk_report_deliveries_channel_id_report_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_report_deliveries_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_deliveries'))
    )
    with op.batch_alter_table('report_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_deliveries_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index('ix_report_deliveries_platform_created', ['platform_id', 'created_at'], unique=False)
        batch_op.create_index('ix_report_deliveries_subject', ['subject_type', 'subject_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_report_deliveries_subject')
        batch_op.drop_index('ix_report_deliveries_platform_created')
        batch_op.drop_index(batch_op.f('ix_report_deliveries_channel_id'))

    op.drop_table('report_deliveries')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_violation_id'))
        batch_op.drop_index('ix_reports_platform_region_period')
        batch_op.drop_index('ix_reports_platform_created')

    op.drop_table('reports')
    op.drop_table('report_schedules')
    with op.batch_alter_table('report_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_channels_platform_id'))

    op.drop_table('report_channels')
