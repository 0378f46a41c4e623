"""Find and normalise dossier codes (V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX) written loosely by people; pure Python."""

from __future__ import annotations

import re

EXAMPLE = "000.00.31.H26-260112-0003"

# Linear time on any input: no two adjacent quantifiers can share characters (`\s*-?\s*` on a long run of spaces
# tries every split of the run, which made a 40 000-character message take seconds).
_DASH = r"\s*(?:[-\u2013\u2014_]\s*)?"
_DOT = r"\s*[.,]\s*"
# Tolerant: any case, spaces around separators, a dash (or both) left out. Groups: the code's 7 parts.
CODE_BODY = rf"(\d{{3}}){_DOT}(\d{{2}}){_DOT}(\d{{2}}){_DOT}([A-Za-z])\s*(\d{{2}}){_DASH}(\d{{6}}){_DASH}(\d{{4}})"
_LOOSE = re.compile(rf"(?<![\dA-Za-z]){CODE_BODY}(?!\d)")  # digits never glued to more digits
# Signs that someone tried to type a code: dotted number groups, "H26-", or "-YYMMDD-".
_ATTEMPT = re.compile(
    r"\d{2,3}\s*\.\s*\d{1,3}\s*\.\s*\d{1,3}|(?<![A-Za-z])[A-Za-z]\s*\d{2}\s*-\s*\d|\d{6}\s*-\s*\d{2,}|\b000\.\d"
)
_PHONE = re.compile(r"^(?:\+?84|0)\d{9}$")


def find_code(text: str) -> str | None:
    """The first dossier code written anywhere in `text`, normalised (`000.00.31.H26-260112-0003`), or None."""
    match = _LOOSE.search(text or "")
    if match is None:
        return None
    v, z, y, m, x, date, seq = match.groups()
    return f"{v}.{z}.{y}.{m.upper()}{x}-{date}-{seq}"


def clean_code(text: str) -> str:
    """Best effort for the API's strict check: the found code, else the text upper-cased without spaces."""
    return find_code(text) or re.sub(r"\s+", "", text or "").upper()


def looks_like_code_attempt(text: str) -> bool:
    """True when the user seems to have typed a dossier code (well-formed or not), but not a bare phone number."""
    text = text or ""
    if find_code(text):
        return True
    if not _ATTEMPT.search(text):  # a sign inside one chunk is a sign in the whole text: one pass usually decides
        return False
    for chunk in re.split(r"[\s,;]+", text):
        if _PHONE.match(re.sub(r"[.\-]", "", chunk)):
            continue
        if _ATTEMPT.search(chunk):
            return True
    return not _PHONE.match(re.sub(r"[\s.\-]", "", text))
