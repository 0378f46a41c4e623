"""The practice table: one chat's made-up dossier while it is filled in, then the dossier it became."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base


class PracticeRow(Base):
    """A chat's practice: the procedure, where the filling stands and, once submitted, its dossier (practice=True).

    `documents` holds, per document of the procedure, whether the student attached it; `offered` the made-up
    last-4 digits the bot offered. Nothing typed by the student is kept, so no personal data can land here.
    """

    __tablename__ = "practice_dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    procedure_slug: Mapped[str] = mapped_column(String(80))
    step: Mapped[int] = mapped_column(Integer)
    documents: Mapped[list[bool]] = mapped_column(JSON)
    submitted_via: Mapped[str | None] = mapped_column(String(20))
    offered: Mapped[list[str]] = mapped_column(JSON)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
