"""The SDK's log records reach the user's logging setup, and nothing else when there is none."""

from __future__ import annotations

import subprocess
import sys

# What the retry policy logs when it sends a read again (a user's program, no logging set up).
WARN = (
    "import logging, xorl_client\n"
    "logging.getLogger('xorl_client._retry').warning('retrying retrieve_future after 503')\n"
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )


def test_without_logging_configured_nothing_is_printed() -> None:
    result = _run(WARN)
    assert result.stderr == "" and result.stdout == ""


def test_a_configured_program_sees_the_records() -> None:
    result = _run("import logging; logging.basicConfig(format='%(name)s: %(message)s')\n" + WARN)
    assert result.stderr == "xorl_client._retry: retrying retrieve_future after 503\n"


def test_the_package_logger_has_a_null_handler() -> None:
    import logging

    import xorl_client  # noqa: F401

    handlers = logging.getLogger("xorl_client").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)
