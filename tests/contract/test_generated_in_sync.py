"""generated/xorl_openapi is exactly what openapi.yaml produces, and the tools cannot lose work.

``make generate`` / ``make check-generated`` run ``scripts/generate.py``: pinned tools checked
first, generation into a temporary directory, and ``--check`` never writes under generated/.
The destructive cases run on a scratch copy of the repository, through make, as a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import generate
import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = Path("generated") / generate.PACKAGE
MakeRunner = Callable[..., subprocess.CompletedProcess[str]]


def test_regenerating_from_the_spec_reproduces_generated_exactly() -> None:
    drift = generate.check(ROOT)
    assert drift.lines() == []


def test_the_generated_package_is_typed() -> None:
    # Written by the generator's post hook, so check-generated keeps it exact.
    assert (ROOT / GENERATED / "py.typed").is_file()


def test_check_reports_a_hand_edit_and_never_touches_generated(
    scratch_repo: Path, venv_dir: Path, run_make: MakeRunner
) -> None:
    package = scratch_repo / GENERATED
    edited = package / "models" / "error_detail.py"
    edited.write_text(edited.read_text() + "\n# a hand edit\n")
    (package / "models" / "error_detail.py.orig").write_text("left over\n")
    (package / "api" / "system" / "root.py").unlink()
    before = generate.tree(package)

    result = run_make(scratch_repo, "check-generated", f"VENV={venv_dir}")

    assert result.returncode != 0, result.stdout + result.stderr
    drift = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    # Exactly the three changes: the scratch copy is not a git repository, so every other file
    # is "not committed" - in sync is what counts, not git status.
    assert drift == [
        "missing api/system/root.py",
        "extra   models/error_detail.py.orig",
        "changed models/error_detail.py",
    ]
    assert "matches" not in result.stdout
    assert generate.tree(package) == before  # the edit, the extra file and the gap all survive


def _path_without(*tools: str) -> str:
    """PATH minus every directory that holds one of ``tools``."""
    keep = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not any(shutil.which(tool, path=entry) for tool in tools)
    ]
    return os.pathsep.join(keep)


def test_generate_without_the_tools_fails_before_deleting_anything(
    scratch_repo: Path, tmp_path: Path, run_make: MakeRunner
) -> None:
    # A venv with a Python but without the dev extra (what `make demo` leaves behind).
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    env = {**os.environ, "PATH": _path_without("openapi-python-client", "ruff")}
    before = generate.tree(scratch_repo / GENERATED)

    result = run_make(scratch_repo, "generate", f"VENV={bare}", env=env)

    assert result.returncode != 0
    assert "openapi-python-client is not on PATH (need openapi-python-client==" in result.stderr
    assert "ruff is not on PATH" in result.stderr
    assert "make install" in result.stderr and "nothing was changed" in result.stderr
    assert generate.tree(scratch_repo / GENERATED) == before


def test_generate_without_a_venv_fails_before_deleting_anything(
    scratch_repo: Path, tmp_path: Path, run_make: MakeRunner
) -> None:
    before = generate.tree(scratch_repo / GENERATED)
    result = run_make(scratch_repo, "generate", f"VENV={tmp_path / 'no-venv'}")
    assert result.returncode != 0
    assert "run 'make install' first (nothing was changed)" in result.stderr
    assert generate.tree(scratch_repo / GENERATED) == before


def test_a_wrong_tool_version_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool, version in (("openapi-python-client", "0.1.0"), ("ruff", "9.9.9")):
        script = fake / tool
        script.write_text(f"#!/bin/sh\necho '{tool} version: {version}'\n")
        script.chmod(0o755)
    with pytest.raises(generate.ToolError) as caught:
        generate.require_tools(ROOT, env={"PATH": str(fake)})
    pins = generate.pinned_versions(ROOT)
    message = str(caught.value)
    assert (
        f"openapi-python-client 0.1.0 is on PATH, but pyproject.toml pins {pins['openapi-python-client']}"
        in message
    )
    assert f"ruff 9.9.9 is on PATH, but pyproject.toml pins {pins['ruff']}" in message
