"""What one message's resolution decided: the candidates ranked, and the answer, choice or refusal made of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from api.catalogue.store import Snapshot

Decision = Literal["answer", "choose", "not_found"]
HIDDEN_STATUSES = ("not_a_procedure",)
REPLACED_STATUSES = ("abolished", "merged")


@dataclass(frozen=True)
class Candidate:
    """A ranked procedure or topic, its score after the audience penalty, and whether it was matched specifically."""

    kind: Literal["procedure", "topic"]
    slug: str
    title: str
    score: float
    specific: bool
    matched: frozenset[str] = frozenset()
    whole_name: int = 0

    @property
    def firm(self) -> bool:
        """Two words matched, or a whole name: one stray word ("ngày") never answers nor moves the focus."""
        return len(self.matched) >= 2 or self.whole_name > 0


@dataclass
class Resolution:
    """What to do with one message (the JSON of GET /api/v1/resolve)."""

    decision: Decision
    reason: str
    aspect: str
    kind: Literal["procedure", "topic"] | None = None
    slug: str | None = None
    candidates: list[Candidate] | None = None
    replaced: dict[str, Any] | None = None
    aspects: tuple[str, ...] = ()  # when the message asked several: all answered, `aspect` among them, as written


def procedure_slug(snap: Snapshot, key: str) -> tuple[str | None, dict[str, Any] | None]:
    """A procedure by slug or national code, following a replaced one to its successor: (slug, replaced record)."""
    doc = snap.procedures.get(key) or next((d for d in snap.procedures.values() if d.get("code") == key), None)
    if doc is None or doc.get("status") in HIDDEN_STATUSES:
        return None, None
    if doc.get("status") in REPLACED_STATUSES and doc.get("successor") in snap.procedures:
        return doc["successor"], {"slug": doc["slug"], "name": doc["name"], "status": doc["status"]}
    return doc["slug"], None


def answer(snap: Snapshot, top: Candidate, aspect: str) -> Resolution:
    """Answer the best match with the aspect asked (or carried over from the last answer)."""
    if top.kind == "topic":
        return Resolution("answer", "named", aspect, "topic", top.slug)
    slug, replaced = procedure_slug(snap, top.slug)
    return Resolution("answer", "named", aspect, "procedure", slug or top.slug, replaced=replaced)
