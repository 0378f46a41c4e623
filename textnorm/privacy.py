"""Mask people's data (phones, citizen IDs, e-mails) before text is stored or logged; dossier codes stay readable."""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
import urllib.parse
from collections.abc import Callable
from types import TracebackType
from typing import Any

from textnorm.dossier_code import CODE_BODY

PHONE = "[SĐT]"
CITIZEN_ID = "[CCCD]"
EMAIL = "[EMAIL]"
DIGITS = "****"

RecordFactory = Callable[..., logging.LogRecord]

# Every pattern runs in linear time on any input (a message or log line may be megabytes): no quantifier can
# give back characters that the next one could also take. E-mails are found from their "@", not by a pattern
# that starts a scan at every word character.
_EMAIL_AT_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)+")  # an "@" and the dotted domain after it
_EMAIL_LOCAL_RE = re.compile(r"[\w.+-]+")  # the name before it, matched leftwards on the reversed text
# 000.00.31.H26-260112-0003 (also loosely typed): protected from the digit rules below; digits glued to its end
# (the verification digits typed with it) are masked.
_DOSSIER_RE = re.compile(rf"{CODE_BODY}(?:(\d+)(?!\d|[.,]\s*\d))?")  # not the start of a glued next code
_CCCD12_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
# Mobile (0 + 9 digits) and landline (0 + 10 digits), with +84/0084/84 instead of 0, spaces, dots, dashes, brackets.
_PHONE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)\s?84|84|\(?0)(?:[\s.\-()]{0,2}\d){9,10}(?!\d)")
_CCCD12_SPACED_RE = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){11}(?!\d)")
_CMND9_RE = re.compile(r"(?<![\d.,])\d{9}(?![\d.,]\d|\d)")
_CMND9_SPACED_RE = re.compile(r"(?<![\d.,])\d{3}([\s-])\d{3}\1\d{3}(?![\d.,]\d|\d)")  # 123 456 789
# Next to a dossier code, a lone group of 4 digits is the phone's last 4 digits (dates like 12/01/2026 stay).
_NEAR_CODE_DIGITS_RE = re.compile(r"(?<![\d/.,:-])\d{4}(?!\d|[/.,:-]\d)")
_DIGIT_RUN_RE = re.compile(r"\d+")
_DIGIT_OR_AT_RE = re.compile(r"[\d@]")
# A protected code's place while the digit rules run: its index in letters (a digit here could be masked).
_SLOT_LETTERS = str.maketrans("0123456789", "abcdefghij")
_SLOT_DIGITS = str.maketrans("abcdefghij", "0123456789")
_SLOT_RE = re.compile(r"\x00([a-j]+)\x00")


def _mask_emails(text: str) -> str:
    """Replace e-mail addresses: for each "@", the longest name before it and the dotted domain after it."""
    if "@" not in text:
        return text
    backwards = text[::-1]
    out: list[str] = []
    done = 0  # text[:done] is copied or replaced already
    for at_sign in _EMAIL_AT_RE.finditer(text):
        at = at_sign.start()
        local = _EMAIL_LOCAL_RE.match(backwards, len(text) - at, len(text) - done) if at >= done else None
        if local:
            out += [text[done : at - len(local.group())], EMAIL]
            done = at_sign.end()
    out.append(text[done:])
    return "".join(out)


def mask(text: str) -> str:
    """Replace phone numbers, citizen ID numbers (9 or 12 digits) and e-mails with placeholders."""
    if not text or not _DIGIT_OR_AT_RE.search(text):
        return text
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        code, glued = match.group(0), match.group(8) or ""
        kept.append(code[: len(code) - len(glued)] + (DIGITS if glued else ""))
        return f"\x00{str(len(kept) - 1).translate(_SLOT_LETTERS)}\x00"

    out = _mask_emails(text)
    out = _DOSSIER_RE.sub(keep, out)
    out = _CCCD12_RE.sub(CITIZEN_ID, out)
    out = _PHONE_RE.sub(PHONE, out)
    out = _CCCD12_SPACED_RE.sub(CITIZEN_ID, out)
    out = _CMND9_RE.sub(CITIZEN_ID, out)
    out = _CMND9_SPACED_RE.sub(CITIZEN_ID, out)
    if kept:
        out = _NEAR_CODE_DIGITS_RE.sub(DIGITS, out)
        out = _SLOT_RE.sub(lambda m: _restore(m, kept), out)
    return out


def without_personal_data(text: str) -> str:
    """The text with phone numbers, ID numbers and e-mails left out: they never name a procedure ("a@b.vn" is no "VN")."""
    out = mask(text)
    for placeholder in (PHONE, CITIZEN_ID, EMAIL, DIGITS):
        out = out.replace(placeholder, " ")
    return out


def _restore(slot: re.Match[str], kept: list[str]) -> str:
    """The protected code a slot stands for (text that merely looks like a slot stays as it was)."""
    index = int(slot.group(1).translate(_SLOT_DIGITS))
    return kept[index] if index < len(kept) else slot.group(0)


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
    """A record masked when a handler formats it (records nobody emits cost nothing): message and traceback."""

    def getMessage(self) -> str:
        """The formatted message with people's data masked (computed once)."""
        masked: str | None = self.__dict__.get("_dvc_masked")
        if masked is None:
            masked = mask_logged(super().getMessage())
            self.__dict__["_dvc_masked"] = masked
        return masked

    @property
    def exc_text(self) -> str | None:
        """The traceback text a formatter cached (masked when it was stored)."""
        text: str | None = self.__dict__.get("exc_text")
        return text

    @exc_text.setter
    def exc_text(self, text: str | None) -> None:
        # logging.Formatter stores formatException() here, then appends it to the line: an exception's message
        # and the source lines of a traceback may quote what the user typed.
        self.__dict__["exc_text"] = mask_logged(text) if text else text


def _mask_record_now(record: logging.LogRecord) -> None:
    """Mask a record of another library's class at once: its message, traceback and stack."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem, not ours
        return
    masked = mask_logged(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_logged(record.exc_text)


def _masking_factory(base: RecordFactory) -> RecordFactory:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if type(record) is logging.LogRecord:
            record.__class__ = _MaskedRecord  # lazy: masked on getMessage() and when exc_text is stored
        else:
            _mask_record_now(record)
        if record.stack_info:  # stack_info=True: rare, masked now
            record.stack_info = mask_logged(record.stack_info)
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):  # its formatter reads args directly
            record.args = tuple(mask_logged(a) if isinstance(a, str) else a for a in record.args)
        return record

    factory._dvc_masking = True  # type: ignore[attr-defined]
    return factory


def _print_masked_exception(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook: an uncaught exception's traceback, masked, on stderr (where a service's log goes)."""
    sys.stderr.write(mask_logged("".join(traceback.format_exception(kind, exc, tb))))


def _print_masked_thread_exception(args: threading.ExceptHookArgs) -> None:
    """threading.excepthook: the same for an exception that ends a thread."""
    if args.exc_value is not None:
        name = args.thread.name if args.thread else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        _print_masked_exception(args.exc_type, args.exc_value, args.exc_traceback)


def install_log_masking() -> None:
    """Mask every log record of this process when it is created (all loggers, all handlers, idempotent).

    Tracebacks of uncaught exceptions, which Python prints without logging, are masked too.
    """
    current = logging.getLogRecordFactory()
    if not getattr(current, "_dvc_masking", False):
        logging.setLogRecordFactory(_masking_factory(current))
    sys.excepthook = _print_masked_exception
    threading.excepthook = _print_masked_thread_exception


def _masked_value(value: Any, fn: Callable[[str], str]) -> Any:
    """A copy of a JSON value (a channel's metadata) with every string, key or value, passed through `fn`."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {_masked_value(k, fn): _masked_value(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_value(v, fn) for v in value]
    return value


def _mask_user_event(event: dict[str, Any], fn: Callable[[str], str]) -> None:
    """Mask the text of a serialised Rasa `user` event, its metadata, parse data and entity values, in place."""
    if isinstance(event.get("text"), str):
        event["text"] = fn(event["text"])
    if event.get("metadata"):
        event["metadata"] = _masked_value(event["metadata"], fn)
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        if isinstance(parse.get("text"), str):
            parse["text"] = fn(parse["text"])
        if parse.get("metadata"):  # Rasa copies the message's metadata into its parse data
            parse["metadata"] = _masked_value(parse["metadata"], fn)
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
        elif event.get("metadata"):  # a channel may attach what the user typed or who they are to any event
            event["metadata"] = _masked_value(event["metadata"], mask)
        if kind == "bot" and isinstance(event.get("text"), str):
            event["text"] = mask(event["text"])
        elif kind == "slot" and event.get("name") in digit_slots and event.get("value") is not None:
            event["value"] = DIGITS
            if last_user is not None:
                _mask_user_event(last_user, mask_digits)
        elif kind == "slot" and event.get("value") is not None:
            event["value"] = _masked_value(event["value"], mask)
        out.append(event)
    return out
