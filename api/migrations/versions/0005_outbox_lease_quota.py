"""notification outbox: a lease per gateway process, retries with backoff, failures with their reason, quota use

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the delivery bookkeeping columns; existing rows start unleased, never tried, not failed."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_until", TZ, nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", TZ, nullable=True))
        batch_op.add_column(sa.Column("failed_at", TZ, nullable=True))
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("failure_detail", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("proactive", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_notifications_failed_at"), ["failed_at"], unique=False)


def downgrade() -> None:
    """Drop what upgrade() added."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_failed_at"))
        for column in ("proactive", "failure_detail", "failure_reason", "failed_at", "next_attempt_at", "attempts",
                       "lease_owner", "leased_until"):  # fmt: skip
            batch_op.drop_column(column)
