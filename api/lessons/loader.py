"""Read kb/lessons/*.yaml (validated, every source id known) and load them into the database idempotently."""

from __future__ import annotations

import hashlib
import json
import pathlib
from collections.abc import Collection

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.lessons.models import LessonRow
from api.lessons.schema import Lesson


class LessonError(ValueError):
    """A kb/lessons file is invalid; the message names the file and the field."""


def read_lessons(folder: pathlib.Path, sources: Collection[str]) -> list[Lesson]:
    """Every lesson of `folder` in menu order; the file name must be its slug, orders unique."""
    lessons: list[Lesson] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            lesson = Lesson.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise LessonError(f"{path}: field '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}") from None
        except yaml.YAMLError as exc:
            raise LessonError(f"{path}: not valid YAML: {exc}") from None
        if path.stem != lesson.slug:
            raise LessonError(f"{path}: the file name must be its slug '{lesson.slug}'")
        unknown = sorted(lesson.sources() - set(sources))
        if unknown:
            raise LessonError(f"{path}: unknown source '{unknown[0]}'")
        lessons.append(lesson)
    orders = [x.order for x in lessons]
    if len(set(orders)) != len(orders):
        raise LessonError(f"{folder}: two lessons share an order")
    return sorted(lessons, key=lambda x: x.order)


def sync_lessons(session: Session, lessons: list[Lesson]) -> dict[str, list[str]]:
    """Make the table hold exactly these lessons; commits. Progress of a removed lesson stays (harmless)."""
    report: dict[str, list[str]] = {"added": [], "updated": [], "removed": [], "unchanged": []}
    existing = {r.slug: r for r in session.scalars(select(LessonRow))}
    for lesson in lessons:
        data = lesson.model_dump(mode="json")
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        row = existing.pop(lesson.slug, None)
        if row is None:
            session.add(LessonRow(slug=lesson.slug, position=lesson.order, data=data, file_hash=digest))
            report["added"].append(lesson.slug)
        elif row.file_hash != digest:
            row.position, row.data, row.file_hash = lesson.order, data, digest
            report["updated"].append(lesson.slug)
        else:
            report["unchanged"].append(lesson.slug)
    for slug, row in existing.items():
        session.delete(row)
        report["removed"].append(slug)
    session.commit()
    return report
