"""Integration API of issue 4 over real HTTP: auth, validation naming the field, history, idempotence, CSV."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import httpx
import pytest

from api.catalogue.loader import Catalogue
from tests.api.dossier_servers import api, dossier, fresh_db, integ

CODE = "000.00.31.H26-260112-0101"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    """An API with the tokens set, on its own database."""
    db = fresh_db(tmp_path_factory.mktemp("integ"), catalogue)
    with api(db, logdir, "api-dossiers-integ") as base:
        yield base


def test_every_integration_route_needs_the_token(url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        assert httpx.put(f"{url}/api/v1/dossiers/{CODE}", json=dossier(), headers=headers).status_code == 401
        assert httpx.get(f"{url}/api/v1/dossiers/{CODE}", headers=headers).status_code == 401
        r = httpx.post(f"{url}/api/v1/dossiers/import", content=b"code\n", headers=headers)
        assert r.status_code == 401
    assert httpx.get(f"{url}/api/v1/dossiers/{CODE}", headers=integ()).status_code == 404


def test_unset_token_means_always_401(catalogue: Catalogue, logdir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    db = fresh_db(tmp_path, catalogue)
    with api(db, logdir, "api-dossiers-notoken", DVC_INTEGRATION_TOKEN="") as base:
        for token in ("x", "None", "null"):
            r = httpx.put(f"{base}/api/v1/dossiers/{CODE}", json=dossier(), headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401


def test_upsert_history_and_idempotence(url: str) -> None:
    code = "000.00.31.H26-260112-0102"
    first = httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier(), headers=integ())
    assert first.status_code == 201, first.text
    again = httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier(), headers=integ())
    assert again.status_code == 200
    assert again.json() == {"code": code, "created": False, "status_changed": False}
    full = httpx.get(f"{url}/api/v1/dossiers/{code}", headers=integ()).json()
    assert [h["status"] for h in full["history"]] == ["received"]
    assert full["applicant_name"] == "Trần Thị Bí Mật" and full["applicant_phone"] == "0912345678"
    assert full["procedure_name"].startswith("Cấp bản sao văn bằng")

    moved = httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier("in_progress"), headers=integ())
    assert moved.json()["status_changed"] is True
    httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier("in_progress"), headers=integ())
    ready = dossier("result_ready", result_delivery="post", postal_tracking="EB1VN")
    httpx.put(f"{url}/api/v1/dossiers/{code}", json=ready, headers=integ())
    full = httpx.get(f"{url}/api/v1/dossiers/{code}", headers=integ()).json()
    assert [h["status"] for h in full["history"]] == ["received", "in_progress", "result_ready"]
    assert full["postal_tracking"] == "EB1VN" and full["status"] == "result_ready"


def test_lowercase_code_in_the_url_is_normalised(url: str) -> None:
    r = httpx.put(f"{url}/api/v1/dossiers/000.00.31.h26-260112-0103", json=dossier(), headers=integ())
    assert r.status_code == 201 and r.json()["code"] == "000.00.31.H26-260112-0103"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_at": None}, "due_at"),
        ({"due_at": "hôm qua"}, "due_at"),
        ({"status": "lost"}, "status"),
        ({"applicant_phone": "12"}, "applicant_phone"),
        ({"submitted_via": "fax"}, "submitted_via"),
        ({"due_at": "2026-01-01"}, "due_at"),
        ({"status": "needs_documents"}, "missing_documents"),
        ({"status": "rejected"}, "rejection_reason"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_validation_names_the_field(url: str, change: dict[str, object], field: str) -> None:
    body = {k: v for k, v in {**dossier(), **change}.items() if v is not None}
    r = httpx.put(f"{url}/api/v1/dossiers/000.00.31.H26-260112-0104", json=body, headers=integ())
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["detail"]], r.text
    assert httpx.get(f"{url}/api/v1/dossiers/000.00.31.H26-260112-0104", headers=integ()).status_code == 404


def test_a_bad_code_names_the_code_field(url: str) -> None:
    r = httpx.put(f"{url}/api/v1/dossiers/12345", json=dossier(), headers=integ())
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code"


def test_practice_codes_are_refused_for_real_dossiers(url: str) -> None:
    """The classroom's reserved agency part never holds a real dossier: such a dossier could never be looked up."""
    r = httpx.put(f"{url}/api/v1/dossiers/999.00.00.T00-260112-0001", json=dossier(), headers=integ())
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code" and "practice" in r.json()["detail"][0]["message"]
    row = "999.00.00.T00-260112-0002,3.000465,received,2026-01-12,2026-01-19,Lê Văn C,0903333333,,desk\n"
    r = httpx.post(f"{url}/api/v1/dossiers/import", files={"file": ("d.csv", HEADER + row)}, headers=integ())
    assert r.status_code == 422 and r.json()["detail"][0]["line"] == 2 and "practice" in r.json()["detail"][0]["message"]


HEADER = "code,procedure_code,status,received_at,due_at,applicant_name,applicant_phone,missing_documents,result_delivery\n"


def test_csv_import_all_or_nothing(url: str) -> None:
    good = "000.00.31.H26-260112-0201,3.000465,received,2026-01-12,2026-01-19,Lê Văn A,0901111111,,desk\n"
    bad = "000.00.31.H26-260112-0202,3.000465,received,2026-01-12,19/01/2026,Lê Văn B,0902222222,,desk\n"
    r = httpx.post(f"{url}/api/v1/dossiers/import", files={"file": ("d.csv", HEADER + good + bad)}, headers=integ())
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert errors == [{"line": 3, "field": "due_at", "message": errors[0]["message"]}]
    assert httpx.get(f"{url}/api/v1/dossiers/000.00.31.H26-260112-0201", headers=integ()).status_code == 404

    docs = (
        "000.00.31.H26-260112-0202,3.000466,needs_documents,2026-01-12,2026-01-19,Lê Văn B,0902222222,Giấy khai sinh|CCCD,desk\n"
    )
    r = httpx.post(
        f"{url}/api/v1/dossiers/import",
        content=(HEADER + good + docs).encode(),
        headers={**integ(), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "status_changes": 0}
    full = httpx.get(f"{url}/api/v1/dossiers/000.00.31.H26-260112-0202", headers=integ()).json()
    assert full["missing_documents"] == ["Giấy khai sinh", "CCCD"]


def test_csv_bad_code_and_missing_header(url: str) -> None:
    r = httpx.post(f"{url}/api/v1/dossiers/import", files={"file": ("d.csv", HEADER + "xx,3.000465\n")}, headers=integ())
    assert r.status_code == 422 and r.json()["detail"][0] == {**r.json()["detail"][0], "line": 2, "field": "code"}
    r = httpx.post(f"{url}/api/v1/dossiers/import", files={"file": ("d.csv", "a,b\n1,2\n")}, headers=integ())
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code"
