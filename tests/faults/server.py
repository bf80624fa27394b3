"""The local server in a child process, so a test can stop (SIGSTOP), kill and restart it."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["ServerProcess"]

_READY = re.compile(r"ready at http://127\.0\.0\.1:(\d+)")


class ServerProcess:
    """``xorl-client serve`` on a free loopback port; :attr:`port` changes on restart."""

    def __init__(self, output_dir: Path, *, long_poll_timeout: float = 0.5) -> None:
        self.output_dir = output_dir
        self.long_poll_timeout = long_poll_timeout
        self.port = 0
        self.restarts = 0
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> int:
        command = [
            sys.executable,
            "-m",
            "xorl_client.local",
            "--port",
            "0",
            "--output-dir",
            str(self.output_dir),
            "--long-poll-timeout",
            str(self.long_poll_timeout),
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert process.stdout is not None
        # The server prints its URL once it accepts connections; the select is a guard
        # against a server that hangs while starting, not a timing.
        while select.select([process.stdout], [], [], 120)[0]:
            line = process.stdout.readline()
            if not line:
                break
            match = _READY.search(line)
            if match:
                self.port = int(match.group(1))
                self._process = process
                return self.port
        process.kill()
        process.wait()
        raise RuntimeError(f"the local server did not start (exit status {process.returncode})")

    def stop(self) -> None:
        """Freeze it (SIGSTOP): connections are accepted by the kernel, nothing is answered."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def cont(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: every session, future and queued request is lost, checkpoints stay."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def restart(self) -> int:
        self.kill()
        self.restarts += 1
        return self.start()

    def close(self) -> None:
        process = self._process
        if process is not None:
            process.send_signal(signal.SIGCONT)
        self.kill()
