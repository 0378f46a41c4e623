"""BM25 over every text of a procedure or topic: a second, independent opinion beside the name matcher.

Names and aliases say what an entry is called; a parent's long question often says instead who it is for,
what they lack or what the result is. Those words are in the entry's documents, conditions, steps and notes.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise
from typing import Any

from textnorm import normalize

K1 = 1.2
B = 0.75
SKIPPED_KEYS = frozenset(
    {"sources", "source", "checked_on", "verified", "url", "slug", "code", "former_codes", "status", "successor"}
)  # bookkeeping, not content


def texts(obj: Any, keep: list[str] | None = None) -> list[str]:
    """Every string of a document, bookkeeping fields left out."""
    out = [] if keep is None else keep
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if key not in SKIPPED_KEYS:
                texts(value, out)
    elif isinstance(obj, list | tuple):
        for value in obj:
            texts(value, out)
    return out


def terms(text: str) -> list[str]:
    """Folded words and word pairs ("hoc_phi"): Vietnamese meaning lives in two-syllable words."""
    words = normalize(text).split()
    return words + [f"{a}_{b}" for a, b in pairwise(words)]


class FullTextIndex:
    """BM25 over whole documents, keyed by (kind, slug)."""

    def __init__(self, documents: dict[tuple[str, str], Any]) -> None:
        self.keys = list(documents)
        bags = [Counter(terms(" ".join(texts(doc)))) for doc in documents.values()]
        lengths = [sum(bag.values()) for bag in bags]
        average = sum(lengths) / max(len(lengths), 1) or 1.0
        total = len(bags)
        doc_freq: Counter[str] = Counter()
        for bag in bags:
            doc_freq.update(bag.keys())
        self.idf = {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}
        self.words = frozenset(t for t in doc_freq if "_" not in t)  # single words, without the pairs
        self.rarest = max(self.idf.values(), default=1.0)  # the weight of a word no entry holds
        self.words_of = {key: frozenset(t for t in bag if "_" not in t) for key, bag in zip(self.keys, bags, strict=True)}
        self.postings: dict[str, list[tuple[int, float]]] = {}  # term → (document, its BM25 share: IDF × weight)
        for i, bag in enumerate(bags):
            norm = K1 * (1 - B + B * lengths[i] / average)
            for term, count in bag.items():
                self.postings.setdefault(term, []).append((i, self.idf[term] * (count * (K1 + 1) / (count + norm))))

    def relative(self, text: str) -> dict[tuple[str, str], float]:
        """Each matching entry's BM25 score over the best one's (the best is 1.0; no match: empty)."""
        scores = [0.0] * len(self.keys)
        for term in set(terms(text[:2000])):
            for i, share in self.postings.get(term, ()):
                scores[i] += share
        best = max(scores, default=0.0)
        return {self.keys[i]: s / best for i, s in enumerate(scores) if s > 0} if best > 0 else {}
