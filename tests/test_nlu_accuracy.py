"""Accuracy floors on the held-out test set (never training data): intents via Rasa, procedures via search."""

from __future__ import annotations

import pathlib
import re

import httpx
import pytest
import yaml

from tests.conftest import RasaServer
from tests.nlu_eval import evaluate, has_diacritics, load_messages
from textnorm import normalize

ROOT = pathlib.Path(__file__).resolve().parent.parent
INTENT_FLOOR = 0.95
PROCEDURE_FLOOR = 0.95


def training_examples() -> set[str]:
    """Every NLU training example, normalised."""
    out: set[str] = set()
    for path in (ROOT / "bot" / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines():
                line = re.sub(r"^\s*-\s*", "", line).strip()
                if line:
                    out.add(normalize(line))
    return out


def test_test_set_is_held_out_and_balanced() -> None:
    messages = load_messages()
    assert len(messages) >= 300
    plain = sum(not has_diacritics(str(m["text"])) for m in messages)
    assert abs(plain - len(messages) / 2) <= 10, "half the messages are typed without diacritics"
    overlap = {normalize(str(m["text"])) for m in messages} & training_examples()
    assert not overlap, f"test messages found in training data: {sorted(overlap)[:5]}"


def test_procedure_top1_accuracy(api_url: str) -> None:
    def top1(text: str) -> str | None:
        hits = httpx.get(f"{api_url}/api/v1/search", params={"q": text}, timeout=10).json()["procedures"]
        return hits[0]["slug"] if hits else None

    scores = evaluate(None, top1)
    for half in ("plain", "diacritics"):
        score = scores[f"procedure/{half}"]
        assert score.accuracy >= PROCEDURE_FLOOR, f"{half}: {score.accuracy:.3f}; misses: {score.misses[:10]}"


@pytest.mark.rasa
def test_intent_accuracy(rasa: RasaServer) -> None:
    def intent(text: str) -> str:
        result = rasa.parse(text)
        return str(result["intent"]["name"])  # type: ignore[index]

    scores = evaluate(intent, None)
    for half in ("plain", "diacritics"):
        score = scores[f"intent/{half}"]
        assert score.accuracy >= INTENT_FLOOR, f"{half}: {score.accuracy:.3f}; misses: {score.misses[:10]}"
