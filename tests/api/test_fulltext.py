"""The full-text opinion finds an entry by the words of its documents and conditions, not only its names."""

from __future__ import annotations

from api.catalogue.fulltext import FullTextIndex, texts


def index() -> FullTextIndex:
    """Two small records: only their conditions tell them apart."""
    return FullTextIndex(
        {
            ("procedure", "a"): {"name": "Hỗ trợ học tập", "conditions": {"value": "học sinh mồ côi cả cha lẫn mẹ"}},
            ("procedure", "b"): {"name": "Hỗ trợ học tập", "conditions": {"value": "học sinh khuyết tật nặng"}},
            ("topic", "c"): {"title": "Lịch thi", "sources": ["mồ côi"], "checked_on": "2026-07-01"},
        }
    )


def test_best_entry_is_one_and_words_of_conditions_decide() -> None:
    scores = index().relative("con toi mo coi ca cha lan me thi duoc ho tro gi")
    assert scores[("procedure", "a")] == 1.0
    assert scores.get(("procedure", "b"), 0.0) < 0.5


def test_bookkeeping_fields_are_not_content() -> None:
    assert "mồ côi" not in texts({"sources": ["mồ côi"], "checked_on": "2026"})
    assert ("topic", "c") not in index().relative("mồ côi")


def test_no_known_word_gives_nothing() -> None:
    assert index().relative("xyz qwe") == {}
