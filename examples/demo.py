"""`make demo`: start the local xorl server, run the example loops against it, stop it.

    python examples/demo.py [--port 6000] [--output-dir DIR]

Everything runs on 127.0.0.1; checkpoints go to a temporary directory that is removed at the end
(pass --output-dir to keep them). When the port is taken the server starts on a free one and the
demo says so. Output is plain lines when stdout is not a terminal (`make demo > log.txt`).
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rl_loop  # noqa: E402  (examples are scripts, not a package)
import sft  # noqa: E402

#: The one line the server prints once it accepts connections (xorl_client.local.server.run).
READY = re.compile(r"ready at (http://\S+)")
STARTUP_TIMEOUT = 60.0


def port_is_free(port: int) -> bool:
    """Can a server bind ``port`` on 127.0.0.1 right now?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _forward(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Hand the server's stdout lines over until it closes (then ``None``)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


@contextlib.contextmanager
def local_server(port: int, output_dir: Path, *, lora: bool = False) -> Iterator[str]:
    """Run `xorl-client serve` in a child process until the block ends; yields its URL.

    The server's own ready line is the demo's ready line (printed once); its later stdout is
    passed through.
    """
    cmd = [sys.executable, "-m", "xorl_client.local", "--port", str(port)]
    cmd += ["--output-dir", str(output_dir), *(["--lora"] if lora else [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_forward, args=(proc.stdout, lines), daemon=True).start()
    try:
        url = _wait_until_ready(proc, lines)
        threading.Thread(target=_echo, args=(lines,), daemon=True).start()
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("local xorl server stopped", flush=True)


def _wait_until_ready(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> str:
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(
                f"the local server was not ready within {STARTUP_TIMEOUT:.0f} s"
            ) from None
        if line is None:
            raise RuntimeError(f"the local server exited early with code {proc.wait()}")
        print(line, end="", flush=True)
        match = READY.search(line)
        if match:
            return match.group(1)


def _echo(lines: queue.Queue[str | None]) -> None:
    while (line := lines.get()) is not None:
        print(line, end="", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=6000, help="preferred port (default 6000)")
    parser.add_argument("--output-dir", type=Path, default=None, help="keep checkpoints here")
    args = parser.parse_args(argv)

    port = args.port
    if port and not port_is_free(port):
        print(f"port {port} is taken; starting the local server on a free port instead")
        port = 0
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="xorl-demo-"))
    try:
        with local_server(port, output_dir) as url:
            print("== SFT ==", flush=True)
            status = sft.main(["--base-url", url])
            if status != 0:
                print("SFT loss did not fall", file=sys.stderr)
                return status
            print("== RL ==", flush=True)
            status = rl_loop.main(["--base-url", url])
            if status != 0:
                print("RL reward did not rise", file=sys.stderr)
                return status
    finally:
        if args.output_dir is None:
            shutil.rmtree(output_dir, ignore_errors=True)
    print("demo finished")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
