"""Safe by default: one document per platform and content, key expiry and last use,
idempotency keys with a lease

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import gateway.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _merge_duplicate_documents() -> None:
    """Concurrent uploads of one file could make two rows before the index existed: keep the
    oldest, point the merchants and listings that use a copy at it, drop the copies."""
    conn = op.get_bind()
    groups = conn.execute(sa.text(
        "SELECT platform_id, sha256 FROM documents WHERE sha256 IS NOT NULL "
        "GROUP BY platform_id, sha256 HAVING COUNT(*) > 1")).all()
    for platform_id, sha256 in groups:
        ids = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM documents WHERE platform_id = :p AND sha256 = :s ORDER BY created_at, id"),
            {"p": platform_id, "s": sha256})]
        keeper, copies = ids[0], ids[1:]
        for table, owner in (("merchant_documents", "merchant_id"), ("listing_documents", "listing_id")):
            for copy in copies:
                conn.execute(sa.text(
                    f"UPDATE {table} SET document_id = :k WHERE document_id = :c AND {owner} NOT IN "
                    f"(SELECT {owner} FROM {table} WHERE document_id = :k)"), {"k": keeper, "c": copy})
                conn.execute(sa.text(f"DELETE FROM {table} WHERE document_id = :c"), {"c": copy})
        for copy in copies:
            conn.execute(sa.text("DELETE FROM documents WHERE id = :c"), {"c": copy})


def upgrade():
    _merge_duplicate_documents()
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_platform_sha256')
        batch_op.create_index('ix_documents_platform_sha256', ['platform_id', 'sha256'], unique=True)

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', gateway.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', gateway.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('lease_until', gateway.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('owner')

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_platform_sha256')
        batch_op.create_index('ix_documents_platform_sha256', ['platform_id', 'sha256'], unique=False)
