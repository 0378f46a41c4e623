"""What an answer achieved, read from the events action_answer returned (for records, rating and handoff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 1000  # longer messages get a polite request to shorten rather than a guess


@dataclass(frozen=True)
class Outcome:
    """answered=False is a fallback (the report's unanswered list); resolved = a procedure fact or topic given."""

    answered: bool
    procedure_slug: str | None
    topic_slug: str | None

    @property
    def resolved(self) -> bool:
        """A procedure fact or a topic was given: the moment to ask for a rating."""
        return bool(self.procedure_slug or self.topic_slug)


def _slots(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in events if isinstance(e, dict) and e.get("event") == "slot"}


def answer_outcome(intent: str, text: str, events: list[Any]) -> Outcome:
    """Procedure answers set procedure_slug with last_aspect; topics set topic_slug; a miss clears the procedure."""
    slots = _slots(events)
    procedure = slots.get("procedure_slug") if "last_aspect" in slots else None
    topic = slots.get("topic_slug")
    missed = ("procedure_slug" in slots and slots["procedure_slug"] is None) or len(text) > MAX_MESSAGE
    answered = not missed and (intent != "nlu_fallback" or bool(procedure or topic))
    return Outcome(answered, procedure, topic)
