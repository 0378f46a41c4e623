"""Rank procedures and topics by the words of a message: typo correction, IDF overlap, word order, spelling."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from api.catalogue.words import (
    WORD,
    Kind,
    content_tokens,
    personal_words,
    spellings,
    word_set,
)

WEAK_WEIGHT = 0.3
WEAK_DILUTION = 0.25  # share of an unmatched weak word's weight that still lowers precision (context weighs nothing)
UNKNOWN_WEIGHT = 0.5  # share of an average word's weight that an unknown word takes from precision
CORRECTION_PENALTY = 0.3  # share of a corrected word's weight lost to the doubt of the correction
WINDOW_SHARE = 0.75  # a name matched inside a longer question: its stretch's precision, discounted
COVERAGE_SHARE = 0.3  # share of an entry's score from how much of the question all its names explain
DESCRIPTION_SHARE = 0.2  # share from the question's other words found in the entry's description
ORDER_SHARE = 0.2  # share of a name's score from its word pairs found in the same order in the question
MAX_QUERY_TOKENS = 120  # content words read from one message (a long message is judged by its beginning)


@dataclass(frozen=True)
class Entry:
    """A searchable item: a procedure or a topic with all the names it goes by."""

    kind: Kind
    slug: str
    title: str
    names: tuple[str, ...]
    description: str = ""  # who may ask, conditions, result (procedures) or the summary (topics): weighs a little


def names_of(entry: Entry, kind: Kind | None = None) -> frozenset[tuple[str, ...]]:
    """An entry's names as content words (read as `kind`'s index reads them, by default its own)."""
    return frozenset(t for t in (tuple(content_tokens(n, kind or entry.kind)) for n in entry.names) if t)


DESCRIPTION_FIELDS = ("who_may_request", "conditions", "result")


def describe(doc: dict[str, Any]) -> str:
    """The descriptive text of a procedure or topic whose words help tell close entries apart."""
    parts = [str((doc.get(key) or {}).get("value") or "") for key in DESCRIPTION_FIELDS]
    return " ".join([*parts, str(doc.get("summary") or "")])


@dataclass(frozen=True)
class Hit:
    """A scored search result, with the query words it matched (to tell a real match from generic words)."""

    kind: Kind
    slug: str
    title: str
    score: float
    matched_name: str
    matched: tuple[str, ...] = ()
    whole_name: int = 0  # words of the best name when the question holds all of them, else 0


@dataclass(frozen=True)
class Query:
    """A text analysed against one index: its words in order, their weights, and what could not be matched."""

    tokens: tuple[str, ...]  # in order; unknown words kept as typed (they never match a name)
    weights: dict[str, float]
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    weak: frozenset[str] = frozenset()  # keys of weak words (personal context, folded collisions)
    strong: dict[str, float] = field(default_factory=dict)  # folded collisions typed in an accented message: full IDF
    diluted: dict[str, float] = field(default_factory=dict)  # each word's weight against precision when unmatched
    positions: dict[str, tuple[int, ...]] = field(default_factory=dict)  # where each word stands in `tokens`
    spelt: dict[str, frozenset[str]] = field(default_factory=dict)  # folded word → its spellings as typed (spellings)


class SearchIndex:
    """In-memory index over the names of one kind of entry (procedures or topics), with its own vocabulary."""

    def __init__(self, kind: Kind, entries: list[Entry], known_words: frozenset[str] = frozenset()) -> None:
        self.kind = kind
        self.entries = entries
        self.known_words = known_words | word_set("all_words")
        self._names: list[tuple[Entry, str, tuple[str, ...]]] = []
        self._described = {entry.slug: frozenset(content_tokens(entry.description, kind)) for entry in entries}
        self._postings: dict[str, list[int]] = {}
        doc_freq: Counter[str] = Counter()
        for entry in entries:
            seen: set[str] = set()
            for name in entry.names:
                tokens = tuple(content_tokens(name, kind))
                if tokens:
                    for token in set(tokens):
                        self._postings.setdefault(token, []).append(len(self._names))
                    self._names.append((entry, name, tokens))
                    seen.update(tokens)
            doc_freq.update(seen)
        total = max(len(entries), 1)
        weak = word_set("weak")
        self.full_idf = {t: math.log(1 + total / df) for t, df in doc_freq.items()}
        self.idf = {t: idf * (WEAK_WEIGHT if t in weak else 1.0) for t, idf in self.full_idf.items()}
        self.vocab = list(self.idf)
        self._shapes = [
            (frozenset(tokens), sum(self.full_idf[t] for t in set(tokens)), frozenset(pairwise(tokens)))
            for _, _, tokens in self._names
        ]
        self.mean_idf = sum(self.idf.values()) / max(len(self.idf), 1)
        self._name_pairs = frozenset(pair for _, _, pairs in self._shapes for pair in pairs)
        self._slugs = [entry.slug for entry, _, _ in self._names]
        self._spelt = [spellings(name) for _, name, _ in self._names]  # a name's words as the catalogue spells them
        self._spellings: dict[str, frozenset[str]] = {}  # folded word → every spelling the names give it
        for spelt in self._spelt:
            for word, forms in spelt.items():
                self._spellings[word] = self._spellings.get(word, frozenset()) | forms
        self._entry_words: dict[str, frozenset[str]] = {}
        for entry, _, tokens in self._names:
            self._entry_words[entry.slug] = self._entry_words.get(entry.slug, frozenset()) | frozenset(tokens)
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self.vocab):  # sorted: of two corrections as close, every process picks the same one
            self._by_initial.setdefault(word[0], []).append(word)

    def _correct(self, token: str) -> str | None:
        """Map a token to the vocabulary, allowing one typo in 4–5 letters and two from 6; real words stay as they are."""
        if token in self.idf:
            return token
        if len(token) < 4 or token.isdigit() or token in self.known_words:
            return None
        same_start = self._by_initial.get(token[0], [])  # people rarely mistype the first letter
        best = process.extractOne(token, same_start, scorer=DamerauLevenshtein.distance, score_cutoff=1 if len(token) < 6 else 2)
        return best[0] if best else None

    def split_query(self, text: str) -> tuple[list[str], list[str]]:
        """The user's content tokens: (known, corrected to the vocabulary), (unknown to this index)."""
        query = self.analyse(text)
        return list(query.known), list(query.unknown)

    def analyse(self, text: str, personal: frozenset[str] | None = None) -> Query:
        """Content words in order, each weighted: IDF when known (less when corrected), a share of the mean if not.

        Words the index does not know weigh on precision, so a question about something outside the catalogue
        does not ride on one or two common words; weak words (personal context, folded collisions) weigh little.
        """
        personal = personal_words(text) if personal is None else personal  # the whole message's, when given
        weak = word_set("weak") | personal
        # With diacritics typed, the stop word a collision folds from ("thì", "có") is already gone: what is left
        # of it, typed as it is ("thi", not "thị"), is the content word and weighs in full.
        accented = not text.isascii()
        typed = frozenset(WORD.findall(unicodedata.normalize("NFC", text[:2000].lower()))) if accented else frozenset()
        collisions = word_set("collisions") & typed
        words = content_tokens(text, self.kind)[:MAX_QUERY_TOKENS]
        if not accented:
            words, collisions = self._read_collisions(words)
        strong: dict[str, float] = {}
        tokens: list[str] = []
        weights: dict[str, float] = {}
        known: list[str] = []
        unknown: list[str] = []
        for token in words:
            corrected = self._correct(token)
            if corrected is None:
                unknown.append(token)
                key = f"?{token}"
                weights[key] = UNKNOWN_WEIGHT * self.mean_idf * (WEAK_WEIGHT if token in weak else 1.0)
            else:
                known.append(corrected)
                key = corrected
                penalty = 0.0 if corrected == token else CORRECTION_PENALTY * self.idf[corrected]
                if corrected == token and token in collisions:
                    strong[key] = self.full_idf[key]
                weights[key] = max(weights.get(key, 0.0), strong.get(key, self.idf[corrected]) + penalty)
            tokens.append(key)
        weak_keys = frozenset(k for k in weights if k.lstrip("?") in weak and k not in strong)
        diluted = {k: w * WEAK_DILUTION if k in weak_keys else w for k, w in weights.items()}
        positions: dict[str, list[int]] = {}
        for i, key in enumerate(tokens):
            positions.setdefault(key, []).append(i)
        where = {key: tuple(found) for key, found in positions.items()}
        spelt = spellings(text) if accented else {}
        return Query(tuple(tokens), weights, tuple(known), tuple(unknown), weak_keys, strong, diluted, where, spelt)

    def _read_collisions(self, words: list[str]) -> tuple[list[str], frozenset[str]]:
        """Accent-free text: a folded collision ("thi") next to a word it names things with is the content word.

        Anywhere else it is most likely the stop word it folds from ("thì", "vào", "đến"), dropped as when typed.
        """
        collisions = word_set("collisions")
        pairs = self._name_pairs
        out: list[str] = []
        content: set[str] = set()
        for i, token in enumerate(words):
            if token not in collisions:
                out.append(token)
                continue
            before = {words[i - 1] if i else "", next((w for w in reversed(words[:i]) if w not in collisions), "")}
            after = {words[i + 1] if i + 1 < len(words) else "", next((w for w in words[i + 1 :] if w not in collisions), "")}
            if any((b, token) in pairs for b in before) or any((token, a) in pairs for a in after):
                out.append(token)
                content.add(token)
        return out, frozenset(content)

    def _window_weight(self, query: Query, common: set[str]) -> float:
        """Weight of the distinct words in the shortest stretch of the query that holds every matched word (the
        first such stretch), found over the matched words' positions only."""
        need = len(common)
        found = sorted((at, token) for token in common for at in query.positions[token])
        counts: Counter[str] = Counter()
        have = 0
        best: tuple[int, int] = (0, len(query.tokens))
        left = 0
        for right, token in found:
            counts[token] += 1
            have += counts[token] == 1
            while have == need:
                start, gone = found[left]
                if right - start < best[1] - best[0]:
                    best = (start, right + 1)
                counts[gone] -= 1
                have -= counts[gone] == 0
                left += 1
        stretch = set(query.tokens[best[0] : best[1]])
        return sum(query.diluted[t] for t in stretch) + self._weak_held(query, common & stretch)

    @staticmethod
    def _weak_held(query: Query, common: set[str] | frozenset[str]) -> float:
        """The weight a name's weak words regain against precision: a weak word the name holds counts in full."""
        held = common & query.weak
        return sum(query.weights[t] - query.diluted[t] for t in held) if held else 0.0

    def _precision(self, query: Query, total: float, common: frozenset[str]) -> tuple[float, float]:
        """(weight of the matched words, the query's precision for them): the part of a score its name does not change."""
        matched = sum(query.strong.get(t, self.idf[t]) for t in common)  # a word not in `strong`: its IDF
        precision = matched / (total + self._weak_held(query, common))
        if precision < 1.0 and len(common) > 1:  # a single word is no phrase: judged on the whole question
            window = matched / self._window_weight(query, set(common))
            precision = max(precision, WINDOW_SHARE * window + (1 - WINDOW_SHARE) * precision)
        return matched, precision

    def _name_scores(self, query: Query, total: float, candidates: list[int]) -> dict[str, tuple[float, int]]:
        """Each entry's best name: (score, name index). A name's score is the harmonic mean of its IDF-weighted
        recall and the query's precision, plus word order.

        Precision is the better of the whole question's and, discounted, that of the shortest stretch holding
        the matched words: a long question with personal context is judged by the part that names a procedure.
        Many names match the same words of one query: their weights and precision are computed once.
        """
        qset, qpairs = frozenset(query.tokens), frozenset(pairwise(query.tokens))
        by_common: dict[frozenset[str], tuple[float, float, float]] = {}
        best: dict[str, tuple[float, int]] = {}
        misspelt = self._spelt_otherwise(query, qset)
        for i in candidates:
            nset, name_weight, name_pairs = self._shapes[i]
            common = qset & nset
            if i in misspelt:  # typed with diacritics, "văn" is no "vấn": a word the name spells otherwise
                common -= misspelt[i]
                if not common:
                    continue
            known = by_common.get(common)
            if known is None:
                matched, precision = self._precision(query, total, common)
                full = sum(self.full_idf[t] for t in common)  # the name's matched words, weighed in full in name_weight
                known = by_common[common] = (matched, precision, full)
            matched, precision, full = known
            recall = matched / (name_weight - full + matched)
            score = 2 * recall * precision / (recall + precision)
            if name_pairs:
                score = (1 - ORDER_SHARE) * score + ORDER_SHARE * len(name_pairs & qpairs) / len(name_pairs)
            slug = self._slugs[i]
            if slug not in best or score > best[slug][0]:
                best[slug] = (score, i)
        return best

    def _spelt_otherwise(self, query: Query, qset: frozenset[str]) -> dict[int, frozenset[str]]:
        """Names that spell a word of the query otherwise than it was typed → those words (none typed plain)."""
        out: dict[int, set[str]] = {}
        for word, forms in query.spelt.items():
            if word in qset and not self._spellings.get(word, frozenset()) <= forms:  # some name spells it otherwise
                for i in self._postings[word]:
                    own = self._spelt[i].get(word)
                    if own and not own & forms:
                        out.setdefault(i, set()).add(word)
        return {i: frozenset(words) for i, words in out.items()}

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        """Best-scoring entries for the text, one hit per entry, highest first."""
        return self.search_query(self.analyse(text), limit)

    def search_query(self, query: Query, limit: int = 5) -> list[Hit]:
        """Best-scoring entries for an analysed query.

        An entry's score is its best name's, raised by how much of the question all its names together explain
        (aliases name different facets: "mất bằng" and "bản sao bằng tốt nghiệp" together beat one name alone).
        """
        if not query.known:
            return []
        total = sum(query.diluted.values()) or sum(query.weights.values())
        candidates = sorted({i for t in set(query.known) for i in self._postings.get(t, ())})
        best = self._name_scores(query, total, candidates)
        qset = frozenset(query.tokens)
        covered = {slug: qset & self._entry_words[slug] for slug in best}  # what all its names explain together
        known_weight = sum(query.strong.get(t, self.idf[t]) for t in set(query.known)) or 1.0
        by_word: dict[str, list[tuple[str, float]]] = {}  # the query's words, read once for all hits
        for t, w in query.weights.items():
            by_word.setdefault(t.lstrip("?"), []).append((t, w))
        words = by_word.keys()
        ranked = []
        coverages: dict[frozenset[str], float] = {}  # many entries explain the same words of one query
        for slug, (score, i) in best.items():
            entry, name, tokens = self._names[i]
            cover = covered[slug]
            whole = len(tokens) if cover >= self._shapes[i][0] else 0  # every word of the name is in the query
            coverage = coverages.get(cover)
            if coverage is None:
                coverage = coverages[cover] = sum(query.strong.get(t, self.idf[t]) for t in cover) / known_weight
            extra = sum(w for word in self._described[slug] & words for t, w in by_word[word] if t not in cover)
            final = (1 - COVERAGE_SHARE) * score + COVERAGE_SHARE * coverage + DESCRIPTION_SHARE * extra / total
            ranked.append((-round(final, 4), slug, name, entry, whole))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [
            Hit(entry.kind, slug, entry.title, -neg, name, tuple(sorted(covered[slug])), whole)
            for neg, slug, name, entry, whole in ranked[:limit]
        ]
