"""Spots a dossier code or a ticket code anywhere in a message, so a pasted code starts the right flow at once."""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from textnorm import fold
from textnorm.channels import is_too_long
from textnorm.dossier_code import find_code, looks_like_code_attempt

# HT-XXXXXXXX: with the dash, or without it when the 8 characters hold a digit (so "ht" + a word is no ticket).
# `\s*(?:(-)\s*)?`, not `\s*(-?)\s*`: two runs of spaces that can split a long blank every way take quadratic time.
TICKET = re.compile(r"(?<![A-Za-z0-9])HT\s*(?:(-)\s*)?([A-Za-z0-9]{8})(?![A-Za-z0-9])", re.IGNORECASE)
LOOKUP_INTENT = "lookup_dossier"
NO_WORDS_INTENT = "nlu_fallback"
TICKET_INTENT = "check_ticket"
HINTS = (" ma ", " ho so ", " hs ", " tra cuu ")
# A typed rating ("hài lòng", "rat khong hai long") gets the same value as its button (5 = Rất hài lòng).
# "5 sao", "cho 4 điểm", "5/5": a typed score (a bare digit is not: it may answer something else).
STARS = re.compile(r"(?:cho |danh gia )?([1-5]) ?(?:sao|diem|/ ?5)(?: a| nhe)?")
# "5", "số 3", "chọn 2 ạ": a bare number answers whatever the bot just offered (the action decides what it means).
NUMBER = re.compile(r"(?:so |chon )?(\d{1,2})[.!]?(?: a| nhe)?")
NUMBER_INTENT = "choose_number"
RATINGS = {"rat hai long": 5, "hai long": 4, "binh thuong": 3, "khong hai long": 2, "rat khong hai long": 1}


def _about_a_code(text: str) -> bool:
    """A malformed code counts only in a short message or next to words about a code (not '12.500.000 đồng')."""
    folded = fold(text)
    return len(text.split()) <= 3 or any(word in f" {folded} " for word in HINTS)


def detect(text: str) -> tuple[str, str, str | int] | None:
    """(intent, entity, value) for a ticket code, a dossier code (or an attempt at one), a typed rating or number."""
    if is_too_long(text) or not any(ch.isalnum() for ch in text):  # cut by its channel, or no words: not a question
        return NO_WORDS_INTENT, "", ""
    rating = RATINGS.get(fold(text).removesuffix(" a"))
    stars = STARS.fullmatch(fold(text))
    if rating is None and stars:
        rating = int(stars.group(1))
    if rating is not None:
        return "rate", "rating", rating
    number = NUMBER.fullmatch(fold(text).strip())
    if number:
        return NUMBER_INTENT, "number", int(number.group(1))
    ticket = TICKET.search(text)
    if ticket and (ticket.group(1) or any(ch.isdigit() for ch in ticket.group(2))):
        return TICKET_INTENT, "ticket", f"HT-{ticket.group(2).upper()}"
    code = find_code(text)
    if code:
        return LOOKUP_INTENT, "dossier_code", code
    if looks_like_code_attempt(text) and _about_a_code(text):
        return LOOKUP_INTENT, "dossier_code", " ".join(text.split())[:80]
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CodeDetector(GraphComponent):
    """Runs after the classifiers: a code found in the text sets its entity and overrides the intent."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CodeDetector:
        """Create the component (the recipe calls this)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Tag each message that carries a code (or no words at all); leave the others untouched."""
        for message in messages:
            found = detect(str(message.get(TEXT) or ""))
            if found is None:
                continue
            intent, entity, value = found
            text = str(message.get(TEXT))
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != entity]
            if entity:
                entities.append(
                    {
                        "entity": entity,
                        "value": value,
                        "start": 0,
                        "end": len(text),
                        "extractor": "CodeDetector",
                        "confidence_entity": 1.0,
                    }
                )
            message.set(ENTITIES, entities, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != intent]
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn."""
        return training_data
