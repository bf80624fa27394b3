"""The README's "Regenerating the client" steps, followed on a scratch copy of the repository.

A maintainer's change to the server API: one new optional request field and one new route in
openapi.yaml. Then ``make generate``, ``make regen-report`` (names both, and the local server's
missing route), the rows in scripts/api_coverage.py, and the report comes back clean.
Runs the generator twice (a few seconds each), hence the marker.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.regen

README = Path(__file__).resolve().parents[2] / "README.md"
MakeRunner = Callable[..., subprocess.CompletedProcess[str]]


def _readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Regenerating the client.*?(?=^## )", text, re.M | re.S)
    assert match, "README has no 'Regenerating the client' section"
    return match.group(0)


def _numbered_step_commands(section: str) -> list[str]:
    """The ``make`` targets of the numbered steps, in order (first command of each step)."""
    steps = re.findall(r"^\d+\. (.*?)(?=^\d+\. |\Z)", section, re.M | re.S)
    commands = []
    for step in steps:
        found = re.search(r"`make ([a-z-]+)`", step)
        commands.append(found.group(1) if found else "")
    return commands


def _change_the_api(repo: Path) -> None:
    """Step 1: an optional field on save_weights and a new route, as a server change brings."""
    path = repo / "openapi.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["SaveWeightsRequest"]["properties"]["compress"] = {
        "type": "boolean",
        "description": "Compress the checkpoint files.",
    }
    schemas["PauseTrainingRequest"] = {
        "type": "object",
        "required": ["model_id"],
        "properties": {"model_id": {"type": "string"}},
    }
    spec["paths"]["/api/v1/pause_training"] = {
        "post": {
            "operationId": "pause_training",
            "tags": ["training"],
            "summary": "Pause a session's training.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/PauseTrainingRequest"}
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Paused.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}
                    },
                }
            },
        }
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


_ROWS = """
# Added while following the README's regeneration steps.
ROUTES["pause_training"] = NotExposed("a pause is an operator action in this scenario")
ROUTES["save_weights"].fields["compress"] = Because("checkpoints are small in this scenario")
LOCAL_SERVER_OMITS["pause_training"] = "the local server never needs pausing in this scenario"
"""


def test_readme_lists_the_steps_this_test_follows() -> None:
    commands = _numbered_step_commands(_readme_section())
    assert commands[:3] == ["", "generate", "regen-report"], commands
    assert "test" in commands and commands[-1] == "check-generated", commands


def test_adding_a_field_and_a_route_then_following_the_readme(
    scratch_repo: Path, venv_dir: Path, run_make: MakeRunner
) -> None:
    venv = f"VENV={venv_dir}"
    _change_the_api(scratch_repo)

    generated = run_make(scratch_repo, "generate", venv)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "added   api/training/pause_training.py" in generated.stdout
    assert "added   models/pause_training_request.py" in generated.stdout
    assert "changed models/save_weights_request.py" in generated.stdout
    imported = subprocess.run(
        [sys.executable, "-c", "import xorl_openapi.api.training.pause_training as m; m.sync"],
        env={**os.environ, "PYTHONPATH": str(scratch_repo / "generated")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr

    report = run_make(scratch_repo, "regen-report", venv)
    todo = [line for line in report.stdout.splitlines() if line.startswith("- ")]
    assert report.returncode != 0
    assert todo == [
        "- facade: no row for POST /api/v1/pause_training (pause_training): add Route(...) or "
        "NotExposed(reason) to ROUTES in scripts/api_coverage.py",
        "- facade: save_weights request field 'compress' is set by no facade parameter: add "
        "Param(...) or Because(reason) to its row in scripts/api_coverage.py",
        "- local server: does not serve POST /api/v1/pause_training (pause_training): add the "
        "route to xorl_client/local/app.py, or the reason to LOCAL_SERVER_OMITS in "
        "scripts/api_coverage.py",
    ], report.stdout

    with (scratch_repo / "scripts" / "api_coverage.py").open("a", encoding="utf-8") as table:
        table.write(_ROWS)
    again = subprocess.run(
        [sys.executable, "scripts/regen_report.py", "--skip-generated"],
        cwd=scratch_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing left to do" in again.stdout
