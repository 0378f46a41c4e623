"""Practice dossiers over the real API: filled step by step from the procedure's real documents, looked up through the
real lookup (lockout included), moved on with a notification to the subscribed chat, absent from the Sở's reports;
on SQLite and PostgreSQL, with migration 0008 up and down."""

from __future__ import annotations

import pathlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from alembic import command
from sqlalchemy import inspect, select

from api.catalogue.loader import Catalogue, load_catalogue
from api.cli import alembic_config, migrate
from api.db import get_engine, session_factory
from api.dossiers.models import DossierRow
from api.practice.models import PracticeRow
from api.practice.service import config
from tests.api import records_servers as rs
from tests.servers import ROOT
from textnorm.channels import channel_of

PRACTICE = "/api/v1/practice"
LOOKUP = "/api/v1/dossiers/lookup"
CODE = re.compile(r"^999\.00\.00\.T00-\d{6}-\d{4}$")
REPORT_RANGE = {"from": "2026-01-01"}  # to today


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    return rs.fresh_db(tmp_path_factory.mktemp("practice"), catalogue)


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    with rs.api(db, logdir, "api-practice") as base:
        yield base


def post(url: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = httpx.post(f"{url}{path}", json=body, headers=rs.internal())
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def summary(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/reports/summary", params=REPORT_RANGE, auth=(rs.ADMIN, rs.ADMIN_PASSWORD))
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def submit(url: str, sender: str, slug: str) -> dict[str, Any]:
    """Fill a practice for `slug`: every real document (the second one skipped), online, the second digits offered."""
    kb = yaml.safe_load((ROOT / "kb" / "procedures" / f"{slug}.yaml").read_text(encoding="utf-8"))
    items = [d["item"] for d in kb["documents"]["items"]]
    view = post(url, f"{PRACTICE}/start", {"recipient": sender, "procedure": slug})
    for number, item in enumerate(items, start=1):
        assert (view["kind"], view["number"], view["total"], view["item"]) == ("document", number, len(items), item)
        view = post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": "skip" if number == 2 else "attach"})
    assert view["kind"] == "channel" and "online" in view["choices"]
    assert post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": "by pigeon"}) == view, "a bad choice stays put"
    view = post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": "online"})
    assert view["kind"] == "digits" and len(set(view["choices"])) == 3
    assert all(re.fullmatch(r"\d{4}", d) for d in view["choices"])
    unoffered = next(f"{n:04d}" for n in range(10000) if f"{n:04d}" not in view["choices"])
    assert post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": unoffered})["kind"] == "digits"
    digits = view["choices"][1]
    done = post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": digits})
    assert done["kind"] == "submitted" and CODE.match(done["code"]) and done["digits"] == digits
    assert (done["status"], done["attached"], done["documents"]) == ("received", len(items) - 1, len(items))
    return done


def test_a_practice_dossier_from_documents_to_result_with_its_notifications(url: str, db: str) -> None:
    before = summary(url)
    offered = httpx.get(f"{url}{PRACTICE}/procedures", headers=rs.internal()).json()
    assert {p["slug"] for p in offered} == {"ban_sao_van_bang_tu_so_goc", "chuyen_truong_thpt"}
    assert all(p["name"] for p in offered)
    session_id = str(uuid.uuid4())
    sender = f"web:{session_id}"
    done = submit(url, sender, "ban_sao_van_bang_tu_so_goc")
    code, digits = done["code"], done["digits"]

    found = post(url, LOOKUP, {"code": code.lower().replace("-", " "), "phone_last4": digits, "sender": sender})
    assert found["status"] == "found" and found["dossier"]["practice"] is True and found["dossier"]["demo"] is False
    assert found["dossier"]["procedure_slug"] == "ban_sao_van_bang_tu_so_goc"
    assert [h["status"] for h in found["dossier"]["history"]] == ["received"]
    assert "applicant_name" not in found["dossier"] and "applicant_phone" not in found["dossier"]
    sub = {"code": code, "token": found["subscribe_token"], "recipient": sender}
    assert post(url, "/api/v1/dossiers/subscriptions", sub, status=201)["code"] == code

    moved = post(url, f"{PRACTICE}/advance", {"recipient": sender})
    assert moved == {"code": code, "status": "in_progress", "moved": True, "final": False}
    inbox = httpx.get(f"{url}/api/v1/inbox/{session_id}").json()
    assert len(inbox) == 1 and inbox[0]["text"].startswith("[Thực hành] ") and code in inbox[0]["text"]
    assert "Đang giải quyết" in inbox[0]["text"]
    last = post(url, f"{PRACTICE}/advance", {"recipient": sender})
    assert (last["status"], last["final"]) == ("result_ready", True)
    assert "Đã có kết quả" in httpx.get(f"{url}/api/v1/inbox/{session_id}").json()[0]["text"]
    assert post(url, f"{PRACTICE}/advance", {"recipient": sender})["moved"] is False, "the path ends at the result"
    assert httpx.get(f"{url}/api/v1/inbox/{session_id}").json() == [], "no notification without a move"
    again = post(url, LOOKUP, {"code": code, "phone_last4": digits, "sender": sender})
    assert [h["status"] for h in again["dossier"]["history"]] == ["received", "in_progress", "result_ready"]

    with session_factory(db)() as session:
        row = session.scalars(select(DossierRow).where(DossierRow.code == code)).one()
        practice = session.scalars(select(PracticeRow).where(PracticeRow.sender == sender)).one()
    assert row.practice and row.applicant_name == config()["applicant_name"] and row.applicant_phone == "000000" + digits
    assert practice.dossier_id == row.id and practice.documents == [True, False, True]
    assert summary(url) == before, "nothing of a practice dossier reaches the Sở's reports"
    assert channel_of(sender) == "web"


def test_the_lockout_and_the_rules_of_a_real_lookup_still_apply(url: str) -> None:
    sender = f"web:{uuid.uuid4()}"
    done = submit(url, sender, "chuyen_truong_thpt")
    wrong = "0000" if done["digits"] != "0000" else "1111"
    for _ in range(5):
        assert post(url, LOOKUP, {"code": done["code"], "phone_last4": wrong}) == {"status": "not_found"}
    assert post(url, LOOKUP, {"code": done["code"], "phone_last4": done["digits"]})["status"] == "locked"


def test_what_the_practice_endpoints_refuse(url: str) -> None:
    sender = f"web:{uuid.uuid4()}"
    assert httpx.get(f"{url}{PRACTICE}/procedures").status_code == 401
    assert (
        httpx.post(f"{url}{PRACTICE}/start", json={"recipient": sender, "procedure": "ban_sao_van_bang_tu_so_goc"}).status_code
        == 401
    )
    post(url, f"{PRACTICE}/start", {"recipient": sender, "procedure": "cap_lai_van_bang"}, status=404)
    post(url, f"{PRACTICE}/step", {"recipient": sender, "choice": "attach"}, status=404)
    post(url, f"{PRACTICE}/advance", {"recipient": sender}, status=404)
    post(url, f"{PRACTICE}/start", {"recipient": sender, "procedure": "chuyen_truong_thpt"})
    post(url, f"{PRACTICE}/advance", {"recipient": sender}, status=404)  # not submitted yet


def test_migration_0008_up_and_down_and_a_practice_on_postgresql(pg_url: str, catalogue: Catalogue, logdir: pathlib.Path) -> None:
    migrate(pg_url)
    assert "practice_dossiers" in inspect(get_engine(pg_url)).get_table_names()
    command.downgrade(alembic_config(pg_url), "0007")
    fresh = inspect(get_engine(pg_url))
    assert "practice_dossiers" not in fresh.get_table_names()
    assert "practice" not in {c["name"] for c in fresh.get_columns("dossiers")}
    migrate(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, catalogue)
    with rs.api(pg_url, logdir, "api-practice-pg") as base:
        sender = f"zalo:{uuid.uuid4().hex[:12]}"
        done = submit(base, sender, "chuyen_truong_thpt")
        found = post(base, LOOKUP, {"code": done["code"], "phone_last4": done["digits"], "sender": sender})
        assert found["dossier"]["practice"] is True and found["dossier"]["status"] == "received"
        assert post(base, f"{PRACTICE}/advance", {"recipient": sender})["status"] == "in_progress"


def test_migration_0008_up_and_down_on_sqlite(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    command.downgrade(alembic_config(url), "0007")
    assert "practice" not in {c["name"] for c in inspect(get_engine(url)).get_columns("dossiers")}
    migrate(url)
    assert "practice" in {c["name"] for c in inspect(get_engine(url)).get_columns("dossiers")}
