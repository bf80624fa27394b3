"""Helper fixtures for the schemathesis contract tests: a loopback local server, a scratch cwd.

The server runs over real HTTP on 127.0.0.1 (not in-process ASGI) because that is what a
deployment looks like to a client: uvicorn's parsing of undecodable bodies, keep-alive and the
long-poll all take part. Its long-poll is 0.2 s so ``retrieve_future`` never holds a test for 45 s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
