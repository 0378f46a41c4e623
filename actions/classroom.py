"""Classroom mode (/classroom): a short guided lesson on online public services, facts read from kb topics."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiUnavailable, get_client
from actions.records_client import record_reply
from actions.render import bullets, shorten
from actions.texts import Texts

logger = logging.getLogger(__name__)

# Step n: its heading is utter_classroom_heading_n; its body is a kb topic (via the API) or a domain response.
LESSON: list[tuple[str | None, str | None]] = [
    (None, "utter_classroom_what"),
    ("vneid_account", None),
    ("submit_online_steps", None),
    ("service_levels", None),
    ("postal_service", None),
    (None, "utter_classroom_family"),
]
POINTS_PER_STEP = 4
CORRECT = "b"


def topic_lesson(texts: Texts, topic: dict[str, Any]) -> str:
    """A topic, shortened for a lesson step: summary, four points, one source."""
    points = [s["value"] for s in topic.get("steps", [])] or [f["value"] for f in topic.get("facts", [])]
    lines = [shorten(topic.get("summary"), 400)]
    if points:
        lines.append(bullets(points[:POINTS_PER_STEP]))
    sources = topic.get("source_list") or []
    if sources:
        first = sources[0]
        lines.append(
            texts.get(
                "utter_part_source", sources=f"{shorten(first['title'], 80)}: {first.get('url') or first.get('document') or ''}"
            )
        )
    return "\n".join(lines)


class ActionClassroom(Action):
    """Start, next step, and the quiz answer; the step number lives in a slot."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_classroom"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Show the next step (or the quiz, or its verdict)."""
        texts = Texts(domain)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        record_reply(tracker, True)
        if intent == "classroom_answer":
            choice = str(next(tracker.get_latest_entity_values("quiz_choice"), "") or "").strip().lower()
            verdict = "utter_classroom_correct" if choice == CORRECT else "utter_classroom_wrong"
            dispatcher.utter_message(text=texts.get(verdict), buttons=[texts.button("utter_button_restart_lesson", "/classroom")])
            return [SlotSet("classroom_step", None)]
        current = tracker.get_slot("classroom_step")
        step = 1 if intent == "classroom" or current is None else int(current) + 1
        if step > len(LESSON):
            dispatcher.utter_message(response="utter_classroom_quiz")
            return [SlotSet("classroom_step", float(step))]
        if step == 1:
            dispatcher.utter_message(text=texts.get("utter_classroom_intro", steps=len(LESSON)))
        heading = texts.get(
            "utter_classroom_step", number=step, steps=len(LESSON), heading=texts.get(f"utter_classroom_heading_{step}")
        )
        topic_slug, response = LESSON[step - 1]
        body = texts.get(response) if response else await self._topic(texts, str(topic_slug))
        dispatcher.utter_message(text=f"{heading}\n{body}", buttons=[texts.button("utter_button_next", "/classroom_next")])
        return [SlotSet("classroom_step", float(step))]

    async def _topic(self, texts: Texts, slug: str) -> str:
        try:
            topic = await get_client().topic(slug)
        except ApiUnavailable as exc:
            logger.warning("classroom topic unavailable: %s", exc)
            topic = None
        return topic_lesson(texts, topic) if topic else texts.get("utter_classroom_unavailable")
