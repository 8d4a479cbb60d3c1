"""screening_runs: whole-catalogue re-screens and their results

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03 02:20:00
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screening_runs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=True),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('parts_done', sa.Integer(), nullable=False),
    sa.Column('listings_seen', sa.Integer(), nullable=False),
    sa.Column('listings_changed', sa.Integer(), nullable=False),
    sa.Column('registry_version', sa.String(length=40), nullable=True),
    sa.Column('claims_version', sa.Integer(), nullable=True),
    sa.Column('started_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_screening_runs_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_runs'))
    )
    with op.batch_alter_table('screening_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_runs_platform_id'), ['platform_id'], unique=False)


def downgrade():
    with op.batch_alter_table('screening_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_runs_platform_id'))
    op.drop_table('screening_runs')
