"""What the conversation already holds settles a doubt: the topic answered last, or the choices offered last."""

from __future__ import annotations

from dataclasses import replace

from api.catalogue.decision import Candidate, Resolution, answer
from api.catalogue.store import Snapshot
from api.catalogue.thresholds import THRESHOLDS


def within_topic(snap: Snapshot, res: Resolution, topic: str) -> Resolution:
    """After a topic's answer, a doubt between procedures is settled by the ones that topic leads to."""
    own = [s for s in (snap.topics.get(topic) or {}).get("procedures") or [] if s in snap.procedures]
    if not own or res.decision != "choose":
        return res
    if res.reason != "need_procedure":  # named, but ambiguous or weak
        kept = [c for c in res.candidates or [] if c.kind == "procedure" and c.slug in own]
        if len(kept) == 1 and kept[0].firm:
            return answer(snap, kept[0], res.aspect)
        return replace(res, candidates=kept) if kept else res
    if len(own) == 1:
        return Resolution("answer", "topic_focus", res.aspect, "procedure", own[0])
    titles = [Candidate("procedure", s, snap.procedures[s]["name"], 0.0, True) for s in own[: THRESHOLDS.max_candidates]]
    return Resolution("choose", "topic_focus", res.aspect, candidates=titles)


def within_offer(snap: Snapshot, res: Resolution, offered: tuple[str, ...]) -> Resolution:
    """After a choice, a question that names no entry ("cần giấy tờ gì") is about the entries just offered: offered
    again, with the aspect now asked. `offered` holds "kind:slug" items, as the choice's candidates were."""
    if res.decision != "choose" or res.reason != "need_procedure":
        return res
    titles = []
    for item in offered[: THRESHOLDS.max_candidates]:
        kind, _, slug = item.partition(":")
        if kind == "procedure" and slug in snap.procedures:
            titles.append(Candidate("procedure", slug, snap.procedures[slug]["name"], 0.0, True))
        elif kind == "topic" and slug in snap.topics:
            titles.append(Candidate("topic", slug, snap.topics[slug]["title"], 0.0, True))
    return Resolution("choose", "offered", res.aspect, candidates=titles) if titles else res
