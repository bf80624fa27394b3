"""``docs/compatibility.md`` names a test for every deliberate difference: each one must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "compatibility.md"


def test_every_test_the_compatibility_page_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    refs: list[tuple[str, str]] = []
    for row in text.splitlines():
        current = None
        for path, name in re.findall(r"`(?:(tests/[\w/]+\.py))?::(\w+)", row):
            current = path or current
            assert current, f"a test name without its file in: {row[:80]}"
            refs.append((current, name))
    assert len(refs) >= 25
    for path, name in refs:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{path}::{name} is missing"
