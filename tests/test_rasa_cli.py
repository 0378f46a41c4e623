"""Rasa's own checks: `rasa data validate` and `rasa test core` on the test stories, failing on any error."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from tests import servers

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.rasa


def test_rasa_data_validate() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "validate.sh")], cwd=ROOT, env=servers.base_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rasa_test_stories(tmp_path: pathlib.Path) -> None:
    args = [
        str(servers.RASA_BIN), "test", "core", "--model", str(servers.MODEL),
        "--stories", str(ROOT / "tests" / "test_stories.yml"),
        "--endpoints", str(ROOT / "bot" / "endpoints.yml"), "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot",
    ]  # fmt: skip
    env = servers.base_env(ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook")
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    failed = (tmp_path / "failed_test_stories.yml").read_text() if (tmp_path / "failed_test_stories.yml").exists() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + failed
    assert "failed" not in failed.lower() or "None of the test stories failed" in failed
