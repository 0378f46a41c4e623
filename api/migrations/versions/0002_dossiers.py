"""dossiers, status history, lookup failures, subscriptions, notification outbox

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the dossier tables and the notification outbox."""
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_phone", sa.String(length=20), nullable=False),
        sa.Column("submitted_via", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.Date(), nullable=False),
        sa.Column("due_at", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("missing_documents", sa.JSON(), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("result_delivery", sa.String(length=10), nullable=False),
        sa.Column("postal_tracking", sa.String(length=60), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossiers_procedure_code"), ["procedure_code"], unique=False)

    op.create_table(
        "dossier_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dossier_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_history_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "dossier_lookup_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dossier_lookup_failures", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_lookup_failures_key", ["code", "requester", "at"], unique=False)

    op.create_table(
        "dossier_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "recipient", name="uq_dossier_subscriptions"),
    )
    with op.batch_alter_table("dossier_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_subscriptions_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_delivered_at"), ["delivered_at"], unique=False)


def downgrade() -> None:
    """Drop what upgrade() created, children first."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_delivered_at"))
        batch_op.drop_index(batch_op.f("ix_notifications_recipient"))
    op.drop_table("notifications")
    with op.batch_alter_table("dossier_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_subscriptions_dossier_id"))
    op.drop_table("dossier_subscriptions")
    with op.batch_alter_table("dossier_lookup_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_lookup_failures_key")
    op.drop_table("dossier_lookup_failures")
    with op.batch_alter_table("dossier_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_history_dossier_id"))
    op.drop_table("dossier_history")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_procedure_code"))
    op.drop_table("dossiers")
