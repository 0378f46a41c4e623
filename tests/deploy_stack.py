"""The repository's nginx configuration run for real without root, and several instances of each service behind it.

Shared by the deployment and fault tests and by scripts/load.py: the same template a Sở renders with envsubst.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import httpx

from tests import servers

ROOT = servers.ROOT
NGINX_BIN = pathlib.Path(os.environ.get("DVC_NGINX", "/usr/sbin/nginx"))
TEMPLATE = ROOT / "deploy" / "nginx" / "dvc.conf.template"
STANDALONE = ROOT / "deploy" / "nginx" / "standalone.conf.template"
_VARIABLE = re.compile(r"\$\{(DVC_NGINX_[A-Z_]+)\}")


def render(template: str, values: dict[str, str]) -> str:
    """envsubst limited to DVC_NGINX_* (nginx's own $variables untouched); a variable left unset is an error."""
    missing = sorted({name for name in _VARIABLE.findall(template) if name not in values})
    if missing:
        raise KeyError(f"unset: {', '.join(missing)}")
    return _VARIABLE.sub(lambda m: values[m.group(1)], template)


def upstream(addresses: list[str]) -> str:
    """The `server` lines of an upstream block, as deploy/dvc.env.example writes them."""
    return " ".join(f"server {a} max_fails=1 fail_timeout=10s;" for a in addresses)


def self_signed(folder: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """A throw-away certificate for 127.0.0.1 made now (no private key is ever committed)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Nginx:
    """A rendered nginx prefix: where it listens, and its logs."""

    prefix: pathlib.Path
    https_port: int
    http_port: int
    actions_port: int
    api_port: int
    rasa_port: int
    values: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The public HTTPS address."""
        return f"https://127.0.0.1:{self.https_port}"

    def command(self, *extra: str) -> list[str]:
        """nginx run from the private prefix (no root needed, nothing under /etc or /var touched)."""
        return [str(NGINX_BIN), "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
                "-c", str(self.prefix / "nginx.conf"), *extra]  # fmt: skip

    def access_log(self) -> list[str]:
        """Lines of the public access log so far."""
        path = self.prefix / "logs" / "access.log"
        return path.read_text().splitlines() if path.exists() else []


def prepare_nginx(prefix: pathlib.Path, rasa: list[str], actions: list[str], api: list[str], **overrides: str) -> Nginx:
    """Render the standalone config around deploy/nginx/dvc.conf.template with loopback ports into `prefix`."""
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(prefix)
    ports = [servers.free_port() for _ in range(5)]
    values = {
        "DVC_NGINX_USER_LINE": "user root root;" if os.geteuid() == 0 else "",  # root: workers must read the prefix
        "DVC_NGINX_WORKERS": "1",
        "DVC_NGINX_SERVER_NAME": "127.0.0.1",
        "DVC_NGINX_HTTPS_LISTEN": f"127.0.0.1:{ports[0]}",
        "DVC_NGINX_HTTP_LISTEN": f"127.0.0.1:{ports[1]}",
        "DVC_NGINX_ACTIONS_LISTEN": f"127.0.0.1:{ports[2]}",
        "DVC_NGINX_API_INTERNAL_LISTEN": f"127.0.0.1:{ports[3]}",
        "DVC_NGINX_RASA_INTERNAL_LISTEN": f"127.0.0.1:{ports[4]}",
        "DVC_NGINX_CERT": str(cert),
        "DVC_NGINX_KEY": str(key),
        "DVC_NGINX_LOG_DIR": str(prefix / "logs"),
        "DVC_NGINX_RASA_SERVERS": upstream(rasa),
        "DVC_NGINX_ACTIONS_SERVERS": upstream(actions),
        "DVC_NGINX_API_SERVERS": upstream(api),
        "DVC_NGINX_CHAT_RATE": "5r/s",
        "DVC_NGINX_CHAT_BURST": "30",
        "DVC_NGINX_API_RATE": "20r/s",
        "DVC_NGINX_API_BURST": "100",
        "DVC_NGINX_CONN_PER_ADDRESS": "50",
        **overrides,
    }
    (prefix / "dvc.conf").write_text(render(TEMPLATE.read_text(), values))
    (prefix / "nginx.conf").write_text(render(STANDALONE.read_text(), values))
    return Nginx(prefix, ports[0], ports[1], ports[2], ports[3], ports[4], values=values)


def check(conf: Nginx) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the rendered configuration."""
    return subprocess.run(conf.command("-t"), capture_output=True, text=True, timeout=30)


@contextmanager
def running_nginx(conf: Nginx) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground for the block; ready when its public port answers."""
    proc = subprocess.Popen(conf.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(conf.prefix / 'error.log').read_text()[-2000:]}")
            try:
                httpx.get(f"http://127.0.0.1:{conf.http_port}/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextmanager
def nginx_prefix() -> Iterator[pathlib.Path]:
    """A private nginx prefix readable by nginx's workers, removed afterwards."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="dvc-nginx-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Proc:
    """One started service: its name, port, process and log."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: pathlib.Path

    @property
    def url(self) -> str:
        """Its loopback address."""
        return f"http://127.0.0.1:{self.port}"


def start(name: str, args: list[str], env: dict[str, str], port: int, logdir: pathlib.Path) -> Proc:
    """Start a service without waiting (several Rasa instances load their models at the same time)."""
    log = logdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Proc(name, port, proc, log)


def kill(p: Proc) -> None:
    """SIGKILL the service and every process it started (uvicorn's workers too), as a crash would."""
    with suppress(ProcessLookupError):
        os.killpg(p.proc.pid, signal.SIGKILL)
    p.proc.wait()


def wait_all(procs: list[Proc], path: str, timeout: float) -> None:
    """Every service of `procs` answers 200 on `path`."""
    for p in procs:
        servers.wait_until_up(p.url + path, p.proc, p.log, timeout)


def stop(p: Proc) -> None:
    """Stop a service if it still runs."""
    if p.proc.poll() is None:
        p.proc.terminate()
        try:
            p.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill(p)


@contextmanager
def stopping(procs: list[Proc]) -> Iterator[list[Proc]]:
    """Stop whatever is in `procs` (which may grow) when the block ends."""
    try:
        yield procs
    finally:
        for p in reversed(procs):
            stop(p)
