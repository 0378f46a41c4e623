"""Vietnamese texts of the dossier feature, read from messages.yml (data, not code)."""

from __future__ import annotations

import functools
import pathlib
from typing import Any

import yaml

MESSAGES_FILE = pathlib.Path(__file__).with_name("messages.yml")


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    """The parsed messages.yml, read once per process on first use."""
    data: dict[str, Any] = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return data


def status_label(status: str) -> str:
    """The plain Vietnamese name of a status."""
    return str(messages()["status_labels"][status])


def unknown_procedure(procedure_code: str) -> str:
    """The procedure name shown when the code is not in the catalogue."""
    return str(messages()["unknown_procedure"]).format(procedure_code=procedure_code)


def practice_mark() -> str:
    """What starts every notification about a practice dossier, so nobody takes it for a real one."""
    return str(messages()["practice_mark"])


def status_change_text(
    *,
    code: str,
    procedure: str,
    status: str,
    due: str,
    missing: list[str],
    reason: str | None,
    delivery: str,
    tracking: str | None,
) -> str:
    """The notification for a status change; it never names the applicant."""
    hints: dict[str, str] = messages()["hints"]
    if status == "result_ready":
        suffix = hints["tracking_suffix"].format(tracking=tracking) if tracking else ""
        hint = hints[f"result_ready_{delivery}"].format(tracking=suffix)
    else:
        hint = hints[status].format(due=due, missing="; ".join(missing), reason=reason or hints["no_reason"])
    return str(messages()["status_change"]).format(code=code, procedure=procedure, status=status_label(status), hint=hint)
