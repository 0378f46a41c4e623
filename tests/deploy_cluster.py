"""The production profile as deploy/ lays it out, on loopback: N API processes, N action servers and N Rasa instances
sharing one PostgreSQL database and Redis, each kind behind the repository's nginx configuration."""

from __future__ import annotations

import pathlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from api.catalogue.loader import load_catalogue, read_catalogue
from api.cli import migrate
from api.db import session_factory
from tests import deploy_stack, servers
from tests.deploy_stack import Nginx, Proc

ROOT = servers.ROOT
PRODUCTION_ENDPOINTS = ROOT / "bot" / "endpoints.production.yml"


@dataclass
class Cluster:
    """The running services and the nginx in front of them."""

    nginx: Nginx
    rasa: list[Proc]
    actions: list[Proc]
    api: list[Proc]
    pg_url: str
    rasa_token: str
    env: dict[str, dict[str, str]]  # kind → the environment its processes were started with (to start one more)
    logdir: pathlib.Path
    started: list[Proc]  # every process started, stopped when the cluster ends (one started later included)

    @property
    def webhook(self) -> str:
        """The public REST webhook, through nginx (TLS)."""
        return f"{self.nginx.url}/webhooks/rest/webhook"

    def start_api(self, name: str, port: int) -> Proc:
        """An API process on `port` (to bring one back on its old port)."""
        self.started.append(deploy_stack.start(name, servers.api_args(port, 2), self.env["api"], port, self.logdir))
        return self.started[-1]


def prepare_database(pg_url: str) -> None:
    """Migrate and load the catalogue (what `make load` does on a Sở's server)."""
    migrate(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))


def warm_api(url: str, workers: int = 2) -> None:
    """Build each worker's catalogue snapshot (seconds, once) before a user's first question needs it."""
    for _ in range(workers * 4):  # a new connection each time: the kernel spreads them over the workers
        httpx.get(f"{url}/api/v1/resolve", params={"q": "xin học lại"}, timeout=60).raise_for_status()


@contextmanager
def cluster(
    pg_url: str,
    redis_url: str,
    logdir: pathlib.Path,
    prefix: pathlib.Path,
    instances: int = 2,
    **nginx_overrides: str,
) -> Iterator[Cluster]:
    """Start `instances` of each service (Rasa instances loading together) and nginx; stop all afterwards."""
    prepare_database(pg_url)
    redis_host, redis_port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    redis_db = redis_url.rsplit("/", 1)[1]
    internal, rasa_token = secrets.token_hex(12), secrets.token_hex(12)
    ports = {kind: [servers.free_port() for _ in range(instances)] for kind in ("api", "actions", "rasa")}
    rasa_up, actions_up, api_up = ([f"127.0.0.1:{p}" for p in ports[kind]] for kind in ("rasa", "actions", "api"))
    conf = deploy_stack.prepare_nginx(prefix, rasa_up, actions_up, api_up, **nginx_overrides)
    env = {
        "api": servers.base_env(
            DVC_PROFILE="production", DVC_DATABASE_URL=pg_url, DVC_SECRET_KEY=secrets.token_hex(32),
            DVC_INTERNAL_TOKEN=internal, DVC_INTEGRATION_TOKEN=secrets.token_hex(8), DVC_REDIS_URL=redis_url,
            DVC_REDIS_PREFIX=f"dvc-deploy-{secrets.token_hex(4)}",
        ),
        "actions": servers.base_env(DVC_API_URL=f"http://{conf.values['DVC_NGINX_API_INTERNAL_LISTEN']}",
                                    DVC_INTERNAL_TOKEN=internal),
        "rasa": servers.base_env(
            ACTION_ENDPOINT_URL=f"http://{conf.values['DVC_NGINX_ACTIONS_LISTEN']}/webhook", DVC_TRACKER_DB_URL=pg_url,
            REDIS_HOST=redis_host, REDIS_PORT=redis_port, REDIS_LOCK_DB=redis_db,
            SANIC_REAL_IP_HEADER="x-real-ip", SANIC_PROXIES_COUNT="1",
        ),
    }  # fmt: skip
    procs: list[Proc] = []
    with deploy_stack.stopping(procs):
        api = [deploy_stack.start(f"deploy-api-{i}", servers.api_args(p, 2), env["api"], p, logdir)
               for i, p in enumerate(ports["api"])]  # fmt: skip
        actions = [deploy_stack.start(f"deploy-actions-{i}", servers.actions_args(p), env["actions"], p, logdir)
                   for i, p in enumerate(ports["actions"])]  # fmt: skip
        rasa = [deploy_stack.start(f"deploy-rasa-{i}", servers.rasa_args(p, PRODUCTION_ENDPOINTS, rasa_token),
                                   env["rasa"], p, logdir) for i, p in enumerate(ports["rasa"])]  # fmt: skip
        procs += api + actions + rasa
        deploy_stack.wait_all(api, "/health", 90)
        for proc in api:
            warm_api(proc.url)
        deploy_stack.wait_all(actions, "/health", 180)
        deploy_stack.wait_all(rasa, "/", 300)
        with deploy_stack.running_nginx(conf):
            yield Cluster(conf, rasa, actions, api, pg_url, rasa_token, env, logdir, procs)
