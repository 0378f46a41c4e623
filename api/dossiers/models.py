"""Dossier tables: the synced record, its status history, lookup guards (lockout) and subscriptions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models import Base

STATUSES = ("received", "in_progress", "needs_documents", "result_ready", "result_returned", "rejected")
SUBMITTED_VIA = ("in_person", "online", "postal")
RESULT_DELIVERY = ("desk", "post")
CLOSED_STATUSES = frozenset({"result_ready", "result_returned", "rejected"})


class DossierRow(Base):
    """One dossier; applicant_name/applicant_phone are kept for verification and never returned by lookups."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(20), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(String(20))
    submitted_via: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    missing_documents: Mapped[list[str]] = mapped_column(JSON)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    result_delivery: Mapped[str] = mapped_column(String(10))
    postal_tracking: Mapped[str | None] = mapped_column(String(60))
    demo: Mapped[bool] = mapped_column(Boolean)
    # A student's made-up dossier (api/practice): looked up like any other, never in the Sở's figures.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    history: Mapped[list[DossierHistoryRow]] = relationship(
        back_populates="dossier", order_by="DossierHistoryRow.id", cascade="all, delete-orphan"
    )


class DossierHistoryRow(Base):
    """One status change of a dossier, with when it happened."""

    __tablename__ = "dossier_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    dossier: Mapped[DossierRow] = relationship(back_populates="history")


class LookupGuardRow(Base):
    """Wrong-digit attempts on one key (`code:<code>` or the client's `ip:`/`sender:`), for the lockout.

    `failures` counts attempts of the current cycle: on a code, reserved before the digits are checked; on a client,
    its wrong guesses (api.dossiers.lockout);
    `strikes` counts the locks so far, each twice as long as the one before.
    """

    __tablename__ = "dossier_lookup_guards"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    strikes: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class SubscriptionRow(Base):
    """A recipient (sender id) who wants a notification when this dossier's status changes."""

    __tablename__ = "dossier_subscriptions"
    __table_args__ = (UniqueConstraint("dossier_id", "recipient", name="uq_dossier_subscriptions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
