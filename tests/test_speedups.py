"""The Rasa speed-ups behave like the originals (run inside the Rasa environment, where they apply)."""

from __future__ import annotations

import json
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
# Differential check: every event type, valid and mutated, gets the same verdict from the fast path and jsonschema.
import copy, itertools
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, ActiveLoop, FollowupAction, Restarted
samples = [e.as_dict() for e in (
    SlotSet("x", 1), SlotSet("y", None), SlotSet("z", {"a": [1]}), ActionExecuted("action_listen", policy="p", confidence=1.0),
    BotUttered("xin chào", {"buttons": [{"title": "a", "payload": "/b"}]}), SessionStarted(), ActiveLoop("f"), ActiveLoop(None),
    FollowupAction("action_answer"), Restarted(),
    UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "e", "start": 0, "end": 1, "value": "v"}],
                {"text": "hi", "intent": {"name": "greet", "confidence": 0.9}, "entities": [], "intent_ranking": []}),
)]
mutations = [
    lambda e: e.pop("event"), lambda e: e.update(event=5), lambda e: e.update(event="no_such"),
    lambda e: e.update(timestamp="now"), lambda e: e.update(timestamp=True), lambda e: e.update(metadata=[]),
    lambda e: e.update(name=3), lambda e: e.pop("name", None), lambda e: e.update(value=None),
    lambda e: e.update(confidence="high"), lambda e: e.update(confidence=True), lambda e: e.update(hide_rule_turn=1),
    lambda e: e.update(text=7), lambda e: e.update(parse_data=[]), lambda e: e.update(entities="x"),
    lambda e: e.update(parse_data={"intent": {"name": 1}}), lambda e: e.update(parse_data={"entities": [{"start": "a"}]}),
]
cases = [{"events": [e]} for e in samples] + [{"events": samples, "responses": [{"text": "a"}]}, {"events": []}, {}]
for sample, mutate in itertools.product(samples, mutations):
    event = copy.deepcopy(sample)
    mutate(event)
    cases.append({"events": [event]})
cases += [{"events": "x"}, {"responses": [1]}, {"responses": {}}, [], None, {"events": [None]}]
def verdict(validate, instance):
    try:
        validate(instance, schema)
        return "ok"
    except jsonschema.ValidationError as exc:
        return "error: " + exc.message
rejected = 0
for case in cases:
    fast, slow = verdict(jsonschema.validate, case), verdict(original_validate, case)
    assert fast == slow, (case, fast, slow)
    rejected += fast != "ok"
print("differential", len(cases), rejected)
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
    total, rejected = next(line for line in result.stdout.splitlines() if line.startswith("differential")).split()[1:]
    assert int(total) > 150 and 50 < int(rejected) < int(total), "the corpus has both valid and invalid replies"


GRAPH_CHECK = r"""
import asyncio, json, sys
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.runner.dask import DaskGraphRunner
from bot.components import rasa_speedups

agent = Agent.load(sys.argv[1])
assert DaskGraphRunner.run is rasa_speedups.run_graph, "the model's custom components install the runner"
texts = json.loads(sys.argv[2])

async def outcomes(prefix):
    out = []
    for i, text in enumerate(texts):
        tracker = await agent.processor.log_message(UserMessage(text, sender_id=f"{prefix}-{i // 3}"))
        prediction = agent.processor._predict_next_with_tracker(tracker)
        parse = tracker.latest_message.parse_data
        ranking = [(r["name"], r["confidence"]) for r in parse.get("intent_ranking", [])]  # bit for bit
        out.append([parse["intent"]["name"], ranking, parse.get("entities"), prediction.policy_name,
                    prediction.probabilities.index(prediction.max_confidence), round(prediction.max_confidence, 9)])
    return out

fast = asyncio.run(outcomes("fast"))
import gc
from rasa.shared.core.domain import Domain
from bot.components import turn_speedups
assert Domain.is_empty is turn_speedups.domain_is_empty
for domain in (agent.processor.domain, Domain.empty(), Domain.from_dict({"intents": ["greet"]})):
    assert domain.is_empty() == turn_speedups.original_is_empty(domain), domain.intents
print("empty", sum(domain.is_empty() for domain in (agent.processor.domain, Domain.empty())))
assert not [hook for hook in gc.callbacks if "xla" in getattr(hook, "__qualname__", "")], "no XLA hook per collection"
DaskGraphRunner.run = rasa_speedups.original_graph_run
import numpy
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier as Classifier
Classifier.process = Classifier.process._dvc_original
Classifier._create_X = rasa_speedups.original_create_x
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
assert CountVectorsFeaturizer._create_features is rasa_speedups.sentence_vectors_only
CountVectorsFeaturizer._create_features = rasa_speedups.original_create_features  # per-token features made again
classifiers = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
               if isinstance(node._component, Classifier)]
assert classifiers and all(c.clf.coef_.flags.f_contiguous for c in classifiers)
for c in classifiers:
    c.clf.coef_ = numpy.ascontiguousarray(c.clf.coef_)
slow = asyncio.run(outcomes("slow"))
assert fast == slow, [(t, f, s) for t, f, s in zip(texts, fast, slow) if f != s][:3]
print("same", len(fast), len({f[0] for f in fast}))

import gc
from rasa.core.processor import MessageProcessor
assert MessageProcessor.handle_message.__wrapped__, "handle_message freezes the heap on the first message"
async def handle(self, message):
    return "replied"
assert gc.get_freeze_count() == 0
wrapped = rasa_speedups._freeze_on_first_message(handle)
assert asyncio.run(wrapped(None, None)) == "replied"
print("frozen", gc.get_freeze_count())
def walks_the_frozen_heap():
    raise AssertionError("gc.get_freeze_count() or gc.freeze() called again after the first message")
gc.get_freeze_count = gc.freeze = gc.collect = walks_the_frozen_heap  # each later message must cost nothing
for _ in range(3):
    assert asyncio.run(wrapped(None, None)) == "replied"
print("later messages skip the freeze")
"""

# Written as users type; not training sentences (those would only replay the classifier's memory).
GRAPH_TEXTS = [
    "chao em",
    "ho so chuyen truong cho con lop 7 can nhung gi",
    "mất bao lâu vậy em",
    "le phi bn",
    "cấp lại bằng tn thpt bị mất thì làm sao",
    "nop qua buu dien dc ko",
    "cảm ơn nhé",
    "em là người hay máy",
    "tra cứu hồ sơ 000.00.31.H26-260112-0003",
    "😀😀",
    "<script>alert(1)</script>",
    "4 sao",
    "/greet",
]


def test_graph_runner_without_dask_gives_the_same_parse_and_prediction() -> None:
    python = servers.RASA_BIN.parent / "python"
    args = [str(python), "-c", GRAPH_CHECK, str(servers.MODEL), json.dumps(GRAPH_TEXTS)]
    result = subprocess.run(args, cwd=ROOT, env=servers.base_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    same = next(line for line in result.stdout.splitlines() if line.startswith("same"))
    assert int(same.split()[1]) == len(GRAPH_TEXTS) and int(same.split()[2]) >= 6, "several intents were compared"
    frozen = next(line for line in result.stdout.splitlines() if line.startswith("frozen"))
    assert int(frozen.split()[1]) > 100_000, "the loaded model's objects are out of the collector's sight"
    assert "later messages skip the freeze" in result.stdout
    assert "empty 1" in result.stdout, "the domain's emptiness is told as before"


POOL_AND_LOCK_CHECK = r"""
import asyncio, json
from aiohttp import web
import bot.components  # installs the speed-ups
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

peers = set()

async def echo(request):
    peers.add(request.transport.get_extra_info("peername"))
    raw = await request.read()
    body = json.loads(raw)
    return web.json_response({"n": body["n"], "text": body["text"], "utf8": "hồ sơ".encode() in raw,
                              "x": request.headers.get("X-Test"), "auth": request.headers.get("Authorization")})

async def calls():
    app = web.Application()
    app.router.add_post("/webhook", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Test": "t"},
                              basic_auth={"username": "u", "password": "p"})
    replies = [await endpoint.request(json={"n": n, "text": "hồ sơ/số 5"}) for n in range(3)]
    assert [r["n"] for r in replies] == [0, 1, 2] and all(r["x"] == "t" for r in replies), replies
    assert all(r["text"] == "hồ sơ/số 5" and r["utf8"] for r in replies), "the same text, sent as UTF-8"
    assert all(r["auth"].startswith("Basic ") for r in replies), "authentication still set per session"
    print("connections", len(peers))
    from bot.components import rasa_speedups
    await rasa_speedups._pool[1].close()
    await runner.cleanup()

asyncio.run(calls())

class CountingStore(InMemoryLockStore):
    calls = 0
    def get_lock(self, conversation_id):
        CountingStore.calls += 1
        return super().get_lock(conversation_id)
    def save_lock(self, lock):
        CountingStore.calls += 1
        super().save_lock(lock)
    def delete_lock(self, conversation_id):
        CountingStore.calls += 1
        super().delete_lock(conversation_id)

store = CountingStore()
first, second = store.issue_ticket("c"), store.issue_ticket("c")
CountingStore.calls = 0
store.cleanup("c", first)
kept = store.calls
assert store.get_lock("c").now_serving == second, "the waiting ticket is kept and served next"
CountingStore.calls = 0
store.cleanup("c", second)
released = store.calls
assert store.get_lock("c") is None, "the last ticket out deletes the lock"
print("lock store calls", kept, released)
"""


def test_action_calls_share_a_connection_and_a_lock_is_released_in_two_calls() -> None:
    python = servers.RASA_BIN.parent / "python"
    args = [str(python), "-c", POOL_AND_LOCK_CHECK]
    result = subprocess.run(args, cwd=ROOT, env=servers.base_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "connections 1" in result.stdout, "Rasa's three calls went over one keep-alive connection"
    assert "lock store calls 2 2" in result.stdout, "read once, then saved (someone waits) or deleted"


RULES_CHECK = r"""
import asyncio, json, sys
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.policies.rule_policy import RulePolicy, RULES, RULES_FOR_LOOP_UNHAPPY_PATH
from rasa.shared.core.events import ActionExecuted
from bot.components import rasa_speedups, rule_speedups  # noqa: F401

agent = Agent.load(sys.argv[1])
assert RulePolicy._get_possible_keys is rule_speedups.possible_rule_keys and RulePolicy._predict._dvc_original
policies = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
            if isinstance(node._component, RulePolicy)]
assert policies
domain = agent.processor.domain
texts = json.loads(sys.argv[2])
compared = longest = 0

def same_keys(tracker):
    global compared
    for policy in policies:
        for use_text in (True, False):
            states = policy._prediction_states(tracker, domain, use_text, rule_only_data=policy._get_rule_only_data())
            for lookup in (policy.lookup[RULES], policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})):
                fast = list(rule_speedups.possible_rule_keys(policy, lookup, states))
                slow = list(rule_speedups.original_possible_keys(policy, lookup, states))
                assert fast == slow, (tracker.sender_id, len(states), fast, slow)  # same keys, same order
                compared += 1

async def conversation(sender, predict):
    global longest
    out = []
    for text in texts:  # one long conversation: every prediction sees the whole session so far
        tracker = await agent.processor.log_message(UserMessage(text, sender_id=sender))
        for _ in range(3):
            same_keys(tracker)
            prediction = predict(tracker)
            name = domain.action_names_or_texts[prediction.max_confidence_index]
            events = [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in prediction.events]
            out.append([name, prediction.policy_name, prediction.probabilities, events,
                        prediction.is_end_to_end_prediction, prediction.hide_rule_turn])
            tracker.update(ActionExecuted(name))
            if name == "action_listen":
                break
        await agent.processor.save_tracker(tracker)
        longest = max(longest, len(tracker.events))
    return out

predict = agent.processor._predict_next_with_tracker
fast = asyncio.run(conversation("rules-fast", predict))
from rasa.shared.core.trackers import DialogueStateTracker
replays = []
replay = DialogueStateTracker.past_states
tracker = asyncio.run(agent.processor.log_message(UserMessage("cam on em nhe", sender_id="rules-count")))
DialogueStateTracker.past_states = lambda self, *args, **kwargs: replays.append(1) or replay(self, *args, **kwargs)
for policy in policies:
    policy.predict_action_probabilities(tracker, domain)  # looks by text, then by intent
DialogueStateTracker.past_states = replay
assert "past_states" not in vars(tracker), "the tracker is left as it was"
print("replays", len(replays), len(policies))
RulePolicy._get_possible_keys = rule_speedups.original_possible_keys
RulePolicy._predict = RulePolicy._predict._dvc_original  # states replayed for each look-up, as before
slow = asyncio.run(conversation("rules-slow", predict))
assert fast == slow, [(f, s) for f, s in zip(fast, slow) if f != s][:3]
print("same", len(fast), len({f[0] for f in fast}), compared, longest)
"""


def test_rule_policy_finds_the_same_rules_replaying_the_conversation_once() -> None:
    python = servers.RASA_BIN.parent / "python"
    args = [str(python), "-c", RULES_CHECK, str(servers.MODEL), json.dumps(GRAPH_TEXTS * 2)]
    result = subprocess.run(args, cwd=ROOT, env=servers.base_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    same = next(line for line in result.stdout.splitlines() if line.startswith("same")).split()
    assert int(same[1]) >= 2 * len(GRAPH_TEXTS) and int(same[2]) >= 3, "several actions were predicted and compared"
    assert int(same[3]) > 100 and int(same[4]) > 80, "rule lookups compared over a long conversation"
    replays, policies = next(line for line in result.stdout.splitlines() if line.startswith("replays")).split()[1:]
    assert int(replays) == int(policies), "one replay of the conversation per prediction, not one per look-up"
