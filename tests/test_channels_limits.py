"""One very long message never holds up anyone else, on every channel, and its sender is asked to shorten it."""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import RasaServer
from tests.test_channels_sender import socketio_say
from tests.test_conversations import text_of
from textnorm.channels import MAX_BODY_BYTES, MAX_MESSAGE_CHARS

pytestmark = pytest.mark.rasa
SHORT = "xin ban sao bang tot nghiep can giay to gi"
# 200 000 characters of a real-looking question with digits, dots and spaces (what slow patterns feed on).
LONG = ("cho em hỏi hồ sơ 000.00.31 chuyển trường cho con lớp 10 cần giấy tờ gì ạ    " * 3000)[:200_000]
SHORTEN = "ngắn gọn"  # from utter_too_long
# One reply takes tens of milliseconds; today a 40 000-character message held others for seconds. The bound is
# generous for a shared CI machine, and still far below what an unbounded message costs.
EXTRA_DELAY_BOUND = 1.0


def timed(rasa: RasaServer, message: str) -> float:
    """Seconds for one reply to a fresh web user."""
    start = time.perf_counter()
    reply = rasa.say(f"web:{uuid.uuid4()}", message, timeout=120)
    assert "bản sao" in text_of(reply).lower()
    return time.perf_counter() - start


def test_long_rest_message_does_not_delay_a_short_one(rasa: RasaServer) -> None:
    timed(rasa, SHORT)  # warm
    baseline = statistics.median(timed(rasa, SHORT) for _ in range(5))
    with ThreadPoolExecutor(max_workers=1) as pool:
        long_reply = pool.submit(rasa.say, f"web:{uuid.uuid4()}", LONG, 120)
        time.sleep(0.05)  # the long one is on its way in
        during = timed(rasa, SHORT)
        polite = text_of(long_reply.result())
    assert during - baseline < EXTRA_DELAY_BOUND, f"short reply: {during:.3f} s next to a long one, {baseline:.3f} s alone"
    assert SHORTEN in polite


def burst(rasa: RasaServer, message: str, senders: int = 5) -> float:
    """Seconds for a short question asked while `senders` others send `message` at the same moment."""
    with ThreadPoolExecutor(max_workers=senders) as pool:
        others = [pool.submit(rasa.say, f"web:{uuid.uuid4()}", message, 120) for _ in range(senders)]
        time.sleep(0.05)
        during = timed(rasa, SHORT)
        for other in others:
            other.result()
    return during


def test_a_burst_of_long_messages_costs_others_no_more_than_ordinary_ones(rasa: RasaServer) -> None:
    """Five 200 000-character messages at once hold a short question up about as long as five short ones do."""
    timed(rasa, SHORT)  # warm
    ordinary = statistics.median(burst(rasa, SHORT) for _ in range(3))
    long = statistics.median(burst(rasa, LONG) for _ in range(3))
    # Cut at the channel, the difference is tens of milliseconds; uncut (even with linear patterns) it was 0.5–1 s
    # next to ~0.2 s. Relative, so a machine busy with other work (everything slower alike) does not decide it.
    bound = 2 * ordinary + 0.1
    assert long < bound, f"short reply: {long:.3f} s next to 5 long messages, {ordinary:.3f} s next to 5 short ones"


def test_long_message_is_cut_before_the_bot_reads_or_stores_it(rasa: RasaServer) -> None:
    user = f"web:{uuid.uuid4()}"
    assert SHORTEN in text_of(rasa.say(user, LONG))
    tracker = httpx.get(f"{rasa.url}/conversations/{user}/tracker", params={"token": rasa.token}, timeout=10).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said and len(said[-1]) == MAX_MESSAGE_CHARS + 1 and said[-1].endswith("…")


def test_oversized_body_is_refused(rasa: RasaServer) -> None:
    body = {"sender": f"web:{uuid.uuid4()}", "message": "a" * (MAX_BODY_BYTES + 1)}
    assert httpx.post(f"{rasa.url}/webhooks/rest/webhook", json=body, timeout=30).status_code == 413
    assert "bản sao" in text_of(rasa.say(f"web:{uuid.uuid4()}", SHORT)).lower()  # and the server carries on


def test_long_socketio_message_gets_the_polite_reply(rasa: RasaServer) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        long_reply = pool.submit(socketio_say, rasa.url, f"web:{uuid.uuid4()}", LONG)
        time.sleep(1.0)  # the client has started and sent it
        during = timed(rasa, SHORT)
        reply = long_reply.result()
    assert SHORTEN in " ".join(reply["texts"])
    assert during < EXTRA_DELAY_BOUND + 1.0
