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


def offer_on_screen(tracker: Tracker) -> list[str]:
    """Button payloads the bot showed since the user's previous message (what this yes/no answers)."""
    users_seen = 0
    payloads: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif event.get("event") == "bot" and users_seen == 1:
            buttons = (event.get("data") or {}).get("buttons") or []
            payloads.extend(str(b.get("payload", "")) for b in buttons)
    return payloads


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
            for payload in offer:
                action = YES_ACTIONS.get(payload.split("{", 1)[0])
                if action:
                    events: list[EventType] = await action().run(dispatcher, tracker, domain)
                    return events
            dispatcher.utter_message(response="utter_affirm")
        elif NO_PAYLOAD in offer:
            dispatcher.utter_message(response="utter_decline")
        else:
            dispatcher.utter_message(response="utter_deny")
        return []
