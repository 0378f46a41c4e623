"""Score the resolver on tests/eval/ (real questions, must-decline, multi-turn): shared by the tests and the bench."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from textnorm import fold

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "eval"

# (text, focus, last_aspect, topic) → the resolver's JSON (decision, kind, slug, aspect, ...)
Resolve = Callable[[str, str | None, str | None, str | None], dict[str, Any]]


def load(name: str) -> list[dict[str, Any]]:
    """One eval file's entries ([] while it does not exist yet)."""
    path = EVAL_DIR / name
    if not path.exists():
        return []
    data: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return data


def real_questions() -> list[dict[str, Any]]:
    """Every real citizen question of every real_questions_*.yaml file."""
    return [q for path in sorted(EVAL_DIR.glob("real_questions_*.yaml")) for q in load(path.name)]


def code_to_slug() -> dict[str, str]:
    """National code (and former codes) → kb slug, read from kb/procedures."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "kb" / "procedures").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for code in [doc.get("code"), *[f.get("code") for f in doc.get("former_codes") or []]]:
            if code:
                out.setdefault(str(code), str(doc["slug"]))
    return out


class Decline(set[str]):
    """A question the catalogue does not cover: declining is right, and so is naming one of its `also_ok` entries."""


def accepted(expect: dict[str, Any], also_ok: list[str], codes: dict[str, str]) -> set[str] | None:
    """The slugs an answer may name (None, or a Decline holding the tolerated entries, when it must be declined)."""
    if "none" in expect:
        return Decline(codes.get(str(w), str(w)) for w in also_ok) if also_ok else None
    wanted = [expect.get("procedure") or expect.get("topic"), *also_ok]
    return {codes.get(str(w), str(w)) for w in wanted if w}


@dataclass
class Tally:
    """Right / total counts with the misses kept for the report."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        """Count one case."""
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(what)

    @property
    def rate(self) -> float:
        """Share right (1.0 when empty)."""
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:.1%} ({self.right}/{self.total})"


def judge(result: dict[str, Any], ok: set[str] | None) -> tuple[bool, bool]:
    """(right, wrong) for one reply: right = names an accepted entry (or declines when it must); wrong = names another."""
    answered = result["decision"] == "answer" and result.get("slug")
    if ok is None or isinstance(ok, Decline):
        wrong = bool(answered and result.get("kind") == "procedure" and result["slug"] not in (ok or ()))
        return not wrong, wrong
    if not answered:
        return False, False
    return result["slug"] in ok, result["slug"] not in ok


def offered_right(result: dict[str, Any], ok: set[str] | None, most: int = 3) -> bool:
    """Right, or a choice of at most `most` entries that holds an accepted one (the user taps the one meant)."""
    right, _ = judge(result, ok)
    if right or ok is None or isinstance(ok, Decline) or result["decision"] != "choose":
        return right
    slugs = [str(c.get("slug")) for c in result.get("candidates") or []]
    return 0 < len(slugs) <= most and any(s in ok for s in slugs)


@dataclass
class Report:
    """Every figure of the understanding benchmark."""

    real: dict[str, Tally] = field(default_factory=dict)  # all, dev, test
    offered: dict[str, Tally] = field(default_factory=dict)  # right, or the right entry among ≤ 3 choices
    aspect: Tally = field(default_factory=Tally)
    aspect_covered: Tally = field(default_factory=Tally)  # the expected aspect among those the reply answers
    wrong: list[str] = field(default_factory=list)  # real questions answered with an entry not accepted
    plain: Tally = field(default_factory=Tally)  # no diacritics
    decline: Tally = field(default_factory=Tally)
    follow_up: Tally = field(default_factory=Tally)  # the previous turn's expected procedure in focus
    chained: Tally = field(default_factory=Tally)  # the focus the bot's own previous answers left
    first_turn: Tally = field(default_factory=Tally)


def evaluate(resolve: Resolve) -> Report:
    """Run every eval file through `resolve` (the in-process engine or the HTTP endpoint)."""
    codes = code_to_slug()
    report = Report(real={"all": Tally(), "dev": Tally(), "test": Tally()})
    report.offered = {"all": Tally(), "dev": Tally(), "test": Tally()}
    for q in real_questions():
        ok = accepted(q["expect"], q.get("also_ok") or [], codes)
        text = str(q["question"])
        result = resolve(text, None, None, None)
        right, wrong = judge(result, ok)
        offered = [c.get("slug") for c in result.get("candidates") or []]
        said = f"{result['decision']} {result.get('slug') or offered}"
        what = f"{q['id']} [{q.get('split', 'test')}]: {said} (want {sorted(ok) if ok else 'none'})"
        for split in ("all", str(q.get("split", "test"))):
            report.real.setdefault(split, Tally()).add(right, what)
            report.offered.setdefault(split, Tally()).add(offered_right(result, ok), what)
        if wrong:
            report.wrong.append(what)
        if ok is not None and not isinstance(ok, Decline) and q.get("aspect"):
            report.aspect.add(result["aspect"] == q["aspect"], f"{q['id']}: {result['aspect']} (want {q['aspect']})")
            covered = q["aspect"] in (result["aspect"], *(result.get("also_aspects") or ()))
            report.aspect_covered.add(covered, f"{q['id']}: {result['aspect']} (want {q['aspect']})")
        plain_text = text if text.isascii() else fold(text)
        plain_right, _ = judge(resolve(plain_text, None, None, None), ok)
        report.plain.add(plain_right, f"{q['id']} (no diacritics)")
    for q in load("must_decline.yaml"):
        result = resolve(str(q["question"]), None, None, None)
        right, _ = judge(result, None)
        report.decline.add(right, f"{q['id']}: {result['decision']} {result.get('slug')}")
    for dialogue in load("multi_turn.yaml"):
        _dialogue(resolve, dialogue, codes, report)
    return report


def _turn_right(result: dict[str, Any], expect: dict[str, Any], also_ok: list[str], codes: dict[str, str]) -> bool:
    """The turn names an accepted entry (or declines when it must), a procedure with the expected aspect.

    A topic's reply is its whole answer whatever the aspect (actions/answer.py), so only a procedure's is judged.
    """
    ok = accepted(expect, also_ok, codes)
    right, _ = judge(result, ok)
    aspect_seen = result.get("kind") == "procedure" and bool(expect.get("aspect"))
    return right and (not aspect_seen or result["aspect"] == expect["aspect"])


def _dialogue(resolve: Resolve, dialogue: dict[str, Any], codes: dict[str, str], report: Report) -> None:
    """Score one dialogue twice: focus from the expected previous turn (as after a pick), and chained as it runs."""
    chained: tuple[str | None, str | None, str | None] = (None, None, None)  # procedure, aspect, topic in focus
    given: tuple[str | None, str | None, str | None] = (None, None, None)
    for number, turn in enumerate(dialogue["turns"]):
        expect, also_ok = turn.get("expect") or {}, turn.get("also_ok") or []
        where = f"{dialogue['id']}#{number + 1}"
        result = resolve(str(turn["say"]), *chained)
        right = _turn_right(result, expect, also_ok, codes)
        (report.first_turn if number == 0 else report.chained).add(right, f"{where}: {result.get('slug')} [{result['aspect']}]")
        if number:
            result_given = resolve(str(turn["say"]), *given)
            what = f"{where}: {result_given['decision']} {result_given.get('slug')} [{result_given['aspect']}]"
            report.follow_up.add(_turn_right(result_given, expect, also_ok, codes), what)
        if result["decision"] == "answer" and result.get("kind") == "procedure":
            chained = (result["slug"], result["aspect"], None)
        elif result["decision"] == "answer" and result.get("kind") == "topic":
            chained = (None, None, result["slug"])  # the topic answered last is the focus now (actions/answer.py)
        if expect.get("procedure"):
            given = (codes.get(str(expect["procedure"]), str(expect["procedure"])), expect.get("aspect"), None)
        elif expect.get("topic"):
            given = (None, None, str(expect["topic"]))


def in_process() -> Resolve:
    """The resolver called in-process over a fresh SQLite database loaded from kb/ (API-level figures)."""
    import tempfile

    from api.catalogue.loader import load_catalogue, read_catalogue
    from api.catalogue.resolve import resolve
    from api.catalogue.store import snapshot
    from api.cli import migrate
    from api.db import session_factory

    url = f"sqlite:///{tempfile.mkdtemp(prefix='dvc-eval-')}/dvc.db"
    migrate(url)
    with session_factory(url)() as session:
        load_catalogue(session, read_catalogue(ROOT / "kb", ROOT / "site.yaml"))
        snap = snapshot(session)
    assert snap is not None

    def run(text: str, focus: str | None, last_aspect: str | None, topic: str | None) -> dict[str, Any]:
        return resolve(snap, text, focus=focus, last_aspect=last_aspect, topic=topic)

    return run
