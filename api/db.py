"""Engine and session factory, created lazily so that importing the API touches no database."""

from __future__ import annotations

import functools
import select
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
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
    # No pre-ping round trip per request (the lookup hot path): a checkout only asks the kernel (see below).
    engine = create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pre-ping without a round trip: an idle connection with something to read was closed by the server (a restart
    or a terminated backend sends its farewell, then closes); SQLAlchemy then checks out a fresh one instead."""
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise exc.DisconnectionError("the database server closed this pooled connection")


def session_factory(url: str) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine of `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def iter_session(url: str) -> Iterator[Session]:
    """Yield a session and always close it (used by the FastAPI dependency)."""
    with session_factory(url)() as session:
        yield session
