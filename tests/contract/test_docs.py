"""Statements in README.md and docs/architecture.md that code can contradict are checked here.

(The naming table of docs/architecture.md is checked against openapi.yaml in test_spec_valid.py;
the README's regeneration steps are followed in test_regeneration_walk.py.)
"""

from __future__ import annotations

from pathlib import Path

from xorl_client._retry import RETRYABLE_IDEMPOTENT_STATUSES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_docs_name_the_statuses_reads_and_polls_are_retried_on() -> None:
    statuses = "/".join(str(status) for status in sorted(RETRYABLE_IDEMPOTENT_STATUSES))
    for name, text in (("README.md", README), ("docs/architecture.md", ARCHITECTURE)):
        flat = " ".join(text.split())
        assert f"retried on connection errors and {statuses}" in flat, name
        assert "errors and 5xx" not in flat, name


def test_readme_names_every_template_we_override() -> None:
    templates = sorted(
        path.relative_to(ROOT / "templates").as_posix()
        for path in (ROOT / "templates").rglob("*.jinja")
    )
    assert templates
    for name in templates:
        assert f"`{name}`" in README, name
    assert "the one template" not in README
