"""classroom lessons (loaded from kb/lessons), progress and quiz answers per chat, teachers' class sessions

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the lesson and class tables."""
    op.create_table(
        "lessons",
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("teacher", sa.String(length=80), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("closes_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_class_sessions_teacher", "class_sessions", ["teacher"])
    op.create_table(
        "class_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=160), nullable=False),
        sa.Column("nickname", sa.String(length=30), nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["class_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("class_id", "sender", name="uq_class_member"),
    )
    op.create_index("ix_class_members_class_id", "class_members", ["class_id"])
    op.create_index("ix_class_members_sender", "class_members", ["sender"])
    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(length=160), nullable=False),
        sa.Column("lesson", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender", "lesson", name="uq_lesson_progress"),
    )
    op.create_index("ix_lesson_progress_sender", "lesson_progress", ["sender"])
    op.create_index("ix_lesson_progress_class_id", "lesson_progress", ["class_id"])
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(length=160), nullable=False),
        sa.Column("lesson", sa.String(length=60), nullable=False),
        sa.Column("question", sa.String(length=60), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quiz_answers_sender", "quiz_answers", ["sender"])
    op.create_index("ix_quiz_answers_class_id", "quiz_answers", ["class_id"])


def downgrade() -> None:
    """Drop them."""
    for table in ("quiz_answers", "lesson_progress", "class_members", "class_sessions", "lessons"):
        op.drop_table(table)
