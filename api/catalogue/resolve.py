"""One resolution step per message: which procedure or topic, which aspect, and whether to answer, offer or decline.

Every decision the assistant makes about a catalogue question is taken here, with one set of thresholds, so
the actions only render what this returns (one API call per turn).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from api.calendar import cache as calendar_cache
from api.catalogue.aspects import (
    aspect_data,
    deadline_notes,
    levels_named,
    other_fields_named,
    poses_a_case,
    split_aspect,
)
from api.catalogue.cited import cited
from api.catalogue.context import within_offer, within_topic
from api.catalogue.decision import HIDDEN_STATUSES, REPLACED_STATUSES, Candidate, Resolution, answer, procedure_slug
from api.catalogue.search import Hit, Query
from api.catalogue.store import Snapshot
from api.catalogue.thresholds import THRESHOLDS
from api.catalogue.twins import sharing_the_name
from api.catalogue.words import personal_words, unlisted_words, word_set
from textnorm import normalize
from textnorm.privacy import without_personal_data

_NATIONAL_CODE = re.compile(r"(?<![\d.])\d\.\d{6}(?![\d.])")


def choose_aspect(text: str, intent: str | None, confidence: float, last_aspect: str | None) -> tuple[str, str, bool]:
    """(aspect, text left to search, whether the message said anything about the aspect)."""
    asked = split_aspect(text)
    specific, overview, rest = asked.specific, asked.overview, asked.rest
    by_intent = aspect_data().intents.get(intent or "") if confidence >= THRESHOLDS.intent_confidence else None
    if specific:
        return specific, rest, True
    if by_intent and by_intent != "overview":
        return by_intent, rest, True
    if overview:
        return "overview", rest, True
    if by_intent and (confidence >= 1.0 or not last_aspect):  # a button asks it; "còn X thì sao" keeps the last
        return "overview", rest, True
    return last_aspect or "overview", rest, False


def _specific(hit: Hit) -> bool:
    """A match on generic words only ("hồ sơ", "học", "trường", a grade) never picks an entry on its own.

    A whole name of three words or more ("thi vào lớp 10") is a phrase, specific even when each word is generic.
    """
    generic = word_set("generic")
    graded = hit.whole_name == 2 and any(token.isdigit() for token in hit.matched)  # "lớp 6": a grade named
    return hit.whole_name >= 3 or graded or any(token not in generic and not token.isdigit() for token in hit.matched)


def _names(snap: Snapshot, kind: str, slug: str) -> str:
    """Every name of a procedure or topic, normalised and space-padded, to look words up in (once per snapshot)."""
    key = (kind, slug)
    if key not in snap.names:
        doc = (snap.procedures if kind == "procedure" else snap.topics)[slug]
        names = [doc.get("name") or doc.get("title") or "", *doc.get("former_names", []), *doc.get("aliases", [])]
        snap.names[key] = " " + " | ".join(normalize(n) for n in names) + " "
    return snap.names[key]


def rank(snap: Snapshot, procedure_query: Query, topic_query: Query, text: str = "") -> list[Candidate]:
    """Procedures and topics in one list, best first; hidden records dropped, replaced ones mapped to successors.

    Organisation-facing procedures, and entries that do not cover a word of another field the message holds,
    are moved down by a fixed penalty.
    """
    foreign = other_fields_named(text)
    levels = levels_named(f" {normalize(text[:2000])} ") if text else frozenset()
    full_text = snap.full_text.relative(text) if snap.full_text and text else {}
    share = THRESHOLDS.full_text_share if full_text else 0.0

    def blend(kind: str, slug: str, score: float) -> float:
        return (1 - share) * score + share * full_text.get((kind, slug), 0.0)

    said = frozenset(procedure_query.known + topic_query.known) - word_set("generic")  # the message's own words

    def penalty(kind: str, slug: str, doc: dict[str, Any]) -> float:
        names = _names(snap, kind, slug) if foreign or levels else ""
        missed = any(not _covers(names, w, said) for w in foreign)
        own_levels = levels_named(names) if levels and kind == "procedure" else frozenset()  # a topic: every stage
        missed = missed or bool(own_levels and not own_levels & levels)  # "lớp 3" is not the kindergarten support
        organization = doc.get("audience") == "organization"
        abolished = doc.get("status") == "abolished"
        t = THRESHOLDS
        return t.organization_penalty * organization + t.scope_penalty * missed + t.abolished_penalty * abolished

    best: dict[tuple[str, str], Candidate] = {}
    for hit in snap.procedure_index.search_query(procedure_query, limit=12):
        doc = snap.procedures.get(hit.slug) or {}
        slug = hit.slug
        if doc.get("status") in HIDDEN_STATUSES:
            continue
        if doc.get("status") in REPLACED_STATUSES and doc.get("successor") in snap.procedures:
            slug = doc["successor"]
            doc = snap.procedures[slug]
        score = round(blend("procedure", slug, hit.score) - penalty("procedure", slug, doc), 4)
        title = doc.get("name", hit.title)
        cand = Candidate("procedure", slug, title, score, _specific(hit), frozenset(hit.matched), hit.whole_name)
        key = ("procedure", slug)
        if key not in best or cand.score > best[key].score:
            best[key] = cand
    for hit in snap.topic_index.search_query(topic_query, limit=6):
        matched = frozenset(hit.matched)
        score = round(blend("topic", hit.slug, hit.score) - penalty("topic", hit.slug, snap.topics[hit.slug]), 4)
        best[("topic", hit.slug)] = Candidate("topic", hit.slug, hit.title, score, _specific(hit), matched, hit.whole_name)
    return sorted(best.values(), key=lambda c: (-c.score, c.kind, c.slug))


def _covers(names: str, word: str, said: frozenset[str]) -> bool:
    """One of an entry's names holds a word of another field and another specific word the message holds too:
    "dùng chứng chỉ IELTS miễn thi" covers "IELTS … miễn thi ngoại ngữ", not "đăng ký thi IELTS"."""
    for name in names.split("|"):
        own = set(name.split())
        if f" {word} " in f" {name} " and (own - set(word.split())) & said:
            return True
    return False


def decide(
    snap: Snapshot,
    text: str,
    focus: str | None = None,
    intent: str | None = None,
    confidence: float = 0.0,
    last_aspect: str | None = None,
    pick: str | None = None,
    topic: str | None = None,
    offered: tuple[str, ...] = (),
) -> Resolution:
    """The one decision: answer (which entry, which aspect), offer the close candidates, or say it is not here.

    `focus` is the procedure in focus; `topic` the topic answered last instead (it narrows a choice to its procedures);
    `offered` the choices offered last ("kind:slug"), offered again to a question that names nothing.
    """
    text = without_personal_data(text)
    res = _decide(snap, text, focus, intent, confidence, last_aspect, pick)
    res = within_topic(snap, res, topic) if topic else res
    res = within_offer(snap, res, offered) if offered else res
    named = split_aspect(text).named if res.kind == "procedure" and not text.startswith("/") else ()
    if res.decision == "answer" and res.aspect in named:  # "cần giấy tờ gì, mất bao lâu": both answered
        also = [a for a in named if a != res.aspect][: THRESHOLDS.max_aspects - 1]
        res = replace(res, aspects=tuple(a for a in named if a == res.aspect or a in also) if also else ())
    return res


def _decide(
    snap: Snapshot,
    text: str,
    focus: str | None,
    intent: str | None,
    confidence: float,
    last_aspect: str | None,
    pick: str | None,
) -> Resolution:
    """The decision for one message, without regard to a topic in focus."""
    t = THRESHOLDS
    command = text.startswith("/")
    aspect, rest, asked = choose_aspect("" if command else text, intent, 1.0 if command else confidence, last_aspect)
    focus_slug, _ = procedure_slug(snap, focus) if focus else (None, None)
    if pick:
        slug, replaced = procedure_slug(snap, pick)
        if slug:
            return Resolution("answer", "pick", aspect, "procedure", slug, replaced=replaced)
        if pick in snap.topics:
            return Resolution("answer", "pick", aspect, "topic", pick)
    for code in _NATIONAL_CODE.findall("" if command else text):
        slug, replaced = procedure_slug(snap, code)
        if slug:
            return Resolution("answer", "code", aspect, "procedure", slug, replaced=replaced)
    if command or not rest.strip():
        return _nothing_named(snap, aspect, asked, focus_slug, intent, unknown=0)

    procedure_query = snap.procedure_index.analyse(rest, personal_words(text))  # aspect words never name a procedure...
    topic_query = snap.topic_index.analyse(text)  # ...but may name a topic ("bưu chính công ích")
    ranked = rank(snap, procedure_query, topic_query, text)
    named = [c for c in ranked if c.specific and c.score >= t.choose and not _by_aspect_word_only(c, aspect, asked)]
    if focus_slug:  # a follow-up moves the focus only to a firmly named entry...
        # ...and a topic takes a specific aspect only when the words outside the aspect name it, and it is not the
        # aspect's own general topic
        by_aspect = asked and aspect != "overview"
        own = _topics_named_by(snap, rest, aspect) if by_aspect else set()  # "sao y học bạ ở đâu": "học bạ" names one
        named = [
            c for c in named if c.firm and c.score >= t.answer and not (by_aspect and c.kind == "topic" and c.slug not in own)
        ]
    if named:
        top = _procedure_over_topic(snap, named)
        # A close candidate whose matched words the best one also matched adds no doubt: the best explains more.
        close = [c for c in named if c.score >= top.score - t.gap and (c is top or not c.matched < top.matched)]
        close = [c for c in close if c is top or not _same_subject(snap, top, c)]  # a topic and its procedure
        wider = [d for d in close if all(c is d or (c.matched < d.matched and c.whole_name <= d.whole_name) for c in close)]
        if len(close) > 1 and wider:  # one close candidate matched every word the others did, and more: it is meant
            top, close = wider[0], wider[:1]
        twins = sharing_the_name(snap, top, named, procedure_query)
        if twins:  # "học bổng chính sách" is the official name of two procedures: the user picks
            return Resolution("choose", "ambiguous", aspect, candidates=[top, *twins][: t.max_candidates])
        if focus_slug and any(c.kind == "procedure" and c.slug == focus_slug for c in close):
            return Resolution("answer", "focus", aspect, "procedure", focus_slug)
        query = topic_query if top.kind == "topic" else procedure_query
        # Every word explained ("học phí"): by one whole name when there are only two ("số thật": "sổ gốc", "thất lạc")
        known = set(query.known)
        explains_all = not query.unknown and known <= top.matched and top.score >= t.explained_answer
        explains_all = explains_all and (top.whole_name > 0 or len(known) > 2)
        runner_up = next((c.score for c in named if c is not top and not c.matched < top.matched), 0.0)
        clear = top.score >= t.clear_answer and top.score - runner_up >= t.clear_gap
        if len(close) == 1 and top.firm and (top.score >= t.answer or clear or explains_all):
            return answer(snap, top, aspect)
        offered = (close if len(close) > 1 else named)[: t.max_candidates]  # weak: the best few, for the user to pick
        ambiguous = len(close) > 1 and top.score >= t.sure_choice
        return Resolution("choose", "ambiguous" if ambiguous else "weak", aspect, candidates=offered)
    unknown = sum(1 for token in procedure_query.unknown if f"?{token}" not in procedure_query.weak)  # names, years
    content = len(set(procedure_query.known)) + unknown
    out_of_scope = intent == "out_of_scope" and confidence >= t.intent_confidence  # nothing named, the classifier agrees
    if focus_slug and (out_of_scope or not _fits_focus(snap, focus_slug, procedure_query, text)):
        return Resolution("not_found", "not_about_focus", aspect)  # "thủ tục cấp giấy phép lái xe được không"
    case = bool(focus_slug) and not asked and content > 0 and poses_a_case(text)
    return _nothing_named(snap, aspect, asked, focus_slug, intent, unknown, content, case)


def _by_aspect_word_only(c: Candidate, aspect: str, asked: bool) -> bool:
    """A topic matched by one word of the aspect asked ("hạn", "tiền") and not that aspect's own topic is not named."""
    data = aspect_data()
    said = data.words.get(aspect, frozenset()) if asked else frozenset()
    return c.kind == "topic" and not c.firm and c.matched <= said and c.slug != data.topic_for_aspect.get(aspect)


def _topics_named_by(snap: Snapshot, rest: str, aspect: str) -> set[str]:
    """Topics that the message's words outside its aspect phrase name firmly and specifically on their own; the
    aspect's own general topic only by words that are not the aspect's ("lịch thi", not "kết quả trả qua")."""
    hits = snap.topic_index.search_query(snap.topic_index.analyse(rest), limit=THRESHOLDS.max_candidates)
    data = aspect_data()
    own_topic = data.topic_for_aspect.get(aspect)
    aspect_words = data.words.get(aspect, frozenset())
    return {
        h.slug
        for h in hits
        if _specific(h)
        and (len(h.matched) >= 2 or h.whole_name > 0)
        and not (h.slug == own_topic and set(h.matched) <= aspect_words)
    }


def _fits_focus(snap: Snapshot, focus: str, query: Query, text: str) -> bool:
    """A follow-up's own words speak of the procedure in focus: its whole text holds most of their weight.

    Each word weighs its rarity across the catalogue (a word no entry holds weighs most), so "giáo", "lớp" say little.
    Words typed unlike the stop word they fold onto ("bạo lực", "đánh") count: the catalogue holds none of them.
    """
    index = snap.full_text
    words = {w for w in (*query.known, *query.unknown) if not w.isdigit() and not {w, f"?{w}"} & query.weak}
    words |= unlisted_words(text)
    if len(words) < THRESHOLDS.focus_check_words or index is None:
        return True
    own = index.words_of.get(("procedure", focus), frozenset())
    weight = {w: index.idf.get(w, index.rarest) for w in words}
    return sum(weight[w] for w in words if w in own) >= THRESHOLDS.focus_fit * sum(weight.values())


def _procedure_over_topic(snap: Snapshot, named: list[Candidate]) -> Candidate:
    """The best match; but a procedure of the best topic's subject that names more of the message is meant instead."""
    top = named[0]
    if top.kind != "topic":
        return top
    near = (c for c in named if c.score >= top.score - THRESHOLDS.topic_gap and c.kind == "procedure")
    more = (c for c in near if c.matched >= top.matched and (c.matched > top.matched or c.whole_name > top.whole_name))
    return next((c for c in more if _same_subject(snap, top, c)), top)


def _same_subject(snap: Snapshot, a: Candidate, b: Candidate) -> bool:
    """A topic and a procedure that share a name speak of one subject: either answers, no choice needed."""
    pair = (a.slug, b.slug) if a.kind == "topic" else (b.slug, a.slug)
    return a.kind != b.kind and pair in snap.same_subject


def _nothing_named(
    snap: Snapshot,
    aspect: str,
    asked: bool,
    focus: str | None,
    intent: str | None,
    unknown: int,
    content: int = 0,
    case: bool = False,
) -> Resolution:
    """No entry named: follow up on the focus, answer the aspect's general topic, ask which, or decline.

    A case posed about the focus with words of its own ("nếu trường không nhận thì sao") is one the record does not
    cover: said so (the focus kept), not answered with the focus's card again.
    """
    if unknown >= THRESHOLDS.unknown_words_not_found:
        return Resolution("not_found", "no_match", aspect)
    if focus and case:
        return Resolution("not_found", "case_not_covered", aspect, "procedure", focus)
    if focus and (asked or unknown == 0):
        return Resolution("answer", "focus", aspect, "procedure", focus)
    topic = aspect_data().topic_for_aspect.get(aspect)
    if asked and topic in snap.topics and content <= THRESHOLDS.general_question_words:
        return Resolution("answer", "aspect_topic", aspect, "topic", topic)
    if aspect == "online_only" and asked:
        return Resolution("answer", "online_only_list", aspect)
    if not asked and intent in (None, "nlu_fallback", "out_of_scope"):
        return Resolution("not_found", "not_understood", aspect)
    return Resolution("choose", "need_procedure", aspect)


def resolve(
    snap: Snapshot,
    text: str,
    focus: str | None = None,
    intent: str | None = None,
    confidence: float = 0.0,
    last_aspect: str | None = None,
    pick: str | None = None,
    topic: str | None = None,
    offered: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The full answer of GET /api/v1/resolve: the decision with every document the reply needs embedded."""
    res = decide(snap, text, focus, intent, confidence, last_aspect, pick, topic, offered)
    out: dict[str, Any] = {
        "query": without_personal_data(text[:200]),
        "decision": res.decision,
        "reason": res.reason,
        "kind": res.kind,
        "slug": res.slug,
        "aspect": res.aspect,
        "aspects": list(res.aspects),
        "also_aspects": [a for a in res.aspects if a != res.aspect],
        "candidates": [{"kind": c.kind, "slug": c.slug, "title": c.title, "score": c.score} for c in res.candidates or []],
        "procedure": None,
        "topic": None,
        "replaced": res.replaced,
        "extra": {},
        "site": snap.site,
    }
    if res.kind == "procedure" and res.slug:
        doc = snap.procedures[res.slug]
        out["procedure"] = cited(snap, "procedure", res.slug)
        aspects = res.aspects or (res.aspect,)
        if "how_online" in aspects and "submit_online_steps" in snap.topics:
            out["extra"]["steps_topic"] = cited(snap, "topic", "submit_online_steps")
        if "deadline" in aspects:
            topic = aspect_data().topic_for_aspect.get("deadline")
            out["extra"]["deadline_notes"] = deadline_notes(doc)
            out["extra"]["deadline_topic"] = (
                {"slug": topic, "title": snap.topics[topic]["title"]} if topic in snap.topics else None
            )
    elif res.kind == "topic" and res.slug:
        out["topic"] = cited(snap, "topic", res.slug)
        own = snap.topics[res.slug].get("procedures") or []
        out["extra"]["topic_procedures"] = [{"slug": s, "name": snap.procedures[s]["name"]} for s in own if s in snap.procedures]
    if res.reason == "online_only_list":
        out["extra"]["online_only"] = [
            {"slug": s, "name": d["name"]}
            for s, d in snap.procedures.items()
            if (d.get("online_only_pilot") or {}).get("value") and d.get("status") not in HIDDEN_STATUSES
        ]
    if res.decision == "answer" and res.kind in ("procedure", "topic") and res.slug:
        # This school year's calendar windows of what is answered (api/calendar; read every few seconds, not per turn).
        windows = calendar_cache.for_answer(
            res.slug if res.kind == "procedure" else None, res.slug if res.kind == "topic" else None, text=text
        )
        if windows["events"]:
            out["extra"]["calendar"] = windows
    if res.decision != "answer" or res.reason == "online_only_list":
        order = snap.site.get("popular_procedures", [])
        out["popular"] = [{"slug": s, "name": snap.procedures[s]["name"]} for s in order if s in snap.procedures]
    return out
