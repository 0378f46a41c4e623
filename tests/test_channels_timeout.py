"""A hung action server never leaves the user waiting: an apology with the hotline within seconds, then recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest
import yaml

from api.settings import ROOT
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
