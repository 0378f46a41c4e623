"""Subscriptions, the outbox and the web inbox over real HTTP; seed-demo refused in production."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.dossiers.models import DossierHistoryRow, DossierRow
from api.notifications.service import enqueue
from tests.api.dossier_servers import api, dossier, fresh_db, integ, internal
from tests.servers import ROOT, base_env
from textnorm.privacy import mask

CODE = "000.00.31.H26-260112-0301"
SUBS = "/api/v1/dossiers/subscriptions"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    """An API on its own database holding one dossier (phone ...5678)."""
    db = fresh_db(tmp_path_factory.mktemp("notif"), catalogue)
    with api(db, logdir, "api-notifications") as base:
        assert httpx.put(f"{base}/api/v1/dossiers/{CODE}", json=dossier(), headers=integ()).status_code == 201
        yield base


def pending(url: str, channel: str = "telegram") -> list[dict[str, object]]:
    """What the gateway would fetch."""
    r = httpx.get(f"{url}/api/v1/notifications", params={"channel": channel}, headers=internal())
    assert r.status_code == 200
    result: list[dict[str, object]] = r.json()
    return result


def set_status(url: str, status: str, **extra: object) -> None:
    """The one-stop system records a change."""
    r = httpx.put(f"{url}/api/v1/dossiers/{CODE}", json=dossier(status, **extra), headers=integ())
    assert r.status_code == 200


def test_internal_routes_need_the_internal_token(url: str) -> None:
    body = {"code": CODE, "phone_last4": "5678", "recipient": "telegram:1"}
    for headers in ({}, integ(), {"Authorization": "Bearer wrong"}):
        assert httpx.post(f"{url}{SUBS}", json=body, headers=headers).status_code == 401
        assert httpx.delete(f"{url}{SUBS}", params={"code": CODE, "recipient": "telegram:1"}, headers=headers).status_code == 401
        assert httpx.get(f"{url}/api/v1/notifications", params={"channel": "telegram"}, headers=headers).status_code == 401
        assert httpx.post(f"{url}/api/v1/notifications/1/delivered", headers=headers).status_code == 401


def test_subscribe_needs_the_right_digits(url: str) -> None:
    wrong = httpx.post(f"{url}{SUBS}", json={"code": CODE, "phone_last4": "0000", "recipient": "telegram:2"}, headers=internal())
    unknown = httpx.post(
        f"{url}{SUBS}",
        json={"code": "000.00.31.H26-991231-0001", "phone_last4": "5678", "recipient": "telegram:2"},
        headers=internal(),
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_the_lookup_token_subscribes_only_its_conversation_to_its_dossier(url: str) -> None:
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    found = httpx.post(
        f"{url}/api/v1/dossiers/lookup", json={"code": CODE, "phone_last4": "5678", "sender": sender}, headers=internal()
    ).json()
    token = found["subscribe_token"]
    assert found["status"] == "found" and len(token) <= 600, "fits the subscription field"
    assert mask(token) == token, "the tracker store's masking leaves the token intact"
    public = httpx.post(f"{url}/api/v1/dossiers/lookup", json={"code": CODE, "phone_last4": "5678"}).json()
    assert "subscribe_token" not in public, "no token without the internal token and a sender"
    for body in (
        {"code": CODE, "token": token, "recipient": "telegram:someone-else"},
        {"code": CODE.replace("0301", "0302"), "token": token, "recipient": sender},
        {"code": CODE, "token": token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "recipient": sender},
        {"code": CODE, "token": "not-a-token", "recipient": sender},
    ):
        assert httpx.post(f"{url}{SUBS}", json=body, headers=internal()).status_code == 404, body
    ok = httpx.post(f"{url}{SUBS}", json={"code": CODE.lower(), "token": token, "recipient": sender}, headers=internal())
    assert ok.status_code == 201 and ok.json() == {"code": CODE, "recipient": sender}


def test_status_change_reaches_telegram_then_is_acked(url: str) -> None:
    chat = "telegram:424242"
    r = httpx.post(f"{url}{SUBS}", json={"code": CODE.lower(), "phone_last4": "5678", "recipient": chat}, headers=internal())
    assert r.status_code == 201
    assert (
        httpx.post(f"{url}{SUBS}", json={"code": CODE, "phone_last4": "5678", "recipient": chat}, headers=internal()).status_code
        == 201
    )
    set_status(url, "result_ready", result_delivery="post", postal_tracking="EB777VN")
    mine = [n for n in pending(url) if n["recipient"] == chat]
    assert len(mine) == 1, "one message even after subscribing twice"
    text = str(mine[0]["text"])
    assert mine[0]["kind"] == "dossier_status"
    assert CODE in text and "Đã có kết quả" in text and "EB777VN" in text and "Cấp bản sao văn bằng" in text
    assert "Bí Mật" not in text and "5678" not in text
    set_status(url, "result_ready", result_delivery="post", postal_tracking="EB777VN")
    assert len([n for n in pending(url) if n["recipient"] == chat]) == 1, "same status again: no new message"
    assert pending(url, "web") == [] or all(n["recipient"] != chat for n in pending(url, "web"))

    assert httpx.post(f"{url}/api/v1/notifications/{mine[0]['id']}/delivered", headers=internal()).status_code == 204
    assert [n for n in pending(url) if n["recipient"] == chat] == []
    assert httpx.post(f"{url}/api/v1/notifications/999999/delivered", headers=internal()).status_code == 404

    r = httpx.delete(f"{url}{SUBS}", params={"code": CODE, "recipient": chat}, headers=internal())
    assert r.status_code == 204
    set_status(url, "result_returned", result_delivery="post", postal_tracking="EB777VN")
    assert [n for n in pending(url) if n["recipient"] == chat] == [], "unsubscribed: nothing new"


def test_web_inbox_returns_once(url: str) -> None:
    session_id = str(uuid.uuid4())
    body = {"code": CODE, "phone_last4": "5678", "recipient": f"web:{session_id}"}
    assert httpx.post(f"{url}{SUBS}", json=body, headers=internal()).status_code == 201
    set_status(url, "needs_documents", missing_documents=["Bản sao CCCD"])
    first = httpx.get(f"{url}/api/v1/inbox/{session_id}").json()
    assert len(first) == 1 and "Cần bổ sung" in first[0]["text"] and "Bản sao CCCD" in first[0]["text"]
    assert httpx.get(f"{url}/api/v1/inbox/{session_id}").json() == []
    assert httpx.get(f"{url}/api/v1/inbox/not-a-uuid").status_code == 422
    assert httpx.get(f"{url}/api/v1/inbox/{uuid.uuid1()}").status_code == 422
    assert httpx.get(f"{url}/api/v1/notifications", params={"channel": "sms"}, headers=internal()).status_code == 422


def test_enqueue_rejects_unknown_kinds(db_url: str) -> None:
    with session_factory(db_url)() as session, pytest.raises(ValueError, match="kind"):
        enqueue(session, "telegram:1", "spam", "x")


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m api.cli ...` as a child process."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=base_env(**env), capture_output=True, text=True, timeout=120
    )


def test_seed_demo_refuses_in_production_and_lists_codes_otherwise(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    db = fresh_db(tmp_path, catalogue)
    refused = run_cli("seed-demo", DVC_DATABASE_URL=db, DVC_PROFILE="production")
    assert refused.returncode == 1 and "production" in refused.stderr
    with session_factory(db)() as session:
        assert session.query(DossierRow).count() == 0
    seeded = run_cli("seed-demo", DVC_DATABASE_URL=db)
    assert seeded.returncode == 0, seeded.stderr
    assert "000.00.31.H26-260112-0003 | 3333 | needs_documents" in seeded.stdout
    assert "000.00.31.H26-260112-0007 | 7777 | in_progress, overdue" in seeded.stdout
    again = run_cli("seed-demo", DVC_DATABASE_URL=db)
    assert again.returncode == 0
    with session_factory(db)() as session:
        assert session.query(DossierRow).count() == 7
        assert session.query(DossierRow).filter(DossierRow.demo.is_(False)).count() == 0
        assert session.query(DossierHistoryRow).count() == 17, "one entry per step of each path, none added by re-seeding"
