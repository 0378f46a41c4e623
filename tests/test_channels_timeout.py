"""A hung action server never leaves the user waiting: an apology with the hotline within seconds, then recovery."""

from __future__ import annotations

import os
import pathlib
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import yaml

from api.settings import ROOT
from tests import servers
from tests.conftest import RasaServer
from tests.test_conversations import text_of

pytestmark = pytest.mark.rasa
QUESTION = "lam lai ban sao bang tot nghiep thi can nhung giay to nao"
APOLOGY_WITHIN = 7.0  # seconds: the channels' budget (DVC_REPLY_TIMEOUT_SECONDS, 5 s) plus slack for a busy machine


def test_hung_action_server_gets_an_apology_then_the_conversation_recovers(
    rasa: RasaServer, actions_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    hotline = str(yaml.safe_load((ROOT / "site.yaml").read_text(encoding="utf-8"))["hotline"])
    user = f"web:{uuid.uuid4()}"
    assert "bản sao" in text_of(rasa.say(user, QUESTION)).lower()
    pid = actions_process[1].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        start = time.perf_counter()
        apology = text_of(rasa.say(user, QUESTION, timeout=60))
        waited = time.perf_counter() - start
    finally:
        os.kill(pid, signal.SIGCONT)
    assert waited < APOLOGY_WITHIN, f"the user waited {waited:.1f} s"
    assert "xin lỗi" in apology.lower() and hotline in apology
    again = text_of(rasa.say(user, QUESTION))
    assert "bản sao" in again.lower() and "xin lỗi" not in again.lower()


@pytest.fixture(scope="module")
def rasa_without_actions(logdir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    """A Rasa whose action server is down (nothing listens on its port)."""
    port, token = servers.free_port(), secrets.token_hex(8)
    tracker = f"sqlite:///{tmp_path_factory.mktemp('tracker-down') / 'tracker.db'}"
    env = servers.base_env(ACTION_ENDPOINT_URL=f"http://127.0.0.1:{servers.free_port()}/webhook", DVC_TRACKER_DB_URL=tracker)
    args = servers.rasa_args(port, ROOT / "bot" / "endpoints.yml", token)
    with servers.service("rasa-no-actions", args, env, f"http://127.0.0.1:{port}/", logdir, 240):
        yield RasaServer(f"http://127.0.0.1:{port}", token)


def test_action_server_down_gets_the_apology_at_once(rasa_without_actions: RasaServer) -> None:
    hotline = str(yaml.safe_load((ROOT / "site.yaml").read_text(encoding="utf-8"))["hotline"])
    start = time.perf_counter()
    reply = text_of(rasa_without_actions.say(f"web:{uuid.uuid4()}", QUESTION))
    assert time.perf_counter() - start < 3.0
    assert "xin lỗi" in reply.lower() and hotline in reply  # Rasa alone would have said nothing at all
