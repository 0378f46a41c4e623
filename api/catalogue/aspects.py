"""What a message asks about a procedure (documents, time, fee, ...): the phrases of aspects.yml, read once."""

from __future__ import annotations

import functools
import pathlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from api.catalogue.words import read_as
from textnorm import normalize
from textnorm.normalize import fold

_ASPECTS_FILE = pathlib.Path(__file__).with_name("aspects.yml")
_WORD = re.compile(r"\w+", re.UNICODE)
_CLAUSE_END = re.compile(r"[.?!,;:\n]")


@dataclass(frozen=True)
class AspectData:
    """aspects.yml, normalised: intent map, protected phrases, phrases per aspect in priority order, topics."""

    intents: dict[str, str]
    keep: tuple[tuple[str, ...], ...]
    phrases: tuple[tuple[str, tuple[str, ...]], ...]  # (aspect, phrase words), longest first
    order: tuple[str, ...]
    topic_for_aspect: dict[str, str]
    words: dict[str, frozenset[str]]  # aspect → every word of its phrases, accent-folded as search tokens are
    deadline_words: tuple[str, ...]
    other_fields: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]  # school level → the words that name it, normalised
    school_stages: frozenset[str]  # the levels a pupil may be at
    school_words: tuple[str, ...]  # words that name a pupil of any school stage ("học sinh"), normalised
    case_openers: tuple[str, ...]  # words that pose a case ("nếu", "trường hợp"), normalised
    not_a_stage: tuple[str, ...]  # phrases whose stage words name a field of study ("sư phạm mầm non"), normalised


@functools.lru_cache(maxsize=1)
def aspect_data() -> AspectData:
    """Load aspects.yml once."""
    data = yaml.safe_load(_ASPECTS_FILE.read_text(encoding="utf-8"))
    order = tuple(data["phrases"])
    phrases = [(aspect, tuple(normalize(p).split())) for aspect in order for p in data["phrases"][aspect]]
    phrases.sort(key=lambda ap: (-len(ap[1]), order.index(ap[0])))
    return AspectData(
        intents=dict(data["intents"]),
        keep=tuple(sorted((tuple(normalize(p).split()) for p in data["keep"]), key=len, reverse=True)),
        phrases=tuple(phrases),
        order=order,
        topic_for_aspect=dict(data["topic_for_aspect"]),
        words={a: frozenset(fold(w) for b, phrase in phrases if b == a for w in phrase) for a in order},
        deadline_words=tuple(normalize(w) for w in data["deadline_words"]),
        other_fields=tuple(normalize(w) for w in data["other_fields"]),
        levels={level: tuple(normalize(w) for w in words) for level, words in data["levels"].items()},
        school_stages=frozenset(data["school_stages"]),
        school_words=tuple(normalize(w) for w in data["school_words"]),
        case_openers=tuple(normalize(w) for w in data["case_openers"]),
        not_a_stage=tuple(normalize(w) for w in data["not_a_stage"]),
    )


def poses_a_case(text: str) -> bool:
    """A clause of the message opens with a case ("nếu ...", "vậy trường hợp ..."): it asks about that case."""
    for clause in _CLAUSE_END.split(text[:2000]):
        words = normalize(clause).split()
        for start in range(min(3, len(words))):  # "nếu ...", "vậy nếu ...", "thế còn nếu ..."
            if any(f" {' '.join(words[start:])} ".startswith(f" {o} ") for o in aspect_data().case_openers):
                return True
    return False


def other_fields_named(text: str) -> tuple[str, ...]:
    """The words of another field (aspects.yml other_fields) the message holds."""
    padded = f" {normalize(text)} "
    return tuple(w for w in aspect_data().other_fields if f" {w} " in padded)


@functools.lru_cache(maxsize=1024)
def levels_named(padded: str) -> frozenset[str]:
    """The stages of schooling (aspects.yml levels) that normalised, space-padded text names, synonyms read.

    Each name of a " | "-joined list is read on its own: "học sinh" names every school stage only in a name that
    names none of them ("Tiếp nhận học sinh"), not beside "trung học phổ thông".
    """
    data = aspect_data()
    padded = read_as(padded)
    for phrase in data.not_a_stage:
        padded = padded.replace(f" {phrase} ", " | ")
    found: set[str] = set()
    for part in padded.split("|"):
        part = f" {part.strip()} "
        named = {level for level, words in data.levels.items() if any(f" {w} " in part for w in words)}
        if not named & data.school_stages and any(f" {w} " in part for w in data.school_words):
            named |= data.school_stages
        found |= named
    return frozenset(found)


def _find(words: list[str], phrase: tuple[str, ...], taken: list[bool]) -> list[int]:
    """Start positions where the phrase occurs on words not yet taken."""
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase and not any(taken[i : i + n])]


@dataclass(frozen=True)
class Asked:
    """What one message asks: its main specific aspect, an overview phrase, the rest of the text, all it named."""

    specific: str | None
    overview: str | None
    rest: str
    named: tuple[str, ...] = ()  # every specific aspect its phrases name, in the order they were written


@functools.lru_cache(maxsize=512)
def split_aspect(text: str) -> Asked:
    """The aspects one message asks about, and the text without its aspect phrases (to search for the entry)."""
    data = aspect_data()
    lowered = unicodedata.normalize("NFC", text[:2000].lower())
    raw: list[str] = []
    clause: list[int] = []  # each word and the clause it is in (a new one after . ? ! , ; : or a line break)
    end = 0
    for match in _WORD.finditer(lowered):
        raw.append(match.group())
        clause.append((clause[-1] if clause else 0) + bool(_CLAUSE_END.search(lowered, end, match.start())))
        end = match.end()
    words: list[str] = []
    owner: list[int] = []  # normalised word → index of the raw word it came from
    for i, word in enumerate(raw):
        for part in normalize(word).split():
            words.append(part)
            owner.append(i)
    taken = [False] * len(words)
    present = set(words)
    for phrase in data.keep:
        if not present.issuperset(phrase):
            continue
        for start in _find(words, phrase, taken):
            taken[start : start + len(phrase)] = [True] * len(phrase)
    kept = list(taken)
    found: list[tuple[int, str]] = []
    for aspect, phrase in data.phrases:
        if not present.issuperset(phrase):
            continue
        for start in _find(words, phrase, taken):
            taken[start : start + len(phrase)] = [True] * len(phrase)
            found.append((start, aspect))
    drop = {owner[i] for i, t in enumerate(taken) if t and not kept[i]}
    rest = " ".join(word for i, word in enumerate(raw) if i not in drop)
    aspects = {a for _, a in found}
    asked = [(clause[owner[start]], a) for start, a in found if a != "overview"]
    first = {a for c, a in asked if c == min(asked)[0]} if asked else set()  # the first clause that asks: its aspect
    specific = next((a for a in data.order if a in first), None)  # the most specific ("hết hạn" over "khi nào")
    named = tuple(dict.fromkeys(a for _, a in sorted(found) if a != "overview"))
    return Asked(specific, "overview" if "overview" in aspects else None, rest, named)


def deadline_notes(doc: dict[str, Any]) -> list[str]:
    """What a procedure record says about time limits: its notes that name a date, a period or a deadline."""
    words = aspect_data().deadline_words
    out = []
    for note in doc.get("notes") or []:
        value = note.get("value") or ""
        padded = f" {normalize(value)} "
        if any(f" {w} " in padded for w in words):
            out.append(value)
    return out
