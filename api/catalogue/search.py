"""Resolve free text to procedures and topics: accent folding, abbreviations, typo correction, IDF overlap."""

from __future__ import annotations

import functools
import math
import pathlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import yaml
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from textnorm import normalize

Kind = Literal["procedure", "topic"]
_WORD = re.compile(r"\w+", re.UNICODE)
WEAK_WEIGHT = 0.3
UNKNOWN_WEIGHT = 0.5  # share of an average word's weight that an unknown word takes from precision
CORRECTION_PENALTY = 0.3  # share of a corrected word's weight lost to the doubt of the correction
_STOPWORDS_FILE = pathlib.Path(__file__).with_name("stopwords.yml")


@functools.lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str] | tuple[str, ...]]:
    """Stop phrases (longest first), common stop words and the procedure-only ones, normalised like user text."""
    data = yaml.safe_load(_STOPWORDS_FILE.read_text(encoding="utf-8"))

    def phrases(items: list[str]) -> tuple[str, ...]:
        return tuple(sorted({normalize(p) for p in items}, key=len, reverse=True))

    return {
        "topic_raw": tuple(sorted({" ".join(p.lower().split()) for p in data["phrases"]}, key=len, reverse=True)),
        "procedure_raw": tuple(
            sorted({" ".join(p.lower().split()) for p in data["phrases"] + data["procedure_phrases"]}, key=len, reverse=True)
        ),
        "exact": frozenset(w.lower() for w in data["exact_words"]),
        "weak": frozenset(normalize(w) for w in data["weak"]),
        "topic_phrases": phrases(data["phrases"]),
        "procedure_phrases": phrases(data["phrases"] + data["procedure_phrases"]),
        "topic": frozenset(normalize(w) for w in data["words"]),
        "procedure": frozenset(normalize(w) for w in data["words"] + data["procedure_words"]),
    }


def _drop_phrases(padded: str, phrases: Any) -> str:
    """Remove every whole-word occurrence of each phrase from space-padded text."""
    for phrase in phrases:
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return padded


def content_tokens(text: str, kind: Kind = "procedure") -> list[str]:
    """Normalise text and drop the words that carry the question rather than the procedure or topic."""
    lists = _stoplists()
    raw = f" {' '.join(_WORD.findall(unicodedata.normalize('NFC', text[:2000].lower())))} "
    raw = _drop_phrases(raw, lists[f"{kind}_raw"])  # phrases as typed with diacritics ("thì sao")
    words = [w for w in raw.split() if w not in lists["exact"]]
    padded = _drop_phrases(f" {normalize(' '.join(words))} ", lists[f"{kind}_phrases"])  # and typed without
    stop = lists[kind]
    return [t for t in padded.split() if t not in stop]


@dataclass(frozen=True)
class Entry:
    """A searchable item: a procedure or a topic with all the names it goes by."""

    kind: Kind
    slug: str
    title: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """A scored search result."""

    kind: Kind
    slug: str
    title: str
    score: float
    matched_name: str


class SearchIndex:
    """In-memory index over the names of one kind of entry (procedures or topics), with its own vocabulary."""

    def __init__(self, kind: Kind, entries: list[Entry]) -> None:
        self.kind = kind
        self.entries = entries
        self._names: list[tuple[Entry, str, tuple[str, ...]]] = []
        doc_freq: Counter[str] = Counter()
        for entry in entries:
            seen: set[str] = set()
            for name in entry.names:
                tokens = tuple(content_tokens(name, kind))
                if tokens:
                    self._names.append((entry, name, tokens))
                    seen.update(tokens)
            doc_freq.update(seen)
        total = max(len(entries), 1)
        weak = _stoplists()["weak"]
        self.idf = {t: math.log(1 + total / df) * (WEAK_WEIGHT if t in weak else 1.0) for t, df in doc_freq.items()}
        self.vocab = list(self.idf)
        self.mean_idf = sum(self.idf.values()) / max(len(self.idf), 1)
        self._by_initial: dict[str, list[str]] = {}
        for word in self.vocab:
            self._by_initial.setdefault(word[0], []).append(word)

    def _correct(self, token: str) -> str | None:
        """Map a token to the vocabulary, allowing one typo in 4–5 letters and two from 6."""
        if token in self.idf:
            return token
        if len(token) < 4 or token.isdigit():
            return None
        same_start = self._by_initial.get(token[0], [])  # people rarely mistype the first letter
        best = process.extractOne(token, same_start, scorer=DamerauLevenshtein.distance, score_cutoff=1 if len(token) < 6 else 2)
        return best[0] if best else None

    def split_query(self, text: str) -> tuple[list[str], list[str]]:
        """The user's content tokens: (known, corrected to the vocabulary), (unknown to this index)."""
        known, unknown, _ = self._analyse(text)
        return known, unknown

    def _analyse(self, text: str) -> tuple[list[str], list[str], float]:
        """Known tokens, unknown tokens, and the query weight lost to typo corrections and unknown words."""
        known: list[str] = []
        unknown: list[str] = []
        lost = 0.0
        for token in content_tokens(text, self.kind):
            corrected = self._correct(token)
            if corrected is None:
                unknown.append(token)
                lost += UNKNOWN_WEIGHT * self.mean_idf
            else:
                known.append(corrected)
                lost += 0.0 if corrected == token else CORRECTION_PENALTY * self.idf[corrected]
        return known, unknown, lost

    def _score(self, query: list[str], name: tuple[str, ...], lost: float) -> float:
        """Harmonic mean of IDF-weighted recall of the name and precision of the query, plus bigram order.

        Words the index does not know, and typo corrections, weigh on precision (`lost`), so a question
        about something outside the catalogue does not ride on one or two common words.
        """
        qset, nset = set(query), set(name)
        common = qset & nset
        if not common:
            return 0.0
        recall = sum(self.idf[t] for t in common) / sum(self.idf[t] for t in nset)
        precision = sum(self.idf[t] for t in common) / (sum(self.idf[t] for t in qset) + lost)
        f1 = 2 * recall * precision / (recall + precision)
        name_bigrams = set(pairwise(name))
        if name_bigrams:
            order = len(name_bigrams & set(pairwise(query))) / len(name_bigrams)
            f1 = 0.9 * f1 + 0.1 * order
        return f1

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """Best-scoring entries for the text, one hit per entry, highest first."""
        query, _, lost = self._analyse(text)
        if not query:
            return []
        best: dict[str, Hit] = {}
        for entry, name, tokens in self._names:
            score = self._score(query, tokens, lost)
            if score > 0 and (entry.slug not in best or score > best[entry.slug].score):
                best[entry.slug] = Hit(entry.kind, entry.slug, entry.title, round(score, 4), name)
        return sorted(best.values(), key=lambda h: (-h.score, h.slug))[:limit]
