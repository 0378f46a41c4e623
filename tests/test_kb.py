"""kb/ schema and content: every seed procedure present, every fact sourced, no invented details."""

from __future__ import annotations

import pathlib
import re
import shutil
from typing import Any

import pytest
import yaml

from api.catalogue.loader import Catalogue, CatalogueError, read_catalogue
from api.catalogue.national import NationalRecord, audience_of, read_national_db
from api.catalogue.schema import Procedure

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_FILES = {
    "phu_yen_2016": "seeds/000_626a116de3669907.txt",
    "quang_tri_2021": "seeds/002_23dfc1329262e03c.txt",
}
REFERENCE_IDS = [
    "ban_sao_van_bang_tu_so_goc", "chinh_sua_noi_dung_van_bang", "chuyen_truong_thpt", "xin_hoc_lai",
    "dang_ky_du_thi_tot_nghiep_thpt", "phuc_khao_bai_thi_tot_nghiep_thpt", "dac_cach_tot_nghiep_thpt",
    "cong_nhan_van_bang_pho_thong_nuoc_ngoai", "ho_tro_chi_phi_hoc_tap_mien_giam_hoc_phi",
    "ho_tro_tien_an_nha_o_hoc_sinh_ban_tru", "tuyen_sinh_lop_10", "tu_van_du_hoc", "day_them_hoc_them",
    "trung_tam_ngoai_ngu_tin_hoc", "giao_duc_ky_nang_song", "cong_nhan_truong_dat_chuan_quoc_gia",
    "kiem_dinh_chat_luong_truong_trung_hoc", "xet_cong_nhan_tot_nghiep_thpt", "cap_lai_van_bang",
    "tiep_nhan_hoc_sinh_tu_nuoc_ngoai",
]  # fmt: skip
TOPICS = [
    "service_levels", "postal_service", "vneid_account", "submit_online_steps", "pay_fees_online",
    "legal_changes_2025_2026", "tuition_fee_policy", "digital_diplomas", "dossier_code_and_rating",
    "local_government_two_levels",
]  # fmt: skip


def squash(text: str) -> str:
    """Collapse whitespace and markdown emphasis so plan names can be found in the seed text."""
    return " ".join(text.replace("*", "").split()).lower()


def test_seed_lists_complete(catalogue: Catalogue) -> None:
    for list_id in ("phu_yen_2016", "quang_tri_2021", "hai_phong_online_only"):
        seed = catalogue.seed_lists[list_id]
        assert len(seed.entries) == seed.expected_count, list_id
    assert catalogue.seed_lists["phu_yen_2016"].expected_count == 45
    assert catalogue.seed_lists["quang_tri_2021"].expected_count == 61


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this clone")
@pytest.mark.parametrize("list_id", sorted(SEED_FILES))
def test_seed_names_come_from_the_plans(catalogue: Catalogue, list_id: str) -> None:
    text = squash((SHARED / SEED_FILES[list_id]).read_text(encoding="utf-8"))
    missing = [e.name_in_plan for e in catalogue.seed_lists[list_id].entries if squash(e.name_in_plan) not in text]
    assert not missing, missing[:5]


def test_reference_procedures_and_topics_present(catalogue: Catalogue) -> None:
    assert set(REFERENCE_IDS) <= set(catalogue.procedures)
    assert set(TOPICS) <= set(catalogue.topics)


def test_an_unknown_fee_states_the_fact_and_leaves_the_advice_to_the_reply(catalogue: Catalogue) -> None:
    """The reply already says where to look (utter_answer_fee_unknown): a note that says it too is read twice."""
    for slug, proc in catalogue.procedures.items():
        if proc.fee.kind == "unknown":
            assert "xem trang" not in (proc.fee.note or "").lower(), slug


def test_online_only_pilot_flags_match_the_pilot_list(catalogue: Catalogue) -> None:
    pilot = {e.slug for e in catalogue.seed_lists["hai_phong_online_only"].entries}
    flagged = {slug for slug, p in catalogue.procedures.items() if p.online_only_pilot.value}
    assert pilot == flagged


def test_unsourced_procedures_are_marked_unverified(catalogue: Catalogue) -> None:
    for slug, proc in catalogue.procedures.items():
        if proc.documents is None and proc.processing_time is None:
            assert not proc.verified, f"{slug} has no documents or time but claims verified"


def test_every_source_is_locatable(catalogue: Catalogue) -> None:
    for sid, source in catalogue.sources.items():
        assert source.url or source.document, sid
        if source.url:
            assert re.match(r"https?://", source.url), sid


def test_every_procedure_has_aliases_people_type(catalogue: Catalogue) -> None:
    for slug in REFERENCE_IDS:
        assert len(catalogue.procedures[slug].aliases) >= 3, slug


def test_kb_files_are_plain_utf8_yaml() -> None:
    for path in (ROOT / "kb").rglob("*.yaml"):
        raw = path.read_text(encoding="utf-8")
        assert "\\u" not in raw, f"{path}: escaped unicode; write the characters"
        yaml.safe_load(raw)


# --- The catalogue against the national TTHC database copy ---------------------------------------------------
# Citizen or organisation: api.catalogue.national.audience_of (person-facing words in the name, organisation words
# such as "thành lập", "giải thể", "sáp nhập" win; exceptions listed there by code). Pinned here as well:
CITIZEN_CODES = {
    "3.000465", "3.000466", "2.002854", "2.002855", "2.002856", "2.002857", "1.005142", "1.005095", "1.005098",
    "1.013338", "1.004889", "1.000915", "3.000181", "3.000182", "1.005090", "1.014336", "1.014334", "1.014337",
    "1.014333", "1.014335", "1.001622", "1.001714", "2.002770", "2.002771", "1.008950", "1.003702", "1.002982",
    "5.003854", "6.006711",
}  # fmt: skip
ORGANIZATION_CODES = {"1.012944", "1.000691", "2.002811", "2.002812", "2.002813", "6.006687", "6.006712", "5.003846"}
NATIONAL = SHARED / "reference" / "national_db"
Records = dict[str, NationalRecord]
needs_national = pytest.mark.skipif(not NATIONAL.exists(), reason="../shared is not beside this clone")


@pytest.fixture(scope="module")
def national() -> Records:
    return read_national_db(NATIONAL)


def by_code(catalogue: Catalogue) -> dict[str, Procedure]:
    return {p.code: p for p in catalogue.procedures.values() if p.code}


@needs_national
def test_every_national_procedure_has_a_file_with_the_right_audience(catalogue: Catalogue, national: Records) -> None:
    files = by_code(catalogue)
    assert not set(national) - set(files), sorted(set(national) - set(files))[:5]
    for code, record in national.items():
        assert files[code].audience == audience_of(code, record.name), code
    assert {c for c in national if audience_of(c, national[c].name) == "citizen"} >= CITIZEN_CODES
    assert all(audience_of(c, national[c].name) == "organization" for c in ORGANIZATION_CODES)


def unsourced(data: Any, trail: str = "") -> list[str]:
    """Paths of facts (value / item / doc) that carry no source."""
    found = []
    if isinstance(data, dict):
        if "sources" in data and any(isinstance(data.get(k), str) for k in ("value", "item", "doc")) and not data["sources"]:
            found.append(trail)
        for key, value in data.items():
            if key != "per_channel":  # per-channel times share their parent's sources
                found += unsourced(value, f"{trail}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += unsourced(value, f"{trail}[{i}]")
    return found


@needs_national
def test_detailed_records_give_documents_time_fee_agency_and_basis(catalogue: Catalogue, national: Records) -> None:
    files = by_code(catalogue)
    detailed = [code for code, record in national.items() if record.detail is not None]
    assert len(detailed) >= 90
    for code in detailed:
        proc = files[code]
        assert proc.documents is not None and (proc.documents.items or proc.documents.summary or proc.documents.note), code
        assert proc.processing_time is not None and (proc.processing_time.value or proc.processing_time.note), code
        assert proc.fee.sources or proc.fee.note, code
        assert proc.agency.value and proc.agency.sources, code
        assert proc.legal_basis.current or proc.legal_basis.note, code
        assert any(s.startswith(("N", "NDB_")) and s != "N00" for s in proc.code_sources), code
        assert not unsourced(proc.model_dump()), (code, unsourced(proc.model_dump())[:3])


@needs_national
def test_csv_only_records_are_unverified_and_point_to_the_portal(catalogue: Catalogue, national: Records) -> None:
    files = by_code(catalogue)
    for code, record in national.items():
        if record.detail is None and files[code].documents is None:
            assert not files[code].verified, code
            assert files[code].online_url == record.url, code


def test_every_seed_line_maps_and_old_names_are_kept(catalogue: Catalogue) -> None:
    for seed in catalogue.seed_lists.values():
        for entry in seed.entries:
            proc = catalogue.procedures[entry.slug]
            assert proc.status == "current" or proc.status_note is not None, entry.slug
    plan_task = "Đẩy mạnh xã hội hoá đào tạo các cấp học trên mạng và ứng dụng CNTT trong dạy và học, sách giáo khoa điện tử"
    [entry] = [e for e in catalogue.seed_lists["phu_yen_2016"].entries if e.name_in_plan == plan_task]
    assert catalogue.procedures[entry.slug].status == "not_a_procedure"
    pho_cap = catalogue.procedures["cong_nhan_dat_chuan_pho_cap_giao_duc_xoa_mu_chu"]
    assert pho_cap.status == "merged" and "Công nhận huyện đạt chuẩn phổ cập giáo dục, xóa mù chữ" in [
        pho_cap.name,
        *pho_cap.former_names,
    ]


def test_withdrawn_entries_are_never_offered_as_current(catalogue: Catalogue) -> None:
    for slug, proc in catalogue.procedures.items():
        if proc.status == "not_a_procedure":
            assert proc.audience == "organization" and not proc.verified, slug
        if proc.status == "merged":
            assert proc.successor and catalogue.procedures[proc.successor].status == "current", slug
        if proc.status != "current":
            assert proc.status_note is not None and proc.status_note.sources, slug


def test_citizen_procedures_people_ask_about_have_aliases(catalogue: Catalogue) -> None:
    wanted = {
        "bằng c3": "ban_sao_van_bang_tu_so_goc", "xin học lại": "xin_hoc_lai",
        "miễn học phí": "ho_tro_chi_phi_hoc_tap_mien_giam_hoc_phi", "hỗ trợ tiền ăn trưa cho trẻ": "ho_tro_an_trua_tre_mau_giao",
        "học bổng khuyết tật": "hoc_bong_ho_tro_nguoi_khuyet_tat", "chuyển trường": "chuyen_truong_thpt",
    }  # fmt: skip
    for alias, slug in wanted.items():
        assert alias in catalogue.procedures[slug].aliases, (alias, slug)
    for slug, proc in catalogue.procedures.items():
        if proc.audience == "citizen" and proc.status == "current" and proc.code:
            assert proc.aliases, slug


def test_status_rules_are_enforced_by_the_schema(catalogue: Catalogue) -> None:
    base = catalogue.procedures["day_manh_xa_hoi_hoa_dao_tao_tren_mang"].model_dump()
    with pytest.raises(ValueError, match="successor"):
        Procedure.model_validate({**base, "status": "merged", "successor": None})
    with pytest.raises(ValueError, match="never verified nor offered"):
        Procedure.model_validate({**base, "audience": "citizen"})
    with pytest.raises(ValueError, match="status_note"):
        Procedure.model_validate({**base, "status_note": None})


def test_unknown_successor_names_the_file(tmp_path: pathlib.Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb)
    path = kb / "procedures" / "sap_nhap_giai_the_trung_tam_gdtx.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^successor: .*$", "successor: khong_co_thu_tuc_nay", text), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"sap_nhap_giai_the_trung_tam_gdtx\.yaml.*khong_co_thu_tuc_nay"):
        read_catalogue(kb, ROOT / "site.yaml")
