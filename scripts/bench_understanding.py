"""`make bench`: how well the assistant understands real citizen questions (figures from tests/eval/, in-process)."""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.understanding_eval import evaluate, in_process  # noqa: E402


def main() -> int:
    """Print every figure; --misses also lists what went wrong."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list the questions each figure missed")
    args = parser.parse_args()
    report = evaluate(in_process())
    total = report.real["all"].total
    rows = [
        ("real questions, right procedure or answer (all)", report.real["all"], "≥ 85%"),
        ("  dev split", report.real.get("dev"), ""),
        ("  test split", report.real.get("test"), ""),
        ("right, or the right entry among ≤ 3 choices (all)", report.offered["all"], ""),
        ("  dev split", report.offered.get("dev"), ""),
        ("  test split", report.offered.get("test"), ""),
        ("aspect right (questions with an expected entry)", report.aspect, ""),
        ("  or answered beside it (several aspects asked)", report.aspect_covered, ""),
        ("no diacritics, right (each question folded)", report.plain, "≥ 95%"),
        ("must-decline, no procedure presented", report.decline, ""),
        ("multi-turn first turns right", report.first_turn, ""),
        ("follow-ups right, expected procedure in focus", report.follow_up, "≥ 95%"),
        ("follow-ups right, chained on the bot's own answers", report.chained, ""),
    ]
    print("== understanding (in-process resolver over kb/ and tests/eval/)")
    for label, tally, target in rows:
        print(f"  {label:<52} {tally!s:>18}  {target}")
    share = len(report.wrong) / max(total, 1)
    print(f"  {'wrong-procedure answers (share of real questions)':<52} {share:>8.1%} ({len(report.wrong)}/{total})  ≤ 2%")
    if args.misses:
        for label, tally, _ in rows:
            if tally and tally.misses and not label.startswith(" "):  # a split's misses are tagged in the whole
                print(f"-- {label.strip()}:")
                for miss in tally.misses:
                    print(f"     {miss}")
        print("-- wrong answers:")
        for what in report.wrong:
            print(f"     {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
