"""registry snapshots, devices, enterprises

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:35:42.861139
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_devices',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('device_class', sa.SmallInteger(), nullable=False),
    sa.Column('product_name', sa.Text(), nullable=False),
    sa.Column('registrant', sa.Text(), nullable=True),
    sa.Column('registrant_uscc', sa.String(length=18), nullable=True),
    sa.Column('models', gateway.db.JSONType(), nullable=False),
    sa.Column('category_code', sa.String(length=4), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issuer', sa.Text(), nullable=True),
    sa.Column('snapshot_id', sa.String(length=40), nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_devices'))
    )
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_devices_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('registry_enterprises',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.Text(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('scope', gateway.db.JSONType(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('issuer', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('snapshot_id', sa.String(length=40), nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_enterprises'))
    )
    with op.batch_alter_table('registry_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_enterprises_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_enterprises_uscc'), ['uscc'], unique=False)

    op.create_table('registry_snapshots',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('devices', sa.Integer(), nullable=False),
    sa.Column('enterprises', sa.Integer(), nullable=False),
    sa.Column('changed_devices', sa.Integer(), nullable=False),
    sa.Column('changed_enterprises', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('errors', gateway.db.JSONType(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_snapshots'))
    )


def downgrade():
    op.drop_table('registry_snapshots')
    with op.batch_alter_table('registry_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_enterprises_uscc'))
        batch_op.drop_index(batch_op.f('ix_registry_enterprises_snapshot_id'))

    op.drop_table('registry_enterprises')
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_devices_snapshot_id'))

    op.drop_table('registry_devices')
