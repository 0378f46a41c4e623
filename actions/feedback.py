"""Issue 5 in the bot: ratings with an optional comment, feedback and complaints, handoff tickets and their check."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiUnavailable
from actions.dossier import hotline, site_details
from actions.records_client import get_records_client, record_reply
from actions.render import ASPECTS, shorten
from actions.texts import Texts
from textnorm import fold

logger = logging.getLogger(__name__)

# Words that only announce feedback ("tôi muốn phản ánh"); what is left over is the content.
ANNOUNCING = set(
    [
        "toi",
        "em",
        "minh",
        "chau",
        "muon",
        "phan",
        "anh",
        "kien",
        "nghi",
        "gop",
        "y",
        "khieu",
        "nai",
        "gui",
        "cho",
        "so",
        "voi",
        "ve",
        "lam",
        "sao",
        "de",
        "a",
        "can",
        "bo",
        "nhe",
        "duoc",
        "khong",
    ]
)
MIN_CONTENT_WORDS = 3
# While the bot waits for an optional rating comment, a new question is answered rather than stored as comment.
QUESTION_INTENTS = {*ASPECTS, "list_procedures", "ask_topic"}
QUESTION_CONFIDENCE = 0.5
NEW_QUESTION = "__new_question__"
NEW_LOOKUP = "__new_lookup__"
AFTER_RATING = {NEW_QUESTION: "action_answer", NEW_LOOKUP: "dossier_form"}  # what a new request instead of a comment runs


def feedback_kind(text: str, current: str | None = None) -> str:
    """'complaint' for khiếu nại, else 'feedback' (phản ánh, kiến nghị, góp ý)."""
    return "complaint" if current == "complaint" or "khieu nai" in fold(text) else "feedback"


def has_content(text: str) -> bool:
    """True when the message says more than 'I want to give feedback'."""
    if text.startswith("/"):
        return False
    return sum(word not in ANNOUNCING for word in fold(text).split()) >= MIN_CONTENT_WORDS


def rating_value(value: Any) -> int | None:
    """1..5 from a button payload or a typed rating; None otherwise."""
    try:
        score = int(str(value).strip())
    except ValueError:
        return None
    return score if 1 <= score <= 5 else None


class ValidateRatingForm(FormValidationAction):
    """Keeps only 1..5 ratings; any comment text is welcome."""

    def name(self) -> str:
        """Name Rasa calls for rating_form."""
        return "validate_rating_form"

    async def validate_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A rating outside 1..5 is asked again (the form shows the buttons)."""
        return {"rating": rating_value(value)}

    async def validate_rating_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Trimmed, at most 2000 characters; a new question or a dossier code is not a comment (it gets answered)."""
        intent = (tracker.latest_message or {}).get("intent") or {}
        sure = float(intent.get("confidence") or 0) >= QUESTION_CONFIDENCE
        if sure and intent.get("name") in QUESTION_INTENTS:
            return {"rating_comment": NEW_QUESTION}
        if sure and intent.get("name") == "lookup_dossier":
            return {"rating_comment": NEW_LOOKUP}
        return {"rating_comment": " ".join(str(value or "").split())[:2000] or None}


class ActionSaveRating(Action):
    """Stores the rating (and comment) once; a failure is logged and the user still gets thanks."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_save_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """POST /ratings when there is a valid score, then reset the rating slots."""
        texts = Texts(domain)
        score = rating_value(tracker.get_slot("rating"))
        comment = tracker.get_slot("rating_comment")
        reset: list[EventType] = [SlotSet("rating", None), SlotSet("rating_comment", None), SlotSet("rating_asked", True)]
        if score is None:
            dispatcher.utter_message(text=texts.get("utter_decline"))
            return reset
        follow = AFTER_RATING.get(str(comment))
        await get_records_client().rate(tracker.sender_id, score, None if follow else comment, tracker.get_slot("procedure_slug"))
        dispatcher.utter_message(text=texts.get("utter_rating_saved"))
        return [*reset, FollowupAction(follow)] if follow else reset


class ValidateFeedbackForm(FormValidationAction):
    """A few words at least, so the staff can act on it."""

    def name(self) -> str:
        """Name Rasa calls for feedback_form."""
        return "validate_feedback_form"

    async def validate_feedback_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Too short → ask again."""
        text = " ".join(str(value or "").split())
        if len(fold(text).split()) < MIN_CONTENT_WORDS:
            dispatcher.utter_message(text=Texts(domain).get("utter_feedback_too_short"))
            return {"feedback_text": None}
        return {"feedback_text": text[:5000]}


class ActionFeedback(Action):
    """Stores feedback at once when the message has content; otherwise the feedback form asks for it."""

    def name(self) -> str:
        """Name used in the rules (both on the intent and after the form)."""
        return "action_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """POST /feedback with the kind (feedback or complaint) and the text."""
        texts = Texts(domain)
        message_text = str((tracker.latest_message or {}).get("text") or "")
        text = tracker.get_slot("feedback_text")
        kind = feedback_kind(message_text, tracker.get_slot("feedback_kind"))
        if not text:
            if not has_content(message_text):
                return [SlotSet("feedback_kind", kind), FollowupAction("feedback_form")]
            text = message_text
        reset: list[EventType] = [SlotSet("feedback_text", None), SlotSet("feedback_kind", None)]
        try:
            item = await get_records_client().feedback(tracker.sender_id, kind, str(text))
        except ApiUnavailable as exc:
            logger.warning("feedback not stored: %s", exc)
            item = None
        if item is None:
            site = await site_details()
            dispatcher.utter_message(text=texts.get("utter_save_failed", hotline=hotline(texts, site)))
            record_reply(tracker, False)
            return reset
        dispatcher.utter_message(text=texts.get("utter_feedback_saved", kind=texts.get(f"utter_word_{kind}"), id=item))
        record_reply(tracker, True)
        return reset


class ValidateHandoffForm(FormValidationAction):
    """The question handed to the staff needs a few words."""

    def name(self) -> str:
        """Name Rasa calls for handoff_form."""
        return "validate_handoff_form"

    async def validate_handoff_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Too short → ask again."""
        text = " ".join(str(value or "").split())
        if len(fold(text).split()) < 2:
            dispatcher.utter_message(text=Texts(domain).get("utter_feedback_too_short"))
            return {"handoff_question": None}
        return {"handoff_question": text[:5000]}


class ActionHandoff(Action):
    """Creates a ticket with the question the bot could not answer, or asks for the question first."""

    def name(self) -> str:
        """Name used in the rules (on the intent and after the form)."""
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """POST /tickets and give the user the ticket code and how to check it."""
        texts = Texts(domain)
        question = tracker.get_slot("handoff_question")
        if not question:
            return [FollowupAction("handoff_form")]
        reset: list[EventType] = [SlotSet("handoff_question", None)]
        try:
            ticket = await get_records_client().create_ticket(
                tracker.sender_id, str(question), tracker.get_slot("procedure_slug")
            )
        except ApiUnavailable as exc:
            logger.warning("ticket not created: %s", exc)
            ticket = None
        if ticket is None:
            site = await site_details()
            dispatcher.utter_message(text=texts.get("utter_save_failed", hotline=hotline(texts, site)))
            return reset
        dispatcher.utter_message(text=texts.get("utter_ticket_created", ticket=ticket))
        record_reply(tracker, True)
        return reset


def _date(value: Any) -> str:
    try:
        return dt.datetime.fromisoformat(str(value)).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return ""


class ActionCheckTicket(Action):
    """'kiểm tra phiếu HT-XXXXXXXX' → the staff's answer, or that there is none yet."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_check_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """GET /tickets/{code} (public endpoint)."""
        texts = Texts(domain)
        code = next(tracker.get_latest_entity_values("ticket"), None)
        if not code:
            dispatcher.utter_message(text=texts.get("utter_ticket_need_code"))
            return []
        try:
            ticket = await get_records_client().ticket(str(code))
        except ApiUnavailable as exc:
            logger.warning("ticket check unavailable: %s", exc)
            site = await site_details()
            dispatcher.utter_message(text=texts.get("utter_api_down", hotline=hotline(texts, site)))
            return []
        if ticket is None:
            dispatcher.utter_message(text=texts.get("utter_ticket_unknown", ticket=code))
        elif ticket.get("status") == "answered" and ticket.get("answer"):
            dispatcher.utter_message(
                text=texts.get(
                    "utter_ticket_answered",
                    ticket=ticket["ticket"],
                    answer=ticket["answer"],
                    date=_date(ticket.get("answered_at")),
                )
            )
        else:
            question = shorten(str(ticket.get("question") or ""), 200)
            dispatcher.utter_message(text=texts.get("utter_ticket_open", ticket=ticket.get("ticket", code), question=question))
        record_reply(tracker, ticket is not None)
        return [SlotSet("ticket", None)]
