"""The calendar block of an answer: this school year's windows (never last year's dates as this year's), its source,
and the "remind me" button; texts in bot/domain/reminders.yml."""

from __future__ import annotations

import json
from typing import Any

from actions.texts import Texts

Button = dict[str, str]
MAX_WINDOWS = 4


def day(iso: str | None) -> str:
    """'2027-03-31' → '31/03/2027'."""
    if not iso:
        return ""
    year, month, date = iso.split("-")
    return f"{date}/{month}/{year}"


def _unverified(texts: Texts, verified: bool) -> str:
    return "" if verified else texts.get("utter_calendar_unverified")


def window_line(texts: Texts, e: dict[str, Any]) -> str:
    """One window as a bullet, by its status today; an unpublished one gets last year's dates labelled as such."""
    common = {"event": e["event"], "unverified": _unverified(texts, e["verified"]), "year": e["school_year"]}
    start, end, state = day(e["start"]), day(e["end"]), e["status"]
    if state == "not_published":
        lines = [texts.get("utter_calendar_not_published", **common)]
        ref = e.get("reference")
        if ref:
            dates = (
                day(ref["start"]) if ref["start"] == ref["end"] or not ref["end"] else f"{day(ref['start'])}–{day(ref['end'])}"
            )
            dates = dates or day(ref["end"])
            unverified = _unverified(texts, ref["verified"])
            lines.append(texts.get("utter_calendar_reference", ref_year=ref["school_year"], dates=dates, unverified=unverified))
        if e.get("rule"):
            lines.append(texts.get("utter_calendar_rule", rule=e["rule"]))
        return "\n".join(lines)
    if state == "closed":
        return texts.get("utter_calendar_closed", end=end or start, **common)
    if state == "upcoming":
        end_part = texts.get("utter_calendar_end_part", end=end) if end and end != start else ""
        return texts.get("utter_calendar_upcoming", start=start, end_part=end_part, **common)
    if not e["start"]:
        return texts.get("utter_calendar_deadline", end=end, days=e["days_to_end"], **common)
    if not e["end"]:
        return texts.get("utter_calendar_open_no_end", start=start, **common)
    return texts.get("utter_calendar_open", end=end, days=e["days_to_end"], **common)


def offered(calendar: dict[str, Any]) -> dict[str, Any] | None:
    """The window a reminder is offered for: the one asked about, else the nearest, else the first not over."""
    events = [e for e in calendar.get("events") or [] if e["status"] != "closed"]
    asked = [e for e in events if e["key"] in (calendar.get("asked") or [])]
    near = [e for e in calendar.get("near") or [] if e["status"] != "closed"]
    chosen: list[dict[str, Any]] = asked or near or events
    return chosen[0] if chosen else None


def calendar_text(texts: Texts, calendar: dict[str, Any] | None, full: bool) -> str:
    """The windows (all when `full`: a deadline question, or one naming a window), else only an open or near one."""
    if not calendar or not calendar.get("events"):
        return ""
    asked = calendar.get("asked") or []
    if full or asked:
        events = calendar["events"][:MAX_WINDOWS]
        lines = [texts.get("utter_calendar_head", year=calendar["school_year"])]
        lines += [window_line(texts, e) for e in events]
        sources = {s["id"]: f"{s['title']}: {s['url']}" for e in events[:2] for s in e["sources"][:1]}
        if sources:
            lines.append(texts.get("utter_calendar_source", sources="; ".join(sources.values())))
        return "\n".join(lines)
    near = calendar.get("near") or []
    return texts.get("utter_calendar_near", line=window_line(texts, near[0]).lstrip("• ")) if near else ""


def remind_button(texts: Texts, calendar: dict[str, Any] | None) -> tuple[Button | None, str | None]:
    """The "Nhắc em khi đến hạn" button and the window it subscribes to (None when every window is over)."""
    event = offered(calendar or {})
    if event is None:
        return None, None
    payload = "/subscribe_reminder" + json.dumps({"event_key": event["key"]})
    return {"title": texts.get("utter_button_remind"), "payload": payload}, event["key"]
