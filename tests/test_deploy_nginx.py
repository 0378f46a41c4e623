"""The deployment files a Sở uses: the nginx configuration passes `nginx -t` and keeps Rasa's HTTP API, the gateways'
channel and the action server unreachable; the systemd units and docker-compose.yml describe the same topology."""

from __future__ import annotations

import configparser
import pathlib
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests import deploy_stack
from tests.conftest import in_ci

DEPLOY = deploy_stack.ROOT / "deploy"


@pytest.fixture(scope="module")
def nginx_bin() -> pathlib.Path:
    """Debian's nginx (make nginx installs it); missing is a failure in CI."""
    if not deploy_stack.NGINX_BIN.exists():
        message = f"{deploy_stack.NGINX_BIN} missing: run `make nginx`"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return deploy_stack.NGINX_BIN


@pytest.fixture(scope="module")
def conf(nginx_bin: pathlib.Path) -> Iterator[deploy_stack.Nginx]:
    """The template rendered for loopback, upstreams pointing at one fake backend each."""
    with deploy_stack.nginx_prefix() as prefix:
        yield deploy_stack.prepare_nginx(prefix, ["127.0.0.1:9"], ["127.0.0.1:9"], ["127.0.0.1:9"])


def test_nginx_accepts_the_rendered_configuration(conf: deploy_stack.Nginx) -> None:
    done = deploy_stack.check(conf)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_every_template_variable_is_in_the_example_environment() -> None:
    example = (DEPLOY / "dvc.env.example").read_text()
    names = set(deploy_stack._VARIABLE.findall(deploy_stack.TEMPLATE.read_text()))
    missing = sorted(n for n in names if f"\n{n}=" not in example)
    assert names and not missing, f"deploy/dvc.env.example lacks {missing}"
    with pytest.raises(KeyError, match="DVC_NGINX_RASA_SERVERS"):
        deploy_stack.render(deploy_stack.TEMPLATE.read_text(), {})


def test_rasa_api_and_internal_paths_are_not_exposed_and_bodies_are_capped(conf: deploy_stack.Nginx) -> None:
    """With every backend down, nginx itself answers: 404 for Rasa's API, 413 for a big chat body, 301 to HTTPS."""
    with deploy_stack.running_nginx(conf), httpx.Client(verify=False, timeout=10) as client:
        for path in ("/model/parse", "/conversations/x/tracker", "/status", "/webhooks/gateway/webhook", "/webhook",
                     "/version", "/domain"):  # fmt: skip
            assert client.post(conf.url + path, json={"text": "x"}).status_code == 404, path
        big = client.post(conf.url + "/webhooks/rest/webhook", content=b"x" * 20_000)
        assert big.status_code == 413
        assert client.get(conf.url + "/webhooks/rest/webhook").status_code == 403  # POST only
        assert client.post(conf.url + "/webhooks/rest/webhook", json={"sender": "a", "message": "b"}).status_code == 502
        redirect = client.get(f"http://127.0.0.1:{conf.http_port}/admin")
        assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")
        head = client.get(conf.url + "/health")
        assert "nginx/" not in head.headers.get("server", "") and "max-age" in head.headers["strict-transport-security"]


def test_systemd_units_start_what_exists_with_the_shared_environment() -> None:
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {"dvc-api@.service", "dvc-actions@.service", "dvc-rasa@.service"}
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(unit.read_text())
        service = parser["Service"]
        assert service["EnvironmentFile"] == "/etc/dvc/dvc.env" and service["User"] == "dvc", unit.name
        program = service["ExecStart"].split()[0].removeprefix("/opt/dvc/")
        assert program.startswith((".venv/bin/", ".venv-rasa/bin/")), unit.name
        assert (deploy_stack.ROOT / program).exists(), program
        assert service.get("ProtectSystem") == "strict" and service.get("NoNewPrivileges") == "yes", unit.name
    rasa = (DEPLOY / "systemd" / "dvc-rasa@.service").read_text()
    assert "endpoints.production.yml" in rasa and "--interface 127.0.0.1" in rasa


def test_compose_has_the_same_topology_and_publishes_only_nginx() -> None:
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    assert {"rasa1", "rasa2", "actions1", "actions2", "api1", "api2", "nginx", "postgres", "redis"} <= set(services)
    published = sorted(name for name, s in services.items() if s.get("ports"))
    assert published == ["nginx"]
    assert "bot/endpoints.production.yml" in services["rasa1"]["command"]
    assert not list(DEPLOY.rglob("*.key")) and not [p for p in DEPLOY.rglob("*.pem")], "no key committed"
