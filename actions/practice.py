"""Practice dossier (classroom mode): the procedure's real documents one by one, how to submit, made-up digits, the
practice code to look up with the real lookup, and the simulated office moving it on (a subscribed chat is notified)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiUnavailable
from actions.practice_client import practice_client
from actions.records_client import record_reply
from actions.texts import Texts

logger = logging.getLogger(__name__)


def choice_payload(choice: str) -> str:
    """The button payload for one choice (JSON-escaped)."""
    return "/practice_step" + json.dumps({"practice_choice": choice}, ensure_ascii=False)


def advance_button(texts: Texts) -> dict[str, str]:
    """ "Cơ quan xử lý tiếp": the simulated office moves the practice dossier to its next status."""
    return texts.button("utter_button_practice_advance", choice_payload("advance"))


def _date(value: Any) -> str:
    """ISO date → dd/mm/yyyy."""
    return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")


class ActionPractice(Action):
    """The practice intents; where the practice stands lives in the API, per chat."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_practice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The intro and procedures, or the choice applied and the next step shown."""
        texts = Texts(domain)
        record_reply(tracker, True)  # no procedure: a practice is never counted as a question about one
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        choice = str(next(tracker.get_latest_entity_values("practice_choice"), "") or "")
        client, sender = practice_client(), tracker.sender_id
        try:
            if intent != "practice_step" or not choice:
                return await self._intro(dispatcher, texts)
            if choice.startswith("start:"):
                view = await client.start(sender, choice.removeprefix("start:"))
            elif choice == "advance":
                moved = await client.advance(sender)
                return await self._moved(dispatcher, texts, moved) if moved else await self._intro(dispatcher, texts)
            else:
                view = await client.step(sender, choice)
            if view is None:
                return await self._intro(dispatcher, texts)
            self._show(dispatcher, texts, view)
        except ApiUnavailable as exc:
            logger.warning("practice unavailable: %s", exc)
            dispatcher.utter_message(text=texts.get("utter_classroom_unavailable"))
        return []

    async def _intro(self, dispatcher: CollectingDispatcher, texts: Texts) -> list[EventType]:
        procedures = await practice_client().procedures()
        buttons = [{"title": p["name"], "payload": choice_payload(f"start:{p['slug']}")} for p in procedures]
        dispatcher.utter_message(text=texts.get("utter_practice_intro"), buttons=buttons)
        return []

    def _show(self, dispatcher: CollectingDispatcher, texts: Texts, view: dict[str, Any]) -> None:
        """One step of the practice: a document, how to submit, the digits, or the submitted dossier."""
        kind = view["kind"]
        if kind == "document":
            lines = [texts.get("utter_practice_document", procedure=view["procedure_name"], number=view["number"],
                               total=view["total"], item=view["item"], quantity=view["quantity"] or "")]  # fmt: skip
            if view.get("note"):
                lines.append(texts.get("utter_practice_document_note", note=view["note"]))
            buttons = [
                texts.button("utter_button_practice_attach", choice_payload("attach")),
                texts.button("utter_button_practice_skip", choice_payload("skip")),
            ]
            dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        elif kind == "channel":
            buttons = [texts.button(f"utter_button_practice_via_{via}", choice_payload(via)) for via in view["choices"]]
            dispatcher.utter_message(text=texts.get("utter_practice_channel"), buttons=buttons)
        elif kind == "digits":
            buttons = [{"title": digits, "payload": choice_payload(digits)} for digits in view["choices"]]
            dispatcher.utter_message(text=texts.get("utter_practice_digits"), buttons=buttons)
        else:
            text = texts.get(
                "utter_practice_submitted", code=view["code"], digits=view["digits"], procedure=view["procedure_name"],
                attached=view["attached"], documents=view["documents"], due=_date(view["due_at"]),
                status=texts.get(f"utter_dossier_status_{view['status']}"),
            )  # fmt: skip
            buttons = [
                texts.button("utter_button_practice_lookup", "/lookup_dossier"),
                advance_button(texts),
            ]
            dispatcher.utter_message(text=text, buttons=buttons)

    async def _moved(self, dispatcher: CollectingDispatcher, texts: Texts, moved: dict[str, Any]) -> list[EventType]:
        status = texts.get(f"utter_dossier_status_{moved['status']}")
        if moved["final"]:
            text = texts.get("utter_practice_done", code=moved["code"], status=status)
            buttons = [texts.button("utter_button_other_lessons", "/classroom")]
        else:
            text = texts.get("utter_practice_moved", code=moved["code"], status=status)
            buttons = [advance_button(texts)]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
