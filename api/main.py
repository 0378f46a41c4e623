"""The FastAPI application factory; nothing connects to a database until a request arrives."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.admin.auth import bootstrap_admin
from api.calendar import admin as calendar_admin
from api.calendar import router as calendar_router
from api.calendar import scheduler
from api.catalogue import store
from api.lessons import admin as lessons_admin
from api.lessons import router as lessons_router
from api.practice import router as practice_router
from api.routers import (
    admin,
    admin_staff,
    admin_users,
    catalogue,
    dossier_lookup,
    dossiers,
    health,
    notifications,
    records,
    reports,
)
from api.routers.widget import mount_widget
from api.security_headers import SecurityHeaders
from api.settings import get_settings, production_problems
from textnorm.privacy import install_log_masking


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """At server start (not import): refuse an incomplete production setup, create the first admin; freeze the heap."""
    settings = get_settings()
    problems = production_problems(settings)
    if problems:
        raise RuntimeError("DVC_PROFILE=production refused to start: " + "; ".join(problems))
    bootstrap_admin(settings)
    await asyncio.to_thread(store.warm, settings.database_url)  # its objects are frozen below with the libraries'
    gc.collect()
    gc.freeze()  # the ~120 000 objects of the loaded libraries leave the collector's sight (see api/catalogue/store.py)
    period = scheduler.interval_seconds()
    reminders = asyncio.create_task(scheduler.run_forever(settings.database_url, period)) if period > 0 else None
    yield
    if reminders is not None:
        reminders.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reminders


def create_app() -> FastAPI:
    """Build the API with its routers and CORS limited to the configured origins."""
    settings = get_settings()
    install_log_masking()
    app = FastAPI(title="Trợ lý DVC Giáo dục API", version="0.1.0", lifespan=lifespan)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(SecurityHeaders)  # outermost: CORS answers and errors get the headers too
    app.include_router(health.router)
    app.include_router(catalogue.router)
    app.include_router(dossier_lookup.router)
    app.include_router(dossiers.router)
    app.include_router(notifications.router)
    app.include_router(calendar_router.router)
    app.include_router(calendar_admin.router)
    app.include_router(lessons_router.router)
    app.include_router(lessons_admin.router)
    app.include_router(practice_router.router)
    for module in (records, reports, admin, admin_staff, admin_users):
        app.include_router(module.router)
    mount_widget(app)
    return app


app = create_app()
