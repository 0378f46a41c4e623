"""Validation of what the one-stop system sends (JSON or CSV rows); errors name the field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Status = Literal["received", "in_progress", "needs_documents", "result_ready", "result_returned", "rejected"]


def normalise_phone(value: str) -> str:
    """Digits only, a +84/84 prefix turned into 0; 9 to 11 digits or a ValueError."""
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"\d{9,11}", digits):
        raise ValueError("phone must have 9 to 11 digits")
    return digits


class DossierIn(BaseModel):
    """One dossier as the integration sends it (the code comes from the URL or the CSV `code` column)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    procedure_code: str = Field(min_length=1, max_length=20)
    status: Status
    received_at: dt.date
    due_at: dt.date
    applicant_name: str = Field(min_length=1, max_length=200)
    applicant_phone: str
    submitted_via: Literal["in_person", "online", "postal"] = "online"
    missing_documents: list[str] = Field(default_factory=list)
    rejection_reason: str | None = Field(default=None, max_length=2000)
    result_delivery: Literal["desk", "post"] = "desk"
    postal_tracking: str | None = Field(default=None, max_length=60)
    status_changed_at: dt.datetime | None = None
    demo: bool = False

    @field_validator("applicant_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        """Stored as digits so the last four can be compared."""
        return normalise_phone(value)

    @field_validator("missing_documents")
    @classmethod
    def _documents(cls, value: list[str]) -> list[str]:
        """Blank entries dropped."""
        return [doc.strip() for doc in value if doc.strip()]

    @model_validator(mode="after")
    def _consistent(self) -> DossierIn:
        """Dates in order; what each status needs is present."""
        if self.due_at < self.received_at:
            raise ValueError("due_at: must not be before received_at")
        if self.status == "needs_documents" and not self.missing_documents:
            raise ValueError("missing_documents: required when status is needs_documents")
        if self.status == "rejected" and not self.rejection_reason:
            raise ValueError("rejection_reason: required when status is rejected")
        return self


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as [{field, message}], with the field of a model-level check taken from its message."""
    out: list[dict[str, Any]] = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"])
        if not field and ": " in message:
            field, message = message.removeprefix("Value error, ").split(": ", 1)
        out.append({"field": field or "body", "message": message.removeprefix("Value error, ")})
    return out
