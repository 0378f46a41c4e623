"""docs/threat_model.md names, for each threat, the tests that cover it: every one of them must exist."""

from __future__ import annotations

import re

from tests.servers import ROOT

DOC = ROOT / "docs" / "threat_model.md"
REFERENCE = re.compile(r"`((?:[a-z_]+/)?test_[a-z0-9_]+\.py)(?:::(test_[a-z0-9_]+))?`|`::(test_[a-z0-9_]+)`")


def named_tests() -> list[tuple[str, str]]:
    """(file, test) pairs; `::name` refers to the file named last before it."""
    pairs, current = [], ""
    for match in REFERENCE.finditer(DOC.read_text(encoding="utf-8")):
        current = match.group(1) or current
        name = match.group(2) or match.group(3)
        if name:
            pairs.append((current, name))
    return pairs


def test_every_test_the_threat_model_names_exists() -> None:
    pairs = named_tests()
    missing = [f"{f}::{n}" for f, n in pairs if f"def {n}(" not in (ROOT / "tests" / f).read_text(encoding="utf-8")]
    assert len(pairs) >= 30 and not missing, missing
    sections = DOC.read_text(encoding="utf-8")
    for part in ("dossier lookup", "admin pages", "HTTP API", "channels"):
        assert part in sections, part
