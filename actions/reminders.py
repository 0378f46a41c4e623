"""Reminders of calendar windows: subscribe the chat (its sender id, nothing else), list and cancel them."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiUnavailable
from actions.calendar import day
from actions.internal_client import InternalClient, api_url, internal_token
from actions.render import bullets
from actions.texts import Texts

logger = logging.getLogger(__name__)
ALL = "all"


class ReminderClient(InternalClient):
    """POST/GET/DELETE /api/v1/reminders with the internal token; the recipient is the tracker's sender id."""

    async def subscribe(self, recipient: str, key: str) -> dict[str, Any] | None:
        """The API's answer, or None when the chat's channel cannot receive reminders or the window is unknown."""
        response = await self.request("POST", "/api/v1/reminders", json={"recipient": recipient, "event_key": key})
        if response.status_code >= 400:
            return None
        result: dict[str, Any] = response.json()
        return result

    async def active(self, recipient: str) -> list[dict[str, Any]]:
        """The chat's reminders of this school year, each with its window ([] when the channel cannot have any)."""
        response = await self.request("GET", "/api/v1/reminders", params={"recipient": recipient})
        result: list[dict[str, Any]] = response.json() if response.status_code == 200 else []
        return result

    async def cancel(self, recipient: str, key: str | None) -> int:
        """Cancel one reminder (or all); how many were cancelled."""
        params = {"recipient": recipient, **({"event_key": key} if key else {})}
        response = await self.request("DELETE", "/api/v1/reminders", params=params)
        return int(response.json().get("cancelled", 0)) if response.status_code == 200 else 0


_client: ReminderClient | None = None


def get_reminder_client() -> ReminderClient:
    """The process-wide client, created on first use."""
    global _client
    if _client is None:
        _client = ReminderClient(api_url(), internal_token())
    return _client


def _api_down(dispatcher: CollectingDispatcher, texts: Texts, exc: Exception) -> list[EventType]:
    logger.warning("reminders API unavailable: %s", exc)
    dispatcher.utter_message(text=texts.get("utter_api_down", hotline=texts.get("utter_fallback_hotline")))
    return []


def _when(event: dict[str, Any]) -> str:
    """A window's dates in a list line, or that they are not published."""
    if event["status"] == "not_published":
        return str(event["event"])
    dates = "–".join(dict.fromkeys(filter(None, [day(event["start"]), day(event["end"])])))
    return f"{event['event']} ({dates})"


class ActionSubscribeReminder(Action):
    """Subscribes the chat to the window the button names, or the one the last answer offered."""

    def name(self) -> str:
        """Name used in the domain and rules."""
        return "action_subscribe_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Subscribe, then say what will happen (dates not published yet, or the window already over)."""
        texts = Texts(domain)
        key = next(tracker.get_latest_entity_values("event_key"), None) or tracker.get_slot("event_key")
        if not key:
            dispatcher.utter_message(text=texts.get("utter_reminder_which"))
            return []
        try:
            result = await get_reminder_client().subscribe(tracker.sender_id, str(key))
        except ApiUnavailable as exc:
            return _api_down(dispatcher, texts, exc)
        if result is None:
            dispatcher.utter_message(text=texts.get("utter_reminder_not_here"))
            return [SlotSet("event_key", None)]
        event = result["event"]
        values = {"event": event["event"], "year": event["school_year"]}
        if not result["subscribed"]:
            dispatcher.utter_message(text=texts.get("utter_reminder_closed", **values))
        else:
            name = "utter_reminder_subscribed_unpublished" if event["status"] == "not_published" else "utter_reminder_subscribed"
            buttons = [texts.button("utter_button_list_reminders", "/list_reminders")]
            dispatcher.utter_message(text=texts.get(name, **values), buttons=buttons)
        return [SlotSet("event_key", key)]


class ActionListReminders(Action):
    """Lists the chat's reminders with a cancel button each."""

    def name(self) -> str:
        """Name used in the domain and rules."""
        return "action_list_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """The reminders, or that there are none."""
        texts = Texts(domain)
        try:
            events = await get_reminder_client().active(tracker.sender_id)
        except ApiUnavailable as exc:
            return _api_down(dispatcher, texts, exc)
        if not events:
            dispatcher.utter_message(text=texts.get("utter_reminder_none"))
            return []
        reply = texts.get("utter_reminder_list", count=len(events), items=bullets([_when(e) for e in events]))
        dispatcher.utter_message(text=reply, buttons=cancel_buttons(texts, events))
        return []


def cancel_buttons(texts: Texts, events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One cancel button per reminder, then one for all of them."""
    buttons = [
        {
            "title": texts.get("utter_button_cancel_reminder", event=e["event"]),
            "payload": "/cancel_reminder" + json.dumps({"event_key": e["key"]}),
        }
        for e in events[:5]
    ]
    payload = "/cancel_reminder" + json.dumps({"event_key": ALL})
    return [*buttons, {"title": texts.get("utter_button_cancel_all_reminders"), "payload": payload}]


class ActionCancelReminder(Action):
    """Cancels the reminder a button names, all of them, or the only one; asks which when there are several."""

    def name(self) -> str:
        """Name used in the domain and rules."""
        return "action_cancel_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Cancel, and say what was cancelled."""
        texts = Texts(domain)
        key = next(tracker.get_latest_entity_values("event_key"), None)
        client = get_reminder_client()
        try:
            if key == ALL:
                count = await client.cancel(tracker.sender_id, None)
                dispatcher.utter_message(text=texts.get("utter_reminder_cancelled_all", count=count))
                return [SlotSet("event_key", None)]
            events = await client.active(tracker.sender_id)
            chosen = [e for e in events if e["key"] == key] if key else events
            if not chosen:
                dispatcher.utter_message(text=texts.get("utter_reminder_none"))
                return []
            if len(chosen) > 1:
                dispatcher.utter_message(text=texts.get("utter_reminder_cancel_which"), buttons=cancel_buttons(texts, chosen))
                return []
            await client.cancel(tracker.sender_id, chosen[0]["key"])
        except ApiUnavailable as exc:
            return _api_down(dispatcher, texts, exc)
        dispatcher.utter_message(text=texts.get("utter_reminder_cancelled", event=chosen[0]["event"]))
        return [SlotSet("event_key", None)]
