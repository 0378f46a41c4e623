"""Fifteen measured speed-ups for Rasa 3.6, installed when the NLU pipeline is imported (see __init__.py).

Profiling a turn under load (py-spy, `make bench`) showed these pure-overhead hot spots:
1. Rasa validates every action-server response with `jsonschema.validate`, which re-checks the constant events
   schema against the JSON-Schema meta-schema each time (~20 ms CPU per custom action), then walks a 23-branch
   `oneOf` per event building an error object for every branch that fails (~2.5 ms per call, a sixth of a turn).
   We cache the jsonschema validator per schema, and check an action-server reply first with one compiled
   fastjsonschema validator per event type; a reply it does not accept goes through jsonschema, which has the
   last word and raises the same error as before.
2. `Event.resolve_by_type` walks every Event subclass for every event of every tracker it deserialises
   (~15% of a turn). We memoise name → class; unknown names still go through the original method.
3. Every message runs Rasa's graphs (NLU once, the policies once per predicted action) through `dask.get`, whose
   scheduling costs more than some of the components it schedules. The graphs are small, pure and acyclic, so
   we evaluate each target's dependencies directly, in dependency order, each node once, as dask does.
4. The intent classifier multiplies each message's sparse features by `coef_.T`; scikit-learn stores `coef_` in
   C order, so SciPy copies the transposed 33 x 5 500 matrix on every message (~0.3 ms). Storing the same numbers
   in Fortran order makes `coef_.T` C-contiguous: no copy, bit-identical probabilities.
5. Python's full garbage collection walks every object: the loaded model and libraries are ~500 000 of them,
   so a full pass took ~200 ms and stalled every reply in flight (the p95 under load). On the first message,
   once the model is loaded, `gc.freeze()` moves those long-lived objects out of the collector's sight;
   objects created afterwards are collected as before.
6. Rasa opens a new aiohttp session, and so a new TCP connection, for every call to the action server (~7% of
   Rasa's CPU, plus the accept and connection set-up in nginx and the action server). Its sessions now share one
   keep-alive connector per event loop; headers, authentication and timeout are still set per session as before.
   Their JSON bodies (the whole conversation on each action call) are encoded by ujson with letters left as UTF-8
   (a Vietnamese letter is 2-3 bytes instead of a 6-byte escape): the same JSON once parsed, sooner and smaller.
7. Releasing a conversation's lock read it from the lock store twice and wrote it once before deleting it (four
   Redis round trips, each blocking Rasa's event loop). It now reads it once and then writes or deletes it, deciding
   on the lock it just read: the same outcome, and no wider window for another instance's ticket to slip in.
8. The intent classifier asks each message for its combined sparse features and keeps only the sentence ones; the
   sequence ones (a row per token, per featurizer) were deep-copied and stacked for nothing (~4% of Rasa's CPU).
   It now combines the sentence features alone, with the same functions: the same matrix.
9. The rule policy (rule_speedups.py) matches its rules against the conversation's states, latest turn first, for
   each look-up (the whole look-up was ~9% of Rasa's CPU under load): each rule key was parsed and reversed again
   for every check, and every turn older than the rules was still checked against each rule left. Each rule's
   states are now read once, and the turns stop once older than the longest rule left (the set is rebuilt as often
   as before, so it iterates in the same order): the same rules.
10. The rule policy (rule_speedups.py) looks for a rule twice after a user message (by its text, then by its
   intent), and each time recomputes the states of the whole conversation by replaying every event (about 1 ms in
   a 30-turn one). It now replays them once per prediction and gives each look-up its own copy (each removes a
   different feature).
11. Each count-vectors featurizer turned a message's text into a matrix row per token as well as the sentence's
   one; the classifier reads only the sentence's (8 above) and nothing else reads features (config.yml), so for
   text the per-token rows are no longer made (~3% of Rasa's CPU). Other attributes keep theirs.
12-14. turn_speedups.py: the domain's emptiness check, jax's garbage-collection hook, the classifier's input matrix.
15. rule_speedups.py: rules are checked only where the turn's previous action and intent allow them.
Behaviour is unchanged; tests/test_speedups.py checks each against the original.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import threading
from typing import Any

import fastjsonschema
import jsonschema
import ujson
from jsonschema import exceptions, validators

from bot.components import rule_speedups, turn_speedups

_original_validate = jsonschema.validate
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """Same contract as jsonschema.validate: raise the best ValidationError, or SchemaError for a bad schema."""
    if cls is not None or args or kwargs:
        _original_validate(instance, schema, cls, *args, **kwargs)
        return
    if _is_action_response_schema(schema) and _valid_action_response(instance):
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


_event_validators: dict[str, Any] = {}  # event name → fastjsonschema function for "the base schema and its branch"


def _is_action_response_schema(schema: Any) -> bool:
    """Rasa's RemoteAction.action_response_format_spec(): events are its shared EVENTS_SCHEMA object."""
    from rasa.shared.utils.schemas.events import EVENTS_SCHEMA

    return isinstance(schema, dict) and (schema.get("properties") or {}).get("events") is EVENTS_SCHEMA


def _valid_action_response(instance: Any) -> bool:
    """True only when the reply is valid; False sends it to full validation (which has the last word).

    Each event's `oneOf` branch is picked by its `event` name: the branches' `event` consts differ and `event`
    is required, so an event valid against the base schema and its own branch matches exactly one branch.
    """
    if not isinstance(instance, dict):
        return False
    responses = instance.get("responses", [])
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        return False
    events = instance.get("events", [])
    if not isinstance(events, list):
        return False
    for event in events:
        check = _event_validators.get(event.get("event")) if isinstance(event, dict) else None
        if check is None:
            return False
        try:
            check(event)
        except fastjsonschema.JsonSchemaException:
            return False
    return True


def _compile_event_validators() -> None:
    """One compiled validator per event type of Rasa's EVENT_SCHEMA (base properties plus that type's branch)."""
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    base = {k: v for k, v in EVENT_SCHEMA.items() if k != "oneOf"}
    for branch in EVENT_SCHEMA["oneOf"]:
        name = branch["properties"]["event"]["const"]
        _event_validators[name] = fastjsonschema.compile({"allOf": [base, branch]})


_event_types: dict[str, Any] = {}
original_graph_run: Any = None  # DaskGraphRunner.run before install(), for tests/test_speedups.py


def run_graph(self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
    """DaskGraphRunner.run without dask: the same results for the same graph, inputs and targets."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    values: dict[str, Any] = {}  # node or input name → (name, output), what GraphNode.__call__ returns
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in schema.nodes:
            raise GraphRunError(f"Input value '{value}' clashes with a node name.")
        values[name] = (name, value)

    def output(name: str) -> Any:
        if name not in values:
            node = schema.nodes.get(name)
            if node is None:  # dask passes a string that names nothing through unchanged
                return name
            values[name] = self._instantiated_nodes[name](*(output(need) for need in node.needs.values()))
        return values[name]

    try:
        return dict(output(target) for target in run_targets)
    except RuntimeError as exc:
        raise GraphRunError("Error running runner.") from exc


def _fortran_coefficients(process: Any) -> Any:
    """Wrap LogisticRegressionClassifier.process: coefficients in Fortran order before the first prediction."""

    @functools.wraps(process)  # Rasa validates components by the signature and type hints of `process`
    def wrapped(self: Any, messages: Any) -> Any:
        coef = getattr(self.clf, "coef_", None)
        if coef is not None and not coef.flags.f_contiguous:
            import numpy

            self.clf.coef_ = numpy.asfortranarray(coef)
        return process(self, messages)

    wrapped._dvc_original = process  # type: ignore[attr-defined]
    return wrapped


def sentence_features_only(self: Any, messages: Any) -> Any:
    """LogisticRegressionClassifier._create_X without combining the sequence features it throws away."""
    from rasa.shared.nlu.constants import TEXT
    from scipy.sparse import csr_matrix, hstack, vstack

    rows = []
    for message in messages:
        sparse = message._combine_features(message._filter_sparse_features(TEXT, [])[1], [])
        dense = message._combine_features(message._filter_dense_features(TEXT, [])[1], [])
        rows.append(hstack([csr_matrix(sparse.features if sparse else []), csr_matrix(dense.features if dense else [])]))
    return vstack(rows)


original_create_x: Any = None  # LogisticRegressionClassifier._create_X before install(), for tests/test_speedups.py
original_create_features: Any = None  # CountVectorsFeaturizer._create_features before install(), for the tests


def sentence_vectors_only(self: Any, attribute: str, all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
    """CountVectorsFeaturizer._create_features for text without the per-token matrices nobody reads."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    if attribute not in DENSE_FEATURIZABLE_ATTRIBUTES or not self.vectorizers.get(attribute):
        return original_create_features(self, attribute, all_tokens)  # type: ignore[no-any-return]
    sentences: list[Any] = []
    for tokens in all_tokens:
        if not tokens:
            sentences.append(None)
            continue
        vector = self.vectorizers[attribute].transform([" ".join(tokens)])
        vector.sort_indices()
        sentences.append(vector.tocoo())
    return [None] * len(all_tokens), sentences


_frozen = False  # set once the heap is frozen: `gc.get_freeze_count()` walks all ~500 000 frozen objects per call


def _freeze_on_first_message(handle_message: Any) -> Any:
    """Wrap MessageProcessor.handle_message: `gc.freeze()` once, when the first message arrives.

    A module flag, not `gc.get_freeze_count()`: that counts the frozen objects one by one, and calling it on
    every message took most of Rasa's CPU under load.
    """

    @functools.wraps(handle_message)
    async def wrapped(self: Any, message: Any) -> Any:
        global _frozen
        if not _frozen:
            _frozen = True
            turn_speedups.drop_xla_gc_hook()  # in case jax was imported after install()
            gc.collect()
            gc.freeze()
        return await handle_message(self, message)

    return wrapped


_pool: tuple[Any, Any] | None = None  # (event loop, its shared aiohttp connector)
POOL_KEEPALIVE_SECONDS = 10  # below the keep-alive of nginx (75 s) and of the action server (Sanic, 30 s)


def compact_json(value: Any) -> str:
    """JSON text for Rasa's HTTP calls; json.dumps for whatever ujson refuses, so an error stays json's own."""
    try:
        text: str = ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)
    return text


def pooled_session(self: Any) -> Any:
    """EndpointConfig.session on the event loop's shared keep-alive connector (the session closing leaves it open)."""
    global _pool
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    if _pool is None or _pool[0] is not loop or _pool[1].closed:
        _pool = (loop, aiohttp.TCPConnector(keepalive_timeout=POOL_KEEPALIVE_SECONDS))
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=_pool[1],
        connector_owner=False,
        json_serialize=compact_json,
    )


def release_lock(self: Any, conversation_id: str, ticket_number: int) -> None:
    """LockStore.cleanup in two store calls instead of four: drop our ticket, then save the lock or delete it."""
    lock = self.get_lock(conversation_id)
    if lock is not None:
        lock.remove_ticket_for(ticket_number)
        if lock.is_someone_waiting():
            self.save_lock(lock)
            return
    self.delete_lock(conversation_id)


def install() -> None:
    """Install the speed-ups in this process (idempotent)."""
    if not _event_validators:
        _compile_event_validators()
    jsonschema.validate = cached_validate
    from rasa.engine.runner.dask import DaskGraphRunner

    global original_graph_run
    if original_graph_run is None:
        original_graph_run = DaskGraphRunner.run
        DaskGraphRunner.run = run_graph  # type: ignore[method-assign]
        from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier as Classifier

        Classifier.process = _fortran_coefficients(Classifier.process)  # type: ignore[method-assign]
        global original_create_x
        original_create_x = Classifier._create_X
        Classifier._create_X = sentence_features_only  # type: ignore[method-assign]
        from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

        global original_create_features
        original_create_features = CountVectorsFeaturizer._create_features
        CountVectorsFeaturizer._create_features = sentence_vectors_only  # type: ignore[method-assign]
        from rasa.core.processor import MessageProcessor

        MessageProcessor.handle_message = _freeze_on_first_message(MessageProcessor.handle_message)  # type: ignore[method-assign]
        from rasa.utils.endpoints import EndpointConfig

        EndpointConfig.session = pooled_session  # type: ignore[method-assign]
        from rasa.core.lock_store import LockStore

        LockStore.cleanup = release_lock  # type: ignore[method-assign]
        rule_speedups.install()
        turn_speedups.install()
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
