"""kb/lessons: every lesson valid (short steps, sourced, 2–3 questions), the schema refuses what would mislead or not
fit a phone screen, and loading is idempotent."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from api.catalogue.loader import Catalogue
from api.cli import migrate
from api.db import session_factory
from api.lessons.loader import LessonError, read_lessons, sync_lessons
from api.lessons.schema import STEP_CHARS, Lesson
from api.settings import ROOT

REQUIRED = {"online_services", "service_levels", "vneid_login", "submit_online", "pay_fees", "lookup_and_rating",
            "staying_safe", "helping_parents"}  # fmt: skip


def lesson_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "kb" / "lessons" / "service_levels.yaml").read_text(encoding="utf-8"))
    return data


def test_every_lesson_is_valid_sourced_and_short(catalogue: Catalogue) -> None:
    lessons = read_lessons(ROOT / "kb" / "lessons", catalogue.sources)
    assert {x.slug for x in lessons} >= REQUIRED
    for lesson in lessons:
        assert 2 <= len(lesson.quiz) <= 3 and all(len(s.text) <= STEP_CHARS for s in lesson.steps)
        assert lesson.sources() <= set(catalogue.sources)
    safety = next(x for x in lessons if x.slug == "staying_safe")
    assert any("OTP" in s.text for s in safety.steps) and all(s.sources for s in safety.steps)


def test_every_lesson_names_the_catalogue_topics_it_teaches(catalogue: Catalogue) -> None:
    """A typed question answered with one of them opens the lessons (actions/classroom.py): they must exist."""
    lessons = read_lessons(ROOT / "kb" / "lessons", catalogue.sources)
    assert all(lesson.topics and set(lesson.topics) <= set(catalogue.topics) for lesson in lessons)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["steps"][0].update(sources=[]), "at least 1"),
        (lambda d: d["steps"][0].update(text="x" * (STEP_CHARS + 1)), "at most"),
        (lambda d: d["quiz"][0].update(answer=3), "index of one of the choices"),
        (lambda d: d.update(quiz=d["quiz"][:1]), "at least 2"),
        (lambda d: d["quiz"][1].update(key=d["quiz"][0]["key"]), "quiz keys repeat"),
        (lambda d: d["quiz"][0]["choices"].__setitem__(0, "Lựa chọn " * 7), "button"),
    ],
)
def test_schema_refuses(change: Any, message: str) -> None:
    data = lesson_data()
    change(data)
    with pytest.raises(ValidationError, match=message):
        Lesson.model_validate(data)


def test_unknown_source_and_wrong_file_name_are_refused(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    data = lesson_data()
    data["steps"][0]["sources"] = ["NO_SUCH_SOURCE"]
    (tmp_path / "service_levels.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LessonError, match="unknown source 'NO_SUCH_SOURCE'"):
        read_lessons(tmp_path, catalogue.sources)
    (tmp_path / "service_levels.yaml").rename(tmp_path / "other.yaml")
    with pytest.raises(LessonError, match="file name"):
        read_lessons(tmp_path, catalogue.sources)


def test_loading_twice_changes_nothing(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    url = f"sqlite:///{tmp_path / 'lessons.db'}"
    migrate(url)
    lessons = read_lessons(ROOT / "kb" / "lessons", catalogue.sources)
    with session_factory(url)() as session:
        first = sync_lessons(session, lessons)
        second = sync_lessons(session, lessons)
        third = sync_lessons(session, lessons[1:])
    assert len(first["added"]) == len(lessons) and not first["unchanged"]
    assert len(second["unchanged"]) == len(lessons) and not (second["added"] or second["updated"] or second["removed"])
    assert third["removed"] == [lessons[0].slug]
