"""Fixtures that run the local reference server on 127.0.0.1 for integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pytest

import xorl_client as xc
from xorl_client.local import LocalServerConfig, serve_in_thread

ServerFactory = Callable[..., str]

# Programs written for Tinker (they `import tinker`); test_tinker_loops.py runs them through
# `xorl-client tinker-run`, never as modules of this test session.
collect_ignore = ["tinker_loops"]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start a fresh local server (full-weight unless ``lora=True``); returns its base URL."""
    with ExitStack() as stack:
        counter = iter(range(1_000))

        def start(**settings: object) -> str:
            out = tmp_path / f"server-{next(counter)}"
            config = LocalServerConfig(
                port=0,
                output_dir=out,
                long_poll_timeout=1.0,
                **settings,  # type: ignore[arg-type]
            )
            server: AbstractContextManager[str] = serve_in_thread(config)
            return stack.enter_context(server)

        yield start


@pytest.fixture
def service(start_server: ServerFactory) -> Iterator[xc.ServiceClient]:
    """A ServiceClient on a fresh full-weight local server."""
    with xc.ServiceClient(base_url=start_server()) as client:
        yield client


@pytest.fixture
def lora_service(start_server: ServerFactory) -> Iterator[xc.ServiceClient]:
    """A ServiceClient on a fresh LoRA-mode local server."""
    with xc.ServiceClient(base_url=start_server(lora=True)) as client:
        yield client
