"""Speed-ups 9, 10 and 15 of rasa_speedups.py: the rule policy's look-ups, the same rules with less CPU.

15. Most rules fail a turn on the previous action's name or the user's intent alone (118 rules, 51 of them after
    `action_listen`, each checked in Python, ~9% of Rasa's CPU). The rules are indexed by the name and intent each of
    their turns needs, and only those a turn's name and intent allow are checked in full: the others would fail the
    same check (`_does_rule_match_state` wants every value a rule sets), and the set is filtered in the same order.

Installed by rasa_speedups.install(); tests/test_speedups.py checks them against the original methods.
"""

from __future__ import annotations

import functools
from typing import Any

_rules: dict[str, list[Any]] = {}  # rule key → its states, latest first, lists already read as tuples
PREVIOUS_ACTION = "prev_action"  # rasa.shared.core.constants.PREVIOUS_ACTION, checked by install()
USER = "user"  # rasa.shared.core.constants.USER, checked by install()
SHOULD_NOT_BE_SET = "should_not_be_set"  # rasa.shared.core.constants.SHOULD_NOT_BE_SET, checked by install()
_lengths: dict[str, int] = {}  # rule key → how many turns it has (indexed rules only)
_by_length: dict[int, set[str]] = {}  # how many turns → rule keys
_needs: dict[int, dict[tuple[Any, Any], set[str]]] = {}  # turn → (action name, intent) it needs, None: any → keys


def possible_rule_keys(self: Any, lookup: dict[str, str], states: list[Any]) -> set[str]:
    """RulePolicy._get_possible_keys checking a turn only while some rule left reaches back that far."""
    possible_keys = set(lookup.keys())
    if not possible_keys <= _lengths.keys():
        for key in possible_keys - _lengths.keys():
            _index(self, key)
    longest = 0
    for i, state in enumerate(reversed(states)):
        if possible_keys and i >= longest:
            longest = max(map(_lengths.__getitem__, possible_keys))
        if i >= longest:  # every rule left lets this turn and older ones through, as _is_rule_applicable would say
            if len(possible_keys) > 1:
                for _ in range(len(states) - i):  # the original's rebuilds, so the set iterates in the same order
                    possible_keys = set(iter(possible_keys))
            return possible_keys
        allowed = _allowed(i, state)
        possible_keys = {key for key in possible_keys if key in allowed and _applicable(self, _rule_states(self, key), i, state)}
    return possible_keys


def _index(policy: Any, key: str) -> None:
    """Record a rule's length and, for each of its turns, the action name and intent that turn needs (or None)."""
    states = _rule_states(policy, key)
    _lengths[key] = len(states)
    _by_length.setdefault(len(states), set()).add(key)
    for i, state in enumerate(states):
        # Without a previous action, a rule's turn matches any turn without one whatever the intent (_applicable).
        intent = _needed(state, USER, "intent") if state.get(PREVIOUS_ACTION) else None
        need = (_needed(state, PREVIOUS_ACTION, "action_name"), intent)
        _needs.setdefault(i, {}).setdefault(need, set()).add(key)


def _needed(state: Any, kind: str, field: str) -> Any:
    """The value a rule's state needs the conversation's to equal (None: it needs none, as _does_rule_match_state)."""
    value = state.get(kind, {}).get(field)
    return value if value and value != SHOULD_NOT_BE_SET else None


def _allowed(turn: int, state: Any) -> set[str]:
    """Rules that this conversation turn's action name and intent do not rule out (and those shorter than the turn)."""
    name = state.get(PREVIOUS_ACTION, {}).get("action_name")
    intent = state.get(USER, {}).get("intent")
    needs = _needs.get(turn, {})
    allowed: set[str] = set()
    for need in {(name, intent), (name, None), (None, intent), (None, None)}:
        allowed |= needs.get(need, set())
    for length, keys in _by_length.items():
        if length <= turn:  # the rule lets this turn and older ones through
            allowed |= keys
    return allowed


def _rule_states(policy: Any, key: str) -> list[Any]:
    """A rule key's states, latest first, each list value as the tuple _does_rule_match_state compares it as."""
    states = _rules.get(key)
    if states is None:
        states = [
            {kind: {k: tuple(v) if isinstance(v, list) else v for k, v in sub.items()} for kind, sub in state.items()}
            for state in reversed(policy._rule_key_to_state(key))
        ]
        _rules[key] = states
    return states


def _applicable(policy: Any, rule_states: list[Any], turn_index: int, conversation_state: Any) -> bool:
    """RulePolicy._is_rule_applicable on a rule's states read once (the same tests, in the same order)."""
    if turn_index >= len(rule_states):
        return True
    current_previous_action = conversation_state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_states[turn_index].get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return bool(policy._does_rule_match_state(rule_states[turn_index], conversation_state))


def _states_once(predict: Any) -> Any:
    """Wrap RulePolicy._predict: the tracker's past states computed once for its look-ups, each given a copy."""

    @functools.wraps(predict)
    def wrapped(self: Any, tracker: Any, domain: Any) -> Any:
        replay = tracker.past_states
        kept: list[tuple[Any, tuple[Any, ...], list[Any]]] = []  # (domain, other arguments, pristine states)

        def past_states(
            domain: Any, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False, rule_only_data: Any = None
        ) -> list[Any]:
            arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            if kept and kept[0][0] is domain and kept[0][1] == arguments:
                return _copy_states(kept[0][2])
            states: list[Any] = replay(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            kept[:] = [(domain, arguments, _copy_states(states))]
            return states

        tracker.past_states = past_states  # this prediction only: the tracker does not change while it runs
        try:
            return predict(self, tracker, domain)
        finally:
            del tracker.past_states

    wrapped._dvc_original = predict  # type: ignore[attr-defined]
    return wrapped


def _copy_states(states: list[Any]) -> list[Any]:
    """States as past_states builds them: new dicts down to the sub-states, whose values are strings and tuples."""
    return [{kind: dict(sub) for kind, sub in state.items()} for state in states]


original_possible_keys: Any = None  # RulePolicy._get_possible_keys before install(), for tests/test_speedups.py


def install() -> None:
    """Patch RulePolicy in this process (called once, by rasa_speedups.install)."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core import constants

    assert (constants.PREVIOUS_ACTION, constants.USER) == (PREVIOUS_ACTION, USER)
    assert constants.SHOULD_NOT_BE_SET == SHOULD_NOT_BE_SET
    global original_possible_keys
    original_possible_keys = RulePolicy._get_possible_keys
    RulePolicy._get_possible_keys = possible_rule_keys  # type: ignore[method-assign]
    RulePolicy._predict = _states_once(RulePolicy._predict)  # type: ignore[method-assign]
