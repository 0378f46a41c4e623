"""The report as tables (one source for the pages, CSV and XLSX), for the quarterly and annual reports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from api.records.reports import SCALE, per_week
from textnorm.channels import registry

CHANNEL_NAMES = registry().labels()  # name → label, from the channel registry (textnorm/channels.yml)


@dataclass(frozen=True)
class Table:
    """A titled table; `sheet` is a short ASCII name for the XLSX tab."""

    sheet: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading apostrophe.

    Exported cells carry slugs and names that came from conversations; `=HYPERLINK(...)` must stay text.
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _v(x: Any) -> Any:
    return "—" if x is None else x


def tables(s: dict[str, Any], names: dict[str, str]) -> list[Table]:
    """All report tables from a summary (see api.records.reports.summary)."""
    overview = [
        ["Từ ngày", s["from"]], ["Đến ngày", s["to"]], ["Kênh", CHANNEL_NAMES.get(s["channel"] or "", "Tất cả")],
        ["Cuộc hội thoại", s["conversations"]], ["Người dùng mới", s["new_users"]], ["Tin nhắn", s["messages"]],
        ["Trả lời được", s["answered"]], ["Chưa trả lời được", s["fallback"]],
        ["Tỉ lệ chưa trả lời được", _pct(s["fallback_share"])],
        ["Số lượt đánh giá", s["rating_count"]], ["Điểm hài lòng trung bình (1–5)", _v(s["rating_average"])],
        ["Câu hỏi chuyển cán bộ: đang chờ", s["tickets"]["open"]],
        ["Câu hỏi chuyển cán bộ: đã trả lời", s["tickets"]["answered"]],
        ["Thời gian trả lời trung vị (giờ)", _v(s["tickets"]["response_hours_median"])],
        ["Phản ánh, kiến nghị: đang chờ", s["feedback"]["feedback"]["open"] + s["feedback"]["complaint"]["open"]],
        ["Phản ánh, kiến nghị: đã trả lời", s["feedback"]["feedback"]["answered"] + s["feedback"]["complaint"]["answered"]],
    ]  # fmt: skip
    return [
        Table("tong-quan", "Tổng quan", ["Chỉ tiêu", "Giá trị"], overview),
        Table("theo-kenh", "Theo kênh", ["Kênh", "Cuộc hội thoại", "Tin nhắn", "Chưa trả lời được", "Lượt đánh giá", "Điểm TB"], [
            [CHANNEL_NAMES.get(r["channel"], r["channel"]), r["conversations"], r["messages"], _pct(r["fallback_share"]),
             r["rating_count"], _v(r["rating_average"])]
            for r in s["per_channel"]
        ]),
        Table("theo-thu-tuc", "Thủ tục được hỏi nhiều nhất", ["Thủ tục", "Mã (slug)", "Tin nhắn", "Lượt đánh giá", "Điểm TB"], [
            [names.get(r["procedure_slug"], r["procedure_slug"]), r["procedure_slug"], r["messages"], r["rating_count"],
             _v(r["rating_average"])]
            for r in s["per_procedure"]
        ]),
        Table("theo-chu-de", "Chủ đề được hỏi nhiều nhất", ["Chủ đề", "Mã (slug)", "Tin nhắn"], [
            [names.get(r["topic_slug"], r["topic_slug"]), r["topic_slug"], r["messages"]] for r in s["per_topic"]
        ]),
        Table("theo-ngay", "Theo ngày", ["Ngày", "Cuộc hội thoại", "Tin nhắn", "Người dùng mới"], [
            [r["day"], r["conversations"], r["messages"], r["new_users"]] for r in s["per_day"]
        ]),
        Table("theo-tuan", "Theo tuần", ["Tuần", "Cuộc hội thoại", "Tin nhắn", "Người dùng mới"], [
            [r["week"], r["conversations"], r["messages"], r["new_users"]] for r in per_week(s["per_day"])
        ]),
        Table("danh-gia", "Mức độ hài lòng", ["Mức", "Số lượt"], [
            [f"{k} – {SCALE[k]}", s["rating_distribution"][str(k)]] for k in range(5, 0, -1)
        ]),
        Table("danh-gia-thang", "Đánh giá theo tháng", ["Tháng", "Lượt đánh giá", "Điểm TB"], [
            [r["month"], r["rating_count"], r["rating_average"]] for r in s["rating_per_month"]
        ]),
    ]  # fmt: skip


def to_csv(items: list[Table]) -> bytes:
    """All tables one after another (title row, header row, rows, blank line); UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in items:
        writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(h) for h in table.headers])
        writer.writerows([[safe_cell(v) for v in row] for row in table.rows])
        writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(items: list[Table]) -> bytes:
    """One worksheet per table, bold headers."""
    book = Workbook()
    book.remove(book.active)
    for table in items:
        sheet = book.create_sheet(table.sheet)
        sheet.append([safe_cell(table.title)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([safe_cell(h) for h in table.headers])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.column_dimensions["A"].width = 42
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
