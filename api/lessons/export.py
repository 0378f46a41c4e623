"""The class report as CSV (one row per student, then the questions missed most often), for the teacher's records."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import Response


def report_csv(report: dict[str, Any]) -> Response:
    """UTF-8 with a BOM so spreadsheet programs read the Vietnamese letters; formulas never start a cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Biệt danh", "Số bài đã xong", "Số câu đã trả lời", "Số câu đúng"])
    for s in report["students"]:
        writer.writerow([_cell(s["nickname"]), s["lessons_done"], s["answered"], s["correct"]])
    writer.writerow([])
    writer.writerow(["Bài", "Câu hỏi", "Số lần sai", "Số lần trả lời"])
    for m in report["most_missed"]:
        writer.writerow([m["lesson"], _cell(m["text"]), m["wrong"], m["answered"]])
    headers = {"Content-Disposition": f'attachment; filename="lop-{report["code"]}.csv"', "Cache-Control": "no-store"}
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
