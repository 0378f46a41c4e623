"""The clock the calendar reads: the real time, or a pinned one for tests and demos (never in production)."""

from __future__ import annotations

import datetime as dt
import os

PIN = "DVC_CALENDAR_NOW"  # ISO date-time, e.g. 2027-04-22T09:00:00+07:00; ignored when DVC_PROFILE=production


def now() -> dt.datetime:
    """The current time in UTC, or DVC_CALENDAR_NOW outside production (read per call: nothing cached at import)."""
    pinned = os.environ.get(PIN)
    if pinned and os.environ.get("DVC_PROFILE", "dev") != "production":
        value = dt.datetime.fromisoformat(pinned)
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
