"""Schema of kb/lessons/*.yaml: short steps that fit a phone screen, each sourced, and a few check questions."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from api.catalogue.schema import SourceIds, Strict

SLUG = r"^[a-z][a-z0-9_]{1,59}$"
STEP_CHARS = 420  # about one phone screen in a chat bubble
CHOICE_CHARS = 60  # a button title


class Step(Strict):
    """One screen of a lesson: a short text and where it comes from (verified: false when no source confirms it)."""

    text: str = Field(min_length=10, max_length=STEP_CHARS)
    sources: SourceIds = Field(min_length=1)
    verified: bool = True


class Question(Strict):
    """A multiple-choice check question; the explanation is shown after a wrong answer."""

    key: str = Field(pattern=SLUG)
    question: str = Field(min_length=5, max_length=300)
    choices: list[str] = Field(min_length=2, max_length=4)
    answer: int = Field(ge=0, le=3)  # index into choices
    explanation: str = Field(min_length=10, max_length=STEP_CHARS)
    sources: SourceIds = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.answer >= len(self.choices):
            raise ValueError("answer must be the index of one of the choices")
        if any(len(c) > CHOICE_CHARS for c in self.choices):
            raise ValueError(f"a choice longer than {CHOICE_CHARS} characters does not fit a button")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices repeat")
        return self


class Lesson(Strict):
    """kb/lessons/<slug>.yaml: shown in the menu in `order`."""

    slug: str = Field(pattern=SLUG)
    order: int = Field(ge=1, le=99)
    title: str = Field(min_length=5, max_length=CHOICE_CHARS)
    steps: list[Step] = Field(min_length=2, max_length=7)
    quiz: list[Question] = Field(min_length=2, max_length=3)
    topics: list[str] = Field(default_factory=list)  # catalogue topics it teaches (a question answered by one: lessons)
    checked_on: dt.date

    @model_validator(mode="after")
    def _unique_keys(self) -> Lesson:
        keys = [q.key for q in self.quiz]
        if len(set(keys)) != len(keys):
            raise ValueError("quiz keys repeat")
        return self

    def sources(self) -> set[str]:
        """Every source id the lesson cites."""
        parts: list[Step | Question] = [*self.steps, *self.quiz]
        return {s for part in parts for s in part.sources}
