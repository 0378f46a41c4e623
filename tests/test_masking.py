"""People's data never reaches storage or logs: mask(), Rasa event masking, log records, the real tracker store."""

from __future__ import annotations

import io
import json
import logging
import pathlib
import sqlite3
import subprocess
import textwrap
from typing import Any

import pytest

from tests import servers
from textnorm.channels import channel_of
from textnorm.privacy import install_log_masking, mask, mask_events

PHONE, CCCD, EMAIL = "0912 345 678", "001203004567", "phu.huynh@example.com"
SECRETS = (PHONE, "0912345678", CCCD, EMAIL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Số em 0912345678 ạ", "Số em [SĐT] ạ"),
        ("gọi 0912 345 678 hoặc +84 912.345.678", "gọi [SĐT] hoặc [SĐT]"),
        ("máy bàn (024) 3825 1234", "máy bàn [SĐT]"),
        ("84912345678", "[SĐT]"),
        ("0912345678 0987654321", "[SĐT] [SĐT]"),
        ("CCCD 001203004567, CMND 123456789", "CCCD [CCCD], CMND [CCCD]"),
        ("cccd 001 203 004 567", "cccd [CCCD]"),
        ("mail a.b+c@gmail.com.vn nhé", "mail [EMAIL] nhé"),
        ("hồ sơ 000.00.31.H26-260112-0003", "hồ sơ 000.00.31.H26-260112-0003"),
        ("000.00.31.h26 260112 0003", "000.00.31.h26 260112 0003"),
        ("lệ phí 150.000 đồng, năm 2026, lớp 12", "lệ phí 150.000 đồng, năm 2026, lớp 12"),
        ("cccd 001-203-012-345", "cccd [CCCD]"),
        ("cmnd 123 456 789 nhé", "cmnd [CCCD] nhé"),
        ("so cmt 123-456-789", "so cmt [CCCD]"),
        ("0084912345678", "[SĐT]"),
        ("gọi 0084 912 345 678 nhé", "gọi [SĐT] nhé"),
        ("lệ phí 150.000.000 đồng", "lệ phí 150.000.000 đồng"),
        # the phone's last 4 digits typed with the code: masked; the code and a date stay readable
        ("000.00.31.H26-260112-0007 7777", "000.00.31.H26-260112-0007 ****"),
        ("ma 000.00.31.H26-260112-0007, so cuoi 7777.", "ma 000.00.31.H26-260112-0007, so cuoi ****."),
        ("000.00.31.H26-260112-00077777", "000.00.31.H26-260112-0007****"),
        ("hồ sơ 000.00.31.H26-260112-0003 nộp 12/01/2026", "hồ sơ 000.00.31.H26-260112-0003 nộp 12/01/2026"),
        ("000.00.31.H26-260112-0003000.00.31.H26-260112-0004", "000.00.31.H26-260112-0003000.00.31.H26-260112-0004"),
        ("a@b.c+d@e.f x", "[EMAIL][EMAIL] x"),
        ("", ""),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_channel_of() -> None:
    assert [channel_of(s) for s in ("telegram:1", "web:abc", "classroom:9a", "rest-user", "telegram:", "sms:1")] == [
        "telegram", "web", "classroom", "other", "other", "other",
    ]  # fmt: skip


def test_mask_events_hides_verification_digits() -> None:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": f"em là {EMAIL}", "parse_data": {"text": f"em là {EMAIL}", "entities": [{"value": EMAIL}]}},
        {"event": "slot", "name": "requested_slot", "value": "phone_last4"},
        {"event": "user", "text": "5678", "parse_data": {"text": "5678", "entities": []}},
        {"event": "slot", "name": "phone_last4", "value": "5678"},
        {"event": "user", "text": "số cuối 4321", "parse_data": {"text": "số cuối 4321", "entities": [{"value": "4321"}]}},
        {"event": "slot", "name": "phone_last4", "value": "4321"},
    ]
    masked = mask_events(events, start=0)
    raw = json.dumps(masked, ensure_ascii=False)
    assert EMAIL not in raw and "5678" not in raw and "4321" not in raw
    assert masked[4]["text"] == "số cuối ****" and masked[3]["value"] == "****"
    assert events[2]["text"] == "5678"  # the caller's events are untouched, nested parse data included
    assert events[0]["parse_data"] == {"text": f"em là {EMAIL}", "entities": [{"value": EMAIL}]}
    assert events[4]["parse_data"]["entities"] == [{"value": "4321"}]
    assert len(mask_events(events, start=4)) == 2


def test_mask_events_masks_metadata() -> None:
    metadata = {"phone": PHONE, "contact": {"emails": [EMAIL]}, CCCD: True, "n": 3}
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "xin chào", "metadata": metadata, "parse_data": {"text": "xin chào"}},
        {"event": "bot", "text": "Dạ", "metadata": {"echo": f"SĐT {PHONE}"}},
        {"event": "slot", "name": "requested_slot", "value": "phone_last4"},
        {"event": "user", "text": "5678", "metadata": {"typed": "5678"}},
        {"event": "slot", "name": "contact", "value": {"mail": EMAIL}},
    ]
    masked = mask_events(events)
    raw = json.dumps(masked, ensure_ascii=False)
    for secret in (*SECRETS, "5678"):
        assert secret not in raw, secret
    assert masked[0]["metadata"] == {"phone": "[SĐT]", "contact": {"emails": ["[EMAIL]"]}, "[CCCD]": True, "n": 3}
    assert masked[3]["metadata"] == {"typed": "****"} and masked[4]["value"] == {"mail": "[EMAIL]"}
    assert events[0]["metadata"] is metadata and metadata["phone"] == PHONE  # the caller's events are untouched


def _raise_with(text: str) -> None:
    raise ValueError(f"could not read {text!r}")


def test_tracebacks_and_stacks_in_logs_are_masked() -> None:
    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("dvc.test.traceback")
    logger.addHandler(handler)
    try:
        try:
            _raise_with(f"SĐT {PHONE}, CCCD {CCCD}, mail {EMAIL}")
        except ValueError:
            logger.exception("turn failed")
        logger.warning("where %s", "0084912345678", stack_info=True)
        logging.getLogger("uvicorn.access").addHandler(handler)
        logging.getLogger("uvicorn.access").warning('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", f"/s?q={CCCD}", "1.1", 200)
    finally:
        logger.removeHandler(handler)
        logging.getLogger("uvicorn.access").removeHandler(handler)
    out = stream.getvalue()
    assert "ValueError: could not read 'SĐT [SĐT], CCCD [CCCD], mail [EMAIL]'" in out
    assert "Stack (most recent call last)" in out and "where [SĐT]" in out and "q=[CCCD]" in out
    for secret in (*SECRETS, "0084912345678"):
        assert secret not in out, secret


SERVICE_LOGGING = textwrap.dedent(
    """
    import logging, sys
    setup = sys.argv[1]
    if setup == "api":
        from api.main import create_app
        create_app()
    elif setup == "gateway":
        from gateway.telegram.__main__ import main
        main()  # no token in the environment: it explains and returns, after setting up logging
    else:
        __import__(setup)
    handler = logging.StreamHandler(sys.stdout)
    logging.getLogger().addHandler(handler)
    try:
        raise RuntimeError("user typed " + sys.argv[2])
    except RuntimeError:
        logging.getLogger("service").exception("failed")
    """
)


@pytest.mark.parametrize(
    ("python", "setup"),
    [(".venv", "api"), (".venv", "gateway"), (".venv-rasa", "actions"), (".venv-rasa", "bot.components"),
     (".venv-rasa", "bot.tracker_store")],
)  # fmt: skip
def test_every_service_masks_its_logs(python: str, setup: str) -> None:
    env = servers.base_env(TELEGRAM_BOT_TOKEN="")
    args = [str(servers.ROOT / python / "bin" / "python"), "-c", SERVICE_LOGGING, setup, f"{PHONE} / {EMAIL}"]
    result = subprocess.run(args, env=env, cwd=servers.ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RuntimeError: user typed [SĐT] / [EMAIL]" in result.stdout, result.stdout[-2000:]
    assert PHONE not in result.stdout + result.stderr and EMAIL not in result.stdout + result.stderr


UNCAUGHT = textwrap.dedent(
    """
    import sys, threading
    from textnorm.privacy import install_log_masking
    install_log_masking()
    thread = threading.Thread(target=lambda: int("CCCD " + sys.argv[1]))
    thread.start()
    thread.join()
    raise RuntimeError("user typed " + sys.argv[2])
    """
)


def test_uncaught_exceptions_are_printed_masked() -> None:
    args = [str(servers.ROOT / ".venv" / "bin" / "python"), "-c", UNCAUGHT, CCCD, f"{PHONE} / {EMAIL}"]
    result = subprocess.run(args, env=servers.base_env(), cwd=servers.ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "RuntimeError: user typed [SĐT] / [EMAIL]" in result.stderr, result.stderr[-2000:]
    assert "ValueError: invalid literal for int() with base 10: 'CCCD [CCCD]'" in result.stderr, result.stderr[-2000:]
    for secret in SECRETS:
        assert secret not in result.stderr, secret


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    install_log_masking()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("dvc.test").info("user said %s and %s", PHONE, EMAIL)
    assert caplog.records[-1].getMessage() == "user said [SĐT] and [EMAIL]"
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info('HTTP Request: GET http://x/search?q=CCCD+001203004567&p=0912+345+678 "200 OK"')
        logging.getLogger("httpx").info("GET /search?q=ph%C3%AD+c%E1%BA%A5p+l%E1%BA%A1i")
    assert caplog.records[-2].getMessage() == 'HTTP Request: GET http://x/search?q=CCCD [CCCD]&p=[SĐT] "200 OK"'
    assert caplog.records[-1].getMessage() == "GET /search?q=ph%C3%AD+c%E1%BA%A5p+l%E1%BA%A1i"  # nothing personal: left as is


TRACKER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from bot.tracker_store import MaskingSQLTrackerStore
    domain = Domain.from_yaml('''
    version: "3.1"
    slots:
      phone_last4: {type: text, mappings: [{type: custom}]}
    ''')
    store = MaskingSQLTrackerStore(domain=domain)
    tracker = DialogueStateTracker("telegram:5", domain.slots)
    parse = {"intent": {"name": "x"}, "entities": [{"entity": "e", "value": sys.argv[2]}]}
    tracker.update(UserUttered(sys.argv[1], parse_data=parse, metadata={"from": sys.argv[2]}))
    tracker.update(BotUttered("Dạ em ghi nhận ạ."))
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("000.00.31.H26-260112-0003 4321"))
    tracker.update(UserUttered("số cuối 5678"))
    tracker.update(SlotSet("phone_last4", "5678"))
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("telegram:5"))
    print(len(again.events))
    """
)


def test_tracker_store_writes_masked_events(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "tracker.db"
    message = f"SĐT {PHONE}, CCCD {CCCD}, mail {EMAIL}, hồ sơ 000.00.31.H26-260112-0003"
    env = servers.base_env(DVC_TRACKER_DB_URL=f"sqlite:///{db}")
    python = servers.ROOT / ".venv-rasa" / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", TRACKER_SCRIPT, message, PHONE], env=env, cwd=servers.ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "5"
    rows = [data for (data,) in sqlite3.connect(db).execute("SELECT data FROM events ORDER BY id")]
    # timestamps are left out: their digits may hold "4321" by chance
    events = [{k: v for k, v in json.loads(r).items() if k != "timestamp"} for r in rows]
    raw = "\n".join(json.dumps(e) for e in events) + "\n" + "\n".join(json.dumps(e, ensure_ascii=False) for e in events)
    for secret in (*SECRETS, "5678", "4321"):
        assert secret not in raw
    assert "000.00.31.H26-260112-0003" in raw and "[SĐT]" in raw and '"metadata": {"from": "[SĐT]"}' in raw
