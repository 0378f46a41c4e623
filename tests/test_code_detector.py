"""CodeDetector.detect on messages as users type them (run in the Rasa environment, where the component lives)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests import servers

pytestmark = pytest.mark.rasa

CASES: list[tuple[str, list[object] | None]] = [
    ("5", ["choose_number", "number", 5]),
    ("số 3 ạ", ["choose_number", "number", 3]),
    ("chon 2 nhe", ["choose_number", "number", 2]),
    ("4 sao", ["rate", "rating", 4]),
    ("rat khong hai long", ["rate", "rating", 1]),
    ("5678", None),  # four digits: the end of a phone number for the dossier form, not a choice
    ("lớp 5 học phí bao nhiêu", None),
    ("kiểm tra phiếu ht-abcd2345", ["check_ticket", "ticket", "HT-ABCD2345"]),
    ("tra cứu 000.00.31.H26-260112-0003", ["lookup_dossier", "dossier_code", "000.00.31.H26-260112-0003"]),
    ("😀😀", ["nlu_fallback", "", ""]),
]

SCRIPT = """
import json, sys
from bot.components.code_detector import detect
print(json.dumps([detect(text) for text in json.loads(sys.argv[1])]))
"""


def test_detect_reads_numbers_ratings_and_codes() -> None:
    python = servers.RASA_BIN.parent / "python"
    texts = json.dumps([text for text, _ in CASES])
    result = subprocess.run(
        [str(python), "-c", SCRIPT, texts], cwd=servers.ROOT, env=servers.base_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert {text: got for (text, _), got in zip(CASES, found, strict=True)} == dict(CASES)


SPEED_SCRIPT = """
import json, sys, time
from bot.components.code_detector import detect
texts = ["HT" + " " * 200_000 + "!", "ht -" + " " * 200_000, "000.00.31.H26" + " " * 200_000 + "x", "9" * 200_000,
         "1 2.3-4 " * 25_000, "cccd 0" * 33_000, "000.00.31.H26-260112-0003 " * 8_000]
took = []
for text in texts:
    start = time.perf_counter()
    detect(text)
    took.append(time.perf_counter() - start)
print(json.dumps(took))
"""


def test_detect_takes_linear_time_on_hostile_input() -> None:
    python = servers.RASA_BIN.parent / "python"
    result = subprocess.run(
        [str(python), "-c", SPEED_SCRIPT], cwd=servers.ROOT, env=servers.base_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    took = json.loads(result.stdout.strip().splitlines()[-1])
    assert max(took) < 1.0, took  # a quadratic pattern takes minutes on 200 000 characters
