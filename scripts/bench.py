"""`make bench`: print training time, cold start, memory, REST reply latency and NLU accuracy (figures, not tests)."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench_baseline  # noqa: E402
from loadgen import Connection  # noqa: E402

from api.catalogue.loader import load_catalogue, read_catalogue  # noqa: E402
from api.cli import migrate  # noqa: E402
from api.db import session_factory  # noqa: E402
from tests import servers  # noqa: E402
from tests.nlu_eval import evaluate, load_messages  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = pathlib.Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            children = pathlib.Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pids += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children (workers), from /proc."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = pathlib.Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            pids += [int(c) for c in pathlib.Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, in ms (NaN when there are none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def train_seconds() -> float:
    """Time a forced training run into a temporary folder."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [str(servers.RASA_BIN), "train", "--force", "--quiet", "--domain", "bot/domain", "--data", "bot/data",
             "--config", "config.yml", "--out", out],
            cwd=ROOT, env=servers.base_env(), check=True, capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - start


RECORDING_ROUNDS = 3
LATENCY_ROUNDS = 3  # back-to-back load on a shared 2-core machine: one round's p95 swings by ±20%
READING_SECONDS = (1.0, 3.0)  # a person reads the answer before typing the next message
TURNS_PER_CONVERSATION = 6  # a typical chat; each user then starts a new conversation


async def load_test(
    url: str, texts: list[str], users: int, per_user: int, reading: tuple[float, float] | None = None
) -> tuple[list[float], float]:
    """`users` concurrent users sending `per_user` messages each, in conversations of 6 turns.

    Without `reading` every user sends its next message the moment a reply arrives (a saturation test); with
    it, each waits a random (min, max) seconds first, as a person reading the answer would.
    """
    latencies: list[float] = []
    host, port = url.removeprefix("http://").split("/", 1)[0].split(":")
    path = "/" + url.removeprefix("http://").split("/", 1)[1]

    async def user(n: int) -> None:
        conn = Connection(host, int(port))  # one keep-alive connection per user, as a browser or the gateway keeps
        sender = ""
        rng = random.Random(n)
        try:
            for i in range(per_user):
                if reading:
                    await asyncio.sleep(rng.uniform(*reading))
                if i % TURNS_PER_CONVERSATION == 0:
                    sender = f"bench-{uuid.uuid4().hex[:8]}"
                start = time.perf_counter()
                status, body = await conn.post_read(path, {"sender": sender, "message": texts[(n * per_user + i) % len(texts)]})
                latencies.append(time.perf_counter() - start)
                if status != 200 or not json.loads(body):
                    raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(users)))
    elapsed = time.perf_counter() - start
    return latencies, len(latencies) / elapsed


def latency_figures(
    webhook: str, messages: list[str], user_counts: tuple[int, ...], rounds: int = 1
) -> dict[str, dict[str, Any]]:
    """Reply latency p50/p95 and throughput per number of concurrent users (1 user = 100 sequential turns).

    With several rounds, each figure is the median over the rounds and `p95_rounds` shows their spread.
    """
    httpx.post(webhook, json={"sender": "warmup", "message": "chào em"}, timeout=60).raise_for_status()
    out: dict[str, dict[str, Any]] = {}
    for users in user_counts:
        runs = [asyncio.run(load_test(webhook, messages, users, 100 if users == 1 else 40)) for _ in range(rounds)]
        p50s, p95s = [pct(lat, 0.5) for lat, _ in runs], [pct(lat, 0.95) for lat, _ in runs]
        key = "sequential" if users == 1 else f"users_{users}"
        out[key] = {
            "p50_ms": round(statistics.median(p50s), 1),
            "p95_ms": round(statistics.median(p95s), 1),
            "msg_per_s": round(statistics.median(rate for _, rate in runs), 1),
        }
        if rounds > 1:
            out[key]["p95_rounds"] = [round(p, 1) for p in p95s]
    return out


def reading_figures(webhook: str, messages: list[str], users: int) -> dict[str, float]:
    """Latency with `users` people chatting at once, each reading 1–3 s before the next message."""
    lat, rate = asyncio.run(load_test(webhook, messages, users, 20, reading=READING_SECONDS))
    return {"p50_ms": round(pct(lat, 0.5), 1), "p95_ms": round(pct(lat, 0.95), 1), "msg_per_s": round(rate, 1)}


@contextmanager
def stack(
    db_url: str, tmp: pathlib.Path, logdir: pathlib.Path, recording: bool
) -> Iterator[tuple[str, str, str, subprocess.Popen[bytes], subprocess.Popen[bytes]]]:
    """API, action server and Rasa on free loopback ports; recording on = masked SQL tracker store + turn records."""
    ports = [servers.free_port() for _ in range(3)]
    api, actions, rasa = (f"http://127.0.0.1:{p}" for p in ports)
    token, internal = secrets.token_hex(8), secrets.token_hex(8)
    endpoints = ROOT / "bot" / "endpoints.yml"
    if not recording:
        endpoints = tmp / "endpoints-in-memory.yml"
        endpoints.write_text("action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n")
    tracker = f"sqlite:///{tmp / f'tracker-{uuid.uuid4().hex[:6]}.db'}"
    record = "1" if recording else "0"
    with (
        servers.service(
            "api", servers.api_args(ports[0]), servers.base_env(DVC_DATABASE_URL=db_url, DVC_INTERNAL_TOKEN=internal),
            f"{api}/health", logdir, 60,
        ) as api_proc,
        servers.service(
            "actions", servers.actions_args(ports[1]),
            servers.base_env(DVC_API_URL=api, DVC_INTERNAL_TOKEN=internal, DVC_RECORD_TURNS=record),
            f"{actions}/health", logdir, 120,
        ),
        servers.service(
            "rasa", servers.rasa_args(ports[2], endpoints, token),
            servers.base_env(ACTION_ENDPOINT_URL=f"{actions}/webhook", DVC_TRACKER_DB_URL=tracker),
            f"{rasa}/", logdir, 240,
        ) as rasa_proc,
    ):  # fmt: skip
        yield api, rasa, token, api_proc, rasa_proc


def recording_cost(db_url: str, tmp: pathlib.Path, logdir: pathlib.Path, messages: list[str]) -> dict[str, object]:
    """Median p95 with recording on and off over alternating rounds (one round is too noisy on a shared box)."""
    rounds: dict[bool, list[dict[str, dict[str, Any]]]] = {True: [], False: []}
    for _ in range(RECORDING_ROUNDS):
        for recording in (True, False):
            with stack(db_url, tmp, logdir, recording) as (_api, rasa, _token, _api_proc, _rasa_proc):
                rounds[recording].append(latency_figures(f"{rasa}/webhooks/rest/webhook", messages, (1, 8)))
    out: dict[str, object] = {}
    for key in ("sequential", "users_8"):
        on = statistics.median(float(r[key]["p95_ms"]) for r in rounds[True])
        off = statistics.median(float(r[key]["p95_ms"]) for r in rounds[False])
        out[key] = {"on": on, "off": off, "cost": round(on - off, 1)}
    return out


STOCK_MESSAGES = ["hello", "I am sad", "great"]  # a typical turn of the stock bot's own domain
STOCK_USERS, STOCK_PER_USER, STOCK_ROUNDS = 8, 25, 3


def build_stock_bot(parent: pathlib.Path) -> tuple[pathlib.Path, float]:
    """`rasa init --no-prompt` (copies the template project and trains it, offline) in a folder; its time in s."""
    project = parent / "stock-bot"
    project.mkdir()
    start = time.perf_counter()
    subprocess.run(
        [str(servers.RASA_BIN), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=project, env=servers.base_env(), check=True, capture_output=True, timeout=1800,
    )  # fmt: skip
    return project, time.perf_counter() - start


@contextmanager
def stock_rasa(project: pathlib.Path, logdir: pathlib.Path) -> Iterator[str]:
    """The stock bot served as `rasa run --enable-api` does it (REST channel, in-memory tracker), on a free port."""
    port = servers.free_port()
    args = [str(servers.RASA_BIN), "run", "--enable-api", "--model", str(project / "models"), "--interface",
            "127.0.0.1", "--port", str(port), "--credentials", str(project / "credentials.yml"),
            "--endpoints", str(project / "endpoints.yml")]  # fmt: skip
    with servers.service("rasa-stock", args, servers.base_env(), f"http://127.0.0.1:{port}/", logdir, 240):
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def versus_stock(ours: str, ours_messages: list[str], tmp: pathlib.Path, logdir: pathlib.Path) -> dict[str, object]:
    """Ours (API + actions + Rasa) against a stock `rasa init` bot of the same Rasa and against our code before
    this change (`BENCH_BASE`, see bench_baseline.py), under the same closed-loop load.

    8 users each send their next message when the reply arrives; the bots take turns round by round, so a
    busy machine slows them alike. msg/s is over all rounds, p50/p95 over all replies.
    """
    print("building the stock `rasa init` bot (it trains its model)...", flush=True)
    project, built = build_stock_bot(tmp)
    rev = bench_baseline.base_revision()
    print(f"building our code at {rev} (before this change: trains its model, loads its catalogue)...", flush=True)
    base = bench_baseline.export(rev, tmp)
    base_db, base_built = bench_baseline.prepare(base)
    out: dict[str, object] = {"stock_init_and_train_s": round(built, 1), "before_rev": rev}
    out["before_build_s"] = round(base_built, 1)
    with stock_rasa(project, logdir) as stock, bench_baseline.base_stack(base, base_db, logdir) as before:
        bots = {"ours": (ours, ours_messages), "before": (before, ours_messages), "stock": (stock, STOCK_MESSAGES)}
        runs: dict[str, list[tuple[list[float], float]]] = {name: [] for name in bots}
        for url, messages in bots.values():  # warm-up: first-message work (heap freeze, TensorFlow graphs)
            asyncio.run(load_test(url, messages, 2, 3))
        for _ in range(STOCK_ROUNDS):
            for name, (url, messages) in bots.items():
                runs[name].append(asyncio.run(load_test(url, messages, STOCK_USERS, STOCK_PER_USER)))
    rates = {name: sum(len(lat) for lat, _ in r) / sum(len(lat) / rate for lat, rate in r) for name, r in runs.items()}
    for name, rounds in runs.items():
        latencies = [x for lat, _ in rounds for x in lat]
        out[name] = {
            "msg_per_s": round(rates[name], 1),
            "p50_ms": round(pct(latencies, 0.5), 1),
            "p95_ms": round(pct(latencies, 0.95), 1),
            "msg_per_s_rounds": [round(rate, 1) for _, rate in rounds],
        }
    out["ratio_ours_to_stock_msg_per_s"] = round(rates["ours"] / rates["stock"], 2)
    out["ratio_ours_to_before_msg_per_s"] = round(rates["ours"] / rates["before"], 2)
    ours_p95, before_p95 = (float(out[n]["p95_ms"]) for n in ("ours", "before"))  # type: ignore[index]
    out["ratio_ours_to_before_p95"] = round(ours_p95 / before_p95, 2)
    return out


def print_versus_stock(figures: dict[str, object]) -> None:
    """One readable line per bot, then the ratios."""
    print(f"\n{STOCK_USERS} closed-loop users, {STOCK_ROUNDS} alternating rounds of {STOCK_USERS * STOCK_PER_USER} messages:")
    for name in ("ours", "before", "stock"):
        f: Any = figures[name]
        print(f"  {name:6}  {f['msg_per_s']:6.1f} msg/s   p50 {f['p50_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms")
    print(f"  ours / stock: {figures['ratio_ours_to_stock_msg_per_s']}× msg/s  (stock built and trained in "
          f"{figures['stock_init_and_train_s']} s)")  # fmt: skip
    print(f"  ours / before ({figures['before_rev']}): {figures['ratio_ours_to_before_msg_per_s']}× msg/s, "
          f"p95 {figures['ratio_ours_to_before_p95']}×")  # fmt: skip


def main() -> int:
    """Run every measurement and print one table (`--versus-stock`: only ours against a stock `rasa init` bot)."""
    figures: dict[str, object] = {}
    if "--versus-stock" in sys.argv:
        return versus_stock_only()
    if "--skip-train" not in sys.argv:
        print("measuring training time (forced retrain)...", flush=True)
        figures["train_s"] = round(train_seconds(), 1)
    logdir = ROOT / "var" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp())
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    migrate(db_url)
    with session_factory(db_url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
    messages = [str(m["text"]) for m in load_messages()]
    start = time.perf_counter()
    with stack(db_url, tmp, logdir, recording=True) as (api, rasa, token, api_proc, rasa_proc):
        webhook = f"{rasa}/webhooks/rest/webhook"
        httpx.post(webhook, json={"sender": "first", "message": "chào em"}, timeout=60).raise_for_status()
        figures["cold_start_to_first_reply_s"] = round(time.perf_counter() - start, 1)
        print("measuring latency (recording on)...", flush=True)
        figures.update(latency_figures(webhook, messages, (1, 8, 32), rounds=LATENCY_ROUNDS))
        for users in (8, 32):
            figures[f"users_{users}_reading_1_3s"] = reading_figures(webhook, messages, users)
        figures["rasa_rss_mb"] = round(rss_mb(rasa_proc.pid), 0)
        figures["api_rss_mb"] = round(rss_mb(api_proc.pid), 0)
        print("measuring NLU accuracy on the held-out set...", flush=True)

        def intent(text: str) -> str:
            r = httpx.post(f"{rasa}/model/parse", params={"token": token}, json={"text": text}, timeout=30)
            return str(r.json()["intent"]["name"])

        def procedure(text: str) -> str | None:
            hits = httpx.get(f"{api}/api/v1/search", params={"q": text}, timeout=30).json()["procedures"]
            return hits[0]["slug"] if hits else None

        scores = evaluate(intent, procedure)
        figures["accuracy"] = {k: f"{v.accuracy:.3f} ({v.correct}/{v.total})" for k, v in sorted(scores.items())}
        figures["versus_stock_rasa_users_8"] = versus = versus_stock(webhook, messages, tmp, logdir)
    print("measuring the cost of recording: 3 alternating rounds, recording on / off...", flush=True)
    figures["recording_on_vs_off_p95_ms"] = recording_cost(db_url, tmp, logdir, messages)
    print("\nTrợ lý DVC Giáo dục — benchmark (this machine; medians are noisy on a shared 2-core box)")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print_versus_stock(versus)
    (ROOT / "var" / "bench.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


def versus_stock_only() -> int:
    """Just ours against the stock bot (a few minutes): our recording stack on a fresh database."""
    logdir = ROOT / "var" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = pathlib.Path(name)
        db_url = f"sqlite:///{tmp / 'bench.db'}"
        migrate(db_url)
        with session_factory(db_url)() as session:
            load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
        messages = [str(m["text"]) for m in load_messages()]
        with stack(db_url, tmp, logdir, recording=True) as (_api, rasa, _token, _api_proc, _rasa_proc):
            figures = versus_stock(f"{rasa}/webhooks/rest/webhook", messages, tmp, logdir)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print_versus_stock(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
