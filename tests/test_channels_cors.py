"""Which web origins may call Rasa: one setting (DVC_CORS_ORIGINS) for the API and Rasa, as scripts/run.sh starts them."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests import servers
from tests.conftest import RasaServer

pytestmark = pytest.mark.rasa


def rasa_args(**env: str) -> list[str]:
    """The Rasa command line `make run` would start with this environment."""
    result = subprocess.run(
        [str(servers.ROOT / "scripts" / "run.sh"), "--print-rasa-args"], cwd=servers.ROOT, env=servers.base_env(**env),
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.splitlines()


def test_run_sh_gives_rasa_one_list_with_both_names_of_the_demo_page() -> None:
    args = rasa_args(API_PORT="8123")
    assert args.count("--cors") == 1, "Rasa keeps only the last --cors"
    start = args.index("--cors") + 1
    assert args[start : start + 2] == ["http://localhost:8123", "http://127.0.0.1:8123"]


def test_a_site_sets_its_own_origins_without_editing_scripts() -> None:
    args = rasa_args(DVC_CORS_ORIGINS='["https://sogd.example.gov.vn", "https://dichvucong.example.gov.vn"]')
    start = args.index("--cors") + 1
    assert args[start:][:2] == ["https://sogd.example.gov.vn", "https://dichvucong.example.gov.vn"]
    assert "http://localhost:8000" not in args


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_rasa_answers_the_demo_page_under_either_name(rasa: RasaServer, api_url: str, host: str) -> None:
    origin = api_url.replace("127.0.0.1", host)
    preflight = httpx.options(
        f"{rasa.url}/webhooks/rest/webhook",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") == origin
    stranger = httpx.options(
        f"{rasa.url}/webhooks/rest/webhook",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert stranger.headers.get("access-control-allow-origin") is None
