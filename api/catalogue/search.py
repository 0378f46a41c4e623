"""Resolve free text to procedures and topics: accent folding, abbreviations, typo correction, IDF overlap."""

from __future__ import annotations

import functools
import math
import pathlib
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import yaml
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from textnorm import normalize

Kind = Literal["procedure", "topic"]
_STOPWORDS_FILE = pathlib.Path(__file__).with_name("stopwords.yml")


@functools.lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str] | tuple[str, ...]]:
    """Stop phrases (longest first), common stop words and the procedure-only ones, normalised like user text."""
    data = yaml.safe_load(_STOPWORDS_FILE.read_text(encoding="utf-8"))

    def phrases(items: list[str]) -> tuple[str, ...]:
        return tuple(sorted({normalize(p) for p in items}, key=len, reverse=True))

    return {
        "topic_phrases": phrases(data["phrases"]),
        "procedure_phrases": phrases(data["phrases"] + data["procedure_phrases"]),
        "topic": frozenset(normalize(w) for w in data["words"]),
        "procedure": frozenset(normalize(w) for w in data["words"] + data["procedure_words"]),
    }


def content_tokens(text: str, kind: Kind = "procedure") -> list[str]:
    """Normalise text and drop the words that carry the question rather than the procedure or topic."""
    lists = _stoplists()
    padded = f" {normalize(text)} "
    for phrase in lists[f"{kind}_phrases"]:
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
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
        self.idf = {t: math.log(1 + total / df) for t, df in doc_freq.items()}
        self.vocab = list(self.idf)

    def _correct(self, token: str) -> str | None:
        """Map a token to the vocabulary, allowing one typo in 4–5 letters and two from 6."""
        if token in self.idf:
            return token
        if len(token) < 4 or token.isdigit():
            return None
        best = process.extractOne(token, self.vocab, scorer=DamerauLevenshtein.distance, score_cutoff=1 if len(token) < 6 else 2)
        return best[0] if best else None

    def split_query(self, text: str) -> tuple[list[str], list[str]]:
        """The user's content tokens: (known, corrected to the vocabulary), (unknown to this index)."""
        known: list[str] = []
        unknown: list[str] = []
        for token in content_tokens(text, self.kind):
            corrected = self._correct(token)
            (known if corrected else unknown).append(corrected or token)
        return known, unknown

    def _score(self, query: list[str], name: tuple[str, ...]) -> float:
        """Harmonic mean of IDF-weighted recall of the name and precision of the query, plus bigram order."""
        qset, nset = set(query), set(name)
        common = qset & nset
        if not common:
            return 0.0
        recall = sum(self.idf[t] for t in common) / sum(self.idf[t] for t in nset)
        precision = sum(self.idf[t] for t in common) / sum(self.idf[t] for t in qset)
        f1 = 2 * recall * precision / (recall + precision)
        name_bigrams = set(pairwise(name))
        if name_bigrams:
            order = len(name_bigrams & set(pairwise(query))) / len(name_bigrams)
            f1 = 0.9 * f1 + 0.1 * order
        return f1

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """Best-scoring entries for the text, one hit per entry, highest first."""
        query, _ = self.split_query(text)
        if not query:
            return []
        best: dict[str, Hit] = {}
        for entry, name, tokens in self._names:
            score = self._score(query, tokens)
            if score > 0 and (entry.slug not in best or score > best[entry.slug].score):
                best[entry.slug] = Hit(entry.kind, entry.slug, entry.title, round(score, 4), name)
        return sorted(best.values(), key=lambda h: (-h.score, h.slug))[:limit]
