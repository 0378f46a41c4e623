"""Speed-ups 9 and 10 of rasa_speedups.py: the rule policy's look-ups, the same rules with less CPU.

Installed by rasa_speedups.install(); tests/test_speedups.py checks them against the original methods.
"""

from __future__ import annotations

import functools
from typing import Any

_rules: dict[str, list[Any]] = {}  # rule key → its states, latest first, lists already read as tuples
PREVIOUS_ACTION = "prev_action"  # rasa.shared.core.constants.PREVIOUS_ACTION, checked by install()


def possible_rule_keys(self: Any, lookup: dict[str, str], states: list[Any]) -> set[str]:
    """RulePolicy._get_possible_keys checking a turn only while some rule left reaches back that far."""
    possible_keys = set(lookup.keys())
    longest = 0
    for i, state in enumerate(reversed(states)):
        if possible_keys and i >= longest:
            longest = max(len(_rule_states(self, key)) for key in possible_keys)
        if i >= longest:  # every rule left lets this turn and older ones through, as _is_rule_applicable would say
            if len(possible_keys) > 1:
                for _ in range(len(states) - i):  # the original's rebuilds, so the set iterates in the same order
                    possible_keys = set(iter(possible_keys))
            return possible_keys
        possible_keys = {key for key in possible_keys if _applicable(self, _rule_states(self, key), i, state)}
    return possible_keys


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

    assert constants.PREVIOUS_ACTION == PREVIOUS_ACTION
    global original_possible_keys
    original_possible_keys = RulePolicy._get_possible_keys
    RulePolicy._get_possible_keys = possible_rule_keys  # type: ignore[method-assign]
    RulePolicy._predict = _states_once(RulePolicy._predict)  # type: ignore[method-assign]
