"""Benchmark: the summary report over 100 000 stored conversations on SQLite and PostgreSQL (target ≤ 1 s).

Usage: .venv/bin/python scripts/bench_reports.py [--conversations N] [--runs R] [--skip-postgres]
Prints the median and p95 of R summary runs over a 90-day range for each database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid

from sqlalchemy import insert

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from api.cli import migrate
from api.db import get_engine, session_factory
from api.records import reports
from api.records.models import ConversationRow, RatingRow, TurnRow
from api.records.service import local_day
from tests.pg import throwaway_database

CHANNELS = ("web", "telegram", "classroom")
END = dt.date(2026, 3, 31)


def fill(url: str, conversations: int) -> int:
    """Insert `conversations` senders over 90 days, 1–6 turns each, a rating for one in three; returns turns."""
    rnd = random.Random(5)
    slugs = [f"thu-tuc-{i}" for i in range(60)] + [None] * 20
    start = dt.datetime.combine(END - dt.timedelta(days=89), dt.time(1), dt.UTC)
    engine = get_engine(url)
    turns_total, batch = 0, 5000
    conv_id = 0
    with engine.begin() as conn:
        for first in range(0, conversations, batch):
            convs, turns, ratings = [], [], []
            for _ in range(min(batch, conversations - first)):
                conv_id += 1
                channel = rnd.choice(CHANNELS)
                at = start + dt.timedelta(minutes=rnd.randrange(89 * 24 * 60))
                n = rnd.randint(1, 6)
                convs.append({"id": conv_id, "sender": f"{channel}:{uuid.uuid4()}", "channel": channel, "first_seen": at,
                              "last_seen": at + dt.timedelta(minutes=n), "first_day": local_day(at)})  # fmt: skip
                for k in range(n):
                    t = at + dt.timedelta(minutes=k)
                    slug = rnd.choice(slugs)
                    turns.append({"conversation_id": conv_id, "at": t, "day": local_day(t), "channel": channel, "intent": "ask",
                                  "procedure_slug": slug, "topic_slug": None if slug else "chu-de",
                                  "answered": rnd.random() > 0.15, "opens_day": k == 0, "text": "câu hỏi"})  # fmt: skip
                if conv_id % 3 == 0:
                    ratings.append({"conversation_id": conv_id, "at": at, "day": local_day(at), "channel": channel,
                                    "score": rnd.randint(1, 5), "comment": None,
                                    "procedure_slug": rnd.choice(slugs)})  # fmt: skip
            conn.execute(insert(ConversationRow), convs)
            conn.execute(insert(TurnRow), turns)
            if ratings:
                conn.execute(insert(RatingRow), ratings)
            turns_total += len(turns)
    return turns_total


def time_summary(url: str, runs: int) -> list[float]:
    """Seconds per summary run over the whole 90 days (plus one warm-up)."""
    times = []
    with session_factory(url)() as session:
        for i in range(runs + 1):
            t0 = time.perf_counter()
            reports.summary(session, END - dt.timedelta(days=89), END, None)
            if i:
                times.append(time.perf_counter() - t0)
    return times


def report(name: str, url: str, conversations: int, runs: int) -> None:
    migrate(url)
    t0 = time.perf_counter()
    turns = fill(url, conversations)
    with get_engine(url).connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    print(f"{name}: {conversations} conversations, {turns} turns inserted in {time.perf_counter() - t0:.1f}s")
    times = sorted(time_summary(url, runs))
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{name}: summary median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        f" over {runs} runs (target ≤ 1000 ms)"
    )


def main() -> int:
    """Run the benchmark on SQLite and (unless skipped) on a throw-away PostgreSQL database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report("sqlite", f"sqlite:///{tmp}/bench.db", args.conversations, args.runs)
    if args.skip_postgres:
        return 0
    with throwaway_database("dvc_bench") as url:
        report("postgresql", url, args.conversations, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
