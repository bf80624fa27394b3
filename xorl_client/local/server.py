"""Running the local server: in a background thread (tests, notebooks) or in the foreground (CLI).

Both bind the socket themselves before uvicorn starts, so ``port=0`` yields a real, known port
and the URL is printed/yielded only once the app's startup (engine thread, initial checkpoint)
has completed and the socket accepts connections.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from xorl_client.local.app import create_app
from xorl_client.local.config import LocalServerConfig

__all__ = ["run", "serve_in_thread"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only turns off Nagle (TCP_NODELAY) on accepted sockets
    # whose proto is IPPROTO_TCP, and a proto-0 listener costs ~40 ms per keep-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):  # type: ignore[misc]
    """uvicorn's server with a callback once startup has finished (socket listening)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()


def _uvicorn_config(
    app: FastAPI, host: str, port: int, log_level: str, *, access_log: bool = False
) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        # Polls are held for up to long_poll_timeout; keep idle keep-alive connections around
        # a little longer than uvicorn's 5 s default so clients can reuse them.
        timeout_keep_alive=30,
        # A parked long-poll must not hold a shutdown for up to long_poll_timeout.
        timeout_graceful_shutdown=2,
        access_log=access_log,
    )
    if access_log:
        # uvicorn writes request lines at INFO; asked for them, show them at any --log-level.
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    return config


@contextlib.contextmanager
def serve_in_thread(
    config: LocalServerConfig | None = None,
    *,
    app: FastAPI | None = None,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """Run the server on a daemon thread; yields its base URL (``http://127.0.0.1:<port>``).

    ``config.port=0`` picks a free port. Pass ``app`` (from :func:`create_app`) to keep a
    handle on ``app.state.local`` for test hooks. The server is shut down (engine thread
    stopped, futures cancelled) when the block exits.
    """
    config = config or LocalServerConfig(port=0)
    app = app or create_app(config)
    sock = _bind(config.host, config.port)
    port = int(sock.getsockname()[1])
    ready = threading.Event()
    server = _Server(_uvicorn_config(app, config.host, port, log_level), ready.set)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=target, name=f"xorl-local-server-{port}", daemon=True)
    thread.start()
    try:
        if not ready.wait(startup_timeout) or not server.started:
            server.should_exit = True
            thread.join(5)
            reason = f": {failure[0]!r}" if failure else ""
            raise RuntimeError(f"local xorl server did not start{reason}")
        yield _url(config.host, port)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def run(
    config: LocalServerConfig | None = None,
    *,
    log_level: str = "info",
    access_log: bool = False,
    out: Any = None,
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (uvicorn handles both gracefully).

    Prints ``xorl local server ready at <url>`` once the socket accepts connections;
    ``access_log`` adds one stderr line per HTTP request.
    """
    config = config or LocalServerConfig()
    stream = out or sys.stdout
    sock = _bind(config.host, config.port)
    port = int(sock.getsockname()[1])
    url = _url(config.host, port)
    mode = "LoRA" if config.lora else "full-weight"

    def announce() -> None:
        print(
            f"xorl local server ready at {url} ({mode} mode, output_dir={config.output_dir})",
            file=stream,
            flush=True,
        )

    uvicorn_config = _uvicorn_config(
        create_app(config), config.host, port, log_level, access_log=access_log
    )
    server = _Server(uvicorn_config, announce)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to the
    # handler that was installed before it; make SIGTERM end like Ctrl-C (KeyboardInterrupt,
    # exit status 0 from the CLI) instead of killing the process with status 143.
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
