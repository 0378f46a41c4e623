"""The admin pages behind the repository's nginx over real TLS: security headers on every page, session cookies
HttpOnly, SameSite=Strict and Secure; the chat's API responses carry only the light headers."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import httpx
import pytest

from api.catalogue.loader import Catalogue
from api.security_headers import harden_cookie
from tests import deploy_stack
from tests.api import records_servers as rs


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    """The API (two workers) behind nginx with a throw-away certificate: its https:// address."""
    if not deploy_stack.NGINX_BIN.exists():
        pytest.fail(f"{deploy_stack.NGINX_BIN} missing: run `make nginx`")
    db = rs.fresh_db(tmp_path_factory.mktemp("headers"), catalogue)
    with rs.api(db, logdir, "api-headers", workers=2) as api, deploy_stack.nginx_prefix() as prefix:
        upstream = [api.removeprefix("http://")]
        conf = deploy_stack.prepare_nginx(prefix, ["127.0.0.1:9"], ["127.0.0.1:9"], upstream)
        with deploy_stack.running_nginx(conf):
            yield conf.url


def test_admin_pages_carry_the_security_headers(site: str) -> None:
    with httpx.Client(base_url=site, verify=False, timeout=30) as client:
        for path in ("/admin/login", "/admin", "/admin/nothing-here"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "script-src 'self'" in csp, path
            assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store", path
            assert headers["x-content-type-options"] == "nosniff", path
            assert "max-age" in headers["strict-transport-security"], "HSTS from nginx"


def test_session_cookies_are_secure_httponly_and_strict_over_https(site: str) -> None:
    with httpx.Client(base_url=site, verify=False, timeout=30) as client:
        page = client.get("/admin/login")
        login_cookie = page.headers["set-cookie"].lower()
        assert all(flag in login_cookie for flag in ("secure", "httponly", "samesite=strict")), login_cookie
        done = client.post("/admin/login", data={"username": rs.ADMIN, "password": rs.ADMIN_PASSWORD,
                                                  "csrf_token": rs.csrf_in(page.text)})  # fmt: skip
        assert done.status_code == 303
        session = next(v.lower() for v in done.headers.get_list("set-cookie") if "max-age=0" not in v.lower()
                       and "expires=thu, 01 jan 1970" not in v.lower())  # fmt: skip
        assert all(flag in session for flag in ("secure", "httponly", "samesite=strict")), session
        assert client.get("/admin").status_code == 200, "the Secure cookie works over HTTPS"


def test_public_api_gets_only_the_light_headers(site: str) -> None:
    headers = httpx.get(f"{site}/api/v1/search", params={"q": "chuyển trường"}, verify=False, timeout=30).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in headers and "cache-control" not in headers


def test_cookie_flags_are_added_only_where_missing() -> None:
    assert harden_cookie(b"s=1; Path=/", https=False) == b"s=1; Path=/; HttpOnly; SameSite=Strict"
    assert harden_cookie(b"s=1; HttpOnly; SameSite=lax; Secure", https=True) == b"s=1; HttpOnly; SameSite=lax; Secure"
    assert harden_cookie(b"s=1", https=True).endswith(b"Secure")
