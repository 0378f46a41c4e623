"""`make load` (and the last section of `make bench`): the admission-season peak. Many users each ask five catalogue
questions with a follow-up and look up one dossier, with people's reading pauses or back to back (saturation), against
the dev profile, the production profile with one, two and three Rasa instances behind nginx, and a stock `rasa init`
bot in the same run, so that every figure is also a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import random
import ssl
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402
from loadgen import Connection  # noqa: E402

from api.catalogue.loader import load_catalogue, read_catalogue  # noqa: E402
from api.cli import migrate  # noqa: E402
from api.db import session_factory  # noqa: E402
from api.dossiers.demo import DEMO_FILE, seed_demo  # noqa: E402
from tests import deploy_stack, servers  # noqa: E402
from tests.deploy_cluster import cluster  # noqa: E402
from tests.pg import throwaway_database  # noqa: E402

DIALOGUES = ROOT / "tests" / "eval" / "multi_turn.yaml"  # written for the evaluation, never training sentences
APOLOGIES = ("utter_service_busy", "utter_api_down", "utter_dossier_api_down")  # a reply that is really a failure
READING = (2.0, 6.0)  # seconds a person reads before the next message
ARRIVAL = 2 * READING[1]  # people arrive over READING[1] seconds, then read their first message's pause
REDIS_URL = "redis://127.0.0.1:6379/7"


@dataclass
class Target:
    """A REST webhook to load: plain HTTP (one Rasa) or HTTPS through nginx."""

    name: str
    url: str
    stock: bool = False

    @property
    def parts(self) -> tuple[str, int, str, bool]:
        """(host, port, path, tls)."""
        scheme, rest = self.url.split("://", 1)
        hostport, path = rest.split("/", 1)
        host, port = hostport.split(":")
        return host, int(port), "/" + path, scheme == "https"


@dataclass
class Result:
    """What one run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    since: float = 0.0  # messages sent before this moment (users still arriving) are served but not measured
    answered: int = 0  # every answered message, measured or not (the CPU per message divides by it)

    def figures(self) -> dict[str, Any]:
        """msg/s over the run, latency percentiles in ms, errors by kind."""
        ordered = sorted(self.latencies) or [0.0]

        def pct(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

        total = len(self.latencies)  # answered messages only: a fast refusal (429) is no throughput
        return {"msg_per_s": round(total / self.seconds, 1) if self.seconds else 0.0, "messages": total,
                "answered": self.answered,
                "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "errors": sum(self.errors.values()),
                "error_kinds": dict(self.errors)}  # fmt: skip


def apology_markers() -> list[str]:
    """The start of each failure reply in the domain (before its {hotline}), to count it as an error."""
    markers = []
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        markers += [str(responses[name][0]["text"]).split("{")[0][:60] for name in APOLOGIES if name in responses]
    return markers


def scripts(users: int) -> list[list[str]]:
    """Per user: five catalogue questions, each with its follow-up, then a demo dossier lookup (code, then digits)."""
    dialogues = [d["turns"] for d in yaml.safe_load(DIALOGUES.read_text(encoding="utf-8")) if len(d["turns"]) >= 2]
    dossiers = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["dossiers"]
    out = []
    for n in range(users):
        rng = random.Random(n)
        messages = [turn["say"] for d in rng.sample(dialogues, 5) for turn in d[:2]]
        dossier = dossiers[n % len(dossiers)]
        messages += [f"ho so {dossier['code']} cua em den dau roi", str(dossier["phone"])[-4:]]
        out.append(messages)
    return out


STOCK_SCRIPT = ["hello", "I am sad", "yes", "great", "goodbye", "hi", "bad", "no", "bye", "hello", "happy", "bye"]


async def one_user(n: int, target: Target, script: list[str], reading: bool, until: float, result: Result,
                   markers: list[str]) -> None:  # fmt: skip
    """A person on their own address (nginx limits per address): the script over and over until `until`."""
    host, port, path, tls = target.parts
    rng = random.Random(n)
    context = ssl._create_unverified_context() if tls else None  # the test certificate is self-signed
    address = f"127.0.{1 + n // 250}.{1 + n % 250}"
    conn = Connection(host, port)
    await asyncio.sleep(rng.uniform(0, READING[1] if reading else 0.5))  # users arrive over the first seconds
    try:
        while time.perf_counter() < until:
            sender = f"web:{uuid.uuid4()}"
            for message in script:
                if reading:
                    await asyncio.sleep(rng.uniform(*READING))
                if time.perf_counter() >= until:
                    return
                if conn.reader is None:
                    conn.reader, conn.writer = await asyncio.open_connection(host, port, ssl=context,
                                                                             local_addr=(address, 0))  # fmt: skip
                start = time.perf_counter()
                try:
                    status, body = await conn.post_read(path, {"sender": sender, "message": message})
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    conn.close()
                    conn.reader = conn.writer = None
                    result.errors["connection"] += 1
                    continue
                elapsed = time.perf_counter() - start
                text = body.decode(errors="replace")
                measured = start >= result.since  # an error counts whenever it happens
                if status != 200:
                    result.errors[f"http_{status}"] += 1
                elif text.strip() in ("", "[]") and not target.stock:  # the stock bot says nothing to some turns
                    result.errors["empty_reply"] += 1
                elif any(m in json.loads(text)[0].get("text", "") for m in markers):
                    result.errors["apology"] += 1
                else:
                    result.answered += 1
                    if measured:
                        result.latencies.append(elapsed)
    finally:
        conn.close()


async def run(target: Target, users: int, seconds: float, reading: bool) -> dict[str, Any]:
    """`users` at once for `seconds`, measured once every user has arrived and read (people who read arrive over
    ARRIVAL seconds first: their first messages alone would measure a crowd arriving, not the sustained rate)."""
    markers = [] if target.stock else apology_markers()
    plans = [STOCK_SCRIPT] * users if target.stock else scripts(users)
    start = time.perf_counter()
    result = Result(since=start + (ARRIVAL if reading else 0.0))
    await asyncio.gather(*(one_user(n, target, plans[n], reading, result.since + seconds, result, markers)
                           for n in range(users)))  # fmt: skip
    result.seconds = seconds  # messages sent in the window are measured; those of readers still asleep at its end, none
    return result.figures()


def cpu_by_kind(pids: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each kind of service."""
    return {kind: sum(bench.cpu_seconds(p) for p in group) for kind, group in pids.items()}


def measure(target: Target, plan: dict[str, Any], pids: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """Warm up, then a saturation run and (if asked) a reading run; print each as it comes. With `pids`, each run
    also reports the CPU milliseconds each kind of service spent per message (a figure the machine's noise and the
    other processes on it do not change much, unlike msg/s)."""
    asyncio.run(run(target, 4, 3, reading=False))  # first-message work (TensorFlow graphs, caches)
    out: dict[str, Any] = {}
    runs = [("saturation", plan["sat_users"], False)] + ([("reading", plan["read_users"], True)] if plan["reading"] else [])
    for kind, users, reading in runs:
        if kind == "reading" and target.stock:
            continue
        before = cpu_by_kind(pids or {})
        figures = asyncio.run(run(target, users, plan["seconds"], reading))
        figures["users"] = users
        if pids and figures["answered"]:
            after = cpu_by_kind(pids)
            figures["cpu_ms_per_msg"] = {k: round((after[k] - before[k]) * 1000 / figures["answered"], 1) for k in pids}
        out[kind] = figures
        print(f"  {target.name:28} {kind:10} {users:4} users  {figures['msg_per_s']:6.1f} msg/s  "
              f"p50 {figures['p50_ms']:6.1f}  p95 {figures['p95_ms']:6.1f}  p99 {figures['p99_ms']:6.1f} ms  "
              f"errors {figures['errors']} {figures['error_kinds'] or ''} {figures.get('cpu_ms_per_msg', '')}",
              flush=True)  # fmt: skip
    return out


@contextmanager
def stock_bot(project: pathlib.Path, logdir: pathlib.Path) -> Iterator[tuple[str, int]]:
    """The stock bot served as bench.py serves it (`rasa run --enable-api`): its webhook and pid."""
    port = servers.free_port()
    args = [str(servers.RASA_BIN), "run", "--enable-api", "--model", str(project / "models"), "--interface",
            "127.0.0.1", "--port", str(port), "--credentials", str(project / "credentials.yml"),
            "--endpoints", str(project / "endpoints.yml")]  # fmt: skip
    with servers.service("rasa-stock", args, servers.base_env(), f"http://127.0.0.1:{port}/", logdir, 240) as proc:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", proc.pid


@contextmanager
def dev_stack(tmp: pathlib.Path, logdir: pathlib.Path) -> Iterator[tuple[str, dict[str, list[int]]]]:
    """The dev profile as `make run` has it (SQLite, recording on): the webhook and the pids of Rasa and the API."""
    db_url = f"sqlite:///{tmp / 'load.db'}"
    migrate(db_url)
    with session_factory(db_url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
        seed_demo(session)
    with bench.stack(db_url, tmp, logdir, recording=True) as (_api, rasa, _token, api_proc, rasa_proc):
        yield f"{rasa}/webhooks/rest/webhook", {"rasa": [rasa_proc.pid], "api": [api_proc.pid]}


def nginx_pid(prefix: pathlib.Path) -> int:
    """nginx's master process (its workers are its children)."""
    return int((prefix / "nginx.pid").read_text().strip())


def production(instances: int, plan: dict[str, Any], logdir: pathlib.Path, direct: bool) -> dict[str, Any]:
    """The production profile with `instances` of each service behind nginx (and one Rasa directly, if asked)."""
    out: dict[str, Any] = {}
    with (
        throwaway_database("dvc_load") as pg,
        deploy_stack.nginx_prefix() as prefix,
        # A load user is no person (a person never sends 5 messages a second): the per-address limit has its own test.
        cluster(pg, REDIS_URL, logdir, prefix, instances=instances, DVC_NGINX_WORKERS="1", DVC_NGINX_CHAT_RATE="200r/s") as c,
    ):
        with session_factory(pg)() as session:
            seed_demo(session)
        out["rasa_rss_mb"] = [round(bench.rss_mb(r.proc.pid)) for r in c.rasa]
        pids = {"rasa": [p.proc.pid for p in c.rasa], "actions": [p.proc.pid for p in c.actions],
                "api": [p.proc.pid for p in c.api], "nginx": [nginx_pid(c.nginx.prefix)]}  # fmt: skip
        if direct:
            direct_url = f"{c.rasa[0].url}/webhooks/rest/webhook"
            out["direct"] = measure(Target("production, 1 Rasa, direct", direct_url), plan, pids)
        out["nginx"] = measure(Target(f"production, {instances} Rasa, nginx", c.webhook), plan, pids)
        out["rasa_rss_mb_after"] = [round(bench.rss_mb(r.proc.pid)) for r in c.rasa]
    return out


def main() -> int:
    """Every profile in one run, then the ratios; figures also in var/load.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60, help="length of each run")
    parser.add_argument("--sat-users", type=int, default=16, help="users back to back (saturation)")
    parser.add_argument("--read-users", type=int, default=360, help="users with reading pauses (about 85 msg/s)")
    parser.add_argument("--quick", action="store_true", help="the `make bench` section: 15 s runs, dev and 2 instances")
    args = parser.parse_args()
    plan = {"seconds": 15.0 if args.quick else args.seconds, "sat_users": args.sat_users, "read_users": args.read_users,
            "reading": True}  # fmt: skip
    logdir = ROOT / "var" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"plan": plan, "reading_pause_s": READING}
    print(
        f"load: {plan['seconds']:.0f} s per run; reading {READING[0]}-{READING[1]} s between messages, measured after "
        f"{ARRIVAL:.0f} s of arrival",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = pathlib.Path(name)
        print("building the stock `rasa init` bot (it trains its model)...", flush=True)
        project, _built = bench.build_stock_bot(tmp)
        with stock_bot(project, logdir) as (stock, stock_pid):
            figures["stock"] = measure(Target("stock rasa init", stock, stock=True), plan, {"rasa": [stock_pid]})
        with dev_stack(tmp, logdir) as (webhook, pids):
            figures["dev"] = measure(Target("dev profile, 1 Rasa", webhook), {**plan, "reading": not args.quick}, pids)
            figures["dev"]["rasa_rss_mb"] = round(bench.rss_mb(pids["rasa"][0]))
    if not args.quick:  # the quick section of `make bench` keeps to the two-instance deployment
        figures["production_1"] = production(1, plan, logdir, direct=True)
    figures["production_2"] = production(2, plan, logdir, direct=False)
    if not args.quick:
        figures["production_3"] = production(3, {**plan, "reading": False}, logdir, direct=False)
    report(figures)
    (ROOT / "var" / "load.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


def report(f: dict[str, Any]) -> None:
    """The ratios and the targets."""
    stock = f["stock"]["saturation"]["msg_per_s"]
    print("\nsaturation msg/s ÷ stock bot's:")
    rows = [("dev, 1 Rasa", f["dev"]["saturation"])]
    if "production_1" in f:
        rows += [("production, 1 Rasa, direct", f["production_1"]["direct"]["saturation"]),
                 ("production, 1 Rasa, nginx", f["production_1"]["nginx"]["saturation"])]  # fmt: skip
    rows.append(("production, 2 Rasa, nginx", f["production_2"]["nginx"]["saturation"]))
    if "production_3" in f:
        rows.append(("production, 3 Rasa, nginx", f["production_3"]["nginx"]["saturation"]))
    for name, r in rows:
        print(f"  {name:28} {r['msg_per_s']:6.1f} msg/s = {r['msg_per_s'] / stock:4.2f}× (stock {stock} msg/s)")
    if "production_3" in f:
        two, three = (f[k]["nginx"]["saturation"]["msg_per_s"] for k in ("production_2", "production_3"))
        print(f"a third Rasa instance: {three} against {two} msg/s ({three / two:4.2f}×)")
    ours_cpu = f["production_2"]["nginx"]["saturation"].get("cpu_ms_per_msg")
    stock_cpu = f["stock"]["saturation"].get("cpu_ms_per_msg")
    if ours_cpu and stock_cpu:
        total = sum(ours_cpu.values())
        print(f"CPU per message: ours {total:.1f} ms over every service {ours_cpu}, stock bot {stock_cpu['rasa']} ms "
              f"(per core {stock_cpu['rasa'] / total:4.2f}×; the stock bot is one process, ours uses every core)")  # fmt: skip
    best = f["production_2"]["nginx"]
    print(f"target ≥ 80 msg/s at p95 ≤ 300 ms, no errors (production, 2 Rasa, reading): "
          f"{best['reading']['msg_per_s']} msg/s, p95 {best['reading']['p95_ms']} ms, {best['reading']['errors']} errors; "
          f"saturation {best['saturation']['msg_per_s']} msg/s, p95 {best['saturation']['p95_ms']} ms")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
