"""The assistant's domain as the action server reads it itself, for the calls Rasa makes without one.

With `enable_selective_domain` (bot/endpoints*.yml) Rasa sends its domain only to the form validation actions
instead of its 44 kB with every call: encoding it in Rasa, passing it through nginx and decoding it here took about
a millisecond of CPU per message under load. The texts come from the same files the model is trained on
(bot/domain, `make train`), read once when the action server starts.
"""

from __future__ import annotations

import functools
import pathlib
from typing import Any

DOMAIN_DIR = pathlib.Path(__file__).resolve().parent.parent / "bot" / "domain"


@functools.cache
def local_domain() -> dict[str, Any]:
    """bot/domain as Rasa's `Domain.as_dict()` gives it: what Rasa sends when it sends the domain."""
    from rasa.shared.core.domain import Domain

    domain: dict[str, Any] = Domain.load(str(DOMAIN_DIR)).as_dict()
    return domain


def install() -> None:
    """Wrap rasa_sdk's ActionExecutor.run so that a call without a domain gets the local one (idempotent)."""
    from rasa_sdk.executor import ActionExecutor

    original = ActionExecutor.run
    if getattr(original, "_dvc_local_domain", False):
        return

    @functools.wraps(original)
    async def run(self: Any, action_call: dict[str, Any]) -> Any:
        if "domain" not in action_call:
            action_call["domain"] = local_domain()
        return await original(self, action_call)

    run._dvc_local_domain = True  # type: ignore[attr-defined]
    ActionExecutor.run = run
