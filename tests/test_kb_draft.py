"""The kb draft command on real records of the national TTHC database copy (../shared/reference/national_db)."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

from api.catalogue.draft import draft, main, merge, source_id
from api.catalogue.national import NationalRecord, audience_of, clean, read_national_db
from api.catalogue.schema import Procedure

ROOT = pathlib.Path(__file__).resolve().parent.parent
NATIONAL = ROOT.parent / "shared" / "reference" / "national_db"
pytestmark = pytest.mark.skipif(not NATIONAL.exists(), reason="../shared is not beside this clone")


@pytest.fixture(scope="module")
def records() -> dict[str, NationalRecord]:
    return read_national_db(NATIONAL)


def drafted(records: dict[str, NationalRecord], code: str) -> dict[str, Any]:
    result = draft(records[code], "NDB_TEST", "test_slug")
    Procedure.model_validate(result)  # the draft is valid kb data as it stands
    return result


def test_readmission_record_gives_documents_time_channels_and_basis(records: dict[str, NationalRecord]) -> None:
    proc = drafted(records, "2.002857")
    assert proc["name"] == "Tiếp nhận học sinh xin học lại"
    assert proc["agency"]["value"] == "Cơ sở giáo dục (nhà trường)"
    [doc] = proc["documents"]["items"]
    assert doc["item"].startswith("Đơn xin học lại") and doc["quantity"] == "01 bản chính"
    assert proc["processing_time"]["working_days"] == 8
    assert {p["channel"] for p in proc["processing_time"]["per_channel"]} == {"in_person", "online", "postal"}
    assert proc["channels"]["online"] and proc["channels"]["postal_submit"]
    assert any("15/2026/TT-BGDĐT" in d["doc"] for d in proc["legal_basis"]["current"])
    assert "KQ.G03.000500" in proc["result"]["value"]
    assert proc["fee"]["kind"] == "unknown" and not proc["verified"], "no fee in the copy, so not verified"


def test_fee_amounts_are_read_from_the_descriptions_without_noise(records: dict[str, NationalRecord]) -> None:
    proc = drafted(records, "1.004889")
    assert proc["fee"]["kind"] == "amount" and proc["fee"]["amount_vnd"] is None
    assert "250.000 đồng" in proc["fee"]["value"] and "500.000 đồng" in proc["fee"]["value"]
    time = proc["processing_time"]
    assert "Phí:" not in (time["note"] or "") + "".join(p.get("note") or "" for p in time["per_channel"])
    assert proc["verified"] and proc["confidence"] == "low", "documents, time and fee are all in the copy; not yet reviewed"


def test_free_procedure_with_clear_time_is_verified(records: dict[str, NationalRecord]) -> None:
    proc = drafted(records, "2.001959")
    assert proc["fee"]["kind"] == "free"
    assert proc["processing_time"]["working_days"] == 3
    assert proc["verified"]


def test_csv_only_record_is_unverified_and_points_to_the_portal(records: dict[str, NationalRecord]) -> None:
    record = records["5.003854"]
    assert record.detail is None
    proc = drafted(records, "5.003854")
    assert proc["documents"] is None and proc["processing_time"] is None and not proc["verified"]
    assert record.url in proc["notes"][0]["value"]
    assert proc["audience"] == "citizen" and proc["agency"]["value"] == "Bộ Giáo dục và Đào tạo"


def test_parsing_noise_becomes_null() -> None:
    assert clean("Chưa có quy định cụ thể.") is None
    assert clean("  <br> ") is None
    assert clean("Phí: ĐồngXem chi tiết Trường hợp cần xác minh") == "Trường hợp cần xác minh"


def test_audience_rule_and_its_exceptions() -> None:
    assert audience_of("1.005095", "Phúc khảo bài thi tốt nghiệp trung học phổ thông") == "citizen"
    assert audience_of("1.012944", "Thành lập hoặc cho phép thành lập trường trung học phổ thông") == "organization"
    assert audience_of("2.002811", "Phê duyệt Đề án dạy và học bằng tiếng nước ngoài") == "organization"
    assert audience_of("6.006711", "Thủ tục đề nghị cấp đổi, cấp lại hiện vật khen thưởng") == "citizen"


def test_merge_keeps_what_people_curated(records: dict[str, NationalRecord]) -> None:
    fresh = draft(records["1.012944"], "NDB_1_012944", "thanh_lap_truong_thpt")
    history = [{"level": "mức độ 3", "where": "Phú Yên", "sources": ["S_PY2016"]}]
    stub = {
        "slug": "thanh_lap_truong_thpt", "name": "Thành lập trường THPT (tên cũ)", "aliases": ["mở trường cấp 3"],
        "seen_in": ["phu_yen_2016"], "verified": False, "online_level": {"value": None, "history": history},
        "notes": [{"value": "Chi tiết chưa được đối chiếu.", "sources": ["S_PY2016"]}],
    }  # fmt: skip
    merged = merge(stub, fresh)
    assert merged["aliases"] == ["mở trường cấp 3"] and merged["seen_in"] == ["phu_yen_2016"]
    assert merged["former_names"] == ["Thành lập trường THPT (tên cũ)"] and merged["code"] == "1.012944"
    assert merged["online_level"]["history"] and all("chưa được đối chiếu" not in n["value"] for n in merged["notes"])
    detailed = draft(records["2.002857"], "N07", "xin_hoc_lai")
    documents = {"items": [], "summary": "giữ nguyên", "sources": ["N07"]}
    reviewed = {"slug": "xin_hoc_lai", "verified": True, "confidence": "medium", "steps": [], "documents": documents}
    kept = merge(reviewed, detailed)
    assert kept["documents"] == documents and kept["steps"], "a reviewed file (confidence medium/high) only gets gaps filled"
    redrafted = merge({**reviewed, "confidence": "low"}, detailed)
    assert redrafted["documents"] == detailed["documents"], "an unreviewed draft follows the copy"


def test_existing_registry_ids_are_reused() -> None:
    sources = {"N07": {"kind": "national_db", "title": "CSDL TTHC quốc gia – 2.002857 Tiếp nhận học sinh xin học lại"}}
    assert source_id("2.002857", sources) == "N07"
    assert source_id("1.001622", sources) == "NDB_1_001622"


def test_command_writes_a_valid_draft_and_asks_for_review(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "draft.yaml"
    assert main(["1.001622", "--national-db", str(NATIONAL), "--kb", str(ROOT / "kb"), "--out", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    proc = Procedure.model_validate(data)
    assert proc.code == "1.001622" and proc.documents is not None and proc.documents.items
    assert "NDB_1_001622" in proc.code_sources
    assert "đối chiếu trước khi commit" in capsys.readouterr().err
    assert main(["9.999999", "--national-db", str(NATIONAL)]) == 1


def test_a_redraft_of_a_catalogued_code_lands_on_its_own_file() -> None:
    from api.catalogue.draft import existing_slug
    from api.settings import get_settings

    assert existing_slug(get_settings().kb_dir, "2.002857") == "xin_hoc_lai"
    assert existing_slug(get_settings().kb_dir, "9.999999") is None
