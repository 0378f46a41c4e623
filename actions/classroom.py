"""Classroom mode (/classroom, /hoc): the lesson menu, a lesson's steps and check questions, joining a class by code."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import ActionAnswer
from actions.api_client import ApiUnavailable, get_client
from actions.lesson_client import lesson_client
from actions.records_client import record_reply
from actions.render import shorten
from actions.texts import Texts

logger = logging.getLogger(__name__)
LETTERS = "abcd"
# Typed "vào lớp K7M2PQ Sóc Nâu" (the web has no /hoc command): a 6-character code, the rest is the nickname.
TYPED_ANSWER = re.compile(r"\b([a-dA-D])\W*$")
TYPED_JOIN = re.compile(r"\b(?=[A-Za-z0-9]*\d)([A-Za-z0-9]{6})\b\s*(.*)$")


def lesson_button(texts: Texts, slug: str, response: str = "utter_button_restart_lesson") -> dict[str, str]:
    """A button that opens (or reopens) one lesson."""
    return texts.button(response, f'/classroom_lesson{{"lesson": "{slug}"}}')


def menu_buttons(texts: Texts, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One button per lesson, marked done or with its position when started."""
    buttons = []
    for item in items:
        if item["finished"]:
            title = texts.get("utter_classroom_menu_done", title=item["title"])
        elif item["started"]:
            title = texts.get("utter_classroom_menu_started", title=item["title"], position=item["position"], total=item["total"])
        else:
            title = item["title"]
        buttons.append({"title": title, "payload": f'/classroom_lesson{{"lesson": "{item["slug"]}"}}'})
    return buttons


def step_text(texts: Texts, view: dict[str, Any]) -> str:
    """A step with its first source (and a note when it is not verified)."""
    lines = [
        texts.get("utter_classroom_step", title=view["title"], number=view["number"], steps=view["steps"], text=view["text"])
    ]
    if view["sources"]:
        first = view["sources"][0]
        where = f"{shorten(first['title'] or first['id'], 80)}: {first['url'] or ''}".rstrip(": ")
        lines.append(texts.get("utter_classroom_source", source=where))
    if not view["verified"]:
        lines.append(texts.get("utter_classroom_unverified"))
    return "\n".join(lines)


def slot_changes(tracker: Tracker, lesson: str | None, choices: list[str] | None) -> list[EventType]:
    """SlotSet only for a slot whose value changes: Rasa replays, featurises and sends every event of a conversation
    on each turn, and a lesson is a long conversation."""
    wanted = {"classroom_lesson": lesson, "classroom_choices": choices}
    return [SlotSet(name, value) for name, value in wanted.items() if tracker.get_slot(name) != value]


class ActionClassroom(Action):
    """Every classroom intent; the open lesson and the shown order of a question's choices live in slots."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_classroom"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Menu, lesson step, answer or join, depending on the intent."""
        texts = Texts(domain)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "classroom_join" and self._join_text(tracker) is None:
            # "thi vào lớp 10" reads like joining a class but names no code: a question for the answering action
            return await ActionAnswer().run(dispatcher, tracker, domain)
        if intent == "classroom" and await self._catalogue_question(tracker):
            # "hs tiểu học có được miễn học phí không" reads like a class ("học sinh", "học"): the catalogue answers it
            return await ActionAnswer().run(dispatcher, tracker, domain)
        record_reply(tracker, True)
        client, sender = lesson_client(), tracker.sender_id
        slug = tracker.get_slot("classroom_lesson")
        try:
            if intent == "classroom_join":
                return await self._join(dispatcher, texts, tracker)
            if intent == "classroom_lesson":
                slug = next(tracker.get_latest_entity_values("lesson"), None) or slug
                view = await client.show(sender, str(slug), "open") if slug else None
                return self._view(dispatcher, texts, tracker, view) if view else await self._menu(dispatcher, texts, tracker)
            if intent == "classroom_next" and slug:
                view = await client.show(sender, str(slug), "next")
                return self._view(dispatcher, texts, tracker, view) if view else await self._menu(dispatcher, texts, tracker)
            if intent == "classroom_answer" and slug:
                return await self._answer(dispatcher, texts, tracker, str(slug))
            return await self._menu(dispatcher, texts, tracker)
        except ApiUnavailable as exc:
            logger.warning("classroom unavailable: %s", exc)
            dispatcher.utter_message(text=texts.get("utter_classroom_unavailable"))
            return []

    @staticmethod
    async def _catalogue_question(tracker: Tracker) -> bool:
        """The resolver answers the typed message outright, with something no lesson teaches (kb/lessons `topics`):
        "học về dịch vụ công trên mạng" is answered with the topic the lessons teach, and opens the lessons."""
        text = str((tracker.latest_message or {}).get("text") or "")
        if text.startswith("/"):
            return False
        try:
            result = await get_client().resolve(text)
            if result["decision"] != "answer":
                return False
            taught = {topic for item in await lesson_client().menu(tracker.sender_id) for topic in item.get("topics") or []}
        except ApiUnavailable:
            return False
        return not (result.get("kind") == "topic" and result.get("slug") in taught)

    async def _menu(self, dispatcher: CollectingDispatcher, texts: Texts, tracker: Tracker) -> list[EventType]:
        items = await lesson_client().menu(tracker.sender_id)
        buttons = [*menu_buttons(texts, items), texts.button("utter_button_practice", "/practice")]
        dispatcher.utter_message(text=texts.get("utter_classroom_menu", count=len(items)), buttons=buttons)
        return slot_changes(tracker, None, None)

    def _view(
        self,
        dispatcher: CollectingDispatcher,
        texts: Texts,
        tracker: Tracker,
        view: dict[str, Any],
        before: str | None = None,
    ) -> list[EventType]:
        """Show a step, a question (choices as buttons, in the order given) or the lesson's result."""
        prefix = f"{before}\n\n" if before else ""
        lesson: str | None = view["slug"]
        choices: list[str] | None = None
        if view["kind"] == "step":
            text = prefix + step_text(texts, view)
            dispatcher.utter_message(text=text, buttons=[texts.button("utter_button_next", "/classroom_next")])
        elif view["kind"] == "question":
            question = texts.get(
                "utter_classroom_question", number=view["number"], questions=view["questions"], question=view["question"]
            )
            buttons = [
                {"title": f"{LETTERS[i].upper()}. {c['text']}", "payload": f'/classroom_answer{{"quiz_choice": "{LETTERS[i]}"}}'}
                for i, c in enumerate(view["choices"])
            ]
            dispatcher.utter_message(text=prefix + question, buttons=buttons)
            choices = [str(c["index"]) for c in view["choices"]]
        else:
            done = texts.get(
                "utter_classroom_finished", title=view["title"], correct=view["correct"], questions=view["questions"]
            )
            buttons = [lesson_button(texts, view["slug"]), texts.button("utter_button_other_lessons", "/classroom")]
            dispatcher.utter_message(text=prefix + done, buttons=buttons)
            lesson = None
        return slot_changes(tracker, lesson, choices)

    async def _answer(self, dispatcher: CollectingDispatcher, texts: Texts, tracker: Tracker, slug: str) -> list[EventType]:
        letter = str(next(tracker.get_latest_entity_values("quiz_choice"), "") or "").strip().lower()
        if not letter:  # typed ("chọn b"): the NLU has no entity extractor, the letter is the message's last word
            typed = TYPED_ANSWER.search(str((tracker.latest_message or {}).get("text") or ""))
            letter = typed[1].lower() if typed else ""
        shown = tracker.get_slot("classroom_choices") or []
        client, sender = lesson_client(), tracker.sender_id
        if len(letter) != 1 or letter not in LETTERS[: len(shown)]:
            view = await client.show(sender, slug, "open")  # the pending question again
            if view is None:
                return await self._menu(dispatcher, texts, tracker)
            return self._view(dispatcher, texts, tracker, view, before=texts.get("utter_classroom_pick_answer"))
        result = await client.answer(sender, slug, int(shown[LETTERS.index(letter)]))
        if result is None:  # nothing pending (an old button pressed twice): show where the chat stands
            view = await client.show(sender, slug, "open")
            return self._view(dispatcher, texts, tracker, view) if view else await self._menu(dispatcher, texts, tracker)
        if result["correct"]:
            verdict = texts.get("utter_classroom_correct")
        else:
            verdict = texts.get("utter_classroom_wrong", answer=result["answer"], explanation=result["explanation"])
        return self._view(dispatcher, texts, tracker, result["next"], before=verdict)

    @staticmethod
    def _join_text(tracker: Tracker) -> str | None:
        """The code and nickname: from the gateways' entity, or typed (a 6-character word with a digit); None if none."""
        given = next(tracker.get_latest_entity_values("join_text"), None)
        if given is not None:
            return str(given)
        match = TYPED_JOIN.search(str((tracker.latest_message or {}).get("text") or ""))
        return f"{match[1]} {match[2]}" if match else None

    async def _join(self, dispatcher: CollectingDispatcher, texts: Texts, tracker: Tracker) -> list[EventType]:
        code, _, nickname = (self._join_text(tracker) or "").strip().partition(" ")
        if not code:
            dispatcher.utter_message(text=texts.get("utter_classroom_join_how"))
            return []
        if not nickname.strip():  # a code alone (typed, or a QR code's link): ask for the nickname
            dispatcher.utter_message(text=texts.get("utter_classroom_join_nickname", code=code.upper()[:20]))
            return []
        result = await lesson_client().join(tracker.sender_id, code, nickname)
        status, title = result["status"], result.get("title") or ""
        if status == "unknown":
            dispatcher.utter_message(text=texts.get("utter_classroom_join_unknown", code=code.upper()[:20]))
            return []
        if status == "bad_nickname":
            dispatcher.utter_message(text=texts.get("utter_classroom_join_bad_nickname", code=code.upper()))
            return []
        response = "utter_classroom_joined" if status == "joined" else "utter_classroom_join_closed"
        items = await lesson_client().menu(tracker.sender_id)
        text = texts.get(response, title=title, nickname=nickname.strip())
        dispatcher.utter_message(text=text, buttons=menu_buttons(texts, items))
        return slot_changes(tracker, None, None)
