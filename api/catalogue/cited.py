"""Procedures and topics with their sources resolved, and their JSON, made once per catalogue snapshot.

The resolver's reply embeds one on most turns: resolving the sources and encoding ~16 kB of JSON each time was
a tenth of the call's time.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from api.catalogue.loader import SOURCE_KEYS
from api.catalogue.store import Snapshot

Kind = Literal["procedure", "topic"]


def with_sources(doc: dict[str, Any], registry: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The document with `source_list`: the registry entries it cites, in order of first citation."""
    seen: dict[str, None] = {}

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in SOURCE_KEYS and isinstance(value, list):
                    seen.update(dict.fromkeys(value))
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(doc)
    return {**doc, "source_list": [{"id": sid, **registry[sid]} for sid in seen if sid in registry]}


def encode(value: Any) -> bytes:
    """JSON as the API sends it (Starlette's JSONResponse encoding)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def _entry(snap: Snapshot, kind: Kind, slug: str) -> tuple[dict[str, Any], bytes]:
    key = (kind, slug)
    found: tuple[dict[str, Any], bytes] | None = snap.documents.get(key)
    if found is None:
        doc = with_sources((snap.procedures if kind == "procedure" else snap.topics)[slug], snap.sources)
        found = snap.documents[key] = (doc, encode(doc))  # a race only computes the same value twice
    return found


def cited(snap: Snapshot, kind: Kind, slug: str) -> dict[str, Any]:
    """The procedure or topic with its `source_list` (shared: never modify it)."""
    return _entry(snap, kind, slug)[0]


def is_cited(snap: Snapshot, kind: Kind, doc: Any) -> bool:
    """Whether `doc` is the shared document `cited` gave for its slug (so its JSON may be sent in its place)."""
    entry = snap.documents.get((kind, str(doc.get("slug")))) if isinstance(doc, dict) else None
    return entry is not None and entry[0] is doc


def cited_json(snap: Snapshot, kind: Kind, slug: str) -> bytes:
    """The JSON of `cited(snap, kind, slug)`."""
    return _entry(snap, kind, slug)[1]
