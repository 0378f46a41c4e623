"""Measure intent and procedure top-1 accuracy on the held-out test set (shared by tests and `make bench`)."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

TEST_SET = pathlib.Path(__file__).with_name("nlu") / "test_messages.yml"


def load_messages() -> list[dict[str, str | None]]:
    """The held-out messages: text, intent, procedure slug or null, topic slug or null."""
    data: list[dict[str, str | None]] = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))
    return data


def has_diacritics(text: str) -> bool:
    """True when the text has any non-ASCII letter (Vietnamese diacritics)."""
    return not text.isascii()


@dataclass
class Score:
    """Correct / total counts, with the misses kept for the report."""

    correct: int = 0
    total: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, ok: bool, text: str, expected: str, got: str) -> None:
        """Count one prediction."""
        self.total += 1
        self.correct += ok
        if not ok:
            self.misses.append((text, expected, got))

    @property
    def accuracy(self) -> float:
        """Share correct (1.0 when empty)."""
        return self.correct / self.total if self.total else 1.0


def evaluate(
    predict_intent: Callable[[str], str] | None, predict_procedure: Callable[[str], str | None] | None
) -> dict[str, Score]:
    """Scores keyed 'intent/plain', 'intent/diacritics', 'procedure/plain', 'procedure/diacritics'."""
    scores: dict[str, Score] = {}
    for msg in load_messages():
        text = str(msg["text"])
        half = "diacritics" if has_diacritics(text) else "plain"
        if predict_intent is not None:
            got = predict_intent(text)
            scores.setdefault(f"intent/{half}", Score()).add(got == msg["intent"], text, str(msg["intent"]), got)
        if predict_procedure is not None and msg.get("procedure"):
            slug = predict_procedure(text)
            scores.setdefault(f"procedure/{half}", Score()).add(slug == msg["procedure"], text, str(msg["procedure"]), str(slug))
    return scores
