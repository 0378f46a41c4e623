"""A class behind one school address looks up its practice codes over the real API without using the address's
lookup budget or lockout, while real codes from that address keep both; old practice dossiers go with the purge."""

from __future__ import annotations

import datetime as dt
import pathlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.dossiers.demo import seed_demo
from api.dossiers.models import DossierHistoryRow, DossierRow, SubscriptionRow
from api.practice.models import PracticeRow
from api.records.retention import purge
from api.settings import Settings
from tests.api import records_servers as rs

PRACTICE = "/api/v1/practice"
LOOKUP = "/api/v1/dossiers/lookup"
READY = "000.00.31.H26-260112-0004"  # demo: result_ready, phone ...4444
DEFAULT_BUDGET = Settings().lookup_rate_limit  # real lookups per address and window, unchanged by practice codes


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    url = rs.fresh_db(tmp_path_factory.mktemp("practice-limits"), catalogue)
    with session_factory(url)() as session:
        seed_demo(session)
    return url


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    with rs.api(db, logdir, "api-practice-limits") as base:
        yield base


def post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}{path}", json=body, headers=rs.internal(), timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def practice_code(url: str, student: str) -> tuple[str, str]:
    """A student's practice dossier (every document attached, online, the first digits offered): code and digits."""
    view = post(url, f"{PRACTICE}/start", {"recipient": student, "procedure": "chuyen_truong_thpt"})
    while view["kind"] == "document":
        view = post(url, f"{PRACTICE}/step", {"recipient": student, "choice": "attach"})
    view = post(url, f"{PRACTICE}/step", {"recipient": student, "choice": "online"})
    done = post(url, f"{PRACTICE}/step", {"recipient": student, "choice": view["choices"][0]})
    assert done["kind"] == "submitted"
    return str(done["code"]), str(done["digits"])


def ask(url: str, code: str, digits: str, address: str) -> httpx.Response:
    """A lookup from the web widget: the action server passes the citizen's address along with a new sender."""
    body = {"code": code, "phone_last4": digits, "sender": f"web:{uuid.uuid4()}", "client_ip": address}
    return httpx.post(f"{url}{LOOKUP}", json=body, headers=rs.internal(), timeout=30)


def wrong(digits: str) -> str:
    return "0000" if digits != "0000" else "1111"


def test_a_class_of_forty_behind_one_address_is_not_limited_and_real_codes_keep_their_budget(url: str) -> None:
    school = "198.51.100.40"
    codes = [practice_code(url, f"web:{uuid.uuid4()}") for _ in range(40)]
    answers = [ask(url, code, digits, school) for code, digits in codes]
    assert [r.status_code for r in answers] == [200] * 40
    assert all(r.json()["status"] == "found" and r.json()["dossier"]["practice"] for r in answers)

    real = [ask(url, READY, "4444", school).status_code for _ in range(DEFAULT_BUDGET + 1)]
    assert real == [200] * DEFAULT_BUDGET + [429], "the 40 practice lookups took nothing from the real budget"
    assert ask(url, *codes[0], school).json()["status"] == "found", "a spent real budget does not stop the class"
    assert ask(url, READY, "4444", school).status_code == 429


def test_practice_codes_have_a_flood_limit_of_their_own(db: str, logdir: pathlib.Path) -> None:
    with rs.api(db, logdir, "api-practice-flood", DVC_LOOKUP_PRACTICE_RATE_LIMIT="3") as base:
        school = "198.51.100.44"
        code, digits = practice_code(base, f"web:{uuid.uuid4()}")
        assert [ask(base, code, digits, school).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert ask(base, READY, "4444", school).json()["status"] == "found", "real lookups count apart"


def test_wrong_digits_on_practice_codes_do_not_lock_the_address(url: str) -> None:
    school = "198.51.100.41"
    codes = [practice_code(url, f"web:{uuid.uuid4()}") for _ in range(4)]
    for code, digits in codes:  # 16 wrong guesses from one address, more than its 10, under each code's 5
        assert [ask(url, code, wrong(digits), school).json()["status"] for _ in range(4)] == ["not_found"] * 4
    assert ask(url, READY, "4444", school).json()["status"] == "found", "parents behind the school still look up"
    assert all(ask(url, code, digits, school).json()["status"] == "found" for code, digits in codes)

    code, digits = codes[0]
    for _ in range(5):  # the practice code's own lockout stays, for the lesson
        assert ask(url, code, wrong(digits), school).json()["status"] == "not_found"
    assert ask(url, code, digits, school).json()["status"] == "locked"
    assert ask(url, READY, "4444", school).json()["status"] == "found"


def test_real_codes_still_lock_the_address_and_its_class_can_still_practise(url: str) -> None:
    school = "198.51.100.42"
    code, digits = practice_code(url, f"web:{uuid.uuid4()}")
    for number in range(10):  # ten wrong guesses on real-shaped codes
        assert ask(url, f"000.00.31.H26-260112-{9000 + number}", "0000", school).json()["status"] == "not_found"
    assert ask(url, READY, "4444", school).json()["status"] == "locked"
    assert ask(url, code, digits, school).json()["status"] == "found"


def test_a_practice_shaped_code_never_finds_a_real_dossier(url: str, db: str) -> None:
    code = "999.00.00.T00-260101-0042"  # as if an import had put a real dossier under the reserved agency part
    with session_factory(db)() as session:
        real = session.scalars(select(DossierRow).where(DossierRow.code == READY)).one()
        session.add(
            DossierRow(
                code=code, procedure_code=real.procedure_code, applicant_name="Nguyễn Văn A", applicant_phone="0900004242",
                submitted_via="online", received_at=real.received_at, due_at=real.due_at, status="received",
                missing_documents=[], rejection_reason=None, result_delivery="desk", postal_tracking=None, demo=False,
                practice=False, updated_at=real.updated_at,
            )
        )  # fmt: skip
        session.commit()
    assert ask(url, code, "4242", "198.51.100.43").json() == {"status": "not_found"}
    body = {"code": code, "phone_last4": "4242", "recipient": f"web:{uuid.uuid4()}"}
    assert httpx.post(f"{url}/api/v1/dossiers/subscriptions", json=body, headers=rs.internal()).status_code == 404


def test_purge_deletes_practice_dossiers_older_than_the_retention(url: str, db: str, tmp_path: pathlib.Path) -> None:
    old_student, new_student, unfinished = (f"web:{uuid.uuid4()}" for _ in range(3))
    old_code, old_digits = practice_code(url, old_student)
    new_code, _ = practice_code(url, new_student)
    found = post(url, LOOKUP, {"code": old_code, "phone_last4": old_digits, "sender": old_student})
    sub = {"code": old_code, "token": found["subscribe_token"], "recipient": old_student}
    assert httpx.post(f"{url}/api/v1/dossiers/subscriptions", json=sub, headers=rs.internal()).status_code == 201
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with session_factory(db)() as session:
        session.execute(update(DossierRow).where(DossierRow.code == old_code).values(updated_at=long_ago))
        session.execute(update(PracticeRow).where(PracticeRow.sender == old_student).values(created_at=long_ago))
        session.add(PracticeRow(sender=unfinished, procedure_slug="chuyen_truong_thpt", step=1, documents=[True],
                                offered=[], created_at=long_ago))  # fmt: skip  # an old practice never submitted
        session.commit()
        real_before = session.scalar(select(func.count()).select_from(DossierRow).where(DossierRow.practice.is_(False)))
        old_id = session.scalars(select(DossierRow.id).where(DossierRow.code == old_code)).one()

    counts = purge(Settings(database_url=db, tracker_db_url=f"sqlite:///{tmp_path / 'tracker.db'}", retention_days=365))
    assert (counts["practice_dossiers"], counts["dossiers_practice"]) == (2, 1)
    with session_factory(db)() as session:
        codes = set(session.scalars(select(DossierRow.code).where(DossierRow.practice.is_(True))))
        assert old_code not in codes and new_code in codes
        assert session.scalars(select(DossierHistoryRow).where(DossierHistoryRow.dossier_id == old_id)).all() == []
        assert session.scalars(select(SubscriptionRow).where(SubscriptionRow.dossier_id == old_id)).all() == []
        senders = set(session.scalars(select(PracticeRow.sender)))
        assert old_student not in senders and unfinished not in senders and new_student in senders
        real_after = session.scalar(select(func.count()).select_from(DossierRow).where(DossierRow.practice.is_(False)))
    assert real_after == real_before, "real dossiers are never purged"
