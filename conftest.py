"""Repository-wide pytest setup: docstring examples can start the local server.

Public docstrings carry examples that really run (``--doctest-modules``); the ones that need a
server call ``start_local_server()``, which starts a fresh local server on 127.0.0.1 and returns
its URL. Servers are only started when an example asks for one and all stop with the session.

``scripts/`` (not a package: its files are run as commands) is put on ``sys.path`` so tests
import the same modules the Makefile runs, e.g. ``import api_inventory``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

# Importing the shim switches `tinker` to xorl-client for the whole process; its tests run it
# in subprocesses instead of letting doctest collection import it here.
collect_ignore = ["xorl_client/tinker_shim.py"]

SCRIPTS = Path(__file__).resolve().parent / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


@pytest.fixture(scope="session", autouse=True)
def _doctest_local_server(
    doctest_namespace: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    with ExitStack() as stack:

        def start_local_server(*, lora: bool = False) -> str:
            from xorl_client.local import LocalServerConfig, serve_in_thread

            config = LocalServerConfig(
                port=0,
                lora=lora,
                output_dir=tmp_path_factory.mktemp("doctest-server"),
                long_poll_timeout=1.0,
            )
            url: str = stack.enter_context(serve_in_thread(config))
            return url

        doctest_namespace["start_local_server"] = start_local_server
        yield
