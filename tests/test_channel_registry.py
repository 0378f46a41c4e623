"""One registry of channels: names, labels from data, sender formats, pushes and who sees which channel."""

from __future__ import annotations

import pathlib

import pytest

from api.admin.exports import CHANNEL_NAMES
from api.records.reports import visible_channel
from textnorm.channels import can_push, channel_of, is_gateway_sender, public_sender, registry, report_channels


def test_web_comes_first_and_every_channel_has_a_label() -> None:
    reg = registry()
    assert reg.names[0] == "web" and {"zalo", "telegram", "classroom"} <= set(reg.names)
    assert list(CHANNEL_NAMES) == list(report_channels())  # exports and admin pages name every channel, `other` last
    assert CHANNEL_NAMES["zalo"] == "Zalo" and CHANNEL_NAMES["other"] == "Khác"


def test_sender_formats() -> None:
    zalo, telegram = registry().get("zalo"), registry().get("telegram")
    assert zalo is not None and telegram is not None
    assert zalo.chat_of("zalo:8a1b2c3d4e5f") == "8a1b2c3d4e5f"
    assert zalo.chat_of("zalo:a b") is None and zalo.chat_of("telegram:5") is None
    assert telegram.chat_of("telegram:-100200") == "-100200" and telegram.chat_of("telegram:abc") is None
    assert channel_of("zalo:8a1b") == "zalo" and channel_of("sms:1") == "other"


def test_only_gateways_speak_for_their_chats() -> None:
    assert is_gateway_sender("zalo:1") and is_gateway_sender(" Zalo :1") and is_gateway_sender("telegram:1")
    assert not is_gateway_sender("web:1") and public_sender("zalo:9") == "other:zalo:9"


def test_which_channels_receive_pushes() -> None:
    assert can_push("zalo:1") and can_push("telegram:1") and can_push("web:abc")
    assert not can_push("classroom:lop-9a") and not can_push("curl-user")


@pytest.mark.parametrize(
    ("role", "asked", "seen"),
    [("teacher", None, "classroom"), ("teacher", "zalo", "classroom"), ("teacher", "classroom", "classroom"),
     ("staff", "zalo", "zalo"), ("admin", None, None), ("admin", "sms", None), ("staff", "other", "other")],
)  # fmt: skip
def test_role_visibility_comes_from_the_registry(role: str, asked: str | None, seen: str | None) -> None:
    assert visible_channel(role, asked) == seen


def test_a_malformed_registry_fails_at_load(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "channels.yml"
    entry = "{name: web, label: W, sender: '.+', push: true, gateway: false, roles: [admin]}"
    bad.write_text(f"channels: [{entry}, {entry}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unique"):
        registry(bad)
