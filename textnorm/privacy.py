"""Mask people's data (phones, citizen IDs, e-mails) before text is stored or logged; dossier codes stay readable."""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

PHONE = "[SĐT]"
CITIZEN_ID = "[CCCD]"
EMAIL = "[EMAIL]"
DIGITS = "****"

RecordFactory = Callable[..., logging.LogRecord]

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 000.00.31.H26-260112-0003 (also loosely typed): protected from the digit rules below.
_DOSSIER_RE = re.compile(r"\d{3}\s*\.\s*\d{2}\s*\.\s*\d{2}\s*\.\s*[A-Za-z]\d{2}\s*-?\s*\d{6}\s*-?\s*\d{4}")
_CCCD12_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
# Mobile (0 + 9 digits) and landline (0 + 10 digits), with +84/84 instead of 0, spaces, dots, dashes, brackets.
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+\s?84|84|\(?0)(?:[\s.\-()]{0,2}\d){9,10}(?!\d)")
_CCCD12_SPACED_RE = re.compile(r"(?<!\d)\d(?:[\s.]?\d){11}(?!\d)")
_CMND9_RE = re.compile(r"(?<![\d.,])\d{9}(?![\d.,]\d|\d)")
_DIGIT_RUN_RE = re.compile(r"\d+")
_SLOT = "\x00{}\x00"


def mask(text: str) -> str:
    """Replace phone numbers, citizen ID numbers (9 or 12 digits) and e-mails with placeholders."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return _SLOT.format(len(kept) - 1)

    out = _EMAIL_RE.sub(EMAIL, text)
    out = _DOSSIER_RE.sub(keep, out)
    out = _CCCD12_RE.sub(CITIZEN_ID, out)
    out = _PHONE_RE.sub(PHONE, out)
    out = _CCCD12_SPACED_RE.sub(CITIZEN_ID, out)
    out = _CMND9_RE.sub(CITIZEN_ID, out)
    for index, original in enumerate(kept):
        out = out.replace(_SLOT.format(index), original)
    return out


def mask_digits(text: str) -> str:
    """Hide every digit run (used for the message that carried the dossier-verification digits)."""
    return _DIGIT_RUN_RE.sub(DIGITS, mask(text))


def mask_logged(message: str) -> str:
    """`mask` for log lines, which also carry URL-encoded user text (`?q=CCCD+001203004567`)."""
    masked = mask(message)
    if "%" in masked or "+" in masked:
        decoded = urllib.parse.unquote_plus(masked)
        redone = mask(decoded)
        if redone != decoded:
            return redone
    return masked


class _MaskedRecord(logging.LogRecord):
    """A record whose message is masked when a handler formats it: records nobody emits cost nothing."""

    def getMessage(self) -> str:
        """The formatted message with people's data masked (computed once)."""
        masked: str | None = self.__dict__.get("_dvc_masked")
        if masked is None:
            masked = mask_logged(super().getMessage())
            self.__dict__["_dvc_masked"] = masked
        return masked


def _masking_factory(base: RecordFactory) -> RecordFactory:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if type(record) is logging.LogRecord:
            record.__class__ = _MaskedRecord  # lazy: masked on getMessage()
            return record
        try:  # another library's record class: mask it now
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return record
        masked = mask_logged(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    factory._dvc_masking = True  # type: ignore[attr-defined]
    return factory


def install_log_masking() -> None:
    """Mask every log record of this process when it is created (all loggers, all handlers, idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_dvc_masking", False):
        logging.setLogRecordFactory(_masking_factory(current))


def _mask_user_event(event: dict[str, Any], fn: Callable[[str], str]) -> None:
    """Mask the text of a serialised Rasa `user` event, its parse data and its entity values, in place."""
    if isinstance(event.get("text"), str):
        event["text"] = fn(event["text"])
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        if isinstance(parse.get("text"), str):
            parse["text"] = fn(parse["text"])
        for entity in parse.get("entities") or []:
            if isinstance(entity, dict) and isinstance(entity.get("value"), str):
                entity["value"] = fn(entity["value"])


def _copy_for_masking(event: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough that masking never touches the original (its text, parse data and entity values)."""
    out = dict(event)
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        out["parse_data"] = parse = dict(parse)
        if isinstance(parse.get("entities"), list):
            parse["entities"] = [dict(e) if isinstance(e, dict) else e for e in parse["entities"]]
    return out


def mask_events(
    events: list[dict[str, Any]], start: int = 0, digit_slots: tuple[str, ...] = ("phone_last4",)
) -> list[dict[str, Any]]:
    """Masked copies of serialised Rasa events[start:] (earlier ones give context: which slot the form asked for).

    User and bot texts and entity values go through `mask`; a `digit_slots` value becomes `****`, and the user
    message that answered a request for such a slot (or filled it) loses every digit.
    """
    out: list[dict[str, Any]] = []
    requested: object = None
    last_user: dict[str, Any] | None = None
    for index, original in enumerate(events):
        kind = original.get("event")
        if kind == "slot" and original.get("name") == "requested_slot":
            requested = original.get("value")
        if index < start:
            continue
        event = _copy_for_masking(original)
        if kind == "user":
            _mask_user_event(event, mask_digits if requested in digit_slots else mask)
            last_user = event
        elif kind == "bot" and isinstance(event.get("text"), str):
            event["text"] = mask(event["text"])
        elif kind == "slot" and event.get("name") in digit_slots and event.get("value") is not None:
            event["value"] = DIGITS
            if last_user is not None:
                _mask_user_event(last_user, mask_digits)
        elif kind == "slot" and isinstance(event.get("value"), str):
            event["value"] = mask(event["value"])
        out.append(event)
    return out
