"""Dossier lookup (issue 4): the form's validation, the lookup itself, and subscribing to status changes."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiUnavailable, get_client
from actions.dossier_client import get_dossier_client
from actions.practice import advance_button
from actions.records_client import record_reply
from actions.render import bullets
from actions.texts import Texts
from textnorm.dossier_code import EXAMPLE, find_code

logger = logging.getLogger(__name__)


def phone_digits(text: str) -> str | None:
    """4 digits typed alone, or the last 4 of a whole phone number; None otherwise."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4 and not re.search(r"\d[^\d\s.\-]+\d", text):
        return digits
    if len(digits) in (10, 11) and digits.startswith(("0", "84")):
        return digits[-4:]
    return None


async def site_details() -> dict[str, Any]:
    """The Sở's hotline, name and address; empty when the API is down (texts fall back)."""
    try:
        return await get_client().site()
    except ApiUnavailable:
        return {}


def hotline(texts: Texts, site: dict[str, Any]) -> str:
    """The hotline, or a pointer to the Sở's site when it is unknown."""
    return str(site.get("hotline") or texts.get("utter_fallback_hotline"))


class ValidateDossierForm(FormValidationAction):
    """Normalises the code (any case, spaces, missing dash) and keeps only 4 digits."""

    def name(self) -> str:
        """Name Rasa calls for dossier_form."""
        return "validate_dossier_form"

    async def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A code found anywhere in the text, normalised; else the format explained with an example."""
        code = find_code(str(value or ""))
        if code:
            return {"dossier_code": code}
        dispatcher.utter_message(text=Texts(domain).get("utter_dossier_code_invalid", example=EXAMPLE))
        return {"dossier_code": None}

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Exactly 4 digits (or a whole phone number, of which we keep the last 4)."""
        digits = phone_digits(str(value or ""))
        if digits is None:
            dispatcher.utter_message(text=Texts(domain).get("utter_phone_last4_invalid"))
        return {"phone_last4": digits}


def _date(value: Any) -> str:
    """ISO date or datetime → dd/mm/yyyy (as printed on the receipt)."""
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value or "")


def _practice_mark(texts: Texts, dossier: dict[str, Any]) -> str:
    """After the code of a student's practice dossier (classroom mode), so nobody takes it for a real one."""
    return texts.get("utter_dossier_practice") if dossier.get("practice") else ""


def dossier_reply(texts: Texts, dossier: dict[str, Any], site: dict[str, Any]) -> str:
    """Status in plain Vietnamese, dates, what to do next, and an apology when overdue."""
    status = str(dossier.get("status") or "received")
    lines = [
        texts.get(
            "utter_dossier_found",
            code=dossier.get("code", ""),
            demo=texts.get("utter_dossier_demo") if dossier.get("demo") else _practice_mark(texts, dossier),
            procedure=dossier.get("procedure_name") or dossier.get("procedure_code") or "",
            status=texts.get(f"utter_dossier_status_{status}") or status,
            received=_date(dossier.get("received_at")),
            due=_date(dossier.get("due_at")),
        )
    ]
    place = {"address": site.get("address", ""), "office_hours": site.get("office_hours", ""), "hotline": hotline(texts, site)}
    by_post = dossier.get("result_delivery") == "post"
    if status in ("received", "in_progress"):
        lines.append(texts.get("utter_dossier_next_waiting"))
    elif status == "needs_documents":
        items = bullets([str(d) for d in dossier.get("missing_documents") or []])
        lines.append(texts.get("utter_dossier_next_documents", items=items, **place))
    elif status == "result_ready":
        lines.append(texts.get("utter_dossier_next_post" if by_post else "utter_dossier_next_desk", **place))
    elif status == "result_returned":
        lines.append(texts.get("utter_dossier_next_done"))
    elif status == "rejected":
        lines.append(texts.get("utter_dossier_next_rejected", reason=dossier.get("rejection_reason") or "", **place))
    if by_post and dossier.get("postal_tracking") and status in ("result_ready", "result_returned"):
        lines.append(texts.get("utter_dossier_next_tracking", tracking=dossier["postal_tracking"]))
    if dossier.get("overdue"):
        lines.append(texts.get("utter_dossier_overdue", department=site.get("department", ""), **place))
    return "\n".join(line for line in lines if line)


class ActionLookupDossier(Action):
    """Runs when the form has the code and the digits; the digits never outlive this action in a slot."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_lookup_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Look up, answer, and reset the form's slots whatever happened."""
        texts = Texts(domain)
        code = str(tracker.get_slot("dossier_code") or "")
        digits = str(tracker.get_slot("phone_last4") or "")
        reset: list[EventType] = [
            SlotSet("dossier_code", None), SlotSet("phone_last4", None), SlotSet("dossier_subscribe_token", None)
        ]  # fmt: skip
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        client_ip = metadata.get("client_ip") if isinstance(metadata.get("client_ip"), str) else None
        earlier = tracker.get_slot("dossier_subscribe_token") if code == tracker.get_slot("last_dossier_code") else None
        try:
            result = await get_dossier_client().lookup(code, digits, tracker.sender_id, client_ip, earlier)
        except ApiUnavailable as exc:
            logger.warning("dossier lookup unavailable: %s", exc)
            site = await site_details()
            dispatcher.utter_message(text=texts.get("utter_dossier_api_down", hotline=hotline(texts, site)))
            return reset
        site = await site_details()
        status = result.get("status")
        found = status == "found"
        dossier = result.get("dossier") or {}
        # The code, never the digits; a practice dossier counts as no procedure's question in the reports.
        record_reply(tracker, found, None if dossier.get("practice") else dossier.get("procedure_slug"), text=code)
        if found:
            practice = bool(dossier.get("practice"))
            buttons = [
                texts.button("utter_button_subscribe", "/subscribe_dossier"),
                texts.button("utter_button_unsubscribe", "/unsubscribe_dossier"),
                *([advance_button(texts)] if practice else []),
            ]
            dispatcher.utter_message(text=dossier_reply(texts, dossier, site), buttons=buttons)
            token = SlotSet("dossier_subscribe_token", result.get("subscribe_token"))  # proof for a subscription
            last = [SlotSet("last_dossier_code", dossier.get("code") or code), SlotSet("last_dossier_practice", practice)]
            return [*reset, *last, token]
        if status == "invalid_code":
            dispatcher.utter_message(text=texts.get("utter_dossier_code_invalid", example=result.get("example") or EXAMPLE))
        elif status in ("locked", "busy"):
            minutes = max(1, -(-int(result.get("retry_after_seconds") or 60) // 60))
            response = "utter_dossier_locked" if status == "locked" else "utter_dossier_busy"
            dispatcher.utter_message(text=texts.get(response, minutes=minutes, hotline=hotline(texts, site)))
        else:
            dispatcher.utter_message(text=texts.get("utter_dossier_not_found", hotline=hotline(texts, site)))
        return reset


class ActionSubscribeDossier(Action):
    """Subscribes this conversation (its sender id) to status changes of the dossier just looked up."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_subscribe_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Needs a lookup in the last minutes: the API checks the token that lookup returned."""
        texts = Texts(domain)
        code = await _looked_up_code(dispatcher, tracker, texts)
        if code is None:
            return []
        token = tracker.get_slot("dossier_subscribe_token")
        if not token:
            dispatcher.utter_message(text=texts.get("utter_dossier_subscribe_again"))
            return []
        try:
            ok = await get_dossier_client().subscribe(code, str(token), tracker.sender_id)
        except ApiUnavailable as exc:
            return await _api_down(dispatcher, texts, "subscription", exc)
        response = "utter_dossier_subscribed" if ok else "utter_dossier_subscribe_again"
        buttons = [texts.button("utter_button_unsubscribe", "/unsubscribe_dossier")] if ok else []
        if ok and tracker.get_slot("last_dossier_practice"):
            buttons.append(advance_button(texts))
        dispatcher.utter_message(text=texts.get(response, code=code), buttons=buttons)
        return []


class ActionUnsubscribeDossier(Action):
    """Stops the notifications for the dossier looked up in this conversation."""

    def name(self) -> str:
        """Name used in the rules."""
        return "action_unsubscribe_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """DELETE the subscription; an unreachable API gets the usual apology."""
        texts = Texts(domain)
        code = await _looked_up_code(dispatcher, tracker, texts)
        if code is None:
            return []
        try:
            await get_dossier_client().unsubscribe(code, tracker.sender_id)
        except ApiUnavailable as exc:
            return await _api_down(dispatcher, texts, "unsubscribe", exc)
        dispatcher.utter_message(text=texts.get("utter_dossier_unsubscribed", code=code))
        return []


async def _looked_up_code(dispatcher: CollectingDispatcher, tracker: Tracker, texts: Texts) -> str | None:
    """The dossier looked up in this conversation, or None after telling the user there is none."""
    code = tracker.get_slot("last_dossier_code")
    if not code:
        dispatcher.utter_message(text=texts.get("utter_dossier_none"))
        return None
    return str(code)


async def _api_down(dispatcher: CollectingDispatcher, texts: Texts, what: str, exc: Exception) -> list[EventType]:
    """Log, then apologise with the hotline."""
    logger.warning("%s unavailable: %s", what, exc)
    site = await site_details()
    dispatcher.utter_message(text=texts.get("utter_dossier_api_down", hotline=hotline(texts, site)))
    return []
