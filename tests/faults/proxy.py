"""A fault-injecting HTTP/1.1 proxy on loopback, for the exactly-once tests.

It relays requests from the SDK to the local server one by one (a fresh upstream connection
per request, so the server can be restarted underneath it) and, when an armed :class:`Rule`
matches, fails the exchange at a chosen point: before forwarding, after forwarding, in the
middle of the body, with a gateway status, by holding it until the client gives up (its
deadline), or by running a hook (stop or restart the server) between forwarding and
answering. Everything waits on events, never on a clock: a held request is released by the
client closing its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FaultProxy", "Rule"]

#: What a rule does to the exchange it matches.
ACTIONS = frozenset(
    {
        "drop_before",  # close the client connection without forwarding
        "drop_after",  # forward, read the answer, close without relaying it
        "cut_mid_body",  # read half the body, then close (nothing forwarded)
        "status_before",  # answer `status` without forwarding (a gateway refusing)
        "status_after",  # forward, then answer `status` instead (a gateway timing out)
        "hold",  # keep it until the client gives up; never forward it
        "hold_answer",  # forward it, keep the answer until the client gives up
        "hook_after",  # forward, read the answer, run `hook`, then relay the answer
    }
)


@dataclass
class Rule:
    """Fail the ``skip + 1``-th request to ``path`` from the moment the rule is armed."""

    path: str
    action: str
    skip: int = 0
    status: int = 502
    hook: Callable[[], None] | None = None
    fired: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")


@dataclass
class _Request:
    head: bytes
    path: str
    body: bytes


class FaultProxy:
    """``with FaultProxy(upstream_port) as proxy:`` listens on ``proxy.url``."""

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream_port = upstream_port
        self.port = 0
        self.log: list[str] = []  # "<path> <what happened>", in order
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._gone = threading.Condition()
        self.abandoned = 0  # relayed requests whose client gave up before the answer came
        self._relaying = 0  # plain relays waiting for the server's answer

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, 0), self._loop
        ).result(10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def arm(self, *rules: Rule) -> None:
        with self._lock:
            self._rules.extend(rules)

    def disarm(self) -> list[Rule]:
        """Remove every rule; returns those that never fired."""
        with self._lock:
            left, self._rules = [r for r in self._rules if not r.fired.is_set()], []
        return left

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Block until no relayed request is waiting for the server."""
        with self._gone:
            if not self._gone.wait_for(lambda: self._relaying == 0, timeout):
                raise TimeoutError("requests still in flight")

    def wait_abandoned(self, more_than: int, timeout: float = 120.0) -> None:
        """Block until a client gave up waiting for an answer more than ``more_than`` times."""
        with self._gone:
            if not self._gone.wait_for(lambda: self.abandoned > more_than, timeout):
                raise TimeoutError("no client gave up waiting")

    def _match(self, path: str) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.fired.is_set() or rule.path != path:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                rule.fired.set()
                return rule
        return None

    # -- one client connection ----------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                path, length = _parse_head(head)
                rule = self._match(path)
                if rule is not None and rule.action == "cut_mid_body":
                    await reader.readexactly(length // 2)
                    self.log.append(f"{path} cut mid-body")
                    return
                request = _Request(head, path, await reader.readexactly(length))
                if not await self._exchange(request, rule, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _exchange(
        self,
        request: _Request,
        rule: Rule | None,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Handle one request; ``False`` when the client connection must be closed."""
        path, action = request.path, rule.action if rule is not None else "pass"
        if action == "drop_before":
            self.log.append(f"{path} dropped before forwarding")
            return False
        if action == "status_before":
            assert rule is not None
            self.log.append(f"{path} answered {rule.status} without forwarding")
            writer.write(_status(rule.status))
            await writer.drain()
            return True
        if action == "hold":
            await reader.read()  # until the client gives up on it
            self.log.append(f"{path} held until the client gave up, never forwarded")
            return False
        if action == "pass":
            answer = await self._relay(request, reader)
            if answer is None:
                return False
            writer.write(answer)
            await writer.drain()
            return True
        assert rule is not None
        answer = await self._forward(request)
        if action == "drop_after":
            self.log.append(f"{path} forwarded, answer dropped")
            return False
        if action == "status_after":
            self.log.append(f"{path} forwarded, answered {rule.status} instead")
            writer.write(_status(rule.status))
            await writer.drain()
            return True
        if action == "hold_answer":
            await reader.read()
            self.log.append(f"{path} forwarded, answer held until the client gave up")
            return False
        assert action == "hook_after" and rule.hook is not None
        await asyncio.get_running_loop().run_in_executor(None, rule.hook)
        self.log.append(f"{path} forwarded, hook ran, answer relayed")
        writer.write(answer)
        await writer.drain()
        return True

    async def _relay(self, request: _Request, reader: asyncio.StreamReader) -> bytes | None:
        """Forward, watching the client: ``None`` if it gives up before the answer is back
        (the upstream exchange is then cut, as a gateway would)."""
        answer = asyncio.ensure_future(self._forward(request))
        gone = asyncio.ensure_future(reader.read(1))  # the client sends nothing until answered
        with self._gone:
            self._relaying += 1
        try:
            await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            with self._gone:
                self._relaying -= 1
                self._gone.notify_all()
        if answer.done():
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gone  # the reader must be free before the next request is read
            return answer.result()
        answer.cancel()
        self.log.append(f"{request.path} abandoned by the client")
        with self._gone:
            self.abandoned += 1
            self._gone.notify_all()
        return None

    async def _forward(self, request: _Request) -> bytes:
        """Send ``request`` upstream on a fresh connection; the answer, keep-alive for us."""
        up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
        try:
            up_writer.write(_with_header(request.head, b"connection", b"close") + request.body)
            await up_writer.drain()
            raw = await up_reader.read()
        finally:
            up_writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        return _with_header(head + b"\r\n\r\n", b"connection", None) + body


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None


def _parse_head(head: bytes) -> tuple[str, int]:
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return path, length


def _with_header(head: bytes, name: bytes, value: bytes | None) -> bytes:
    """``head`` with every ``name`` header removed and, if given, set to ``value``."""
    lines = head[: -len(b"\r\n\r\n")].split(b"\r\n")
    kept = [lines[0]] + [
        line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() != name
    ]
    if value is not None:
        kept.append(name + b": " + value)
    return b"\r\n".join(kept) + b"\r\n\r\n"


def _status(code: int) -> bytes:
    body = b'{"detail":"injected by the fault proxy"}'
    extra = b"retry-after: 0\r\n" if code == 429 else b""
    return (
        f"HTTP/1.1 {code} Injected\r\ncontent-type: application/json\r\n".encode()
        + extra
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
