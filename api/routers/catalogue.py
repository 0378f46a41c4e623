"""Catalogue endpoints: procedures, topics, sources, site settings, free-text search and the one-call resolver."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.catalogue import store
from api.catalogue.aspects import split_aspect
from api.catalogue.cited import Kind, cited, cited_json, encode, is_cited
from api.catalogue.resolve import decide, resolve
from api.catalogue.store import Snapshot
from api.db import session_factory
from api.deps import SnapshotDep, get_snapshot
from api.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["catalogue"])
INLINE_CHARS = 300  # messages up to this long are resolved on the event loop (a chat message: ~3 ms, at most ~20)


class ProcedureSummary(BaseModel):
    """A procedure in a list."""

    slug: str
    code: str | None
    name: str
    field: str | None
    audience: str
    online_level: str | None
    online_only: bool
    verified: bool


class SearchHit(BaseModel):
    """One search result."""

    kind: Literal["procedure", "topic"]
    slug: str
    title: str
    score: float
    matched_name: str


class SearchResult(BaseModel):
    """Ranked procedures and topics for a text, and how sure the match is."""

    query: str
    status: Literal["match", "ambiguous", "none"]
    known_tokens: list[str]
    unknown_tokens: list[str]
    procedures: list[SearchHit]
    topics: list[SearchHit]


def _summary(data: dict[str, Any]) -> ProcedureSummary:
    return ProcedureSummary(
        slug=data["slug"],
        code=data.get("code"),
        name=data["name"],
        field=(data.get("field") or {}).get("value"),
        audience=data.get("audience", "citizen"),
        online_level=(data.get("online_level") or {}).get("value"),
        online_only=bool((data.get("online_only_pilot") or {}).get("value")),
        verified=bool(data.get("verified")),
    )


@router.get("/procedures", response_model=list[ProcedureSummary])
def list_procedures(
    snap: SnapshotDep,
    field: str | None = Query(None, description="lĩnh vực, accent-insensitive substring"),
    audience: Literal["citizen", "organization"] | None = None,
    online_only: bool | None = None,
    popular: bool = False,
) -> list[ProcedureSummary]:
    """List procedures, filtered by field, audience, the online-only pilot flag or popularity."""
    from textnorm import normalize

    items = [_summary(d) for d in snap.procedures.values()]
    if field:
        wanted = normalize(field)
        items = [p for p in items if p.field and wanted in normalize(p.field)]
    if audience:
        items = [p for p in items if p.audience == audience]
    if online_only is not None:
        items = [p for p in items if p.online_only == online_only]
    if popular:
        order = snap.site.get("popular_procedures", [])
        items = sorted((p for p in items if p.slug in order), key=lambda p: order.index(p.slug))
        return items
    priority = {slug: d.get("priority") or 999 for slug, d in snap.procedures.items()}
    return sorted(items, key=lambda p: (priority[p.slug], p.name))


@router.get("/procedures/{key}")
def get_procedure(key: str, snap: SnapshotDep) -> dict[str, Any]:
    """One procedure by slug or national code, with the sources it cites resolved."""
    data = snap.procedures.get(key) or next((d for d in snap.procedures.values() if d.get("code") == key), None)
    if data is None:
        raise HTTPException(status_code=404, detail=f"no procedure '{key}'")
    return cited(snap, "procedure", data["slug"])


@router.get("/topics")
def list_topics(snap: SnapshotDep) -> list[dict[str, str]]:
    """All general topics (slug and title)."""
    return [{"slug": slug, "title": d["title"]} for slug, d in sorted(snap.topics.items())]


@router.get("/topics/{slug}")
def get_topic(slug: str, snap: SnapshotDep) -> dict[str, Any]:
    """One general topic, with its sources resolved."""
    data = snap.topics.get(slug)
    if data is None:
        raise HTTPException(status_code=404, detail=f"no topic '{slug}'")
    return cited(snap, "topic", slug)


@router.get("/fields")
def list_fields(snap: SnapshotDep) -> list[dict[str, Any]]:
    """The fields (lĩnh vực) with how many procedures each has."""
    counts: dict[str, int] = {}
    for d in snap.procedures.values():
        name = (d.get("field") or {}).get("value") or "Khác"
        counts[name] = counts.get(name, 0) + 1
    return [{"field": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]


@router.get("/site")
def get_site(snap: SnapshotDep) -> dict[str, Any]:
    """The Sở's settings from site.yaml (province, hotline, portals)."""
    return snap.site


@router.get("/search", response_model=SearchResult)
def search(
    snap: SnapshotDep,
    q: str = Query(..., min_length=1, max_length=10_000),
    limit: int = Query(5, ge=1, le=20),
) -> SearchResult:
    """Rank procedures and topics for free text (the resolver's engine; `status` is its decision)."""
    rest = split_aspect(q).rest  # as the resolver reads it: aspect words never name a procedure
    known, unknown = snap.procedure_index.split_query(rest)
    procs = snap.procedure_index.search(rest, limit=limit)
    topics = snap.topic_index.search(q, limit=limit)
    res = decide(snap, q)
    status: Literal["match", "ambiguous", "none"] = "none"
    if res.decision == "answer" and res.kind == "procedure":
        status = "match"
    elif res.decision == "choose" and any(c.kind == "procedure" for c in res.candidates or []):
        status = "ambiguous"
    return SearchResult(
        query=q[:200],
        status=status,
        known_tokens=known,
        unknown_tokens=unknown,
        procedures=[SearchHit(**_hit(h)) for h in procs],
        topics=[SearchHit(**_hit(h)) for h in topics],
    )


def _hit(hit: Any) -> dict[str, Any]:
    return {"kind": hit.kind, "slug": hit.slug, "title": hit.title, "score": hit.score, "matched_name": hit.matched_name}


async def fresh_snapshot() -> Snapshot:
    """The loaded catalogue; while its version was read less than 2 s ago, without a session or a worker thread."""
    url = get_settings().database_url
    snap = store.cached(url)
    return snap if snap is not None else await run_in_threadpool(_read_snapshot, url)


def _read_snapshot(url: str) -> Snapshot:
    """The snapshot after a version check (a query), or 503 while nothing is loaded."""
    with session_factory(url)() as session:
        return get_snapshot(session)


@router.get("/resolve", response_model=None)
async def resolve_message(
    snap: Annotated[Snapshot, Depends(fresh_snapshot)],
    q: str = Query("", max_length=10_000, description="the user's message"),
    focus: str | None = Query(None, max_length=200, description="slug of the procedure in focus (the conversation's slot)"),
    intent: str | None = Query(None, max_length=100, description="the Rasa intent"),
    confidence: float = Query(0.0, ge=0.0, le=1.0, description="the Rasa intent's confidence"),
    last_aspect: str | None = Query(None, max_length=40, description="the aspect answered last"),
    pick: str | None = Query(None, max_length=200, description="a slug the user picked (button, entity)"),
    topic: str | None = Query(None, max_length=200, description="slug of the topic answered last, when it was one"),
    offered: str | None = Query(None, max_length=400, description="the choices offered last: kind:slug, comma-separated"),
) -> Response:
    """One message → one decision (answer / choose / not_found) with the procedure or topic and site embedded.

    The hot path of every turn: a chat-sized message is resolved on the event loop (a few ms of CPU only: a worker
    thread saves nothing under the GIL and its hops cost a third of the call), a longer one in a worker thread so
    that it never holds the loop for long. The reply is plain JSON, its document as encoded once per snapshot.
    """
    shown = tuple(item for item in (offered or "").split(",") if item)
    args = (snap, q, focus, intent, confidence, last_aspect, pick, topic, shown)
    out = resolve(*args) if len(q) <= INLINE_CHARS else await run_in_threadpool(resolve, *args)
    return Response(render_resolution(snap, out), media_type="application/json")


def render_resolution(snap: Snapshot, out: dict[str, Any]) -> bytes:
    """resolve()'s result as JSON; its procedure or topic (cited.py's shared document) spliced in already encoded."""
    kinds: tuple[Kind, ...] = ("procedure", "topic")
    spliced = [k for k in kinds if is_cited(snap, k, out.get(k))]
    if not spliced:
        return encode(out)
    rest = encode({k: v for k, v in out.items() if k not in spliced})[1:-1]
    parts = [b'"%s":%s' % (k.encode(), cited_json(snap, k, out[k]["slug"])) for k in spliced]
    return b"{" + b",".join([rest, *parts] if rest else parts) + b"}"
