"""kb/ schema and content: every seed procedure present, every fact sourced, no invented details."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

from api.catalogue.loader import Catalogue

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
