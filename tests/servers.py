"""Start the real services (API, action server, Rasa) as subprocesses on free loopback ports for tests."""

from __future__ import annotations

import os
import pathlib
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
UVICORN_BIN = ROOT / ".venv" / "bin" / "uvicorn"
MODEL = ROOT / "models" / "dvc.tar.gz"
# Rasa's gateway channel token for every service these helpers start (the Telegram gateway sends it, see harness).
GATEWAY_TOKEN = f"test-gateway-{secrets.token_hex(8)}"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_env(**extra: str) -> dict[str, str]:
    """Environment for a child service: quiet logs, repo on the path, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVC_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONWARNINGS="ignore",
        SANIC_HOST="127.0.0.1",
        SANIC_KEEP_ALIVE_TIMEOUT="30",  # longer than the clients' keep-alive (see scripts/run.sh)
        RASA_TELEMETRY_ENABLED="false",
        DVC_GATEWAY_TOKEN=GATEWAY_TOKEN,
    )
    env.update(extra)
    return env


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: pathlib.Path, timeout: float) -> None:
    """Poll `url` until it answers 200; fail with the service log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited ({proc.returncode}); log:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up after {timeout}s; log:\n{log.read_text()[-3000:]}")


@contextmanager
def service(
    name: str,
    args: list[str],
    env: dict[str, str],
    ready_url: str,
    logdir: pathlib.Path,
    timeout: float,
    cwd: pathlib.Path = ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run one service (from `cwd`, the repo by default) for the duration of the block, then stop it."""
    log = logdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(ready_url, proc, log, timeout)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def api_args(port: int, workers: int = 1) -> list[str]:
    """Command line of the API server (`make run` uses 2 workers, one per core of the reference machine)."""
    args = [str(UVICORN_BIN), "api.main:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--timeout-keep-alive", "30"]  # fmt: skip
    return [*args, "--workers", str(workers)] if workers > 1 else args


def actions_args(port: int) -> list[str]:
    """Command line of the action server."""
    return [str(RASA_BIN), "run", "actions", "--actions", "actions", "--port", str(port)]


def run_sh_cors(api_port: int) -> list[str]:
    """The origins `make run` lets call Rasa for an API on `api_port`, as scripts/run.sh computes them (its dry run)."""
    env = base_env(API_PORT=str(api_port))
    out = subprocess.run([str(ROOT / "scripts" / "run.sh"), "--print-rasa-args"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout.splitlines()  # fmt: skip
    start = out.index("--cors") + 1
    return out[start : next((i for i in range(start, len(out)) if out[i].startswith("--")), len(out))]


def rasa_args(port: int, endpoints: pathlib.Path, token: str, cors: list[str] | None = None) -> list[str]:
    """Command line of the Rasa server with the REST channel and the token-protected HTTP API (CORS for `cors` origins)."""
    return [
        str(RASA_BIN), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
        "--credentials", str(ROOT / "bot" / "credentials.yml"), "--interface", "127.0.0.1",
        "--port", str(port), "--enable-api", "--auth-token", token,
        *(["--cors", *cors] if cors else []),  # one list: a second --cors would replace the first
    ]  # fmt: skip
