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
# The dossier-status form starts on a code, or on words about one's OWN dossier; "hồ sơ gồm gì" asks for documents.
OWN_DOSSIER = (" cua toi ", " cua em ", " cua minh ", " cua con ", " cua chau ", " cua gia dinh ", " toi nop ",
               " em nop ", " minh nop ", " da nop ", " tra cuu ", " tra ho so ", " tra hs ", " den dau ", " toi dau ",
               " xong chua ", " ket qua chua ", " tinh trang ", " tien do ", " trang thai ", " theo doi ", " ma ho so ",
               " bi treo ", " tre hen ", " qua han ", " kiem tra ", " ra sao roi ", " chua tra ", " chua thay ",
               " giai quyet chua ", " duyet chua ", " toi gui ", " em gui ", " minh gui ", " da gui ",
               " buoc nao ", " xu ly chua ", " dang o dau ")  # fmt: skip
QUESTION_INTENTS = ("ask_", "inform_procedure")


def demoted_lookup(text: str, ranking: list[dict[str, Any]]) -> str | None:
    """The intent to use instead of a classified lookup_dossier that names no code and no own dossier (else None)."""
    padded = f" {fold(text)} "
    if any(cue in padded for cue in OWN_DOSSIER):
        return None
    runner_up = next((r["name"] for r in ranking if r.get("name") != LOOKUP_INTENT), "")
    return runner_up if runner_up.startswith(QUESTION_INTENTS) else NO_WORDS_INTENT


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
                self._demote_lookup(message)
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

    @staticmethod
    def _demote_lookup(message: Message) -> None:
        """A lookup_dossier guess without a code or own-dossier words becomes the runner-up question (or fallback)."""
        intent = message.get(INTENT) or {}
        if intent.get("name") != LOOKUP_INTENT:
            return
        ranking = list(message.get(INTENT_RANKING_KEY, []))
        replacement = demoted_lookup(str(message.get(TEXT) or ""), ranking)
        if replacement is None:
            return
        confidence = next((r.get("confidence", 0.0) for r in ranking if r.get("name") == replacement), 0.0)
        message.set(INTENT, {"name": replacement, "confidence": confidence}, add_to_output=True)
        rest = [r for r in ranking if r.get("name") not in (replacement, LOOKUP_INTENT)]
        message.set(INTENT_RANKING_KEY, [{"name": replacement, "confidence": confidence}, *rest], add_to_output=True)

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn."""
        return training_data
