#!/usr/bin/env python3
"""Make sure the development virtualenv exists and is usable; replace it when it is not.

    python3 scripts/ensure_venv.py .venv [--same-python] [--upgrade-pip]

Run by ``make install`` / ``make demo`` with the Python that should own the venv (``$(PYTHON)``).
A venv is replaced when its interpreter does not start (e.g. made by a Python that was removed),
has no pip, or is older than the project's minimum Python; with ``--same-python`` (``make
install PYTHON=python3.12``) also when it was made by another minor version than this one.
A usable venv is left alone, so running it again is cheap.

Exit codes: 0 ready; 2 this Python itself is too old.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import venv
from pathlib import Path

MINIMUM = (3, 11)
_PROBE = "import sys, pip; print('%d.%d' % sys.version_info[:2])"


def venv_python(path: Path) -> Path:
    """The venv's interpreter."""
    return path / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def problem(path: Path, *, same_python: bool) -> str | None:
    """Why the venv at ``path`` cannot be used, or ``None`` when it can."""
    python = venv_python(path)
    try:
        result = subprocess.run(
            [str(python), "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        return f"its python does not start ({exc.strerror or exc})"
    except subprocess.TimeoutExpired:
        return "its python does not answer"
    if result.returncode != 0:
        return "its python does not start or has no pip"
    major, minor = (int(part) for part in result.stdout.strip().split("."))
    if (major, minor) < MINIMUM:
        return f"it was made by Python {major}.{minor}; xorl-client needs >= 3.11"
    if same_python and (major, minor) != sys.version_info[:2]:
        return f"it was made by Python {major}.{minor}, not {sys.version_info[0]}.{sys.version_info[1]}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create or repair the development virtualenv.")
    parser.add_argument("venv", type=Path)
    parser.add_argument("--same-python", action="store_true")
    parser.add_argument("--upgrade-pip", action="store_true")
    args = parser.parse_args(argv)
    if sys.version_info[:2] < MINIMUM:
        print(
            f"error: {sys.executable} is Python {sys.version_info[0]}.{sys.version_info[1]}; "
            "xorl-client needs >= 3.11 (e.g. make install PYTHON=python3.11)",
            file=sys.stderr,
        )
        return 2
    path: Path = args.venv
    if path.exists() or path.is_symlink():
        reason = problem(path, same_python=args.same_python)
        if reason is None:
            return 0
        print(f"{path} cannot be used ({reason}): replacing it with {sys.executable}")
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)
    print(f"creating {path} with Python {sys.version.split()[0]}")
    venv.EnvBuilder(with_pip=True).create(path)
    if args.upgrade_pip:
        subprocess.run(
            [str(venv_python(path)), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
