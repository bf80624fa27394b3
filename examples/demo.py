"""`make demo`: start the local xorl server, run the example loops against it, stop it.

    python examples/demo.py [--port 6000]

Everything runs on 127.0.0.1; checkpoints go to a temporary directory that is removed at the end
(pass --output-dir to keep them).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sft  # noqa: E402  (examples are scripts, not a package)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_server(port: int, output_dir: Path, *, lora: bool = False) -> Iterator[str]:
    """Run `xorl-client serve` in a child process until the block ends."""
    cmd = [
        sys.executable,
        "-m",
        "xorl_client.local",
        "--port",
        str(port),
        "--output-dir",
        str(output_dir),
    ]
    if lora:
        cmd.append("--lora")
    proc = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30.0
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the local server exited early with code {proc.returncode}")
            try:
                if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local server did not become ready on {url} within 30 s")
            time.sleep(0.1)
        print(f"local xorl server ready on {url}")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("local xorl server stopped")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6000)
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    port = args.port if _port_is_free(args.port) else _free_port()
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="xorl-demo-"))
    try:
        with local_server(port, output_dir) as url:
            print("== SFT ==")
            status = sft.main(["--base-url", url])
            if status != 0:
                print("SFT loss did not fall", file=sys.stderr)
                return status
            rl_loop = HERE / "rl_loop.py"
            if rl_loop.exists():
                print("== RL ==")
                import rl_loop as rl

                status = rl.main(["--base-url", url])
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
