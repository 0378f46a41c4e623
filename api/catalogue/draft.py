"""Draft kb/ procedure files from the national TTHC database copy; a person reviews every draft before commit.

`python -m api.cli draft-kb <code>` prints one draft; `--all --write` refreshes kb/procedures/ and
kb/sources/national_db.yaml from the copy, keeping what people curated (slugs, aliases, old names, history).
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import re
import sys
from typing import Any

import yaml

from api.catalogue.national import (
    PIPELINE_BLOB,
    SNAPSHOT_DATE,
    NationalRecord,
    agency_text,
    audience_of,
    clean,
    counter_of,
    fees,
    official_name,
    quantity,
    read_national_db,
    slug_for,
    working_days,
)
from api.catalogue.schema import Procedure
from api.settings import get_settings

CSV_SOURCE = "N00"
SOURCES_FILE = "sources/national_db.yaml"
# Curated keys a refresh never overwrites in an existing file.
KEEP = ("slug", "former_codes", "former_names", "aliases", "priority", "seen_in", "online_only_pilot", "status",
        "successor", "status_note", "related")  # fmt: skip
# Keys a refresh may fill in a reviewed (verified) file when they are still empty.
FILL = ("code", "code_sources", "who_may_request", "conditions", "processing_time", "steps", "result", "online_url")
# Details a refresh keeps from an existing file when the copy has no detail page for the procedure.
DETAIL = ("who_may_request", "conditions", "documents", "processing_time", "fee", "channels", "result", "legal_basis")
TABLE_HEADER = "Tên giấy tờ Mẫu đơn, tờ khai Số lượng"  # the portal's table header, parsed into some document names
BULLET = re.compile(r"[\w\d]{1,3}[.)]?")  # a step that is only its list number ("1.", "a)")
STALE = re.compile(r"chưa (đọc|được đối chiếu|có hồ sơ)", re.I)
REMINDER = "Bản nháp từ bản chụp CSDL quốc gia: một người phải đối chiếu trước khi commit (git diff kb/)."


def source_id(code: str, sources: dict[str, Any]) -> str:
    """The registry ID of a procedure's national-DB page: an existing N* entry naming the code, else NDB_<code>."""
    for sid, entry in sources.items():
        if not re.fullmatch(r"N\d+", str(sid)):  # only the curated registry's N* entries; other helpers' IDs may move
            continue
        if (entry or {}).get("kind") == "national_db" and re.search(rf"– {re.escape(code)} ", entry.get("title", "")):
            return str(sid)
    return "NDB_" + code.replace(".", "_")


def source_entry(record: NationalRecord) -> dict[str, Any]:
    """The registry entry for one procedure of the copy, citing its portal URL and the scrape it came from."""
    where = (
        "bảng CSV main/full-data.csv" if record.detail is None else f"trang chi tiết raw_data/{record.code.replace('.', '_')}/"
    )
    return {
        "title": f"CSDL TTHC quốc gia – {record.code} {official_name(record.name)}",
        "url": record.url,
        "document": None,
        "date": "bản chụp 18/7/2026",
        "kind": "national_db",
        "note": f"Bản sao CSDL thủ tục hành chính quốc gia (dichvucong.gov.vn), đọc qua bản lưu GitHub "
        f"suzynotsusie/data-pipeline ({where}): {PIPELINE_BLOB}. Ngày là ngày chụp, không phải ngày trang.",
    }


def _fact(value: str | None, src: list[str], note: str | None = None) -> dict[str, Any] | None:
    if value is None and note is None:
        return None
    return {"value": value, "sources": src if value is not None else [], "note": note}


def _documents(detail: dict[str, Any], src: list[str]) -> dict[str, Any]:
    items = []
    for kind in ("required", "conditional"):
        for doc in detail["documents"][kind]:
            name = clean(doc.get("name"))
            if name is None:
                continue
            group = doc.get("group_name") or "default"
            note = None if group == "default" else clean(group)
            heading, _, rest = name.partition(TABLE_HEADER)
            if rest.strip():  # a table header parsed into the name: the words before it head a group
                name, note = rest.strip(), note or clean(heading)
            if kind == "conditional" or doc.get("conditions"):
                note = note or "Nộp khi thuộc trường hợp nêu trong tên giấy tờ."
            entry = {"item": name, "quantity": quantity(doc), "note": note, "sources": src}
            if entry not in items:
                items.append(entry)
    notes = [n for n in (clean(str(x)) for x in detail["documents"].get("notes", [])) if n]
    note = " ".join(notes) or (
        None if items else "Bản chụp CSDL không ghi danh mục hồ sơ (ghi 'Chưa có quy định cụ thể' hoặc để trống)."
    )
    return {"items": items, "summary": None, "older_regime": [], "sources": src, "note": note}


def _processing_time(detail: dict[str, Any], src: list[str]) -> dict[str, Any] | None:
    per_channel = []
    for method in detail["submission"]["methods"]:
        text = clean(method.get("processing_time_text"))
        per_channel.append(
            {
                "channel": method["channel"],
                "value": text,
                "working_days": working_days(text),
                "note": clean(method.get("description")),
            }
        )
    notes = {p["note"] for p in per_channel}
    shared_note = notes.pop() if len(notes) == 1 else None
    if shared_note:
        per_channel = [{**p, "note": None} for p in per_channel]
    values = list(dict.fromkeys(p["value"] for p in per_channel if p["value"]))
    per_channel = per_channel if values else []
    if not values:
        missing = "Bản chụp CSDL không ghi thời hạn giải quyết bằng số."
        note = f"{missing} CSDL ghi: {shared_note}" if shared_note else missing
        return {"value": None, "working_days": None, "sources": [], "per_channel": per_channel, "note": note}
    value = values[0] if len(values) == 1 else "; ".join(f"{p['channel']}: {p['value']}" for p in per_channel if p["value"])
    days = {p["working_days"] for p in per_channel if p["working_days"] is not None}
    working = days.pop() if len(days) == 1 else None
    return {"value": value, "working_days": working, "sources": src, "per_channel": per_channel, "note": shared_note}


def _fee(detail: dict[str, Any], src: list[str]) -> dict[str, Any]:
    found = fees(detail)
    if found == ["Không"]:
        return {"kind": "free", "value": "Không thu phí, lệ phí", "sources": src, "note": None}
    amounts = [int(a.replace(".", "")) for a in found if a.replace(".", "").isdigit()]
    if amounts:
        value = "; ".join(f"{a:,}".replace(",", ".") + " đồng" for a in amounts)
        note = None if len(amounts) == 1 else "CSDL ghi nhiều mức mà không nói mức nào áp dụng cho trường hợp nào."
        return {
            "kind": "amount",
            "amount_vnd": amounts[0] if len(amounts) == 1 else None,
            "value": value,
            "sources": src,
            "note": note,
        }
    return {
        "kind": "unknown",
        "sources": [],
        "note": "Bản chụp CSDL quốc gia không ghi phí, lệ phí cho thủ tục này.",  # the reply adds where to look
    }


def draft(record: NationalRecord, sid: str, slug: str) -> dict[str, Any]:
    """A kb procedure (as a plain mapping in the kb schema) drafted from one record of the copy."""
    src = [sid]
    agency, agency_note = agency_text(record)
    proc: dict[str, Any] = {
        "slug": slug,
        "code": record.code,
        "code_sources": [CSV_SOURCE, sid],
        "former_codes": [],
        "name": official_name(record.name),
        "name_sources": [CSV_SOURCE, sid],
        "former_names": [],
        "aliases": [],
        "audience": audience_of(record.code, record.name),
        "status": "current",
        "priority": None,
        "field": _fact(record.field or None, [CSV_SOURCE, sid], None if record.field else "Bản chụp CSDL không ghi lĩnh vực."),
        "agency": _fact(agency, [CSV_SOURCE, sid], agency_note),
        "counter": {"value": counter, "sources": [CSV_SOURCE]} if (counter := counter_of(record)) else None,
    }
    detail = record.detail
    if detail is None:
        proc.update(
            documents=None,
            processing_time=None,
            fee={"kind": "unknown", "note": "Bản chụp CSDL quốc gia không có trang chi tiết của thủ tục này."},
        )
        proc["notes"] = [
            {"value": "Bản chụp CSDL quốc gia (7/2026) chỉ có tên, mã, cơ quan thực hiện và lĩnh vực của thủ tục này, "
             f"chưa có hồ sơ, thời hạn, phí. Chi tiết xem trang thủ tục trên Cổng DVC quốc gia: {record.url}", "sources": src}
        ]  # fmt: skip
    else:
        users = [u for u in detail["procedure"].get("target_users") or [] if u]
        conditions = [c for c in (clean(c) for c in detail["eligibility"].get("conditions") or []) if c]
        channels = detail["submission"].get("channels") or []
        results = [clean(r.get("name")) for r in detail["results"].get("items") or []]
        codes = [r.get("result_code") for r in detail["results"].get("items") or [] if r.get("result_code")]
        proc.update(
            who_may_request=_fact("; ".join(users) or None, src),
            conditions=_fact(" ".join(conditions) or None, src),
            documents=_documents(detail, src),
            processing_time=_processing_time(detail, src),
            fee=_fee(detail, src),
            channels={ch: ch in channels for ch in ("in_person", "online")}
            | {"postal_submit": "postal" in channels, "postal_result": None, "sources": src, "note": None},
            steps=[
                {"value": t, "sources": src}
                for t in (clean(s.get("content")) for s in detail["process"]["steps"])
                if t and not BULLET.fullmatch(t)
            ],
            result=_fact(
                "; ".join(r for r in results if r) + (f" (mã kết quả {', '.join(codes)})" if codes else "") or None, src
            ),
            legal_basis={
                "current": [
                    {"doc": f"{item.get('code') or ''} – {item.get('title') or ''}".strip(" –"), "sources": src}
                    for item in detail["legal_basis"].get("items") or []
                ],
                "superseded": [],
            },
        )
    if detail is not None and not proc["legal_basis"]["current"]:
        proc["legal_basis"]["note"] = (
            "Bản chụp CSDL không ghi căn cứ pháp lý của thủ tục này; xem trang thủ tục trên Cổng DVC quốc gia."
        )
    proc.update(online_url=record.url or None, notes=proc.get("notes", []), seen_in=[])
    docs, time, fee = proc.get("documents"), proc.get("processing_time"), proc["fee"]
    proc["verified"] = bool(docs and docs["items"] and time and time["value"] and fee["kind"] != "unknown")
    proc["checked_on"] = dt.date.fromisoformat(SNAPSHOT_DATE)
    proc["confidence"] = "low"  # a reviewer raises it; medium/high marks a reviewed file that refreshes only fill
    return {k: v for k, v in proc.items() if v is not None or k in ("documents", "processing_time", "result")}


def merge(existing: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """Bring an existing file up to the record; reviewed files (verified, confidence medium/high) only get gaps filled."""
    if existing.get("verified") and existing.get("confidence") in ("medium", "high"):
        merged = dict(existing)
        for key in FILL:
            if not merged.get(key) and fresh.get(key):
                merged[key] = fresh[key]
        if not (merged.get("legal_basis") or {}).get("current") and fresh.get("legal_basis"):
            old_basis = merged.get("legal_basis") or {}
            merged["legal_basis"] = {**fresh["legal_basis"], "superseded": old_basis.get("superseded", [])}
        if merged.get("processing_time") and fresh.get("processing_time") and not merged["processing_time"].get("per_channel"):
            merged["processing_time"] = {**merged["processing_time"], "per_channel": fresh["processing_time"]["per_channel"]}
        return merged
    merged = dict(fresh)
    for key in KEEP:
        if key in existing:
            merged[key] = existing[key]
    for key in ("field", "agency", "counter"):  # the copy leaves them blank for some rows: keep what another source said
        if not (fresh.get(key) or {}).get("value") and (existing.get(key) or {}).get("value"):
            merged[key] = existing[key]
    if fresh.get("documents") is None:  # the copy has no detail page: keep details sourced elsewhere
        for key in DETAIL:
            if existing.get(key) and (key != "fee" or existing[key].get("kind") != "unknown"):
                merged[key] = existing[key]
    old_name = existing.get("name")
    if old_name and old_name != fresh["name"] and old_name not in merged.get("former_names", []):
        merged["former_names"] = [*merged.get("former_names", []), old_name]
    history = (existing.get("online_level") or {}).get("history") or []
    if history:
        merged["online_level"] = {"value": None, "note": None, "history": history}
    elif "online_level" in existing:
        merged["online_level"] = existing["online_level"]
    kept_notes = [n for n in existing.get("notes", []) if not STALE.search(n.get("value") or "")]
    merged["notes"] = [*merged.get("notes", []), *[n for n in kept_notes if n not in merged.get("notes", [])]]
    return merged


class _Dumper(yaml.SafeDumper):
    """YAML like the hand-written files: source-ID lists inline, long lines kept whole, no key sorting."""

    def ignore_aliases(self, data: Any) -> bool:
        """Write repeated lists in full, never as &anchors."""
        return True


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    ids = bool(data) and all(isinstance(x, str) and re.fullmatch(r"[A-Za-z0-9_]+", x) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=ids)


_Dumper.add_representer(list, _list)


def _tidy(data: Any) -> Any:
    """Drop empty `note` keys and write whole numbers of days as integers."""
    if isinstance(data, dict):
        return {k: _tidy(v) for k, v in data.items() if not (k == "note" and v is None)}
    if isinstance(data, list):
        return [_tidy(v) for v in data]
    return int(data) if isinstance(data, float) and data.is_integer() else data


def to_yaml(data: Any) -> str:
    """Dump in the kb/ house style (UTF-8 characters, no escapes); procedure keys in schema order."""
    if isinstance(data, dict) and "slug" in data and "checked_on" in data:
        order = list(Procedure.model_fields)
        data = dict(sorted(data.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return yaml.dump(_tidy(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000)


def refresh_all(kb_dir: pathlib.Path, records: dict[str, NationalRecord], slugs: dict[str, str] | None = None) -> list[str]:
    """Write a file for every record (merged into the file that has its code) and the source registry."""
    sources = _all_sources(kb_dir)
    by_code: dict[str, pathlib.Path] = {}
    for path in sorted((kb_dir / "procedures").glob("*.yaml")):
        code = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("code")
        if code:
            by_code.setdefault(str(code), path)
    taken = {p.stem for p in (kb_dir / "procedures").glob("*.yaml")}
    registry_path = kb_dir / SOURCES_FILE
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8")) if registry_path.exists() else {}
    written = []
    for code, record in records.items():
        sid = source_id(code, {k: v for k, v in sources.items() if k not in registry} | registry)
        if sid.startswith("NDB_"):
            registry[sid] = source_entry(record)
        existing_path = by_code.get(code)
        slug = existing_path.stem if existing_path else (slugs or {}).get(code) or slug_for(record.name, taken)
        taken.add(slug)
        fresh = draft(record, sid, slug)
        data = merge(yaml.safe_load(existing_path.read_text(encoding="utf-8")), fresh) if existing_path else fresh
        (kb_dir / "procedures" / f"{slug}.yaml").write_text(to_yaml(data), encoding="utf-8")
        written.append(slug)
    header = "# National TTHC database copy (bản chụp 18/7/2026), one entry per procedure: `draft-kb --all --write`.\n"
    registry_path.parent.mkdir(exist_ok=True)
    registry_path.write_text(header + to_yaml(dict(sorted(registry.items()))), encoding="utf-8")
    return written


def existing_slug(kb_dir: pathlib.Path, code: str) -> str | None:
    """The slug of the kb file that already holds this code, so a redraft lands on the same file."""
    for path in sorted((kb_dir / "procedures").glob("*.yaml")):
        if (
            code in path.read_text(encoding="utf-8")
            and str((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("code")) == code
        ):
            return path.stem
    return None


def _all_sources(kb_dir: pathlib.Path) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    for path in [kb_dir / "sources.yaml", *sorted((kb_dir / "sources").glob("*.yaml"))]:
        if path.exists():
            sources.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return sources


def main(argv: list[str] | None = None) -> int:
    """`draft-kb <code>` prints one draft (or writes --out); `draft-kb --all --write` refreshes kb/."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m api.cli draft-kb", description=__doc__)
    parser.add_argument("code", nargs="?", help="mã TTHC, e.g. 1.005095")
    parser.add_argument("--national-db", type=pathlib.Path, default=settings.national_db_dir)
    parser.add_argument("--kb", type=pathlib.Path, default=settings.kb_dir)
    parser.add_argument("--slug", help="file name for a new procedure (default: from the name)")
    parser.add_argument("--out", type=pathlib.Path, help="write here instead of stdout")
    parser.add_argument("--all", action="store_true", help="every record of the copy")
    parser.add_argument("--write", action="store_true", help="with --all: write kb/procedures and kb/sources/national_db.yaml")
    args = parser.parse_args(argv)
    try:
        records = read_national_db(args.national_db)
    except OSError as exc:
        print(f"cannot read the national database copy in {args.national_db}: {exc}", file=sys.stderr)
        return 1
    if args.all:
        if not args.write:
            print("--all rewrites kb/ files: add --write to confirm", file=sys.stderr)
            return 2
        written = refresh_all(args.kb, records)
        print(f"{len(written)} procedure files written", file=sys.stderr)
        print(REMINDER, file=sys.stderr)
        return 0
    if args.code not in records:
        print(f"no procedure '{args.code}' in {args.national_db / 'education_procedures.csv'}", file=sys.stderr)
        return 1
    record = records[args.code]
    sid = source_id(args.code, _all_sources(args.kb))
    text = to_yaml(draft(record, sid, args.slug or existing_slug(args.kb, args.code) or slug_for(record.name, set())))
    if sid.startswith("NDB_"):
        text = (
            f"# source entry for kb/{SOURCES_FILE}:\n# "
            + to_yaml({sid: source_entry(record)}).replace("\n", "\n# ").rstrip("# ")
            + text
        )
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(REMINDER, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
