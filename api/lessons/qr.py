"""The QR code a teacher shows on the projector: the Telegram bot's t.me link that opens the class (`/start hoc_<code>`)."""

from __future__ import annotations

import segno
from markupsafe import Markup

from textnorm.commands import CLASS_LINK_PREFIX as DEEP_LINK_PREFIX  # `/start hoc_<code>` joins that class


def join_link(bot_username: str, code: str) -> str | None:
    """https://t.me/<bot>?start=hoc_<code>, or None when no Telegram bot is configured."""
    name = bot_username.strip().lstrip("@")
    return f"https://t.me/{name}?start={DEEP_LINK_PREFIX}{code}" if name else None


def qr_svg(link: str) -> Markup:
    """An inline SVG QR code (no image request, no script: the admin pages' CSP stays as it is)."""
    return Markup(segno.make(link, error="m").svg_inline(scale=6, border=2, title="Mã QR vào lớp"))
