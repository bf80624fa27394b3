"""Shared fixtures of the local-server tests: fresh servers on 127.0.0.1, HTTP helpers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from xorl_client.local import LocalServerConfig, serve_in_thread

Open = Callable[..., httpx.Client]


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[Open]:
    """``open_server(**config)`` → an httpx client bound to a fresh local server.

    Every server of one test shares ``tmp_path / "out"`` unless ``output_dir`` is given (two
    servers on one machine see the same exports, as an inference server next to the trainer).
    """
    with contextlib.ExitStack() as stack:

        def _open(**overrides: Any) -> httpx.Client:
            settings: dict[str, Any] = {"port": 0, "output_dir": tmp_path / "out"}
            settings.update(overrides)
            url = stack.enter_context(serve_in_thread(LocalServerConfig(**settings)))
            return stack.enter_context(httpx.Client(base_url=url, timeout=30, trust_env=False))

        yield _open
