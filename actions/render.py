"""Render catalogue data as short, phone-sized replies: the fact asked for, its basis and source, next buttons."""

from __future__ import annotations

import json
from typing import Any

from actions.calendar import calendar_text, remind_button
from actions.texts import Texts

Button = dict[str, str]
MAX_FACT = 420
MAX_ITEMS = 10

# intent → aspect of a procedure it asks about
ASPECTS = {
    "ask_documents": "documents",
    "ask_processing_time": "time",
    "ask_deadline": "deadline",
    "ask_fee": "fee",
    "ask_online_level": "online_level",
    "ask_online_only": "online_only",
    "ask_postal": "postal",
    "ask_where_submit": "where",
    "ask_how_online": "how_online",
    "ask_overview": "overview",
}
INTENT_OF = {aspect: intent for intent, aspect in ASPECTS.items()}
NEXT_BUTTONS = [
    ("documents", "utter_button_documents"),
    ("time", "utter_button_time"),
    ("fee", "utter_button_fee"),
    ("online_level", "utter_button_online"),
    ("how_online", "utter_button_how_online"),
    ("where", "utter_button_where"),
    ("postal", "utter_button_postal"),
]


def shorten(text: str | None, limit: int = MAX_FACT) -> str:
    """Cut long text at a word boundary so an answer fits a phone screen."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def payload(intent: str, **entities: str) -> str:
    """A Rasa button payload such as /ask_fee{"procedure_slug": "x"}."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def bullets(lines: list[str]) -> str:
    """Bullet list text, capped at MAX_ITEMS lines."""
    shown = [f"• {shorten(line, 200)}" for line in lines[:MAX_ITEMS]]
    if len(lines) > MAX_ITEMS:
        shown.append("• …")
    return "\n".join(shown)


def _sources_line(ids: list[str], proc: dict[str, Any]) -> str:
    """'title (date): url' for up to two sources the fact cites."""
    registry = {s["id"]: s for s in proc.get("source_list", [])}
    parts = []
    for sid in list(dict.fromkeys(ids))[:2]:
        src = registry.get(sid)
        if not src:
            continue
        where = src.get("url") or src.get("document") or ""
        date = f" ({src['date']})" if src.get("date") else ""
        parts.append(f"{shorten(src['title'], 80)}{date}: {where}")
    return "; ".join(parts)


def _fact_sources(proc: dict[str, Any], aspect: str) -> list[str]:
    """Source IDs behind the fact an aspect shows."""
    get = proc.get
    if aspect == "documents":
        docs = get("documents") or {}
        return list(docs.get("sources") or [s for item in docs.get("items", []) for s in item["sources"]])
    if aspect == "time":
        return list((get("processing_time") or {}).get("sources", []))
    if aspect == "fee":
        return list(get("fee", {}).get("sources", []))
    if aspect == "online_level":
        level = get("online_level", {})
        return list(level.get("sources") or get("channels", {}).get("sources", []))
    if aspect == "online_only":
        return list(get("online_only_pilot", {}).get("sources", []))
    if aspect in ("postal", "where", "how_online"):
        return list(get("channels", {}).get("sources", [])) + list(get("agency", {}).get("sources", []))
    specific = _fact_sources(proc, "documents") + _fact_sources(proc, "time")
    return specific + list(get("name_sources", [])) + list(get("code_sources", []))


def footer(texts: Texts, proc: dict[str, Any], aspects: tuple[str, ...]) -> str:
    """Unconfirmed label, legal basis and source lines appended to every procedure answer."""
    lines = []
    if not proc.get("verified"):
        lines.append(texts.get("utter_part_unverified"))
    current = (proc.get("legal_basis") or {}).get("current") or []
    if current:
        lines.append(texts.get("utter_part_basis", basis=shorten(current[0]["doc"], 160)))
    sources = _sources_line([s for a in aspects for s in _fact_sources(proc, a)], proc) or _sources_line(
        [s["id"] for s in proc.get("source_list", [])], proc
    )
    if sources:
        lines.append(texts.get("utter_part_source", sources=sources))
    return "\n".join(lines)


def choice_buttons(candidates: list[dict[str, Any]], aspect: str) -> list[Button]:
    """One button per close candidate; a procedure button keeps the question asked (its aspect's intent)."""
    intent = INTENT_OF.get(aspect, "inform_procedure")
    return [
        {"title": c["title"], "payload": payload(intent, procedure_slug=c["slug"])}
        if c["kind"] == "procedure"
        else {"title": c["title"], "payload": payload("ask_topic", topic_slug=c["slug"])}
        for c in candidates
    ]


def next_buttons(texts: Texts, slug: str, answered: tuple[str, ...]) -> list[Button]:
    """Buttons for the natural next questions about the same procedure (at most four)."""
    buttons = [
        texts.button(name, payload(INTENT_OF[aspect], procedure_slug=slug))
        for aspect, name in NEXT_BUTTONS
        if aspect not in answered
    ]
    return buttons[:4]


def _yes_no(texts: Texts, value: bool | None) -> str:
    if value is None:
        return texts.get("utter_word_unknown")
    return texts.get("utter_word_yes" if value else "utter_word_no")


def _channels(texts: Texts, proc: dict[str, Any]) -> str:
    ch = proc.get("channels") or {}
    words = [
        texts.get(word)
        for key, word in (
            ("in_person", "utter_word_in_person"),
            ("online", "utter_word_online"),
            ("postal_submit", "utter_word_postal"),
        )
        if ch.get(key)
    ]
    return ", ".join(words) or texts.get("utter_word_unknown")


def _level_word(texts: Texts, proc: dict[str, Any]) -> str:
    level = (proc.get("online_level") or {}).get("value")
    if level:
        return texts.get(f"utter_word_level_{level}")
    online = (proc.get("channels") or {}).get("online")
    return _yes_no(texts, online)


def _fee_short(texts: Texts, proc: dict[str, Any]) -> str:
    fee = proc.get("fee") or {}
    if fee.get("kind") == "free":
        return texts.get("utter_word_free")
    if fee.get("kind") == "amount":
        return shorten(fee.get("value") or f"{fee.get('amount_vnd'):,} đồng", 120)
    return texts.get("utter_word_unknown")


def fact_text(texts: Texts, aspect: str, proc: dict[str, Any], site: dict[str, Any], extra: dict[str, Any]) -> str:
    """The sentence(s) answering one aspect of one procedure."""
    name = proc["name"]
    common = {"name": name, "hotline": site.get("hotline", ""), "tthc_page": site.get("tthc_page", "")}
    if aspect == "documents":
        docs = proc.get("documents") or {}
        items = [f"{d['item']} ({d['quantity']})" if d.get("quantity") else d["item"] for d in docs.get("items", [])]
        if items:
            return texts.get("utter_answer_documents", items=bullets(items), **common)
        if docs.get("summary"):
            return texts.get("utter_answer_documents_summary", summary=shorten(docs["summary"]), **common)
        return texts.get("utter_answer_documents_unknown", **common)
    if aspect == "time":
        time = (proc.get("processing_time") or {}).get("value")
        if time:
            return texts.get("utter_answer_time", time=shorten(time), **common)
        return texts.get("utter_answer_time_unknown", **common)
    if aspect == "fee":
        fee = proc.get("fee") or {}
        kind = fee.get("kind", "unknown")
        detail = shorten(fee.get("value") or fee.get("note") or "", 300)
        if kind == "unknown" and detail:
            detail += " "
        return texts.get(f"utter_answer_fee_{kind}", detail=detail, **common)
    if aspect == "online_level":
        level = proc.get("online_level") or {}
        lines = [texts.get(f"utter_answer_level_{level.get('value') or 'unknown'}", **common)]
        if not level.get("value") and (proc.get("channels") or {}).get("online"):
            lines.append(
                texts.get("utter_answer_level_online_channel", portal=site.get("portal_province") or site.get("portal_national"))
            )
        history = "; ".join(f"{h['level']} ({h['where']})" for h in level.get("history", [])[:3])
        if history:
            lines.append(texts.get("utter_answer_level_history", history=history))
        return "\n".join(lines)
    if aspect == "online_only":
        pilot = proc.get("online_only_pilot") or {}
        if pilot.get("value"):
            registry = {s["id"]: s for s in proc.get("source_list", [])}
            where = ", ".join(shorten(registry[s]["title"], 80) for s in pilot.get("sources", []) if s in registry)
            return texts.get(
                "utter_answer_online_only_yes",
                where=where,
                portal=site.get("portal_province") or site.get("portal_national"),
                **common,
            )
        return texts.get("utter_answer_online_only_no", **common)
    if aspect == "postal":
        ch = proc.get("channels") or {}
        return texts.get(
            "utter_answer_postal",
            submit=_yes_no(texts, ch.get("postal_submit")),
            result=_yes_no(texts, ch.get("postal_result")),
            **common,
        )
    if aspect == "where":
        agency = shorten((proc.get("agency") or {}).get("value"), 260)
        lines = [texts.get("utter_answer_where", agency=agency, channels=_channels(texts, proc), **common)]
        if site.get("address") and (proc.get("counter") or {}).get("value") == "province":  # the Sở's own counter
            lines.append(
                texts.get("utter_answer_where_office", address=site["address"], office_hours=site.get("office_hours", ""))
            )
        return "\n".join(lines)
    if aspect == "deadline":
        return _deadline(texts, proc, extra, common)
    if aspect == "how_online":
        steps = [s["value"] for s in (extra.get("steps_topic") or {}).get("steps", [])]
        lines = [texts.get("utter_answer_how_online", steps=bullets(steps), **common)] if steps else []
        lines.append(fact_text(texts, "online_level", proc, site, extra))
        lines.append(
            texts.get(
                "utter_answer_how_online_link",
                url=proc.get("online_url") or site.get("portal_province") or site.get("portal_national"),
            )
        )
        return "\n".join(lines)
    time = shorten((proc.get("processing_time") or {}).get("value"), 120) or texts.get("utter_word_unknown")
    code = texts.get("utter_word_code", code=proc["code"]) if proc.get("code") else ""
    return texts.get(
        "utter_answer_overview",
        code=code,
        field=(proc.get("field") or {}).get("value") or texts.get("utter_word_unknown"),
        agency=shorten((proc.get("agency") or {}).get("value"), 160),
        time=time,
        fee=_fee_short(texts, proc),
        online=_level_word(texts, proc),
        **common,
    )


def _deadline(texts: Texts, proc: dict[str, Any], extra: dict[str, Any], common: dict[str, str]) -> str:
    """What the record says about time limits, or honestly that it names no deadline, with where to look."""
    lines = []
    notes = extra.get("deadline_notes") or []
    time = (proc.get("processing_time") or {}).get("value")
    if notes:
        lines.append(texts.get("utter_answer_deadline", items=bullets(notes[:3]), **common))
    else:
        lines.append(texts.get("utter_answer_deadline_none", **common))
    if time:
        lines.append(texts.get("utter_answer_deadline_time", time=shorten(time, 200)))
    topic = extra.get("deadline_topic")
    if topic:
        lines.append(texts.get("utter_answer_deadline_plan_topic", topic=topic["title"], **common))
    else:
        lines.append(texts.get("utter_answer_deadline_plan", **common))
    return "\n".join(lines)


def procedure_answer(
    texts: Texts,
    aspect: str,
    proc: dict[str, Any],
    site: dict[str, Any],
    extra: dict[str, Any] | None = None,
    replaced: dict[str, Any] | None = None,
    order: tuple[str, ...] = (),
) -> tuple[str, list[Button]]:
    """The full reply for the aspects asked of a procedure: facts, footer, next-question buttons (and the replaced one)."""
    aspects = order or (aspect,)  # several asked at once: each answered, in the order written
    body = "\n\n".join(fact_text(texts, a, proc, site, extra or {}) for a in aspects)
    status_note = (proc.get("status_note") or {}).get("value")
    if proc.get("status") in ("abolished", "unconfirmed") and status_note:
        body = f"{texts.get('utter_part_status_' + proc['status'], name=proc['name'], note=shorten(status_note, 300))}\n{body}"
    if replaced:
        status = texts.get(f"utter_word_status_{replaced.get('status')}")
        body = f"{texts.get('utter_part_replaced', old=replaced.get('name', ''), status=status, name=proc['name'])}\n{body}"
    buttons = next_buttons(texts, proc["slug"], aspects)
    topic = (extra or {}).get("deadline_topic")
    if aspect == "deadline" and topic:
        buttons = [{"title": topic["title"], "payload": payload("ask_topic", topic_slug=topic["slug"])}, *buttons[:3]]
    calendar = (extra or {}).get("calendar")
    when = calendar_text(texts, calendar, full=aspect == "deadline")
    remind = remind_button(texts, calendar)[0] if when else None
    if when:
        body = f"{body}\n{when}"
    if remind:
        buttons = [remind, *buttons[:3]]
    return f"{body}\n\n{footer(texts, proc, aspects)}".strip(), buttons


def topic_answer(texts: Texts, topic: dict[str, Any]) -> str:
    """A general topic: title, summary, up to ten steps or facts, and sources."""
    points = [s["value"] for s in topic.get("steps", [])] or [f["value"] for f in topic.get("facts", [])]
    lines = [texts.get("utter_answer_topic", title=topic["title"], summary=shorten(topic.get("summary"), 500))]
    if points:
        lines.append(texts.get("utter_answer_topic_points", items=bullets(points)))
    if not topic.get("verified"):
        lines.append(texts.get("utter_part_unverified"))
    sources = "; ".join(
        f"{shorten(s['title'], 80)}: {s.get('url') or s.get('document') or ''}" for s in topic.get("source_list", [])[:2]
    )
    if sources:
        lines.append(texts.get("utter_part_source", sources=sources))
    return "\n".join(lines)
