"""Procedures that one phrase names alike: the whole phrase a message named the best one by stands in the official
names of others too ("học bổng chính sách" is in the names of two scholarships), so the user picks."""

from __future__ import annotations

from difflib import SequenceMatcher

from api.catalogue.decision import Candidate
from api.catalogue.search import Query
from api.catalogue.store import Snapshot
from api.catalogue.words import content_tokens, word_set


def _official_words(snap: Snapshot, slug: str) -> tuple[str, ...]:
    """A procedure's official name as content words, in order."""
    return tuple(content_tokens(str(snap.procedures[slug].get("name") or "")))


def sharing_the_name(snap: Snapshot, top: Candidate, named: list[Candidate], query: Query) -> list[Candidate]:
    """Other procedures whose official names hold, in the same order, the whole phrase the message named the best
    one by: the message names them all alike ("học bổng chính sách" is in the names of two procedures).

    Only procedures for the same audience: an organisation's procedure ranks below a citizen's, never beside it.
    A message that holds one of the best one's names whole ("chuyển trường") has named it.
    """
    if top.kind != "procedure" or len(top.matched) < 2 or top.whole_name:  # a whole name typed ("chuyển trường")
        return []
    phrase = _longest_shared_run(query.tokens, _official_words(snap, top.slug))
    generic = word_set("generic")
    if len(phrase) < 2 or set(phrase) != top.matched or set(phrase) <= generic:
        return []
    audience = snap.procedures[top.slug].get("audience")  # a school's founding is no twin of a parent's procedure
    return [
        c
        for c in named
        if c is not top
        and c.kind == "procedure"
        and snap.procedures[c.slug].get("audience") == audience
        and _holds_run(_official_words(snap, c.slug), phrase)
    ]


def _longest_shared_run(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The longest run of words found in the same order in both (the first, when several are as long)."""
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a : match.a + match.size]


def _holds_run(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """The run stands in the words, in order and unbroken."""
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))
