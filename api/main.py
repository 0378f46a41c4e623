"""The FastAPI application factory; nothing connects to a database until a request arrives."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.routers import catalogue, health
from api.settings import get_settings


def create_app() -> FastAPI:
    """Build the API with its routers and CORS limited to the configured origins."""
    settings = get_settings()
    app = FastAPI(title="Trợ lý DVC Giáo dục API", version="0.1.0")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.include_router(health.router)
    app.include_router(catalogue.router)
    return app


app = create_app()
