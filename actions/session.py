"""action_session_start: fills the Sở's hotline and name into slots so static responses can use them."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import ApiUnavailable, get_client

logger = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """Starts a session and loads site settings; a dead API leaves the domain's generic defaults."""

    def name(self) -> str:
        """Rasa's reserved session-start action name."""
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Emit SessionStarted, the site slots, then action_listen, as Rasa expects."""
        events: list[EventType] = [SessionStarted()]
        try:
            site = await get_client().site()
            events += [SlotSet("hotline", site.get("hotline")), SlotSet("department", site.get("department"))]
        except ApiUnavailable as exc:
            logger.warning("site settings unavailable at session start: %s", exc)
        events.append(ActionExecuted("action_listen"))
        return events
