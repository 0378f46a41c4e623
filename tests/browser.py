"""Headless Debian Chromium for the browser tests, driven by Playwright (a browser is never downloaded)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import in_ci

CHROMIUM = pathlib.Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def require_chromium() -> None:
    """Missing Chromium fails in CI (`make browser` installs it) and skips a local run."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} missing: install Debian's chromium (make browser)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless Chromium for a test module, closed afterwards."""
    require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
