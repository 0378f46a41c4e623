"""Read the national TTHC database copy (CSV + parsed detail JSON) and turn one record into kb facts."""

from __future__ import annotations

import csv
import json
import pathlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

SNAPSHOT_DATE = "2026-07-18"
PIPELINE_BLOB = "https://github.com/suzynotsusie/data-pipeline/blob/eb4b789684c8ee6a9fafd7c282211c07a8afd7fd"
NOISE = re.compile(r"^(chưa có quy định cụ thể|không quy định cụ thể|không có thông tin|không quy định)\.?$", re.I)
FEE = re.compile(r"(?:Lệ phí|Phí)\s*:\s*(Không|[\d.]+)?\s*Đồng(?:\s*Xem chi tiết)?", re.I)
DAYS = re.compile(r"(\d+)\s*ngày\s*làm\s*việc", re.I)
CHANNELS = ("in_person", "online", "postal")

# Who meets a procedure: a person (learner, parent, teacher) or an organisation (school, centre, company).
# Rule: the name mentions a person-facing word below and none of the organisation words; exceptions by code.
CITIZEN_WORDS = (
    "học sinh", "sinh viên", "trẻ em", "trẻ mẫu giáo", "người học", "văn bằng", "bằng tốt nghiệp", "bằng cử nhân",
    "bằng tiến sĩ", "bằng thạc sĩ", "chứng chỉ", "dự thi", "tuyển sinh", "xét tuyển", "học bổng", "học phí",
    "chi phí học tập", "phúc khảo", "tốt nghiệp", "chuyển trường", "du học sinh", "đi học", "học tập ở nước ngoài",
    "giáo viên", "nhà giáo", "giáo sư", "kiểm định viên", "kỷ niệm chương", "chiến sĩ thi đua", "bằng khen",
    "dự bị đại học", "cử tuyển", "ăn trưa", "nội trú cho học sinh", "thời gian học", "ngành, nghề học",
)  # fmt: skip
ORGANIZATION_WORDS = ("thành lập", "giải thể", "sáp nhập", "chia, tách", "cho phép trường", "chuyển đổi", "đổi tên")
CITIZEN_EXCEPTIONS = {"6.006711": "một nhà giáo đề nghị cấp đổi, cấp lại hiện vật khen thưởng của mình"}
ORGANIZATION_EXCEPTIONS = {
    "2.002811": "'dạy và học bằng tiếng nước ngoài' là đề án của nhà trường",
    "2.002812": "đề án của nhà trường",
    "2.002813": "đề án của nhà trường",
}


@dataclass(frozen=True)
class NationalRecord:
    """One CSV row of the national database copy and, when the copy has it, its parsed detail page."""

    code: str
    name: str
    issuer: str
    agency: str
    field: str
    url: str
    detail: dict[str, Any] | None


def read_national_db(folder: pathlib.Path) -> dict[str, NationalRecord]:
    """Every row of education_procedures.csv keyed by code, with procedures/<code>.json when present."""
    records: dict[str, NationalRecord] = {}
    with (folder / "education_procedures.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["Mã số"].strip()
            detail_path = folder / "procedures" / f"{code}.json"
            detail = json.loads(detail_path.read_text(encoding="utf-8")) if detail_path.exists() else None
            records[code] = NationalRecord(
                code=code,
                name=row["Tên"].strip(),
                issuer=row["Cơ quan ban hành"].strip(),
                agency=row["Cơ quan thực hiện"].strip(),
                field=row["Lĩnh vực"].strip(),
                url=row["URL"].strip(),
                detail=detail,
            )
    return records


def fold(text: str) -> str:
    """Lower-case ASCII form of Vietnamese text (đ → d), for slugs and keyword rules."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def audience_of(code: str, name: str) -> str:
    """'citizen' when a person (learner, parent, teacher) applies, else 'organization'; see the word lists."""
    if code in CITIZEN_EXCEPTIONS:
        return "citizen"
    if code in ORGANIZATION_EXCEPTIONS:
        return "organization"
    low = name.lower()
    if any(w in low for w in ORGANIZATION_WORDS):
        return "organization"
    return "citizen" if any(w in low for w in CITIZEN_WORDS) else "organization"


def clean(text: str | None) -> str | None:
    """Portal text without HTML breaks, markdown stars, fee fragments and parsing noise; None when empty."""
    if text is None:
        return None
    text = FEE.sub(" ", text.replace("<br>", " ").replace("**", ""))
    text = " ".join(text.split()).strip(" ;")
    return None if not text or NOISE.match(text) else text


def official_name(name: str) -> str:
    """The CSV name without list numbering ('1. ') and with a capital first letter."""
    name = re.sub(r"^\d+\.\s*", "", name.strip())
    return name[:1].upper() + name[1:]


def quantity(doc: dict[str, Any]) -> str | None:
    """'01 bản chính', '01 bản sao' or both, from the parsed counts; None when the copy gives none."""
    parts = []
    for key, label in (("original_count", "bản chính"), ("copy_count", "bản sao")):
        raw = str(doc.get(key) or "0").strip()
        if raw.isdigit() and int(raw) > 0:
            parts.append(f"{int(raw):02d} {label}")
    return ", ".join(parts) or None


def working_days(text: str | None) -> float | None:
    """The number of working days in a time text such as '10 ngày làm việc'; None otherwise."""
    match = DAYS.search(text or "")
    return float(match.group(1)) if match else None


def fees(detail: dict[str, Any]) -> list[str]:
    """Fee fragments in the method descriptions: amounts ('250.000') or 'Không'; empty amounts skipped."""
    found: list[str] = []
    for method in detail["submission"]["methods"]:
        for amount in FEE.findall(method.get("description") or ""):
            if amount and amount not in found:
                found.append(amount)
        if method.get("fee_text") and method["fee_text"] not in found:
            found.append(str(method["fee_text"]))
    return found


def agency_text(record: NationalRecord) -> tuple[str | None, str | None]:
    """Who handles it now (school, UBND cấp xã, Sở), and a note when the copy shows a local version."""
    names = [a.strip() for a in record.agency.split(";") if a.strip()]
    if not names and record.detail:
        names = [a.strip() for a in record.detail["procedure"]["authorities"] if a and a.strip()]
    note = None
    if any("Hà Nội" in n for n in names):
        note = "Bản chụp CSDL ghi phiên bản của Sở GD&ĐT Thành phố Hà Nội; ở tỉnh khác là Sở GD&ĐT của tỉnh."
        names = [
            n.replace(" Thành phố Hà Nội", "").replace("Sở Giáo dục và Đào tạo Cơ sở", "Sở Giáo dục và Đào tạo, cơ sở")
            for n in names
        ]
    names = ["Cơ sở giáo dục (nhà trường)" if n == "Cơ sở giáo dục" else n for n in names]
    unique = list(dict.fromkeys(names))
    if not unique:
        return None, "Bản chụp CSDL không ghi cơ quan thực hiện."
    return "; ".join(unique), note


COUNTERS = (  # (level, what each implementing agency's name starts with), for counter_of
    ("province", ("Sở Giáo dục", "Ủy ban nhân dân cấp tỉnh")),
    ("commune", ("Ủy ban nhân dân cấp xã",)),
    ("ministry", ("Bộ ", "Bộ trưởng", "Cục ")),
    ("institution", ("Cơ sở giáo dục", "Trường", "Trung tâm")),
)


def counter_of(record: NationalRecord) -> str | None:
    """The one level every implementing agency of the record is at (province, commune, institution, ministry)."""
    names = [a.strip() for a in record.agency.split(";") if a.strip()]
    levels = {next((lvl for lvl, starts in COUNTERS if n.startswith(starts)), None) for n in names}
    return levels.pop() if len(levels) == 1 else None


def slug_for(name: str, taken: set[str]) -> str:
    """A short ASCII slug from the name (first words, no parentheses), unique among `taken`."""
    words = re.sub(r"[^a-z0-9 ]", " ", fold(re.sub(r"\(.*?\)", " ", official_name(name)))).split()
    words = words[2:] if words[:2] == ["thu", "tuc"] else words
    base = ""
    for word in words:
        if base and len(base) + len(word) + 1 > 50:
            break
        base = f"{base}_{word}" if base else word
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug
