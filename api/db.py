"""Engine and session factory, created lazily so that importing the API touches no database."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@functools.lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per database URL; SQLite gets WAL mode so readers never wait for writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a commit no longer waits for a full fsync
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # No pre-ping round trip per request (the lookup hot path); a dropped connection invalidates the pool instead.
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)


def session_factory(url: str) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine of `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def iter_session(url: str) -> Iterator[Session]:
    """Yield a session and always close it (used by the FastAPI dependency)."""
    with session_factory(url)() as session:
        yield session
