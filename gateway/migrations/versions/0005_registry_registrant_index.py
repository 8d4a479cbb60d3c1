"""registry devices indexed by registrant credit code

Merchant rules ask whether a credit code is the registrant of record of any device
(REG21 Art 43), once per merchant decision; without the index that is a scan of the
whole device table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:05:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_devices_registrant_uscc'), ['registrant_uscc'], unique=False)


def downgrade():
    with op.batch_alter_table('registry_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_devices_registrant_uscc'))
