"""lookup guards (atomic per-code and per-client lockout) and shared rate-limit counters

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Replace the failure log by one counter row per code or client; add the rate-limit counters."""
    op.create_table(
        "dossier_lookup_guards",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_dossier_lookup_guards_updated_at", "dossier_lookup_guards", ["updated_at"])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])
    op.drop_index("ix_dossier_lookup_failures_key", table_name="dossier_lookup_failures")
    op.drop_table("dossier_lookup_failures")


def downgrade() -> None:
    """Back to the failure log (its rows are not recreated: locks simply end)."""
    op.create_table(
        "dossier_lookup_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dossier_lookup_failures_key", "dossier_lookup_failures", ["code", "requester", "at"])
    op.drop_index("ix_rate_limits_expires_at", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_index("ix_dossier_lookup_guards_updated_at", table_name="dossier_lookup_guards")
    op.drop_table("dossier_lookup_guards")
