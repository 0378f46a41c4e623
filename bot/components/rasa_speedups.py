"""Two measured speed-ups for Rasa 3.6, installed when the NLU pipeline is imported (see __init__.py).

Profiling a turn under load (py-spy, `make bench`) showed two pure-overhead hot spots:
1. Rasa validates every action-server response with `jsonschema.validate`, which re-checks the constant events
   schema against the JSON-Schema meta-schema each time (~20 ms CPU per custom action). We cache the compiled
   validator per schema; the instance is still fully validated.
2. `Event.resolve_by_type` walks every Event subclass for every event of every tracker it deserialises
   (~15% of a turn). We memoise name → class; unknown names still go through the original method.
Behaviour is unchanged; tests/test_speedups.py checks both against the originals.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import jsonschema
from jsonschema import exceptions, validators

_original_validate = jsonschema.validate
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """Same contract as jsonschema.validate: raise the best ValidationError, or SchemaError for a bad schema."""
    if cls is not None or args or kwargs:
        _original_validate(instance, schema, cls, *args, **kwargs)
        return
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _cache.get(key)
    if validator is None:
        validator_cls = validators.validator_for(schema)
        validator_cls.check_schema(schema)
        validator = validator_cls(schema)
        with _lock:
            _cache[key] = validator
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_event_types: dict[str, Any] = {}


def install() -> None:
    """Install both speed-ups in this process (idempotent)."""
    jsonschema.validate = cached_validate
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, "_dvc_cached", False):
        return
    original = Event.resolve_by_type

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = _event_types.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                _event_types[type_name] = cls
        return cls

    resolve_by_type._dvc_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign, assignment]
