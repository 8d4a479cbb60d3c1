"""foundation

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:00:23.123133
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('platforms',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('filing_number', sa.String(length=64), nullable=True),
    sa.Column('settings', gateway.db.JSONType(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platforms'))
    )
    op.create_table('tasks',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', gateway.db.JSONType(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_status_run_after', ['status', 'run_after'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_api_keys_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_platform_id'), ['platform_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('media_type', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('storage_key', sa.String(length=255), nullable=True),
    sa.Column('type_hint', sa.String(length=40), nullable=True),
    sa.Column('type', sa.String(length=40), nullable=True),
    sa.Column('type_confidence', sa.Double(), nullable=True),
    sa.Column('fields', gateway.db.JSONType(), nullable=True),
    sa.Column('ocr', gateway.db.JSONType(), nullable=True),
    sa.Column('error', gateway.db.JSONType(), nullable=True),
    sa.Column('engine', sa.String(length=80), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('processing_ms', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_documents_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_documents_platform_sha256', ['platform_id', 'sha256'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('response_headers', gateway.db.JSONType(), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_idempotency_keys_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_staff_users_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_users_email'))
    )


def downgrade():
    op.drop_table('staff_users')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_platform_sha256')
        batch_op.drop_index(batch_op.f('ix_documents_platform_id'))

    op.drop_table('documents')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_platform_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_status_run_after')

    op.drop_table('tasks')
    op.drop_table('platforms')
