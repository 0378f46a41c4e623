"""Our stack as it was at an earlier revision, built in a temporary folder, for before/after figures in one run."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

# The code before this round of work on understanding (catalogue from the national database, one resolver):
# the session-start code with the heap-freeze fix, so the comparison shows what the new understanding costs.
DEFAULT_BASE = "21d6ef1"


def base_revision() -> str:
    """The revision to compare with: BENCH_BASE, else the default above."""
    return os.environ.get("BENCH_BASE", DEFAULT_BASE)


def export(rev: str, parent: pathlib.Path) -> pathlib.Path:
    """The tree of `rev` written into a folder (git archive: no worktree bookkeeping left behind)."""
    folder = parent / f"base-{rev}"
    folder.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True, timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True, timeout=120)
    return folder


def _env(folder: pathlib.Path, **extra: str) -> dict[str, str]:
    """The services' environment, with the old tree first on the import path."""
    return servers.base_env(PYTHONPATH=str(folder), **extra)


def _run(folder: pathlib.Path, args: list[str], timeout: float, **env: str) -> None:
    """A build step in the old tree; its output is shown only when it fails."""
    done = subprocess.run(args, cwd=folder, env=_env(folder, **env), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed in {folder}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def prepare(folder: pathlib.Path) -> tuple[str, float]:
    """Train the old model and load the old catalogue into its own SQLite database: (database URL, seconds)."""
    start = time.perf_counter()
    rasa, python = str(servers.RASA_BIN), str(ROOT / ".venv" / "bin" / "python")
    _run(folder, [rasa, "train", "--quiet", "--domain", "bot/domain", "--data", "bot/data", "--config", "config.yml",
                  "--out", "models", "--fixed-model-name", "dvc"], 1800)  # fmt: skip
    db_url = f"sqlite:///{folder / 'base.db'}"
    _run(folder, [python, "-m", "api.cli", "migrate"], 300, DVC_DATABASE_URL=db_url)
    _run(folder, [python, "-m", "api.cli", "load-kb"], 300, DVC_DATABASE_URL=db_url)
    return db_url, time.perf_counter() - start


@contextmanager
def base_stack(folder: pathlib.Path, db_url: str, logdir: pathlib.Path) -> Iterator[str]:
    """The old API, action server and Rasa on free loopback ports, recording on; yields the REST webhook URL."""
    api_port, actions_port, rasa_port = (servers.free_port() for _ in range(3))
    api, actions, rasa = (f"http://127.0.0.1:{p}" for p in (api_port, actions_port, rasa_port))
    internal = secrets.token_hex(8)
    tracker = f"sqlite:///{folder / 'tracker.db'}"
    rasa_args = [str(servers.RASA_BIN), "run", "--model", str(folder / "models" / "dvc.tar.gz"),
                 "--endpoints", str(folder / "bot" / "endpoints.yml"), "--credentials", str(folder / "bot" / "credentials.yml"),
                 "--interface", "127.0.0.1", "--port", str(rasa_port)]  # fmt: skip
    plan = [
        ("api", servers.api_args(api_port), _env(folder, DVC_DATABASE_URL=db_url, DVC_INTERNAL_TOKEN=internal), f"{api}/health"),
        ("actions", servers.actions_args(actions_port), _env(folder, DVC_API_URL=api, DVC_INTERNAL_TOKEN=internal),
         f"{actions}/health"),
        ("rasa", rasa_args, _env(folder, ACTION_ENDPOINT_URL=f"{actions}/webhook", DVC_TRACKER_DB_URL=tracker), f"{rasa}/"),
    ]  # fmt: skip
    with ExitStack() as stack:
        for name, args, env, url in plan:
            stack.enter_context(servers.service(f"base-{name}", args, env, url, logdir, 240, cwd=folder))
        yield f"{rasa}/webhooks/rest/webhook"
