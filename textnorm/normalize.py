"""Accent folding and abbreviation expansion, so 'bằng c3' and 'bang cap 3' meet on the same form."""

from __future__ import annotations

import functools
import pathlib
import re
import unicodedata

import yaml

_ABBREVIATIONS_FILE = pathlib.Path(__file__).with_name("abbreviations.yml")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


@functools.lru_cache(maxsize=1)
def _abbreviations() -> tuple[dict[str, str], dict[str, str]]:
    """Load the (token, prefix) expansion maps once (data, not code: kept in abbreviations.yml)."""
    data = yaml.safe_load(_ABBREVIATIONS_FILE.read_text(encoding="utf-8")) or {}

    def folded(section: str) -> dict[str, str]:
        return {fold(str(k)): fold(str(v)) for k, v in (data.get(section) or {}).items()}

    return folded("tokens"), folded("prefixes")


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ→d) and punctuation, collapse spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def expand_abbreviations(folded: str) -> str:
    """Replace chat abbreviations (k, ko, dc, trg, c3, tn...) token by token in folded text."""
    tokens, prefixes = _abbreviations()
    out: list[str] = []
    for token in folded.split():
        parts = _LETTER_DIGIT.sub(" ", token).split()
        if len(parts) > 1 and parts[0] in prefixes:
            parts[0] = prefixes[parts[0]]
        out.extend(tokens.get(part, part) for part in parts)
    return " ".join(out)


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Full normalisation used on both sides of every comparison: fold, then expand abbreviations."""
    return expand_abbreviations(fold(text[:2000]))
