"""Lookup benchmark (issue 4): p50/p95 and throughput of POST /api/v1/dossiers/lookup on SQLite and PostgreSQL.

Two runs per database, loopback only, bounded in count and time:
- saturation: 50 clients send back to back (throughput and latency at full load);
- paced: 200 requests/s offered by 50 clients (the target: p95 <= 20 ms at 200 requests/s).
Usage: .venv/bin/python scripts/bench_lookup.py [--dossiers 2000] [--seconds 10] [--skip-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import pathlib
import random
import secrets
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cpu_seconds, pct  # noqa: E402
from loadgen import Connection  # noqa: E402

from api.catalogue.loader import load_catalogue, read_catalogue  # noqa: E402
from api.cli import migrate  # noqa: E402
from api.db import session_factory  # noqa: E402
from api.dossiers.schemas import DossierIn  # noqa: E402
from api.dossiers.service import upsert  # noqa: E402
from tests import servers  # noqa: E402
from tests.pg import throwaway_database  # noqa: E402

CLIENTS = 50
WORKERS = 2  # as `make run` starts the API: one uvicorn worker per core
PROCEDURES = ["3.000465", "2.002850", "3.000466", "2.002854", "1.005095", "2.002857"]
STATUSES = ["received", "in_progress", "result_ready", "result_returned"]


def seed(url: str, count: int) -> list[tuple[str, str]]:
    """Migrate, load the catalogue and upsert `count` dossiers; returns (code, last 4 digits)."""
    migrate(url)
    rng = random.Random(4)
    pairs: list[tuple[str, str]] = []
    with session_factory(url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
        for i in range(count):
            code = f"000.00.31.H26-260112-{i:04d}"
            phone = f"09{rng.randrange(10**8):08d}"
            received = dt.date(2026, 1, 12)
            data = DossierIn(
                procedure_code=rng.choice(PROCEDURES),
                status=rng.choice(STATUSES),  # type: ignore[arg-type]
                received_at=received,
                due_at=received + dt.timedelta(days=rng.randrange(3, 20)),
                applicant_name="Bench",
                applicant_phone=phone,
            )
            upsert(session, code, data)
            pairs.append((code, phone[-4:]))
        session.commit()
    return pairs


async def run(base: str, token: str, pairs: list[tuple[str, str]], seconds: float, rate: float | None) -> dict[str, float]:
    """50 clients for `seconds` (and at most 20 000 requests): back to back, or paced to `rate` requests/s in total."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    interval = CLIENTS / rate if rate else 0.0
    budget = [20_000]
    host, port = base.removeprefix("http://").split(":")

    async def client(n: int) -> None:
        conn = Connection(host, int(port), token)  # one connection each: no pool contention
        try:
            await loop(n, conn)
        finally:
            conn.close()

    async def loop(n: int, conn: Connection) -> None:
        nonlocal errors
        rng = random.Random(n)
        sender = f"telegram:{n}"
        next_at = time.perf_counter() + rng.random() * interval
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            if interval:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += interval
            code, digits = rng.choice(pairs)
            if rng.random() < 0.1:
                digits = "0000" if digits != "0000" else "1111"
            start = time.perf_counter()
            status = await conn.post("/api/v1/dossiers/lookup", {"code": code, "phone_last4": digits, "sender": sender})
            latencies.append(time.perf_counter() - start)
            errors += status != 200

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "p99": pct(latencies, 0.99),
    }


def bench(name: str, url: str, count: int, seconds: float, logdir: pathlib.Path) -> list[tuple[str, dict[str, float]]]:
    """Seed, start the API on `url`, warm up, then the saturation and paced runs."""
    pairs = seed(url, count)
    token = secrets.token_hex(16)
    port = servers.free_port()
    env = servers.base_env(DVC_DATABASE_URL=url, DVC_INTERNAL_TOKEN=token, DVC_LOOKUP_RATE_LIMIT="1000000")
    base = f"http://127.0.0.1:{port}"
    with servers.service(f"bench-lookup-{name}", servers.api_args(port, WORKERS), env, f"{base}/health", logdir, 60) as proc:
        asyncio.run(run(base, token, pairs, 2, None))  # warm-up: connections, caches
        cpu = cpu_seconds(proc.pid)
        saturated = asyncio.run(run(base, token, pairs, seconds, None))
        saturated["server_cpu_ms"] = (cpu_seconds(proc.pid) - cpu) * 1000 / max(saturated["requests"], 1)
        cpu = cpu_seconds(proc.pid)
        paced = asyncio.run(run(base, token, pairs, seconds, 200))
        paced["server_cpu_ms"] = (cpu_seconds(proc.pid) - cpu) * 1000 / max(paced["requests"], 1)
    return [(f"{name} saturation", saturated), (f"{name} paced 200/s", paced)]


def main() -> int:
    """Print the figures table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        logdir = ROOT / "var" / "bench-logs"
        logdir.mkdir(parents=True, exist_ok=True)
        rows += bench("sqlite", f"sqlite:///{tmp}/bench.db", args.dossiers, args.seconds, logdir)
        if not args.skip_pg:
            with throwaway_database("dvc_bench") as pg:
                rows += bench("postgresql", pg, args.dossiers, args.seconds, logdir)
    load = os.getloadavg()[0]
    print(f"\nLookup benchmark: {CLIENTS} clients, {WORKERS} API workers, {args.dossiers} dossiers, 10% wrong digits,")
    print(f"{args.seconds:.0f} s per run; CPU ms/req = the API's own CPU time per request")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the end (other processes skew the figures)")
    print(f"{'run':<26}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU ms/req':>11}")
    for label, f in rows:
        print(
            f"{label:<26}{f['requests']:>9.0f}{f['errors']:>8.0f}{f['rps']:>9.1f}{f['p50']:>9.1f}{f['p95']:>9.1f}"
            f"{f['p99']:>9.1f}{f['server_cpu_ms']:>11.2f}"
        )
    print("target: p95 <= 20 ms at 200 requests/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
