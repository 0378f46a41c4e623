"""Reply texts live in the domain's responses; this reads and fills them so no Vietnamese sits in code."""

from __future__ import annotations

from typing import Any


class Texts:
    """Looks up `utter_*` templates in the domain the action server receives with every call."""

    def __init__(self, domain: dict[str, Any]) -> None:
        self._responses: dict[str, Any] = domain.get("responses", {})

    def get(self, response: str, /, **values: Any) -> str:
        """The first variant of a response, with {placeholders} filled; missing values become ''."""
        variants = self._responses.get(response) or [{"text": ""}]
        template = str(variants[0].get("text", ""))
        return template.format_map(_Blank(values))

    def button(self, response: str, payload: str) -> dict[str, str]:
        """A quick-reply button whose title is a domain response."""
        return {"title": self.get(response), "payload": payload}


class _Blank(dict):  # type: ignore[type-arg]
    """format_map helper: unknown placeholders render as empty strings instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""
