"""Helper fixtures for the schemathesis contract tests: a loopback local server, a scratch cwd.

The server runs over real HTTP on 127.0.0.1 (not in-process ASGI) because that is what a
deployment looks like to a client: uvicorn's parsing of undecodable bodies, keep-alive and the
long-poll all take part. Its long-poll is 0.2 s so ``retrieve_future`` never holds a test for 45 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

#: ``retrieve_future`` holds a poll this long before answering ``try_again``.
LONG_POLL_SECONDS = 0.2


@pytest.fixture(scope="module")
def local_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A full-weight local xorl server on a free loopback port (one per test module)."""
    local = pytest.importorskip("xorl_client.local")
    output_dir = tmp_path_factory.mktemp("xorl-local-outputs")
    config = local.LocalServerConfig(
        host="127.0.0.1", port=0, output_dir=output_dir, long_poll_timeout=LONG_POLL_SECONDS
    )
    with local.serve_in_thread(config) as url:
        yield url


@pytest.fixture(scope="module")
def scratch_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run the module's tests in a temporary working directory.

    schemathesis writes ``.schemathesis/`` (its run cache) into the working directory; tests must
    not litter the repository. (The example database is off in the tests' settings.)
    """
    scratch = tmp_path_factory.mktemp("contract-cwd")
    previous = Path.cwd()
    os.chdir(scratch)
    try:
        yield scratch
    finally:
        os.chdir(previous)


#: What a scratch copy of the repository leaves out: tool state, caches and build output.
_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "outputs",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    ".schemathesis",
    "*.egg-info",
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    """A copy of this checkout (sources, spec, generated client, Makefile) to change freely."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=_NOT_COPIED, symlinks=True)
    return copy


@pytest.fixture
def venv_dir() -> Path:
    """The virtualenv running these tests; ``make VENV=<it>`` uses its tools."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "python").exists() or shutil.which("make") is None:
        pytest.skip("needs make and a virtualenv with bin/python")
    return venv


MakeRunner = Callable[..., CompletedProcess[str]]


@pytest.fixture
def run_make() -> MakeRunner:
    """``run_make(repo, *targets, env=None)``: ``make -C repo ...``, output captured, no raise."""

    def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    return run
