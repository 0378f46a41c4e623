"""Catalogue routes: list and filter, one procedure, topics, site, search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app


@pytest.fixture()
def client(api_settings: None) -> TestClient:
    return TestClient(create_app())


def test_list_and_filter(client: TestClient) -> None:
    everything = client.get("/api/v1/procedures").json()
    assert len(everything) >= 60
    diplomas = client.get("/api/v1/procedures", params={"field": "van bang"}).json()
    assert diplomas and all("bằng" in p["field"].lower() for p in diplomas)
    pilot = client.get("/api/v1/procedures", params={"online_only": True}).json()
    assert pilot and all(p["online_only"] for p in pilot)
    popular = client.get("/api/v1/procedures", params={"popular": True}).json()
    assert popular[0]["slug"] == "ban_sao_van_bang_tu_so_goc"


def test_one_procedure_by_slug_and_code(client: TestClient) -> None:
    by_slug = client.get("/api/v1/procedures/ban_sao_van_bang_tu_so_goc").json()
    by_code = client.get("/api/v1/procedures/3.000465").json()
    assert by_slug["name"] == by_code["name"] == "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"
    assert by_slug["source_list"] and all("title" in s for s in by_slug["source_list"])
    assert client.get("/api/v1/procedures/khong_co").status_code == 404


def test_topics_and_site(client: TestClient) -> None:
    topics = client.get("/api/v1/topics").json()
    assert {"postal_service", "service_levels"} <= {t["slug"] for t in topics}
    assert client.get("/api/v1/topics/postal_service").json()["source_list"]
    assert client.get("/api/v1/site").json()["hotline"]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("ban sao bang tot nghiep c3", "ban_sao_van_bang_tu_so_goc"),
        ("chuyển trg cho con", "chuyen_truong_thpt"),
        ("ho so chuyen trg cho con lop 10 can gi", "chuyen_truong_thpt"),  # the grade does not make it admission
        ("con em thi vao lop 10 nam nay", "tuyen_sinh_lop_10"),
        ("phuc khoa bai thi", "phuc_khao_bai_thi_tot_nghiep_thpt"),
        ("3.000465", "ban_sao_van_bang_tu_so_goc"),
    ],
)
def test_search_resolves_free_text(client: TestClient, query: str, slug: str) -> None:
    body = client.get("/api/v1/search", params={"q": query}).json()
    assert body["procedures"][0]["slug"] == slug
    assert body["status"] in ("match", "ambiguous")


def test_search_without_procedure_words(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "mất bao lâu vậy ạ"}).json()
    assert body["status"] == "none" and body["known_tokens"] == []


def test_search_rejects_empty_and_huge(client: TestClient) -> None:
    assert client.get("/api/v1/search", params={"q": ""}).status_code == 422
    assert client.get("/api/v1/search", params={"q": "a" * 10_001}).status_code == 422
    assert client.get("/api/v1/search", params={"q": "a" * 9_999}).status_code == 200


def test_accent_free_collision_words_read_by_their_neighbours() -> None:
    """Typed without accents, 'thi' beside 'tot nghiep' is the exam; 'thi' closing a clause is 'thì', dropped."""
    from api.catalogue.search import Entry, SearchIndex

    index = SearchIndex(
        "procedure",
        [
            Entry("procedure", "exam", "Đăng ký dự thi tốt nghiệp THPT", ("Đăng ký dự thi tốt nghiệp THPT",)),
            Entry("procedure", "transfer", "Chuyển trường", ("Chuyển trường",)),
        ],
    )
    exam = index.analyse("muon dang ky thi tot nghiep cho chau")
    assert "thi" in exam.known and "thi" in exam.strong  # counts as fully as when typed "thi tốt nghiệp"
    clause = index.analyse("neu chuyen truong giua nam thi co mat hoc ba khong")
    assert "thi" not in clause.tokens and "?thi" not in clause.tokens  # the "thì" of "nếu ... thì"
    accented = index.analyse("nếu chuyển trường giữa năm thì có mất học bạ không")
    assert index.search_query(clause)[0].score == pytest.approx(index.search_query(accented)[0].score, abs=0.02)
