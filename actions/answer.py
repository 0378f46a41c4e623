"""action_answer: one action for every catalogue question; the API resolves the message, the action renders it."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiUnavailable, CatalogueClient, get_client
from actions.calendar import calendar_text, remind_button
from actions.outcome import MAX_MESSAGE, Outcome, answer_outcome
from actions.records_client import record_reply
from actions.render import Button, bullets, choice_buttons, next_buttons, payload, procedure_answer, topic_answer
from actions.texts import Texts

logger = logging.getLogger(__name__)

# Static answers that need the Sở's own details (hotline, name) from site.yaml.
SITE_RESPONSES = {"bot_challenge": "utter_bot_challenge", "out_of_scope": "utter_out_of_scope", "ask_human": "utter_ask_human"}
# What to say when the resolver does not answer, by its reason.
NO_ANSWER_TEXTS = {
    "ambiguous": "utter_ask_which_procedure",
    "weak": "utter_ask_which_procedure_weak",
    "need_procedure": "utter_need_procedure",
    "offered": "utter_ask_which_offered",
    "no_match": "utter_no_match",
    "not_about_focus": "utter_no_match",
    "not_understood": "utter_not_understood",
}


CONTEXT_SLOTS = ("procedure_slug", "topic_slug", "offered_choices")


def offered_window(buttons: list[Button]) -> list[EventType]:
    """Remember the window a reminder button offers, so a typed "nhắc em nhé" subscribes to it."""
    for button in buttons:
        if button["payload"].startswith("/subscribe_reminder{"):
            return [SlotSet("event_key", json.loads(button["payload"][len("/subscribe_reminder") :])["event_key"])]
    return []


def latest_context(tracker: Tracker) -> tuple[str | None, Any]:
    """What the conversation spoke of last: ("procedure_slug", slug), ("topic_slug", slug) answered since, or
    ("offered_choices", [...]) offered since; the last of these slots set wins (an answer clears no slot, so a
    conversation stores no event for it: every event is replayed on every later turn)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") in CONTEXT_SLOTS and event.get("value"):
            return str(event["name"]), event["value"]
    return None, None


def topic_procedure_buttons(result: dict[str, Any]) -> list[Button]:
    """One button per procedure a topic leads to (at most three), so a parent goes on to the procedure itself."""
    procedures = (result.get("extra") or {}).get("topic_procedures") or []
    return [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in procedures[:3]]


def answered_this_turn(tracker: Tracker) -> bool:
    """action_answer already ran since the user's last message (Rasa's fallback would otherwise call it again)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_answer":
            return True
    return False


class ActionAnswer(Action):
    """Answers catalogue questions: documents, time, fee, online level, postal, where, how, deadline, lists, topics."""

    def name(self) -> str:
        """Name used in the domain and rules."""
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Dispatch on the intent; any API failure becomes a polite apology, never a crash."""
        if answered_this_turn(tracker):  # a path no rule covers: wait for the user instead of answering twice
            return [FollowupAction("action_listen")]
        texts = Texts(domain)
        client = get_client()
        try:
            events, outcome = await self._answer(dispatcher, tracker, texts, client)
        except ApiUnavailable as exc:
            logger.warning("catalogue API unavailable: %s", exc)
            dispatcher.utter_message(text=texts.get("utter_api_down", hotline=texts.get("utter_fallback_hotline")))
            record_reply(tracker, False)
            return []
        return events + self._after_answer(dispatcher, tracker, texts, outcome)

    def _after_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, texts: Texts, outcome: Outcome
    ) -> list[EventType]:
        """Record the turn; then ask once for a rating after a resolved question, or offer a person after a miss."""
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
        text = str(message.get("text") or "")
        record_reply(tracker, outcome.answered, outcome.procedure_slug, outcome.topic_slug)
        if outcome.resolved and not tracker.get_slot("rating_asked"):
            dispatcher.utter_message(response="utter_ask_rating")
            return [SlotSet("rating_asked", True), SlotSet("handoff_question", None)]
        if outcome.offer_handoff or intent == "ask_human":
            buttons = [texts.button("utter_button_handoff", "/request_handoff"), texts.button("utter_button_decline", "/decline")]
            dispatcher.utter_message(text=texts.get("utter_offer_handoff"), buttons=buttons)
            keep = outcome.offer_handoff and not text.startswith("/") and len(text) <= MAX_MESSAGE
            return [SlotSet("handoff_question", text if keep else None)]
        return [SlotSet("handoff_question", None)]

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, texts: Texts, client: CatalogueClient
    ) -> tuple[list[EventType], Outcome]:
        message = tracker.latest_message or {}
        intent_data = message.get("intent") or {}
        intent = intent_data.get("name") or "nlu_fallback"
        text = str(message.get("text") or "")
        plain = Outcome(intent != "nlu_fallback", None, None)
        if len(text) > MAX_MESSAGE:
            result = await client.resolve("")
            self._popular(dispatcher, texts, result, "utter_too_long")
            return [], Outcome(False, None, None, offer_handoff=False)
        if intent == "greet":
            site = await client.site()
            popular = await client.procedures(popular=True)
            buttons = [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in popular[:4]]
            buttons.append(texts.button("utter_button_list", "/list_procedures"))
            dispatcher.utter_message(text=texts.get("utter_greet", department=site.get("department", "")), buttons=buttons)
            return [], plain
        if intent in SITE_RESPONSES and intent != "out_of_scope":
            self._site_reply(dispatcher, texts, intent, await client.site())
            return [], plain
        if intent == "list_procedures":
            return await self._list(dispatcher, tracker, texts, client), plain

        pick = next(tracker.get_latest_entity_values("procedure_slug"), None)
        pick = pick or next(tracker.get_latest_entity_values("topic_slug"), None)
        last, value = latest_context(tracker)
        offered = list(value) if last == "offered_choices" else []  # choices offered since the last answer
        topic = str(value) if last == "topic_slug" else None  # a topic answered since the last procedure
        result = await client.resolve(
            text,
            focus=None if topic or offered else tracker.get_slot("procedure_slug"),
            intent=intent,
            confidence=float(intent_data.get("confidence") or 0.0),
            last_aspect=tracker.get_slot("last_aspect"),
            pick=pick,
            topic=topic,
            offered=offered,
        )
        if intent == "out_of_scope" and result["decision"] != "answer":  # the catalogue has the last word
            self._site_reply(dispatcher, texts, intent, result.get("site") or {})
            return [], plain
        events = self.render(dispatcher, texts, result)
        return events, answer_outcome(result)

    @staticmethod
    def _site_reply(dispatcher: CollectingDispatcher, texts: Texts, intent: str, site: dict[str, Any]) -> None:
        """A static reply that names the Sở's own details (hotline, department)."""
        buttons = [texts.button("utter_button_list", "/list_procedures")] if intent == "out_of_scope" else []
        reply = texts.get(SITE_RESPONSES[intent], hotline=site.get("hotline", ""), department=site.get("department", ""))
        dispatcher.utter_message(text=reply, buttons=buttons)

    def render(self, dispatcher: CollectingDispatcher, texts: Texts, result: dict[str, Any]) -> list[EventType]:
        """Turn the resolver's decision into the reply and the slots that carry the focus."""
        aspect = result["aspect"]
        site = result.get("site") or {}
        if result["decision"] == "answer" and result.get("procedure"):
            proc = result["procedure"]
            order = tuple(result.get("aspects") or ())
            reply, buttons = procedure_answer(texts, aspect, proc, site, result.get("extra") or {}, result.get("replaced"), order)
            dispatcher.utter_message(text=reply, buttons=buttons)
            return [SlotSet("procedure_slug", proc["slug"]), SlotSet("last_aspect", aspect), *offered_window(buttons)]
        if result["decision"] == "answer" and result.get("topic"):
            topic = result["topic"]
            buttons = [*topic_procedure_buttons(result), texts.button("utter_button_list", "/list_procedures")]
            if topic["slug"] != "vneid_account":
                buttons.insert(-1, texts.button("utter_button_vneid", payload("ask_topic", topic_slug="vneid_account")))
            calendar = (result.get("extra") or {}).get("calendar")
            reply = "\n".join(filter(None, [topic_answer(texts, topic), calendar_text(texts, calendar, full=True)]))
            remind = remind_button(texts, calendar)[0]
            buttons = [remind, *buttons] if remind else buttons
            dispatcher.utter_message(text=reply, buttons=buttons)
            return [SlotSet("topic_slug", topic["slug"]), *offered_window(buttons)]
        if result["reason"] == "online_only_list":
            procs = (result.get("extra") or {}).get("online_only") or []
            if not procs:
                dispatcher.utter_message(text=texts.get("utter_answer_online_only_none"))
                return []
            reply = texts.get("utter_answer_online_only_list", count=len(procs), items=bullets([p["name"] for p in procs]))
            buttons = [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in procs[:5]]
            dispatcher.utter_message(text=reply, buttons=buttons)
            return []
        if result["reason"] == "case_not_covered" and result.get("procedure"):  # the focus stays: no slot changes
            proc = result["procedure"]
            reply = texts.get("utter_case_not_covered", name=proc["name"], hotline=site.get("hotline", ""))
            dispatcher.utter_message(text=reply, buttons=next_buttons(texts, proc["slug"], ()))
            return []
        if result["decision"] == "choose" and result.get("candidates"):
            reply = texts.get(NO_ANSWER_TEXTS.get(result["reason"], "utter_ask_which_procedure"))
            dispatcher.utter_message(text=reply, buttons=choice_buttons(result["candidates"], aspect))
            shown = [f"{c['kind']}:{c['slug']}" for c in result["candidates"]]
            return [SlotSet("last_aspect", aspect), SlotSet("offered_choices", shown)]
        self._popular(dispatcher, texts, result, NO_ANSWER_TEXTS.get(result["reason"], "utter_need_procedure"))
        return [SlotSet("last_aspect", aspect)] if result["decision"] == "choose" else []

    def _popular(self, dispatcher: CollectingDispatcher, texts: Texts, result: dict[str, Any], response: str) -> None:
        """A message with the popular procedures as buttons (the resolver embeds them when it does not answer)."""
        site = result.get("site") or {}
        buttons: list[Button] = [
            {"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])}
            for p in (result.get("popular") or [])[:4]
        ]
        buttons.append(texts.button("utter_button_list", "/list_procedures"))
        dispatcher.utter_message(text=texts.get(response, hotline=site.get("hotline", "")), buttons=buttons)

    async def _list(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, texts: Texts, client: CatalogueClient
    ) -> list[EventType]:
        field = next(tracker.get_latest_entity_values("field"), None)
        if field:
            procs = await client.procedures(field=field, audience="citizen") or await client.procedures(field=field)
            buttons = [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in procs[:10]]
            dispatcher.utter_message(text=texts.get("utter_answer_list_field", field=field, count=len(procs)), buttons=buttons)
            return []
        fields = await client.fields()
        total = sum(f["count"] for f in fields)
        buttons = [
            {"title": f"{f['field']} ({f['count']})", "payload": payload("list_procedures", field=f["field"])}
            for f in fields[:10]
        ]
        dispatcher.utter_message(text=texts.get("utter_answer_list_fields", count=total), buttons=buttons)
        return []
