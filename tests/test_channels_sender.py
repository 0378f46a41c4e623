"""A conversation's channel comes from the authenticated path it arrived on, never from a client-chosen sender id."""

from __future__ import annotations

import json
import random
import subprocess
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.db import session_factory
from api.records.models import ConversationRow
from tests import servers
from tests.conftest import RasaServer
from tests.test_conversations import text_of
from tests.test_dossier_conversations import new_code, notifications_for, seed

pytestmark = pytest.mark.rasa
QUESTION = "xin ban sao bang tot nghiep can nhung giay to gi vay"
# A socket.io client as a website would use it (python-socketio lives in the Rasa environment).
SOCKETIO_CLIENT = """
import asyncio, json, sys
import socketio

async def main(url, session_id, message):
    sio, out, confirmed, first = socketio.AsyncClient(), {"texts": []}, asyncio.Event(), asyncio.Event()
    sio.on("session_confirm", lambda sid: (out.update(session_id=sid), confirmed.set()))
    sio.on("bot_uttered", lambda data: (out["texts"].append(data.get("text") or ""), first.set()))
    await sio.connect(url, socketio_path="/socket.io", transports=["polling"])
    await sio.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 20)
    await sio.emit("user_uttered", {"message": message, "session_id": out["session_id"]})
    await asyncio.wait_for(first.wait(), 30)
    await asyncio.sleep(1.5)  # the rest of the reply
    await sio.disconnect()
    print(json.dumps(out))

asyncio.run(main(sys.argv[1], sys.argv[2], sys.stdin.read()))
"""


def socketio_say(rasa_url: str, session_id: str, message: str) -> dict[str, Any]:
    """One message over Rasa's socket.io channel: {"session_id": confirmed id, "texts": the bot's texts}."""
    args = [str(servers.RASA_BIN.parent / "python"), "-c", SOCKETIO_CLIENT, rasa_url, session_id]
    result = subprocess.run(args, input=message, env=servers.base_env(), capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    reply: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return reply


def telegram_chat() -> str:
    """A Telegram chat id no other test uses."""
    return f"telegram:{random.randint(10**8, 10**9)}"


def conversation_channels(db_url: str, senders: list[str], wait: float = 5.0) -> dict[str, str]:
    """sender → recorded channel for the conversations the API has recorded (turns are recorded in the background)."""
    deadline = time.monotonic() + wait
    while True:
        with session_factory(db_url)() as session:
            found = {
                row.sender: row.channel
                for row in session.scalars(select(ConversationRow).where(ConversationRow.sender.in_(senders)))
            }
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_rest_message_naming_a_telegram_chat_is_not_that_chat(rasa: RasaServer, db_url: str) -> None:
    chat = telegram_chat()
    body = {"sender": chat, "message": QUESTION, "input_channel": "telegram", "metadata": {"channel": "telegram"}}
    reply = httpx.post(f"{rasa.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert reply.status_code == 200 and "bản sao" in text_of(reply.json()).lower()  # answered, as a public user
    recorded = conversation_channels(db_url, [chat, f"other:{chat}"])
    assert recorded == {f"other:{chat}": "other"}, recorded
    tracker = httpx.get(f"{rasa.url}/conversations/{chat}/tracker", params={"token": rasa.token}, timeout=10).json()
    assert not [e for e in tracker["events"] if e["event"] == "user"], "nothing was said in the real chat's conversation"
    kept_out = httpx.get(f"{rasa.url}/conversations/other:{chat}/tracker", params={"token": rasa.token}, timeout=10).json()
    assert kept_out["latest_input_channel"] == "rest"  # the path it came on, not the client's "input_channel"


def test_rest_client_cannot_subscribe_or_unsubscribe_a_telegram_chat(rasa: RasaServer, api_url: str) -> None:
    code, chat = new_code(), telegram_chat()
    seed(api_url, code)
    rasa.say(chat, "tra cứu hồ sơ " + code)
    rasa.say(chat, "5678")
    rasa.say(chat, "/subscribe_dossier")
    seed(api_url, code, status="result_ready")
    assert notifications_for(api_url, chat) == [], "a REST client subscribed a Telegram chat"

    rasa.say(chat, "tra cứu hồ sơ " + code, channel="gateway")  # the real chat subscribes through its gateway
    rasa.say(chat, "5678", channel="gateway")
    assert "em sẽ nhắn" in text_of(rasa.say(chat, "/subscribe_dossier", channel="gateway"))
    rasa.say(chat, "/unsubscribe_dossier")  # a REST client posing as the chat tries to unsubscribe it
    seed(api_url, code, status="result_returned")
    assert notifications_for(api_url, chat), "the chat's subscription survived the REST client's unsubscribe"


def test_socketio_session_naming_a_telegram_chat_is_not_that_chat(rasa: RasaServer) -> None:
    chat = telegram_chat()
    reply = socketio_say(rasa.url, chat, QUESTION)
    assert reply["session_id"] == f"other:{chat}"
    assert "bản sao" in " ".join(reply["texts"]).lower()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": servers.GATEWAY_TOKEN}])
def test_gateway_channel_needs_its_token(rasa: RasaServer, headers: dict[str, str]) -> None:
    body = {"sender": telegram_chat(), "message": QUESTION}
    assert httpx.post(f"{rasa.url}/webhooks/gateway/webhook", json=body, headers=headers, timeout=30).status_code == 401


def test_gateway_channel_speaks_for_the_chat(rasa: RasaServer, db_url: str) -> None:
    chat = telegram_chat()
    assert "bản sao" in text_of(rasa.say(chat, QUESTION, channel="gateway")).lower()
    assert conversation_channels(db_url, [chat]) == {chat: "telegram"}
    web = f"web:{uuid.uuid4()}"
    rasa.say(web, QUESTION)
    assert conversation_channels(db_url, [web]) == {web: "web"}  # the widget's ids keep their channel


def test_rest_client_address_reaches_the_lockout_as_a_pseudonym_never_as_claimed(rasa: RasaServer) -> None:
    sender = f"web:{uuid.uuid4()}"
    body = {"sender": sender, "message": QUESTION, "metadata": {"client_ip": "203.0.113.66"}}
    httpx.post(f"{rasa.url}/webhooks/rest/webhook", json=body, timeout=30).raise_for_status()
    tracker = httpx.get(f"{rasa.url}/conversations/{sender}/tracker", params={"token": rasa.token}, timeout=10).json()
    user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    key = (user.get("metadata") or {}).get("client_ip", "")
    assert key.startswith("addr-") and "203.0.113" not in key and "127.0.0.1" not in key
