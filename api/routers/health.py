"""Health check: 200 only when the database answers and the catalogue is loaded."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from api.catalogue.store import current_version
from api.deps import SessionDep
from api.models import ProcedureRow

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> JSONResponse:
    """Report database reachability and catalogue state; 503 when either is missing."""
    try:
        version = current_version(session)
        count = session.scalar(select(func.count()).select_from(ProcedureRow)) or 0
    except SQLAlchemyError:
        return JSONResponse({"status": "error", "database": False, "catalogue": False}, status_code=503)
    ok = version is not None and count > 0
    body = {"status": "ok" if ok else "error", "database": True, "catalogue": ok, "procedures": count, "version": version}
    return JSONResponse(body, status_code=200 if ok else 503)
