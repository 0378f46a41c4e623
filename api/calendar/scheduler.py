"""Runs `due_reminders` every few minutes inside each API process (a reminder is queued once however many run)."""

from __future__ import annotations

import asyncio
import logging
import os

from starlette.concurrency import run_in_threadpool

from api.calendar import clock
from api.calendar.reminders import due_reminders
from api.db import session_factory

logger = logging.getLogger(__name__)
INTERVAL = "DVC_REMINDER_INTERVAL_SECONDS"  # 0 turns the scheduler off in this process


def interval_seconds() -> float:
    """The period between two runs (default 600 s)."""
    return float(os.environ.get(INTERVAL, "600") or 0)


def run_once(database_url: str) -> int:
    """One pass: queue what is due now; how many reminders were queued."""
    with session_factory(database_url)() as session:
        return due_reminders(session, clock.now())


async def run_forever(database_url: str, period: float) -> None:
    """Run a pass, sleep `period`, again; a failed pass is logged and retried at the next period."""
    while True:
        try:
            queued = await run_in_threadpool(run_once, database_url)
            if queued:
                logger.info("reminders queued: %d", queued)
        except Exception:  # a database hiccup must not end the loop
            logger.exception("reminder pass failed")
        await asyncio.sleep(period)
