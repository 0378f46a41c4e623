"""Integration API for the one-stop system: upsert, CSV import and full read of dossiers (bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import IntegrationAuth, SessionDep, SettingsDep
from api.dossiers.csv_import import import_csv
from api.dossiers.lookup import strict_code
from api.dossiers.schemas import DossierIn, field_errors
from api.dossiers.service import full_view, get_dossier, upsert
from api.practice.service import PRACTICE_RESERVED, is_practice_code

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"], dependencies=[IntegrationAuth])

MAX_CSV_BYTES = 5 * 1024 * 1024


def _invalid(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 whose body names every bad field."""
    return JSONResponse(status_code=422, content={"detail": errors})


@router.post("/import")
async def import_dossiers(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """CSV as a multipart `file` or a text/csv body; one bad row and nothing of the file is written."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return _invalid([{"field": "file", "message": "send the CSV as the multipart field `file`"}])
        raw = await upload.read(MAX_CSV_BYTES + 1)
    else:
        raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        return _invalid([{"field": "file", "message": f"larger than {MAX_CSV_BYTES} bytes"}])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _invalid([{"field": "file", "message": "the CSV must be UTF-8"}])
    report = await run_in_threadpool(import_csv, session, text, settings)
    if report.errors:
        return _invalid(report.errors)
    return JSONResponse({"created": report.created, "updated": report.updated, "status_changes": report.status_changes})


@router.put("/{code}")
def put_dossier(
    code: str,
    payload: Annotated[dict[str, Any], Body()],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> Any:
    """Create or update one dossier; the same PUT twice changes nothing (no new history, no notification)."""
    clean = strict_code(code, settings)
    errors: list[dict[str, Any]] = []
    if clean is None:
        errors.append({"field": "code", "message": "not a dossier code (000.00.31.H26-260112-0003)"})
    elif is_practice_code(clean):
        errors.append({"field": "code", "message": PRACTICE_RESERVED})
    try:
        data = DossierIn.model_validate(payload)
    except ValidationError as exc:
        errors.extend(field_errors(exc))
    if errors or clean is None:
        return _invalid(errors)
    try:
        result = upsert(session, clean, data)
        session.commit()
    except IntegrityError:  # the same new code PUT twice at once: the other request created it, update it now
        session.rollback()
        result = upsert(session, clean, data)
        session.commit()
    response.status_code = 201 if result.created else 200
    return {"code": clean, "created": result.created, "status_changed": result.status_changed}


@router.get("/{code}")
def get_full(code: str, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """The whole record, applicant included: integration only."""
    clean = strict_code(code, settings)
    row = get_dossier(session, clean) if clean else None
    if row is None:
        raise HTTPException(status_code=404, detail="dossier not found")
    return full_view(session, row)
