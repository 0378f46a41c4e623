"""tests/eval/ is well formed: it parses, ids are unique, labels exist, sources are links, no sentence is training data."""

from __future__ import annotations

import csv
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from textnorm import fold

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "eval"
NATIONAL_CSV = ROOT.parent / "shared" / "reference" / "national_db" / "education_procedures.csv"
TOPICS = {
    "tuition_fee_policy", "learning_cost_support", "disability_support", "extra_classes", "admission_by_residence",
    "hoc_ba", "digital_diplomas", "local_government_two_levels", "vneid_account", "exam_calendar",
    "dossier_code_and_rating", "pay_fees_online", "postal_service", "service_levels", "submit_online_steps",
    "legal_changes_2025_2026",
}  # fmt: skip
ASPECTS = {"documents", "time", "fee", "where", "online_level", "postal", "how_online", "deadline", "overview"}
CODE = re.compile(r"^\d\.\d{6}$")
ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def eval_files() -> list[pathlib.Path]:
    """Every YAML file of the evaluation set."""
    return sorted(EVAL_DIR.glob("*.yaml"))


def load(path: pathlib.Path) -> list[dict[str, Any]]:
    """A file's entries; each file is a YAML list of mappings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{path.name}: top level must be a list"
    assert all(isinstance(item, dict) for item in data), f"{path.name}: every entry must be a mapping"
    return data


def real_question_files() -> list[pathlib.Path]:
    """The files of questions copied from public pages."""
    return [p for p in eval_files() if p.name.startswith("real_questions_")]


def expectations(path: pathlib.Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, expect) for every labelled question or dialogue turn in a file."""
    for item in load(path):
        if "turns" in item:
            for number, turn in enumerate(item["turns"], 1):
                yield f"{item['id']}#{number}", turn.get("expect", {})
        elif "expect" in item:
            yield str(item["id"]), item["expect"]


def sentences(path: pathlib.Path) -> Iterator[tuple[str, str]]:
    """(id, text) for every sentence a user would type in a file."""
    for item in load(path):
        if "turns" in item:
            for number, turn in enumerate(item["turns"], 1):
                yield f"{item['id']}#{number}", str(turn["say"])
        else:
            yield str(item["id"]), str(item["question"])


def normalise(text: str) -> str:
    """Entity markup removed, accents and punctuation folded: how two sentences are compared."""
    return fold(ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", text))


def training_examples() -> set[str]:
    """Every NLU example line under bot/data/, normalised."""
    found: set[str] = set()
    for path in (ROOT / "bot" / "data").rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) if isinstance(data, dict) else []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.add(normalise(line[2:]))
    return found


def national_codes() -> set[str]:
    """The procedure codes of the national database copy."""
    with NATIONAL_CSV.open(encoding="utf-8") as handle:
        return {row["Mã số"].strip() for row in csv.DictReader(handle)}


def test_eval_set_exists() -> None:
    assert real_question_files(), "no tests/eval/real_questions_*.yaml"


@pytest.mark.parametrize("path", eval_files(), ids=lambda p: p.name)
def test_file_parses_and_entries_have_ids(path: pathlib.Path) -> None:
    items = load(path)
    assert items, path.name
    assert all(str(item.get("id", "")).strip() for item in items), path.name


def test_ids_unique_across_files() -> None:
    seen: dict[str, str] = {}
    for path in eval_files():
        for item in load(path):
            ident = str(item["id"])
            assert ident not in seen, f"{ident} in {path.name} and {seen[ident]}"
            seen[ident] = path.name


@pytest.mark.parametrize("path", real_question_files(), ids=lambda p: p.name)
def test_real_questions_are_sourced_and_complete(path: pathlib.Path) -> None:
    questions: set[str] = set()
    for item in load(path):
        ident = item["id"]
        assert str(item.get("source_url", "")).startswith(("http://", "https://")), ident
        assert item.get("aspect") in ASPECTS, ident
        assert item.get("split") in {"dev", "test"}, ident
        text = normalise(str(item.get("question", "")))
        assert text, ident
        assert text not in questions, f"{ident}: duplicate question"
        questions.add(text)


@pytest.mark.parametrize("path", eval_files(), ids=lambda p: p.name)
def test_labels_exist(path: pathlib.Path) -> None:
    if not NATIONAL_CSV.exists():
        pytest.skip("../shared is not beside this clone")
    codes = national_codes()
    for ident, expect in expectations(path):
        labels = [key for key in ("procedure", "topic", "none") if key in expect]
        assert len(labels) == 1, f"{ident}: exactly one of procedure/topic/none, got {labels}"
        if "procedure" in expect:
            assert str(expect["procedure"]) in codes, f"{ident}: {expect['procedure']} not in the national CSV"
        if "topic" in expect:
            assert expect["topic"] in TOPICS, f"{ident}: unknown topic {expect['topic']}"
        if "none" in expect:
            assert str(expect["none"]).strip(), f"{ident}: say why it is not in the catalogue"
    for item in load(path):
        for other in item.get("also_ok", []) or []:
            other = str(other)
            assert (CODE.match(other) and other in codes) or other in TOPICS, f"{item['id']}: also_ok {other}"


@pytest.mark.parametrize("path", eval_files(), ids=lambda p: p.name)
def test_no_eval_sentence_is_training_data(path: pathlib.Path) -> None:
    examples = training_examples()
    assert examples, "no NLU examples found under bot/data/"
    copied = [ident for ident, text in sentences(path) if normalise(text) in examples]
    assert not copied, f"{path.name}: sentences also in bot/data: {copied[:10]}"
