"""school-year calendar (windows loaded from kb/calendar, staff edits recorded), chats' reminders, reminders sent

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three calendar tables."""
    op.create_table(
        "calendar_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("procedure", sa.String(length=120), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("edited_by", sa.String(length=80), nullable=True),
        sa.Column("edited_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_year", "key", name="uq_calendar_year_key"),
    )
    op.create_index("ix_calendar_events_school_year", "calendar_events", ["school_year"])
    op.create_index("ix_calendar_events_procedure", "calendar_events", ["procedure"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(length=160), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("event_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("cancelled_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient", "school_year", "event_key", name="uq_reminder_chat_event"),
    )
    op.create_index("ix_reminders_recipient", "reminders", ["recipient"])
    op.create_index("ix_reminders_event_key", "reminders", ["event_key"])
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reminder_id", "stage", name="uq_reminder_stage"),
    )
    op.create_index("ix_reminder_sends_reminder_id", "reminder_sends", ["reminder_id"])
    op.create_index("ix_reminder_sends_notification_id", "reminder_sends", ["notification_id"])


def downgrade() -> None:
    """Drop the calendar tables."""
    for table in ("reminder_sends", "reminders", "calendar_events"):
        op.drop_table(table)
