"""audit chain, violations, evidence, document retention

Revision ID: 0008
Revises: 0011
Create Date: 2026-12-03 05:17:37.792771
"""
from alembic import op
import sqlalchemy as sa
import gateway.db

revision = '0008'
down_revision = '0011'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entries", "evidence")
GENESIS = "0" * 64  # gateway.audit.models.GENESIS, written out: a migration must not change with the code


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('audit_entries',
    sa.Column('sequence', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=24), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('data', gateway.db.JSONType(), nullable=False),
    sa.Column('created_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('id', name=op.f('uq_audit_entries_id'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index('ix_audit_entries_subject', ['subject_type', 'subject_id', 'sequence'], unique=False)

    op.create_table('violations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('listing_id', sa.String(length=40), nullable=True),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('prefecture', sa.String(length=6), nullable=True),
    sa.Column('province', sa.String(length=6), nullable=True),
    sa.Column('bureau_code', sa.String(length=6), nullable=True),
    sa.Column('bureaus', gateway.db.JSONType(), nullable=False),
    sa.Column('codes', gateway.db.JSONType(), nullable=False),
    sa.Column('reasons', gateway.db.JSONType(), nullable=False),
    sa.Column('tier', sa.String(length=24), nullable=False),
    sa.Column('violation_type', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actions', gateway.db.JSONType(), nullable=False),
    sa.Column('rectification_deadline', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_ids', gateway.db.JSONType(), nullable=False),
    sa.Column('correction_decision_id', sa.String(length=40), nullable=True),
    sa.Column('detected_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('corrected_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', gateway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_violations_platform_id_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violations'))
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index('ix_violations_listing_detected', ['listing_id', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_merchant_detected', ['merchant_id', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_detected', ['platform_id', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_region_detected', ['platform_id', 'region', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_prefecture_detected', ['platform_id', 'prefecture', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_province_detected', ['platform_id', 'province', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_status_detected', ['platform_id', 'status', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_platform_tier_detected', ['platform_id', 'tier', 'detected_at', 'id'], unique=False)
        batch_op.create_index('ix_violations_status_deadline', ['status', 'rectification_deadline'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('violation_id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('captured_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('listing', gateway.db.JSONType(), nullable=True),
    sa.Column('merchant', gateway.db.JSONType(), nullable=False),
    sa.Column('documents', gateway.db.JSONType(), nullable=False),
    sa.Column('registry_records', gateway.db.JSONType(), nullable=False),
    sa.Column('decisions', gateway.db.JSONType(), nullable=False),
    sa.Column('retain_until', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_evidence_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_violation_id'), ['violation_id'], unique=False)

    op.create_table('violation_codes',
    sa.Column('violation_id', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('detected_at', gateway.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_violation_codes_violation_id_violations')),
    sa.PrimaryKeyConstraint('violation_id', 'code', name=op.f('pk_violation_codes'))
    )
    with op.batch_alter_table('violation_codes', schema=None) as batch_op:
        batch_op.create_index('ix_violation_codes_platform_code_detected', ['platform_id', 'code', 'detected_at', 'violation_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retain_until', gateway.db.UTCDateTime(timezone=True), nullable=True))

    # The chain starts empty: head at sequence 0 with the genesis hash.
    op.execute(sa.text("INSERT INTO audit_chain_head (id, sequence, hash, updated_at) "
                       "VALUES (1, 0, :genesis, CURRENT_TIMESTAMP)").bindparams(genesis=GENESIS))
    if op.get_bind().dialect.name == "postgresql":
        # Append-only in the database too: the ORM refuses these, and so does PostgreSQL for
        # anyone without the owner's rights to disable triggers. Tampering beyond that is what
        # the hash chain makes evident.
        op.execute("""
            CREATE FUNCTION qingwang_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION qingwang_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION qingwang_append_only()")



def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS qingwang_append_only()")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('retain_until')

    with op.batch_alter_table('violation_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_violation_codes_platform_code_detected')

    op.drop_table('violation_codes')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_violation_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_index('ix_violations_status_deadline')
        batch_op.drop_index('ix_violations_platform_tier_detected')
        batch_op.drop_index('ix_violations_platform_status_detected')
        batch_op.drop_index('ix_violations_platform_region_detected')
        batch_op.drop_index('ix_violations_platform_prefecture_detected')
        batch_op.drop_index('ix_violations_platform_province_detected')
        batch_op.drop_index('ix_violations_platform_detected')
        batch_op.drop_index('ix_violations_merchant_detected')
        batch_op.drop_index('ix_violations_listing_detected')

    op.drop_table('violations')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_subject')
        batch_op.drop_index(batch_op.f('ix_audit_entries_platform_id'))

    op.drop_table('audit_entries')
    op.drop_table('audit_chain_head')
