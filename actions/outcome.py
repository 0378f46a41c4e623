"""What an answer achieved, read from the resolver's decision (for records, the rating prompt and the hand-off)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textnorm.channels import MAX_MESSAGE_CHARS

MAX_MESSAGE = MAX_MESSAGE_CHARS  # longer messages (cut by their channel) get a polite request to shorten, not a guess


@dataclass(frozen=True)
class Outcome:
    """answered=False is a fallback (the report's unanswered list); resolved = a procedure fact or topic given."""

    answered: bool
    procedure_slug: str | None
    topic_slug: str | None
    offer_handoff: bool = False

    @property
    def resolved(self) -> bool:
        """A procedure fact or a topic was given: the moment to ask for a rating."""
        return bool(self.procedure_slug or self.topic_slug)


def answer_outcome(result: dict[str, Any]) -> Outcome:
    """An answer names its procedure or topic; a choice or a miss is no answer, and a weak match or a miss offers the staff."""
    if result["decision"] == "answer":
        procedure = (result.get("procedure") or {}).get("slug")
        topic = (result.get("topic") or {}).get("slug")
        return Outcome(True, procedure, topic)
    missed = result["decision"] == "not_found"
    return Outcome(False, None, None, offer_handoff=missed or result.get("reason") == "weak")
