"""Typed "có" / "không" / a number answer the offer the bot just made (hand-off, notifications, rating)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dossier import ActionSubscribeDossier
from actions.feedback import ActionHandoff, rating_value

# The button payload a "yes" stands for → the action that button's rule runs (run here, within this turn: run as a
# follow-up action instead, no rule covers what comes after it and the fallback repeats until Rasa's breaker trips).
YES_ACTIONS: dict[str, type[Action]] = {"/request_handoff": ActionHandoff, "/subscribe_dossier": ActionSubscribeDossier}
NO_PAYLOAD = "/decline"
RATE_PAYLOAD = "/rate"
SURE_YES = 0.5  # a typed "yes" acts on the offer (a ticket, a subscription) only from this confidence: real ones score
# 0.64-0.92, while "'; DROP TABLE events; --" scored 0.21 and sent a garbage question to the staff


def buttons_on_screen(tracker: Tracker) -> list[dict[str, str]]:
    """The buttons the bot showed since the user's previous message (what this yes/no answers), latest message first."""
    users_seen = 0
    shown: list[dict[str, str]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif event.get("event") == "bot" and users_seen == 1:
            buttons = (event.get("data") or {}).get("buttons") or []
            shown.extend({"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons)
    return shown


def offer_on_screen(tracker: Tracker) -> list[str]:
    """Button payloads the bot showed since the user's previous message."""
    return [button["payload"] for button in buttons_on_screen(tracker)]


class ActionYesNo(Action):
    """Affirm, deny or a bare number: follow the offer on screen, else a polite generic reply."""

    def name(self) -> str:
        """Name used in the chit-chat rules."""
        return "action_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Run what the matching button would have run."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        offer = offer_on_screen(tracker)
        if intent == "choose_number":
            score = rating_value(next(tracker.get_latest_entity_values("number"), None))
            if score is not None and any(p.startswith(RATE_PAYLOAD) for p in offer):  # "5" under the rating buttons
                return [SlotSet("rating", str(score)), FollowupAction("rating_form")]
            dispatcher.utter_message(response="utter_number_unclear")
        elif intent == "affirm":
            confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)
            for payload in offer:
                action = YES_ACTIONS.get(payload.split("{", 1)[0])
                if action and confidence < SURE_YES:  # not sure it was a yes: the buttons again, nothing done
                    acting = [b for b in buttons_on_screen(tracker) if b["payload"] in (payload, NO_PAYLOAD)]
                    dispatcher.utter_message(response="utter_affirm_unsure", buttons=acting)
                    return []
                if action:
                    events: list[EventType] = await action().run(dispatcher, tracker, domain)
                    return events
            dispatcher.utter_message(response="utter_affirm")
        elif NO_PAYLOAD in offer:
            dispatcher.utter_message(response="utter_decline")
        else:
            dispatcher.utter_message(response="utter_deny")
        return []
