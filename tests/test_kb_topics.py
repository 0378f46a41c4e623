"""kb/topics: the rule topics parents ask about exist, are sourced, carry a legal basis and bind dates to years."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml
from fastapi.testclient import TestClient

from api.catalogue.loader import Catalogue
from api.catalogue.schema import Topic
from api.main import create_app

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULE_TOPICS = [
    "tuition_fee_policy", "learning_cost_support", "disability_support", "extra_classes",
    "admission_by_residence", "hoc_ba", "digital_diplomas", "local_government_two_levels",
    "vneid_account", "exam_calendar",
]  # fmt: skip
# A day/month with no year after it ("ngày 15/6"); "10/2026" and "15/4/2026" do not match.
BARE_DATE = re.compile(r"(?<![\d/.])\d{1,2}/\d{1,2}(?![\d/])")
DATE_2027 = re.compile(r"\d{1,2}/\d{1,2}/2027")


def texts(topic: Topic) -> list[str]:
    """Everything a user reads of a topic: summary, steps, facts."""
    return [topic.summary, *(f.value or "" for f in [*topic.steps, *topic.facts])]


@pytest.mark.parametrize("slug", RULE_TOPICS)
def test_rule_topic_is_sourced_with_legal_basis(catalogue: Catalogue, slug: str) -> None:
    topic = catalogue.topics[slug]
    assert topic.legal_basis, f"{slug} has no legal_basis"
    assert topic.facts, f"{slug} has no facts"
    assert len(topic.aliases) >= 3, f"{slug} needs the names people type"
    cited = [(p.value or "", p.sources) for p in [*topic.steps, *topic.facts]]
    cited += [(d.doc, d.sources) for d in topic.legal_basis]
    for text, sources in cited:
        assert sources, f"{slug}: no source for {text[:60]}"
        assert set(sources) <= set(catalogue.sources), f"{slug}: unknown source in {sources}"


@pytest.mark.parametrize("slug", RULE_TOPICS)
def test_rule_topic_dates_are_bound_to_a_year(catalogue: Catalogue, slug: str) -> None:
    bare = [m for text in texts(catalogue.topics[slug]) for m in BARE_DATE.findall(text)]
    assert not bare, f"{slug}: dates without a year: {bare}"


def test_vneid_basis_is_decree_69_2024_not_59_2022(catalogue: Catalogue) -> None:
    vneid = catalogue.topics["vneid_account"]
    assert any("69/2024" in doc.doc for doc in vneid.legal_basis)
    for slug, topic in catalogue.topics.items():
        for doc in topic.legal_basis:
            assert "59/2022" not in doc.doc or "thay thế" in doc.doc, f"{slug} cites NĐ 59/2022 as a basis"
        for text in texts(topic):
            if "59/2022" in text:
                assert "69/2024" in text, f"{slug} names NĐ 59/2022 without its replacement: {text[:80]}"


def test_exam_calendar_says_plainly_when_2027_is_unpublished(catalogue: Catalogue) -> None:
    topic = catalogue.topics["exam_calendar"]
    has_2027_dates = any(DATE_2027.search(text) for text in texts(topic))
    if not has_2027_dates:
        assert not topic.verified
        assert "2027" in topic.summary and "chưa" in topic.summary
    for fact in topic.facts:
        if re.search(r"\d{1,2}/\d{1,2}/2026", fact.value or ""):
            assert "tham khảo" in (fact.value or ""), f"a 2026 date not labelled as reference: {fact.value}"


def test_topic_sources_live_in_their_own_file_with_a_prefix() -> None:
    data = yaml.safe_load((ROOT / "kb" / "sources" / "topics.yaml").read_text(encoding="utf-8"))
    assert data and all(str(key).startswith("T_") for key in data)


def test_topic_route_serves_the_legal_basis_and_its_sources(api_settings: None) -> None:
    data = TestClient(create_app()).get("/api/v1/topics/vneid_account").json()
    assert any("69/2024" in doc["doc"] for doc in data["legal_basis"])
    cited = {s["id"] for s in data["source_list"]}
    assert {sid for doc in data["legal_basis"] for sid in doc["sources"]} <= cited
