"""leads: regulator leads, their matches, history and documents

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 05:18:30
"""
from alembic import op
import sqlalchemy as sa
import gateway.db


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leads',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=False),
    sa.Column('received_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_source', sa.String(length=20), nullable=False),
    sa.Column('subject', gateway.db.JSONType(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=True),
    sa.Column('match_status', sa.String(length=16), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=True),
    sa.Column('disposal', gateway.db.JSONType(), nullable=True),
    sa.Column('violation_ids', gateway.db.JSONType(), nullable=False),
    sa.Column('key_case', sa.Boolean(), nullable=False),
    sa.Column('answer', gateway.db.JSONType(), nullable=True),
    sa.Column('answered_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_notified_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_leads_merchant_id_merchants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_leads_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('platform_id', 'reference', name=op.f('uq_leads_platform_id_reference'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_leads_platform_state_due', ['platform_id', 'state', 'due_at'], unique=False)

    op.create_table('lead_documents',
    sa.Column('lead_id', sa.String(length=40), nullable=False),
    sa.Column('document_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_lead_documents_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_documents_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lead_id', 'document_id', name=op.f('pk_lead_documents'))
    )
    with op.batch_alter_table('lead_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_documents_document_id'), ['document_id'], unique=False)

    op.create_table('lead_events',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('lead_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('detail', gateway.db.JSONType(), nullable=False),
    sa.Column('at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_events_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_events'))
    )
    with op.batch_alter_table('lead_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_events_lead_id'), ['lead_id'], unique=False)

    op.create_table('lead_matches',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('lead_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('listing_id', sa.String(length=40), nullable=True),
    sa.Column('evidence', gateway.db.JSONType(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_matches_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_lead_matches_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_lead_matches_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_matches'))
    )
    with op.batch_alter_table('lead_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_matches_lead_id'), ['lead_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lead_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_matches_lead_id'))

    op.drop_table('lead_matches')
    with op.batch_alter_table('lead_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_events_lead_id'))

    op.drop_table('lead_events')
    with op.batch_alter_table('lead_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_documents_document_id'))

    op.drop_table('lead_documents')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_platform_state_due')
        batch_op.drop_index(batch_op.f('ix_leads_platform_id'))
        batch_op.drop_index(batch_op.f('ix_leads_merchant_id'))

    op.drop_table('leads')
