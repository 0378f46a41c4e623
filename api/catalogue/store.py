"""Read access to the loaded catalogue, with search indexes cached per catalogue version."""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.catalogue.fulltext import FullTextIndex
from api.catalogue.search import Entry, SearchIndex, describe, names_of
from api.db import get_engine, session_factory
from api.models import CatalogueMeta, ProcedureRow, SourceRow, TopicRow


@dataclass(frozen=True)
class Snapshot:
    """The catalogue as of one version: documents, sources and the two search indexes."""

    version: int
    site: dict[str, Any]
    procedures: dict[str, dict[str, Any]]
    topics: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    procedure_index: SearchIndex
    topic_index: SearchIndex
    same_subject: frozenset[tuple[str, str]] = frozenset()  # (topic, procedure) that share a name: one subject
    full_text: FullTextIndex | None = None  # every text of every entry, for the second opinion
    documents: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)  # cited.py fills it
    names: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)  # resolve.py fills it


_lock = threading.Lock()
_cache: dict[str, Snapshot] = {}
_checked: dict[str, float] = {}  # database URL → when its catalogue version was last read
VERSION_CHECK_SECONDS = 2.0  # a `make load` shows within 2 s; meanwhile requests skip a version query each


def current_version(session: Session) -> int | None:
    """The loaded catalogue version, or None when nothing has been loaded."""
    meta = session.get(CatalogueMeta, 1)
    return meta.version if meta and meta.loaded_at else None


def _build(session: Session, version: int) -> Snapshot:
    meta = session.get(CatalogueMeta, 1)
    procedures = {r.slug: r.data for r in session.scalars(select(ProcedureRow))}
    topics = {r.slug: r.data for r in session.scalars(select(TopicRow))}
    sources = {r.id: r.data for r in session.scalars(select(SourceRow))}
    proc_entries = [
        Entry(
            "procedure",
            slug,
            d["name"],
            (d["name"], *d.get("former_names", []), *d.get("aliases", []), *([d["code"]] if d.get("code") else [])),
            describe(d),
        )
        for slug, d in procedures.items()
    ]
    topic_entries = [
        Entry("topic", slug, d["title"], (d["title"], *d.get("aliases", [])), describe(d)) for slug, d in topics.items()
    ]
    full_text = FullTextIndex(
        {**{("procedure", s): d for s, d in procedures.items()}, **{("topic", s): d for s, d in topics.items()}}
    )
    words = full_text.words  # every word of the catalogue: a real word is never "corrected" into another
    proc_names = {e.slug: names_of(e) for e in proc_entries}
    topic_names = {t.slug: names_of(t, "procedure") for t in topic_entries}  # once each: not once per pair
    same = {(t, slug) for t, tn in topic_names.items() for slug, names in proc_names.items() if names & tn}
    return Snapshot(
        version=version,
        site=dict(meta.site) if meta else {},
        procedures=procedures,
        topics=topics,
        sources=sources,
        procedure_index=SearchIndex("procedure", proc_entries, words),
        topic_index=SearchIndex("topic", topic_entries, words),
        same_subject=frozenset(same),
        full_text=full_text,
    )


def cached(database_url: str) -> Snapshot | None:
    """The snapshot of `database_url` while its version was read less than 2 s ago: no session, no query."""
    key = str(get_engine(database_url).url)
    snap = _cache.get(key)
    return snap if snap and time.monotonic() - _checked.get(key, 0.0) < VERSION_CHECK_SECONDS else None


def snapshot(session: Session) -> Snapshot | None:
    """The current snapshot, rebuilt only when the loader has bumped the catalogue version (read every 2 s)."""
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached and time.monotonic() - _checked.get(key, 0.0) < VERSION_CHECK_SECONDS:
        return cached
    version = current_version(session)
    if version is None:
        return None
    _checked[key] = time.monotonic()
    if cached and cached.version == version:
        return cached
    with _lock:
        cached = _cache.get(key)
        if not cached or cached.version != version:
            cached = _cache[key] = _build(session, version)
            # A full garbage collection walks every object, and a catalogue adds tens of thousands: pauses of
            # 50-100 ms under load. Frozen objects are still freed when unreferenced (an older catalogue is).
            gc.freeze()
    return cached


def warm(database_url: str) -> None:
    """Build the snapshot at server start, so the first question does not wait a second for the indexes."""
    try:
        with session_factory(database_url)() as session:
            snapshot(session)
    except SQLAlchemyError as exc:  # not migrated or not loaded yet: the first request builds it
        logging.getLogger(__name__).warning("catalogue not warmed: %s", exc)
