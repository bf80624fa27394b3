"""`make demo > log.txt`: the demo's output is a readable log.

Runs examples/demo.py as make does, with stdout a pipe (not a terminal) and its preferred port
taken, and reads the log a user would read.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"

pytestmark = pytest.mark.integration


def test_demo_log_is_readable_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(DEMO), "--port", str(port), "--output-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    log = result.stdout
    assert result.returncode == 0, log + result.stderr
    assert "\r" not in log and "\x1b" not in log  # no progress-bar redraws in a log file

    lines = log.splitlines()
    assert lines[0] == f"port {port} is taken; starting the local server on a free port instead"
    ready = [line for line in lines if "ready" in line]
    assert len(ready) == 1, ready
    url = re.search(r"ready at (http://127\.0\.0\.1:(\d+))", ready[0])
    assert url and url.group(2) != str(port)

    header = lines.index("checkpoints of session 'default' (newest first):")
    assert lines[header + 1].split() == ["type", "saved", "at", "path"]
    assert any(line.endswith("xorl://default/weights/000000") for line in lines[header:])
    assert any(line.strip().startswith("(000000 is the initial checkpoint") for line in lines)
    assert lines[-2:] == ["local xorl server stopped", "demo finished"]
