"""Fixtures for the channel tests: the fake platforms, each adapter in turn, and fresh chat ids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.gateway.adapters import Adapter, running_adapter
from tests.gateway.fake_bot_api import FakeBotApi, running_fake_bot_api

_chat_ids = itertools.count(910_000_001)


@pytest.fixture(scope="module")
def fake_bot() -> Iterator[FakeBotApi]:
    """One fake Bot API per test module; tests keep apart by using their own chat ids."""
    with running_fake_bot_api() as fake:
        yield fake


@pytest.fixture()
def chat_id() -> int:
    """A chat id no other test uses (so Rasa conversations and recorded calls do not mix)."""
    return next(_chat_ids)


@pytest.fixture(scope="module", params=["telegram", "zalo"])
def adapter(request: pytest.FixtureRequest) -> Iterator[Adapter]:
    """Each gateway adapter in turn, with its fake platform: the shared behaviour suite runs once per adapter."""
    with running_adapter(request.param) as running:
        yield running
