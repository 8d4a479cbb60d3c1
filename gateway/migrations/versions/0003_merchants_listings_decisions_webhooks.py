"""merchants, listings, decisions, webhooks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:42:54.305451
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decisions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reasons', gateway.db.JSONType(), nullable=False),
    sa.Column('registry_version', sa.String(length=40), nullable=True),
    sa.Column('decided_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=True),
    sa.Column('looked_at', gateway.db.JSONType(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_decisions_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_decisions_subject', ['subject_type', 'subject_id', 'decided_at'], unique=False)

    op.create_table('merchants',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=40), nullable=False),
    sa.Column('online_sales_filing_number', sa.String(length=64), nullable=True),
    sa.Column('device_classes', gateway.db.JSONType(), nullable=False),
    sa.Column('profile', gateway.db.JSONType(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reverifying', sa.Boolean(), nullable=False),
    sa.Column('suspended_by', sa.String(length=120), nullable=True),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('decision_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_merchants_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchants')),
    sa.UniqueConstraint('platform_id', 'external_id', name=op.f('uq_merchants_platform_id_external_id'))
    )
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchants_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_merchants_uscc', ['uscc'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', gateway.db.JSONType(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempt_log', gateway.db.JSONType(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_webhook_deliveries_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_platform_created', ['platform_id', 'created_at'], unique=False)

    op.create_table('webhook_endpoints',
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_webhook_endpoints_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('listings',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('registration_number', sa.String(length=120), nullable=True),
    sa.Column('registration_key', sa.String(length=160), nullable=True),
    sa.Column('product_name', sa.Text(), nullable=True),
    sa.Column('manufacturer', sa.Text(), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('device_class', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('decision_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_listings_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_listings_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('platform_id', 'external_id', name=op.f('uq_listings_platform_id_external_id'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_registration_key'), ['registration_key'], unique=False)

    op.create_table('merchant_documents',
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('document_id', sa.String(length=40), nullable=False),
    sa.Column('added_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_merchant_documents_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_merchant_documents_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'document_id', name=op.f('pk_merchant_documents'))
    )
    with op.batch_alter_table('merchant_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_documents_document_id'), ['document_id'], unique=False)

    op.create_table('listing_documents',
    sa.Column('listing_id', sa.String(length=40), nullable=False),
    sa.Column('document_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_listing_documents_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_documents_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id', 'document_id', name=op.f('pk_listing_documents'))
    )
    with op.batch_alter_table('listing_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_documents_document_id'), ['document_id'], unique=False)



def downgrade():
    with op.batch_alter_table('listing_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_documents_document_id'))

    op.drop_table('listing_documents')
    with op.batch_alter_table('merchant_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_documents_document_id'))

    op.drop_table('merchant_documents')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_registration_key'))
        batch_op.drop_index(batch_op.f('ix_listings_platform_id'))
        batch_op.drop_index(batch_op.f('ix_listings_merchant_id'))

    op.drop_table('listings')
    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_platform_created')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_index('ix_merchants_uscc')
        batch_op.drop_index(batch_op.f('ix_merchants_platform_id'))

    op.drop_table('merchants')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_subject')
        batch_op.drop_index(batch_op.f('ix_decisions_platform_id'))

    op.drop_table('decisions')
