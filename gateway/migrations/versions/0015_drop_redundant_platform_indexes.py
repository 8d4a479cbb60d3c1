"""drop the platform_id indexes of listings and merchants: their unique (platform_id, external_id) indexes lead with it

Why: PostgreSQL planned the hot path's existing-listing look-up (platform_id and
external_id) on ix_listings_platform_id while the table had no statistics yet (a new
install, before autovacuum's first ANALYZE), and psycopg keeps a connection's prepared
plan: measured, every decision then read all of the platform's listings (3,389 index
tuples a request after 4,000 listings, growing with the table). With only the unique
index on that column there is no wrong choice, and each insert maintains one index fewer.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 23:45:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_platform_id'))
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchants_platform_id'))


def downgrade():
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchants_platform_id'), ['platform_id'], unique=False)
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_platform_id'), ['platform_id'], unique=False)
