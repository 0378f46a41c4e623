"""Channel benchmark: Telegram gateway overhead at 20 concurrent chats, and the widget's weight and time to interactive.

Starts the API, the action server and Rasa on loopback (needs models/dvc.tar.gz), a fake Bot API in-process,
and Debian's Chromium for the widget. Bounded: about 200 messages and 10 page loads.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from typing import Any

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.catalogue.loader import load_catalogue, read_catalogue  # noqa: E402
from api.cli import migrate  # noqa: E402
from api.db import session_factory  # noqa: E402
from gateway.core.rasa_client import RasaClient  # noqa: E402
from tests import servers  # noqa: E402
from tests.gateway.fake_bot_api import FakeBotApi, running_fake_bot_api, text_update  # noqa: E402
from tests.gateway.harness import gateway_settings, running_gateway  # noqa: E402

CHATS = 20
MESSAGES = [
    "/start",
    "cho hoi xin ban sao bang tot nghiep can giay to gi",
    "chuyen truong cho con len lop 10 thi lam the nao",
    "le phi bao nhieu",
    "nop truc tuyen duoc khong",
    "phuc khao bai thi tot nghiep o dau",
    "dang ky thi tot nghiep thpt can gi",
    "mat bao lau",
    "cam on em",
    "/help",
]
QUIET = 0.4  # seconds without a new message = the reply is complete
PAGE_LOADS = 10
CHROMIUM = "/usr/bin/chromium"


def pct(values: list[float], q: float) -> float:
    """Percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def direct(rasa: str) -> list[float]:
    """Baseline: the same conversations straight to Rasa's REST webhook, 20 at a time."""
    latencies: list[float] = []

    async def chat(client: httpx.AsyncClient) -> None:
        sender = f"bench-direct-{uuid.uuid4().hex[:8]}"
        for text in MESSAGES:
            start = time.monotonic()
            (await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})).raise_for_status()
            latencies.append(time.monotonic() - start)

    async with httpx.AsyncClient(base_url=rasa, timeout=60, limits=httpx.Limits(max_connections=CHATS + 4)) as client:
        await asyncio.gather(*(chat(client) for _ in range(CHATS)))
    return latencies


async def through_gateway(fake: FakeBotApi, rasa: str) -> tuple[list[float], list[float]]:
    """Fake Bot API → gateway → Rasa → sendMessage. Returns end-to-end latencies and the gateway's own share of each
    (end-to-end minus the time its Rasa call took), message by message."""
    latencies: list[float] = []
    overheads: list[float] = []
    rasa_times: dict[str, list[float]] = {}
    base = 800_000_000 + secrets.randbelow(10_000_000)
    settings = gateway_settings(fake.base_url, rasa, telegram_rate_limit_per_minute=1000)

    async def chat(chat_id: int) -> None:
        for text in MESSAGES:
            before = len(fake.sent(chat_id))
            start = time.monotonic()
            fake.inject(text_update(chat_id, text))
            while len(fake.sent(chat_id)) == before or time.monotonic() - fake.last_sent_at(chat_id) < QUIET:
                if time.monotonic() - start > 60:
                    raise RuntimeError(f"chat {chat_id}: no reply to {text!r}")
                await asyncio.sleep(0.02)
            latency = fake.last_sent_at(chat_id) - start
            latencies.append(latency)
            overheads.append(latency - rasa_times[f"telegram:{chat_id}"][-1])

    async with running_gateway(settings) as app:
        client: RasaClient = app.bot_data["gateway"].rasa
        send = client.send

        async def timed_send(sender: str, message: str) -> list[dict[str, Any]]:
            start = time.monotonic()
            try:
                return await send(sender, message)
            finally:
                rasa_times.setdefault(sender, []).append(time.monotonic() - start)

        client.send = timed_send  # type: ignore[method-assign]
        await asyncio.gather(*(chat(base + n) for n in range(CHATS)))
    return latencies, overheads


def widget(api: str) -> dict[str, object]:
    """Bytes of the demo page and the widget's assets; time to interactive and to the greeting, medians of 10 loads."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    sizes = {path: len(httpx.get(f"{api}{path}").content) for path in ("/", "/widget/widget.js", "/widget/widget.css")}
    interactive: list[float] = []
    greeting: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        for _ in range(PAGE_LOADS):
            context = browser.new_context(viewport={"width": 390, "height": 800})
            page = context.new_page()
            page.goto(f"{api}/")
            page.wait_for_selector(".dvcw-launcher", state="visible")
            interactive.append(page.evaluate("performance.now()") / 1000)
            start = time.monotonic()
            page.click(".dvcw-launcher")
            page.wait_for_selector(".dvcw-msg.dvcw-bot", timeout=60_000)
            greeting.append(time.monotonic() - start)
            context.close()
        browser.close()
    return {
        "bytes": {**sizes, "total": sum(sizes.values())},
        "time_to_interactive_ms_median": round(statistics.median(interactive) * 1000, 1),
        "open_to_greeting_ms_median": round(statistics.median(greeting) * 1000, 1),
    }


def main() -> int:
    """Start the services, measure, print one JSON table."""
    if not servers.MODEL.exists():
        print("no trained model: run `make train` first")
        return 1
    logdir = ROOT / "var" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{pathlib.Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(db_url)
    with session_factory(db_url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
    ports = [servers.free_port() for _ in range(3)]
    api, actions, rasa = (f"http://127.0.0.1:{p}" for p in ports)
    api_env = servers.base_env(DVC_DATABASE_URL=db_url, DVC_WIDGET_RASA_URL=rasa)
    rasa_cmd = servers.rasa_args(ports[2], ROOT / "bot" / "endpoints.yml", secrets.token_hex(8), cors=[api])
    actions_env = servers.base_env(DVC_API_URL=api)
    figures: dict[str, object] = {}
    with (
        servers.service("api", servers.api_args(ports[0]), api_env, f"{api}/health", logdir, 60),
        servers.service("actions", servers.actions_args(ports[1]), actions_env, f"{actions}/health", logdir, 120),
        servers.service("rasa", rasa_cmd, servers.base_env(ACTION_ENDPOINT_URL=f"{actions}/webhook"), f"{rasa}/", logdir, 240),
    ):
        httpx.post(f"{rasa}/webhooks/rest/webhook", json={"sender": "warmup", "message": "/start"}, timeout=60)
        print(f"measuring Rasa directly, {CHATS} concurrent chats...", flush=True)
        base = asyncio.run(direct(rasa))
        print(f"measuring through the Telegram gateway, {CHATS} concurrent chats...", flush=True)
        with running_fake_bot_api() as fake:
            gw, own = asyncio.run(through_gateway(fake, rasa))
        figures["telegram"] = {
            "concurrent_chats": CHATS,
            "messages": len(gw),
            "rasa_direct": {"p50_ms": pct(base, 0.5), "p95_ms": pct(base, 0.95)},
            "end_to_end_through_gateway": {"p50_ms": pct(gw, 0.5), "p95_ms": pct(gw, 0.95)},
            "gateway_overhead_per_message": {"p50_ms": pct(own, 0.5), "p95_ms": pct(own, 0.95)},
        }
        print("measuring the widget in headless Chromium...", flush=True)
        figures["widget"] = widget(api)
    print("\nTrợ lý DVC Giáo dục — channel benchmark (loopback, shared 2-core machine: figures are noisy)")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
