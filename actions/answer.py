"""action_answer: one action for every catalogue question; it resolves the procedure, then renders the aspect."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiUnavailable, CatalogueClient, get_client
from actions.outcome import MAX_MESSAGE, answer_outcome
from actions.records_client import record_reply
from actions.render import ASPECTS, Button, bullets, payload, procedure_answer, topic_answer
from actions.texts import Texts

logger = logging.getLogger(__name__)

# Static answers that need the Sở's own details (hotline, name) from site.yaml.
SITE_RESPONSES = {"bot_challenge": "utter_bot_challenge", "out_of_scope": "utter_out_of_scope", "ask_human": "utter_ask_human"}
# Aspect questions that, with no procedure at all, are really about a general topic.
TOPIC_FOR_ASPECT = {"how_online": "submit_online_steps", "postal": "postal_service", "online_level": "service_levels"}


class ActionAnswer(Action):
    """Answers catalogue questions: documents, time, fee, online level, postal, where, how, lists, topics."""

    def name(self) -> str:
        """Name used in the domain and rules."""
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Dispatch on the intent; any API failure becomes a polite apology, never a crash."""
        texts = Texts(domain)
        client = get_client()
        try:
            site = await client.site()
            events = await self._answer(dispatcher, tracker, texts, client, site)
        except ApiUnavailable as exc:
            logger.warning("catalogue API unavailable: %s", exc)
            dispatcher.utter_message(text=texts.get("utter_api_down", hotline=texts.get("utter_fallback_hotline")))
            record_reply(tracker, False)
            return []
        return events + self._after_answer(dispatcher, tracker, texts, events)

    def _after_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, texts: Texts, events: list[EventType]
    ) -> list[EventType]:
        """Record the turn; then ask once for a rating after a resolved question, or offer a person after a miss."""
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
        text = str(message.get("text") or "")
        outcome = answer_outcome(intent, text, events)
        record_reply(tracker, outcome.answered, outcome.procedure_slug, outcome.topic_slug)
        if outcome.resolved and not tracker.get_slot("rating_asked"):
            dispatcher.utter_message(response="utter_ask_rating")
            return [SlotSet("rating_asked", True), SlotSet("handoff_question", None)]
        if not outcome.answered or intent == "ask_human":
            buttons = [texts.button("utter_button_handoff", "/request_handoff"), texts.button("utter_button_decline", "/decline")]
            dispatcher.utter_message(text=texts.get("utter_offer_handoff"), buttons=buttons)
            question = text if not outcome.answered and not text.startswith("/") and len(text) <= MAX_MESSAGE else None
            return [SlotSet("handoff_question", question)]
        return [SlotSet("handoff_question", None)]

    async def _answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        texts: Texts,
        client: CatalogueClient,
        site: dict[str, Any],
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or "nlu_fallback"
        text = str(message.get("text") or "")
        if len(text) > MAX_MESSAGE:
            await self._need_procedure(dispatcher, texts, client, "utter_too_long", site)
            return []
        if intent == "greet":
            return await self._greet(dispatcher, texts, client, site)
        if intent in SITE_RESPONSES:
            buttons = [texts.button("utter_button_list", "/list_procedures")] if intent == "out_of_scope" else []
            text = texts.get(SITE_RESPONSES[intent], hotline=site.get("hotline", ""), department=site.get("department", ""))
            dispatcher.utter_message(text=text, buttons=buttons)
            return []
        if intent == "list_procedures":
            return await self._list(dispatcher, tracker, texts, client)
        if intent == "ask_topic":
            return await self._topic(dispatcher, tracker, texts, client, site, text)

        entity_slug = next(tracker.get_latest_entity_values("procedure_slug"), None)
        search: dict[str, Any] = {"status": "none", "procedures": [], "topics": [], "known_tokens": [], "unknown_tokens": []}
        if not entity_slug and not text.startswith("/"):
            search = await client.search(text)

        aspect = ASPECTS.get(intent)
        if aspect is None:  # inform_procedure, choose_procedure, nlu_fallback: keep the last aspect asked
            aspect = tracker.get_slot("last_aspect") or "overview"

        if search["status"] == "ambiguous":
            return self._offer_choice(dispatcher, texts, search["procedures"][:3], aspect)

        slug = entity_slug or (search["procedures"][0]["slug"] if search["status"] == "match" else None)
        names_something = bool(search["known_tokens"]) or len(search["unknown_tokens"]) > 2
        if slug is None and intent == "nlu_fallback":
            return await self._fallback(dispatcher, tracker, texts, client, site, search)
        if slug is None and names_something:
            return await self._no_match(dispatcher, texts, client, site)
        if slug is None:
            slug = tracker.get_slot("procedure_slug")
        if slug is None:
            topic_slug = TOPIC_FOR_ASPECT.get(aspect)
            if topic_slug:
                return await self._show_topic(dispatcher, texts, client, topic_slug)
            if intent == "ask_online_only":
                return await self._online_only_list(dispatcher, texts, client)
            return await self._need_procedure(dispatcher, texts, client, "utter_need_procedure", site)

        proc = await client.procedure(slug)
        if proc is None:
            return await self._no_match(dispatcher, texts, client, site)
        extra = {"steps_topic": await client.topic("submit_online_steps")} if aspect == "how_online" else {}
        reply, buttons = procedure_answer(texts, aspect, proc, site, extra)
        dispatcher.utter_message(text=reply, buttons=buttons)
        return [SlotSet("procedure_slug", slug), SlotSet("last_aspect", aspect)]

    async def _popular_buttons(self, texts: Texts, client: CatalogueClient) -> list[Button]:
        popular = await client.procedures(popular=True)
        buttons = [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in popular[:4]]
        return [*buttons, texts.button("utter_button_list", "/list_procedures")]

    async def _greet(
        self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient, site: dict[str, Any]
    ) -> list[EventType]:
        text = texts.get("utter_greet", department=site.get("department", ""))
        dispatcher.utter_message(text=text, buttons=await self._popular_buttons(texts, client))
        return []

    async def _need_procedure(
        self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient, response: str, site: dict[str, Any]
    ) -> list[EventType]:
        text = texts.get(response, hotline=site.get("hotline", ""))
        dispatcher.utter_message(text=text, buttons=await self._popular_buttons(texts, client))
        return []

    async def _no_match(
        self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient, site: dict[str, Any]
    ) -> list[EventType]:
        await self._need_procedure(dispatcher, texts, client, "utter_no_match", site)
        return [SlotSet("procedure_slug", None)]

    def _offer_choice(
        self, dispatcher: CollectingDispatcher, texts: Texts, hits: list[dict[str, Any]], aspect: str
    ) -> list[EventType]:
        intent = next((i for i, a in ASPECTS.items() if a == aspect), "ask_overview")
        buttons = [{"title": h["title"], "payload": payload(intent, procedure_slug=h["slug"])} for h in hits]
        dispatcher.utter_message(text=texts.get("utter_ask_which_procedure"), buttons=buttons)
        return [SlotSet("last_aspect", aspect)]

    async def _fallback(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        texts: Texts,
        client: CatalogueClient,
        site: dict[str, Any],
        search: dict[str, Any],
    ) -> list[EventType]:
        topics = search.get("topics") or []
        if topics and topics[0]["score"] >= 0.6:
            return await self._show_topic(dispatcher, texts, client, topics[0]["slug"])
        await self._need_procedure(dispatcher, texts, client, "utter_not_understood", site)
        return []

    async def _show_topic(
        self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient, slug: str
    ) -> list[EventType]:
        topic = await client.topic(slug)
        if topic is None:
            return await self._choose_topic(dispatcher, texts, client)
        buttons = [texts.button("utter_button_list", "/list_procedures")]
        if slug != "vneid_account":
            buttons.insert(0, texts.button("utter_button_vneid", payload("ask_topic", topic_slug="vneid_account")))
        dispatcher.utter_message(text=topic_answer(texts, topic), buttons=buttons)
        return [SlotSet("topic_slug", slug)]

    async def _choose_topic(self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient) -> list[EventType]:
        topics = await client.topics()
        buttons = [{"title": t["title"], "payload": payload("ask_topic", topic_slug=t["slug"])} for t in topics]
        dispatcher.utter_message(text=texts.get("utter_answer_topic_choose"), buttons=buttons)
        return []

    async def _topic(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        texts: Texts,
        client: CatalogueClient,
        site: dict[str, Any],
        text: str,
    ) -> list[EventType]:
        slug = next(tracker.get_latest_entity_values("topic_slug"), None)
        if slug is None and not text.startswith("/"):
            search = await client.search(text)
            topics = search.get("topics") or []
            procs = search.get("procedures") or []
            if topics and topics[0]["score"] >= 0.3:
                slug = topics[0]["slug"]
            elif search["status"] == "match":
                proc = await client.procedure(procs[0]["slug"])
                if proc:
                    reply, buttons = procedure_answer(texts, "overview", proc, site)
                    dispatcher.utter_message(text=reply, buttons=buttons)
                    return [SlotSet("procedure_slug", proc["slug"]), SlotSet("last_aspect", "overview")]
        if slug is None:
            return await self._choose_topic(dispatcher, texts, client)
        return await self._show_topic(dispatcher, texts, client, slug)

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

    async def _online_only_list(self, dispatcher: CollectingDispatcher, texts: Texts, client: CatalogueClient) -> list[EventType]:
        procs = await client.procedures(online_only=True)
        if not procs:
            dispatcher.utter_message(text=texts.get("utter_answer_online_only_none"))
            return []
        text = texts.get("utter_answer_online_only_list", count=len(procs), items=bullets([p["name"] for p in procs]))
        buttons = [{"title": p["name"], "payload": payload("ask_overview", procedure_slug=p["slug"])} for p in procs[:5]]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
