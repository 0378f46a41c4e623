"""Pure rendering rules: Telegram's size limits, callback_data ≤ 64 bytes, the per-chat rate limit."""

from __future__ import annotations

from gateway.core.outbox import chat_of
from gateway.core.ratelimit import RateLimiter
from gateway.core.rendering import NumberedMenus, Reply, layout, render, split_text
from gateway.telegram.rendering import CALLBACK_DATA_LIMIT, TELEGRAM_TEXT_LIMIT, PayloadCache, keyboard


def test_split_text_keeps_lines_whole_and_under_the_limit() -> None:
    lines = [f"Dòng {i}: hồ sơ gồm bản sao giấy khai sinh và học bạ." for i in range(300)]
    parts = split_text("\n".join(lines), limit=500)
    assert len(parts) > 1
    assert all(len(p) <= 500 for p in parts)
    assert "\n".join(parts).split("\n") == lines  # nothing lost, no line cut in half


def test_split_text_cuts_a_single_huge_line_at_spaces() -> None:
    text = " ".join(["thủ-tục"] * 2000)
    parts = split_text(text, limit=4096)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_short_payloads_travel_directly_and_long_ones_through_the_cache() -> None:
    cache = PayloadCache()
    short = "/greet"
    long = '/ask_fee{"procedure_slug": "cap_ban_sao_van_bang_chung_chi_tu_so_goc_cho_nguoi_hoc"}'
    assert cache.decode(cache.encode(short)) == short
    encoded = cache.encode(long)
    assert len(encoded.encode("utf-8")) <= CALLBACK_DATA_LIMIT
    assert cache.decode(encoded) == long
    assert cache.encode(long) == encoded  # the same payload keeps its id
    assert cache.decode("k:nonexistent") is None
    assert cache.decode("garbage") is None


def test_cache_is_bounded() -> None:
    cache = PayloadCache(size=3)
    keys = [cache.encode("/x" + "y" * 80 + str(i)) for i in range(5)]
    assert cache.decode(keys[0]) is None
    assert cache.decode(keys[4]) is not None


def test_keyboard_rows_and_url_buttons() -> None:
    markup = keyboard(
        layout([{"title": "1", "payload": '/rate{"rating": 1}'}, {"title": "2", "payload": '/rate{"rating": 2}'},
                {"title": "Cổng dịch vụ công quốc gia", "payload": "https://dichvucong.gov.vn"},
                {"title": "", "payload": "/ignored"}]),
        PayloadCache(),
    )  # fmt: skip
    assert markup is not None
    rows = markup.inline_keyboard
    assert [b.text for b in rows[0]] == ["1", "2"]
    assert rows[-1][0].url == "https://dichvucong.gov.vn"
    assert sum(len(r) for r in rows) == 3


def test_render_puts_the_keyboard_on_the_last_part() -> None:
    text = "\n".join(["x" * 100] * 100)
    out = render([{"text": text, "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]}], TELEGRAM_TEXT_LIMIT)
    assert len(out) == 3
    assert not out[0].rows and out[-1].buttons[0].payload == "/ask_fee"


def test_rate_limiter_allows_the_limit_then_warns_once_per_window() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=3, window=60, clock=lambda: now[0])
    assert [limiter.allow("1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("2")  # other chats are not affected
    assert limiter.should_warn("1") and not limiter.should_warn("1")
    now[0] = 61.0
    assert limiter.allow("1")


def test_chat_of_recipient() -> None:
    assert chat_of("telegram", "telegram:12345") == "12345"
    assert chat_of("telegram", "telegram:-100200") == "-100200"
    assert chat_of("telegram", "web:abc") is None and chat_of("telegram", "telegram:abc") is None
    assert chat_of("zalo", "zalo:a1b2c3") == "a1b2c3" and chat_of("zalo", "telegram:1") is None


def test_numbered_menu_for_channels_without_keyboards() -> None:
    menus = NumberedMenus()
    rows = layout([{"title": "Lệ phí", "payload": "/ask_fee"}, {"title": "Cổng", "payload": "https://dichvucong.gov.vn"}])
    text = menus.text("c1", Reply("Anh/chị cần gì ạ?", rows), "Gõ số:")
    assert text.splitlines()[-2:] == ["1. Lệ phí", "2. Cổng: https://dichvucong.gov.vn"]
    assert menus.pick("c1", " 1 ") == "/ask_fee" and menus.pick("c1", "1.") == "/ask_fee"
    assert menus.pick("c1", "2") is None  # a link is opened, not sent back
    assert menus.pick("c1", "3") is None and menus.pick("c1", "1 hồ sơ") is None and menus.pick("c2", "1") is None
