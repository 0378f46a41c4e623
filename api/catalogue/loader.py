"""Validate kb/ and load it into the database idempotently, reporting what changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.calendar.loader import CalendarError, read_calendar, sync_calendar
from api.calendar.schema import CalendarFile
from api.catalogue.schema import Procedure, SeedList, Site, Source, Topic
from api.models import CatalogueMeta, ProcedureRow, SourceRow, TopicRow

M = TypeVar("M", bound=BaseModel)
SOURCE_KEYS = ("sources", "code_sources", "name_sources")


class CatalogueError(Exception):
    """A kb/ file is invalid; the message names the file and the field."""


@dataclass
class Catalogue:
    """Everything in kb/ and site.yaml, validated."""

    procedures: dict[str, Procedure]
    topics: dict[str, Topic]
    sources: dict[str, Source]
    seed_lists: dict[str, SeedList]
    site: Site
    calendar: dict[str, CalendarFile] = field(default_factory=dict)  # kb/calendar: school year → its windows


@dataclass
class LoadReport:
    """What a load changed, per kind (procedures, topics, sources)."""

    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when anything was added, updated or removed."""
        return any(c[k] for c in self.changes.values() for k in ("added", "updated", "removed"))

    def summary(self) -> str:
        """One line per kind, e.g. 'procedures: 3 added, 1 updated, 0 removed, 90 unchanged'."""
        lines = []
        for kind, c in self.changes.items():
            counts = ", ".join(f"{len(c[k])} {k}" for k in ("added", "updated", "removed", "unchanged"))
            lines.append(f"{kind}: {counts}")
        return "\n".join(lines)


def _read_yaml(path: pathlib.Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read YAML: {exc}") from exc


def _validate(model: type[M], data: Any, path: pathlib.Path, where: str = "") -> M:
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}{where}: expected a mapping, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = "; ".join(f"field '{'.'.join(str(p) for p in err['loc']) or '(root)'}': {err['msg']}" for err in exc.errors())
        raise CatalogueError(f"{path}{where}: {errors}") from exc


def _source_refs(obj: Any, trail: str = "") -> Iterator[tuple[str, str]]:
    """Yield (field path, source id) for every source reference in a document."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            here = f"{trail}.{key}" if trail else str(key)
            if key in SOURCE_KEYS and isinstance(value, list):
                yield from ((here, str(v)) for v in value)
            else:
                yield from _source_refs(value, here)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _source_refs(value, f"{trail}[{i}]")


def _load_dir(folder: pathlib.Path, model: type[M]) -> dict[str, M]:
    items: dict[str, M] = {}
    for path in sorted(folder.glob("*.yaml")):
        item = _validate(model, _read_yaml(path), path)
        slug = str(getattr(item, "slug"))  # noqa: B009  (M is any kb model with a slug)
        if slug != path.stem:
            raise CatalogueError(f"{path}: field 'slug': '{slug}' must equal the file name '{path.stem}'")
        items[slug] = item
    return items


def read_catalogue(kb_dir: pathlib.Path, site_file: pathlib.Path) -> Catalogue:
    """Read and validate all of kb/ and site.yaml; raise CatalogueError naming the file and field."""
    sources: dict[str, Source] = {}
    for sources_path in [kb_dir / "sources.yaml", *sorted((kb_dir / "sources").glob("*.yaml"))]:
        if not sources_path.exists():
            continue
        for key, value in (_read_yaml(sources_path) or {}).items():
            if str(key) in sources:
                raise CatalogueError(f"{sources_path}: source '{key}' is defined twice")
            sources[str(key)] = _validate(Source, value, sources_path, f" [{key}]")
    procedures = _load_dir(kb_dir / "procedures", Procedure)
    topics = _load_dir(kb_dir / "topics", Topic)
    if not procedures:
        raise CatalogueError(f"{kb_dir / 'procedures'}: no procedure files found")
    for folder, items in (("procedures", procedures), ("topics", topics)):
        for slug, item in items.items():
            for trail, ref in _source_refs(item.model_dump()):
                if ref not in sources:
                    raise CatalogueError(f"{kb_dir / folder / (slug + '.yaml')}: field '{trail}': unknown source '{ref}'")
    for slug, proc in procedures.items():
        for ref in [*([proc.successor] if proc.successor else []), *proc.related]:
            if ref not in procedures:
                raise CatalogueError(
                    f"{kb_dir / 'procedures' / (slug + '.yaml')}: field 'successor/related': no procedure '{ref}'"
                )
    for slug, topic in topics.items():
        for ref in topic.procedures:
            if ref not in procedures:
                raise CatalogueError(f"{kb_dir / 'topics' / (slug + '.yaml')}: field 'procedures': no procedure '{ref}'")
    seeds_path = kb_dir / "seed_lists.yaml"
    seed_lists: dict[str, SeedList] = {}
    if seeds_path.exists():
        raw = _read_yaml(seeds_path) or {}
        seed_lists = {str(k): _validate(SeedList, v, seeds_path, f" [{k}]") for k, v in raw.items()}
        for list_id, seed in seed_lists.items():
            for i, entry in enumerate(seed.entries):
                if entry.slug not in procedures:
                    raise CatalogueError(f"{seeds_path}: field '{list_id}.entries[{i}].slug': no procedure '{entry.slug}'")
    site = _validate(Site, _read_yaml(site_file), site_file)
    for slug in site.popular_procedures:
        if slug not in procedures:
            raise CatalogueError(f"{site_file}: field 'popular_procedures': no procedure '{slug}'")
    try:
        calendar = read_calendar(kb_dir / "calendar", sources, procedures, topics)
    except CalendarError as exc:
        raise CatalogueError(str(exc)) from None
    return Catalogue(procedures, topics, sources, seed_lists, site, calendar)


def _hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _sync(session: Session, row_type: Any, key: str, wanted: dict[str, dict[str, Any]], build: Any) -> dict[str, list[str]]:
    """Make the table hold exactly `wanted` (key → JSON document), touching only what changed."""
    report: dict[str, list[str]] = {"added": [], "updated": [], "removed": [], "unchanged": []}
    existing = {getattr(r, key): r for r in session.scalars(select(row_type))}
    for k, data in wanted.items():
        digest = _hash(data)
        row = existing.pop(k, None)
        if row is None:
            session.add(build(k, data, digest))
            report["added"].append(k)
        elif row.content_hash != digest:
            for attr, value in vars(build(k, data, digest)).items():
                if not attr.startswith("_"):
                    setattr(row, attr, value)
            report["updated"].append(k)
        else:
            report["unchanged"].append(k)
    for k, row in existing.items():
        session.delete(row)
        report["removed"].append(k)
    return report


def _procedure_row(slug: str, data: dict[str, Any], digest: str) -> ProcedureRow:
    return ProcedureRow(
        slug=slug,
        code=data.get("code"),
        name=data["name"],
        field=(data.get("field") or {}).get("value"),
        audience=data.get("audience", "citizen"),
        online_level=(data.get("online_level") or {}).get("value"),
        online_only=bool((data.get("online_only_pilot") or {}).get("value")),
        verified=bool(data["verified"]),
        data=data,
        content_hash=digest,
    )


def load_catalogue(session: Session, catalogue: Catalogue) -> LoadReport:
    """Upsert the catalogue into the database; bump the catalogue version only when something changed."""
    report = LoadReport()
    report.changes["procedures"] = _sync(
        session, ProcedureRow, "slug", {k: v.model_dump(mode="json") for k, v in catalogue.procedures.items()}, _procedure_row
    )
    report.changes["topics"] = _sync(
        session,
        TopicRow,
        "slug",
        {k: v.model_dump(mode="json") for k, v in catalogue.topics.items()},
        lambda k, d, h: TopicRow(slug=k, title=d["title"], data=d, content_hash=h),
    )
    report.changes["sources"] = _sync(
        session,
        SourceRow,
        "id",
        {k: v.model_dump(mode="json") for k, v in catalogue.sources.items()},
        lambda k, d, h: SourceRow(id=k, data=d, content_hash=h),
    )
    report.changes["calendar"] = sync_calendar(session, catalogue.calendar)
    meta = session.get(CatalogueMeta, 1) or CatalogueMeta(id=1, version=0, site={})
    site = catalogue.site.model_dump(mode="json")
    if report.changed or meta.site != site or meta.loaded_at is None:
        meta.version = (meta.version or 0) + 1
        meta.site = site
        meta.loaded_at = dt.datetime.now(dt.timezone.utc)
        session.add(meta)
    session.commit()
    return report
