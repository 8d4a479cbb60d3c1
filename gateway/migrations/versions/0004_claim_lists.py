"""claim lists: versioned banned-claim phrase lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claim_lists',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    op.create_table('claim_entries',
    sa.Column('list_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('phrase', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('article', sa.Text(), nullable=False),
    sa.Column('explanation_zh', sa.Text(), nullable=False),
    sa.Column('explanation_en', sa.Text(), nullable=False),
    sa.Column('exclude', sa.Text(), nullable=False),
    sa.Column('applies_to', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['claim_lists.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('list_id', 'position')
    )


def downgrade():
    op.drop_table('claim_entries')
    op.drop_table('claim_lists')
