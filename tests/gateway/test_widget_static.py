"""The API serves the widget and the demo page; the widget's source never builds HTML from strings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routers.widget import WIDGET_DIR
from api.settings import get_settings


@pytest.fixture()
def client(api_settings: None, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("DVC_WIDGET_RASA_URL", 'http://rasa.example:5005/"><script>alert(1)</script>')
    get_settings.cache_clear()
    return TestClient(create_app())


def test_demo_page_embeds_the_widget_with_the_configured_rasa(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/widget/widget.js"' in page.text
    assert 'data-rasa-url="http://rasa.example:5005/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text
    assert "<script>alert(1)" not in page.text
    assert "Sở Giáo dục và Đào tạo" in page.text and "{{" not in page.text


def test_widget_assets_are_served(client: TestClient) -> None:
    js = client.get("/widget/widget.js")
    css = client.get("/widget/widget.css")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/widget/../api/settings.py").status_code == 404


def test_widget_source_never_parses_html() -> None:
    source = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
    assert "textContent" in source and 'rel: "noopener noreferrer"' in source
