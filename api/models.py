"""Database tables. The catalogue is stored as validated JSON documents plus the columns we filter on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base shared by all tables and by Alembic autogenerate."""


class ProcedureRow(Base):
    """One procedure of kb/procedures; `data` is the validated YAML document."""

    __tablename__ = "procedures"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(200), index=True)
    audience: Mapped[str] = mapped_column(String(20))
    online_level: Mapped[str | None] = mapped_column(String(20))
    online_only: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TopicRow(Base):
    """One general topic of kb/topics."""

    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))


class SourceRow(Base):
    """One entry of kb/sources.yaml."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))


class CatalogueMeta(Base):
    """A single row whose version goes up whenever the loader changes anything (search caches key on it)."""

    __tablename__ = "catalogue_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    site: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
