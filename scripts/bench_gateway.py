"""Gateway benchmark: the gateway's own time per message at 20 concurrent chats, for every adapter (Telegram, Zalo).

Each adapter runs in-process against its fake platform on loopback, with a stand-in Rasa that answers at once with
a typical reply (a 400-character answer and four buttons). The gateway's own time of a message is its whole turn
(rate limit, typing indicator, rendering, sending the reply to the platform and getting its answer) minus the time
spent waiting for Rasa; the fakes run in this process too, so the figures include their share of the CPU.
Bounded: 20 chats x 10 messages per adapter. Usage: .venv/bin/python scripts/bench_gateway.py [--chats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import pathlib
import statistics
import sys
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.gateway.adapters import Adapter, running_adapter  # noqa: E402
from tests.gateway.fake_bot_api import serve_in_thread  # noqa: E402
from tests.gateway.harness import stand_in_rasa  # noqa: E402

MESSAGES = 10
ANSWER = ("Hồ sơ gồm: đơn đề nghị theo mẫu, bản sao giấy khai sinh, học bạ và giấy xác nhận của trường cũ. " * 4).strip()
BUTTONS = [
    {"title": "Giấy tờ", "payload": '/ask_documents{"procedure_slug": "chuyen_truong_thpt"}'},
    {"title": "Lệ phí", "payload": '/ask_fee{"procedure_slug": "chuyen_truong_thpt"}'},
    {"title": "Nộp ở đâu", "payload": '/ask_where{"procedure_slug": "chuyen_truong_thpt"}'},
    {"title": "Cổng dịch vụ công", "payload": "https://dichvucong.gov.vn"},
]


def reply(sender: str, message: str) -> list[dict[str, Any]]:
    """The stand-in Rasa's answer: the same typical reply to every message, at once."""
    return [{"recipient_id": sender, "text": ANSWER, "buttons": BUTTONS}]


async def measure(adapter: Adapter, rasa: str, chats: int) -> dict[str, float]:
    """20 chats writing at once, each message after the previous reply; medians and p95 of the gateway's own time."""
    own: list[float] = []
    ids = [adapter.new_chat() for _ in range(chats)]

    def timer(total: float, waited: float) -> None:
        own.append(total - waited)

    def replied(chat_id: str, before: int) -> bool:
        return len(adapter.texts(chat_id)) > before

    async def chat(chat_id: str) -> None:
        for n in range(MESSAGES):
            before = len(adapter.texts(chat_id))
            adapter.say(chat_id, f"cho em hỏi thủ tục chuyển trường lần {n}")
            await adapter.wait_for(functools.partial(replied, chat_id, before), timeout=60)

    async with adapter.running(rasa, rate_limit=10_000) as core:
        core.timer = timer
        started = time.monotonic()
        await asyncio.gather(*(chat(c) for c in ids))
        elapsed = time.monotonic() - started
    ordered = sorted(own)
    return {
        "messages": len(own),
        "median_ms": round(statistics.median(own) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
        "messages_per_s": round(len(own) / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the fakes' unset-token warnings are expected here
    print(f"\n== Gateway: the gateway's own time per message, {args.chats} concurrent chats x {MESSAGES} messages ==")
    print(f"{'adapter':<10} {'messages':>9} {'median':>10} {'p95':>10} {'messages/s':>11}")
    with serve_in_thread(stand_in_rasa(reply)) as rasa:
        for name in ("telegram", "zalo"):
            with running_adapter(name) as adapter:
                result = asyncio.run(measure(adapter, rasa, args.chats))
            print(
                f"{name:<10} {result['messages']:>9.0f} {result['median_ms']:>8.2f} ms {result['p95_ms']:>7.2f} ms "
                f"{result['messages_per_s']:>11.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
