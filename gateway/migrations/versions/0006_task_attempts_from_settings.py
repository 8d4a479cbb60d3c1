"""tasks.max_attempts may be null: the running process's JOB_MAX_ATTEMPTS then applies

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('max_attempts', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("UPDATE tasks SET max_attempts = 5 WHERE max_attempts IS NULL")
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.alter_column('max_attempts', existing_type=sa.Integer(), nullable=False)
