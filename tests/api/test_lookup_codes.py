"""textnorm.dossier_code: codes written loosely are found and normalised; attempts are recognised."""

from __future__ import annotations

import re

import pytest

from api.settings import Settings
from textnorm.dossier_code import EXAMPLE, find_code, looks_like_code_attempt


@pytest.mark.parametrize(
    "text",
    [
        "000.00.31.H26-260112-0003",
        "mã hồ sơ của em là 000.00.31.h26-260112-0003 ạ",
        "000.00.31.H26 - 260112 - 0003",
        "000.00.31.H26260112-0003",
        "000.00.31.H26-2601120003",
        "000. 00. 31. h26 260112 0003",
    ],
)
def test_loose_codes_are_normalised(text: str) -> None:
    assert find_code(text) == EXAMPLE
    assert looks_like_code_attempt(text)


@pytest.mark.parametrize("text", ["0000.00.31.H26-260112-0003", "000.00.31.H26-260112-00031", "000.00.31-260112", "H26-2601"])
def test_malformed_codes_are_attempts_but_not_codes(text: str) -> None:
    assert find_code(text) is None
    assert looks_like_code_attempt(text)


@pytest.mark.parametrize("text", ["hồ sơ của tôi đến đâu rồi", "0912.345.678", "0912345678", "năm 2026", ""])
def test_ordinary_text_is_no_attempt(text: str) -> None:
    assert find_code(text) is None
    assert not looks_like_code_attempt(text)


def test_example_matches_the_default_strict_pattern() -> None:
    assert re.fullmatch(Settings().dossier_code_pattern, EXAMPLE)
