"""Masking and code finding take linear time on hostile input: a long message can never stall a service."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from textnorm.dossier_code import find_code, looks_like_code_attempt
from textnorm.privacy import mask, mask_digits, mask_logged

SIZE = 200_000
FUNCTIONS: list[Callable[[str], object]] = [mask, mask_digits, mask_logged, find_code, looks_like_code_attempt]
# Each made at least one of the former patterns backtrack over the rest of the text at every position.
HOSTILE = {
    "digit run": "9",
    "digits with separators": "1 2.3-4 ",
    "cccd 0": "cccd 0",
    "pairs of digits": "12 ",
    "dotted groups": "000.00.31.",
    "spaced code parts": "000 . 00 . 31 . H26 - ",
    "e-mail name without domain": "a.a",
    "e-mail chain": "a@a.",
    "at signs": "@",
    "prefix and dash": "H26-",
    "international prefix": "+84 ",
    "brackets": "(0",
    "codes": "000.00.31.H26-260112-0003 ",
    "phones": "0912 345 678 ",
}
TAILS = {
    "spaces after a code start": ("000.00.31.H26", " "),
    "spaces after a digit": ("0", " "),
    "spaces after a date part": ("260112", " "),
}


def _inputs(size: int) -> dict[str, str]:
    texts = {name: (unit * (size // len(unit) + 1))[:size] for name, unit in HOSTILE.items()}
    texts.update({name: head + tail * (size - len(head)) + "x" for name, (head, tail) in TAILS.items()})
    return texts


def _seconds(function: Callable[[str], object], text: str) -> float:
    """Best of 3 runs (a busy machine only ever adds time)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_hostile_input_takes_linear_time(function: Callable[[str], object]) -> None:
    quarter, full = _inputs(SIZE // 4), _inputs(SIZE)
    for name, text in full.items():
        took = _seconds(function, text)
        assert took < 0.5, f"{function.__name__} on {len(text)} characters of {name!r}: {took:.2f} s"
        if took > 0.05:  # below that, a busy machine's noise dominates the ratio
            smaller = _seconds(function, quarter[name])  # 4× the input: 4× the time if linear, 16× if quadratic
            assert took < 10 * smaller, f"{function.__name__} on {name!r}: {smaller:.3f} s → {took:.3f} s for 4× input"
