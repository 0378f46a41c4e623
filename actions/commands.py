"""Channel commands that are not questions: /help (what the bot can do) and /cancel (stop whatever is running)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.records_client import record_reply
from actions.texts import Texts

# Slots a form may have half-filled; /cancel clears them all.
FORM_SLOTS = ("dossier_code", "phone_last4", "feedback_text", "feedback_kind", "handoff_question", "rating", "rating_comment")


class ActionHelp(Action):
    """What the bot can do, with one button per service."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The help text and the main menu."""
        texts = Texts(domain)
        buttons = [
            texts.button("utter_button_help_procedures", "/list_procedures"),
            texts.button("utter_button_lookup", "/lookup_dossier"),
            texts.button("utter_button_feedback", "/give_feedback"),
            texts.button("utter_button_human", "/ask_human"),
            texts.button("utter_button_classroom", "/classroom"),
        ]
        dispatcher.utter_message(text=texts.get("utter_help"), buttons=buttons)
        record_reply(tracker, True)
        return []


class ActionCancel(Action):
    """Polite confirmation; any half-filled form data is dropped (rules deactivate the form first)."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Confirm and clear."""
        dispatcher.utter_message(text=Texts(domain).get("utter_cancelled"))
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
