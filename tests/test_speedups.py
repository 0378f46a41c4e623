"""The Rasa speed-ups behave like the originals (run inside the Rasa environment, where they apply)."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from tests import servers

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.rasa

CHECK = r"""
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
original_validate = jsonschema.validate
import bot.components  # installs the speed-ups
assert jsonschema.validate is not original_validate
schema = RemoteAction.action_response_format_spec()
good = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "a"}]}
bad = {"events": [{"event": 5}], "responses": "no"}
jsonschema.validate(good, schema)
for validate in (original_validate, jsonschema.validate):
    try:
        validate(bad, schema)
    except jsonschema.ValidationError as exc:
        print("error:", exc.message)
    else:
        raise SystemExit("bad instance accepted")
assert Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("user") is UserUttered
assert Event.resolve_by_type("slot") is SlotSet
try:
    Event.resolve_by_type("no_such_event")
except ValueError:
    print("unknown ok")
"""


def test_speedups_match_original_behaviour() -> None:
    python = servers.RASA_BIN.parent / "python"
    env = servers.base_env()
    result = subprocess.run([str(python), "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and errors[0] == errors[1], "same error as jsonschema.validate"
    assert "unknown ok" in result.stdout
