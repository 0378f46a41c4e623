"""practice dossiers: the `practice` mark on dossiers and the chats' practice forms

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Mark practice dossiers (every existing one is real) and create the practice table."""
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column("practice", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "practice_dossiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(length=160), nullable=False),
        sa.Column("procedure_slug", sa.String(length=80), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("submitted_via", sa.String(length=20), nullable=True),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_practice_dossiers_sender", "practice_dossiers", ["sender"])
    op.create_index("ix_practice_dossiers_dossier_id", "practice_dossiers", ["dossier_id"])


def downgrade() -> None:
    """Drop the practice table and the mark."""
    op.drop_table("practice_dossiers")
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("practice")
