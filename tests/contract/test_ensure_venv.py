"""`make install` replaces a .venv it cannot use (scripts/ensure_venv.py) instead of failing on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ensure_venv

SCRIPT = Path(ensure_venv.__file__)


def _fake_venv(path: Path, body: str) -> Path:
    """A venv whose ``bin/python`` is a shell script (a stand-in for another interpreter)."""
    python = path / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\n{body}\n")
    python.chmod(0o755)
    (path / "marker").write_text("the old venv")
    return path


def _run(venv: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(venv), *flags],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_venv_of_an_old_python_is_replaced_and_a_good_one_kept(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / ".venv", "echo 3.10")
    assert ensure_venv.problem(venv, same_python=False) == (
        "it was made by Python 3.10; xorl-client needs >= 3.11"
    )

    result = _run(venv)

    assert result.returncode == 0, result.stderr
    assert "cannot be used (it was made by Python 3.10" in result.stdout
    assert not (venv / "marker").exists()
    assert ensure_venv.problem(venv, same_python=True) is None  # a working venv of this Python
    again = _run(venv)
    assert again.returncode == 0 and again.stdout == ""  # usable: left alone


def test_a_broken_or_mismatched_venv_is_diagnosed(tmp_path: Path) -> None:
    broken = _fake_venv(tmp_path / "broken", "exit 1")
    assert ensure_venv.problem(broken, same_python=False) == (
        "its python does not start or has no pip"
    )
    missing = tmp_path / "dangling"
    (missing / "bin").mkdir(parents=True)
    (missing / "bin" / "python").symlink_to(tmp_path / "removed-python")
    assert "does not start" in str(ensure_venv.problem(missing, same_python=False))
    other = "3.99" if sys.version_info[:2] != (3, 99) else "3.98"
    newer = _fake_venv(tmp_path / "newer", f"echo {other}")
    assert ensure_venv.problem(newer, same_python=False) is None
    assert f"made by Python {other}" in str(ensure_venv.problem(newer, same_python=True))
