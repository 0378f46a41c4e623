"""From a message to the words that can name a procedure or topic: stop lists, synonyms, personal context and
how each word was spelt (search.py ranks entries on these words)."""

from __future__ import annotations

import functools
import pathlib
import re
import unicodedata
from typing import Any, Literal

import yaml

from textnorm import fold, normalize

Kind = Literal["procedure", "topic"]
WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.?!:\n]|\s-)\s*$")
_YEAR = re.compile(r"(?:19|20)\d\d")
_STOPWORDS_FILE = pathlib.Path(__file__).with_name("stopwords.yml")
_SYNONYMS_FILE = pathlib.Path(__file__).with_name("synonyms.yml")


@functools.lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[str, str], ...]:
    """(phrase, read as), normalised and space-padded, longest phrase first."""
    data = yaml.safe_load(_SYNONYMS_FILE.read_text(encoding="utf-8")) or {}
    pairs = {f" {normalize(str(k))} ": f" {normalize(str(v))} " for k, v in data.items()}
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


def read_as(padded: str) -> str:
    """Replace each synonym phrase of space-padded normalised text by the phrase it means."""
    for phrase, meaning in _synonyms():
        if phrase in padded:
            padded = padded.replace(phrase, meaning)
    return padded


def _longest_first(phrase: str) -> tuple[int, str]:
    """Longest phrase first, then alphabetical: overlapping phrases are dropped in the same order in every process."""
    return -len(phrase), phrase


@functools.lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str] | tuple[str, ...]]:
    """Stop phrases (longest first), common stop words and the procedure-only ones, normalised like user text."""
    data = yaml.safe_load(_STOPWORDS_FILE.read_text(encoding="utf-8"))

    def phrases(items: list[str]) -> tuple[str, ...]:
        return tuple(sorted({normalize(p) for p in items}, key=_longest_first))

    return {
        "topic_raw": tuple(sorted({" ".join(p.lower().split()) for p in data["phrases"]}, key=_longest_first)),
        "procedure_raw": tuple(
            sorted({" ".join(p.lower().split()) for p in data["phrases"] + data["procedure_phrases"]}, key=_longest_first)
        ),
        "exact": frozenset(w.lower() for w in data["exact_words"]),
        "weak": frozenset(normalize(w) for w in data["weak"] + data["context_words"]),
        "collisions": frozenset(normalize(w) for w in data["weak"]),
        "generic": frozenset(normalize(w) for w in data["generic"]),
        "all_words": frozenset(
            t
            for key in ("phrases", "words", "procedure_words", "procedure_phrases")
            for w in data[key]
            for t in normalize(w).split()
        ),
        "topic_phrases": phrases(data["phrases"]),
        "procedure_phrases": phrases(data["phrases"] + data["procedure_phrases"]),
        "topic": frozenset(normalize(w) for w in data["words"]),
        "procedure": frozenset(normalize(w) for w in data["words"] + data["procedure_words"]),
        "typed": frozenset(w.lower() for w in data["words"] + data["procedure_words"]),
    }


def word_set(name: Literal["weak", "collisions", "generic", "all_words"]) -> frozenset[str]:
    """One of the word sets of stopwords.yml (weak, generic, every listed word), normalised."""
    words = _stoplists()[name]
    assert isinstance(words, frozenset)
    return words


def _drop_phrases(padded: str, phrases: Any) -> str:
    """Remove every whole-word occurrence of each phrase from space-padded text."""
    for phrase in phrases:
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return padded


@functools.lru_cache(maxsize=256)
def personal_words(text: str) -> frozenset[str]:
    """Names and places (capitalised inside a sentence) and years, folded: personal context that names no procedure."""
    text = text[:2000]
    words = {
        m.group()
        for m in WORD.finditer(text)
        if m.group().istitle() and not m.group().isupper() and not _SENTENCE_START.search(text[max(0, m.start() - 3) : m.start()])
    }
    return frozenset(normalize(" ".join(words)).split()) | frozenset(_YEAR.findall(text[:2000]))


def content_tokens(text: str, kind: Kind = "procedure") -> list[str]:
    """Normalise text and drop the words that carry the question rather than the procedure or topic."""
    lists = _stoplists()
    raw = f" {' '.join(WORD.findall(unicodedata.normalize('NFC', text[:2000].lower())))} "
    raw = _drop_phrases(raw, lists[f"{kind}_raw"])  # phrases as typed with diacritics ("thì sao")
    words = [w for w in raw.split() if w not in lists["exact"]]
    padded = _drop_phrases(read_as(f" {normalize(' '.join(words))} "), lists[f"{kind}_phrases"])  # and typed without
    stop = lists[kind]
    return [t for t in padded.split() if t not in stop]


def unlisted_words(text: str) -> frozenset[str]:
    """Words the stop lists drop only once folded: typed with other diacritics than the stop word, they are content
    the catalogue does not hold ("bạo lực" is neither "bao" nor "lúc", "đánh" is not "danh sách")."""
    lists = _stoplists()
    typed, stop = lists["typed"], lists["procedure"]
    words = WORD.findall(unicodedata.normalize("NFC", text[:2000].lower()))
    return frozenset(f for w in words if w not in typed and (f := fold(w)) in stop and f != w)


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


@functools.lru_cache(maxsize=8192)
def spelling(word: str) -> str:
    """A word as spelt with its diacritics, the tone mark moved to the end: "hoà" and "hòa" are one spelling."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tone = "".join(ch for ch in decomposed if ch in _TONES)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES)) + tone


@functools.lru_cache(maxsize=256)
def spellings(text: str) -> dict[str, frozenset[str]]:
    """Each folded word of a text typed with diacritics → how it was spelt ("van" → {"văn"}); words typed plain
    anywhere in the text are left out: they say nothing of which word was meant."""
    out: dict[str, set[str]] = {}
    plain: set[str] = set()
    for word in WORD.findall(unicodedata.normalize("NFC", text[:2000].lower())):
        folded = fold(word)
        if folded == word:
            plain.add(folded)
        elif " " not in folded:
            out.setdefault(folded, set()).add(spelling(word))
    return {w: frozenset(forms) for w, forms in out.items() if w not in plain}
