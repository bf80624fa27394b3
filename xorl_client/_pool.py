"""httpx's async transport with a connection pool whose bookkeeping grows with the pool, not its
square, and costs no system call per pooled connection.

httpcore 1.x re-examines every pooled connection whenever a request starts or ends: each idle
connection is asked whether the server closed it (anyio builds its table of socket attributes,
then ``poll(2)``), and for each idle connection the pool is listed once more. With the 64
connections of a sampling fan-out or a pipelined training loop that was about half of a small
request's client CPU (``benchmarks/RESULTS.md``, W2 and W3). Plain ``http://`` servers are
now served by :mod:`xorl_client._http11` without httpcore; this pool is what ``https://`` and
other URLs get (the fallback transport there).

:func:`lean_pool_class` (``LeanConnectionPool``) keeps httpcore's connections, protocol handling, errors and limits
and changes only how requests are matched with connections:

* a connection is checked for a server-side close (``has_expired``) when it is about to be
  reused, and all idle ones are swept only when the pool is full and a request would have to
  wait (so an expired connection is never handed out and never keeps a new one from opening);
* one pass assigns queued requests to the connections free in that pass and stops as soon as
  nothing is left to assign, instead of listing the pool again for every queued request.

Everything else (``max_connections``, ``max_keepalive_connections``, a new connection per
request once the pool has room, closing an idle connection of another origin to make room) is
httpcore's. If httpcore's internals are not the ones this was written for, :func:`lean_transport`
leaves the stock pool in place.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import httpcore

__all__ = ["lean_pool_class", "lean_transport"]

#: The private state of ``httpcore.AsyncConnectionPool`` this pool works on.
_POOL_STATE = ("_connections", "_requests", "_max_connections", "_max_keepalive_connections")


@functools.cache
def lean_pool_class() -> type[httpcore.AsyncConnectionPool]:
    """The pool class (built on first use: httpcore is imported when a transport is made)."""
    import httpcore

    class LeanConnectionPool(httpcore.AsyncConnectionPool):
        """``httpcore.AsyncConnectionPool`` with linear request-to-connection matching."""

        def _assign_requests_to_connections(self) -> list[Any]:
            connections: list[Any] = self._connections
            closing: list[Any] = []
            connections[:] = [c for c in connections if not c.is_closed()]
            # Idle connections beyond the keep-alive limit are closed (httpcore: the same rule).
            surplus = len(connections) - self._max_keepalive_connections
            if surplus > 0:
                for connection in [c for c in connections if c.is_idle()][:surplus]:
                    connections.remove(connection)
                    closing.append(connection)

            queued = [request for request in self._requests if request.is_queued()]
            if not queued:
                return closing
            free = [c for c in connections if c.is_available()]
            swept = False
            for pool_request in queued:
                origin = pool_request.request.url.origin
                connection = self._reusable(free, origin, closing)
                if connection is None and len(connections) >= self._max_connections and not swept:
                    swept = True  # full: drop the connections the server closed, then look again
                    self._sweep_expired(closing)
                    free = [c for c in free if c in connections]
                if connection is None and len(connections) < self._max_connections:
                    connection = self.create_connection(origin)
                    connections.append(connection)
                elif connection is None:
                    idle = next((c for c in connections if c.is_idle()), None)
                    if idle is None:
                        if not free:
                            break  # every connection is busy: nothing more can be assigned now
                        continue  # (another origin may still find a free connection)
                    connections.remove(idle)
                    closing.append(idle)
                    if idle in free:
                        free.remove(idle)
                    connection = self.create_connection(origin)
                    connections.append(connection)
                pool_request.assign_to_connection(connection)
            return closing

        def _reusable(self, free: list[Any], origin: Any, closing: list[Any]) -> Any:
            """Take the first free connection for ``origin`` that the server has not closed."""
            for index, connection in enumerate(free):
                if not connection.can_handle_request(origin):
                    continue
                if connection.is_idle() and connection.has_expired():
                    del free[index]
                    self._connections.remove(connection)
                    closing.append(connection)
                    return self._reusable(free, origin, closing)
                if connection.is_idle() or not connection.is_available():
                    del free[index]  # an HTTP/1.1 connection serves one request at a time
                return connection
            return None

        def _sweep_expired(self, closing: list[Any]) -> None:
            for connection in [c for c in self._connections if c.is_idle() and c.has_expired()]:
                self._connections.remove(connection)
                closing.append(connection)

    return LeanConnectionPool


def lean_transport(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """``transport`` with its pool switched to :class:`LeanConnectionPool` (same settings)."""
    import httpcore

    pool = getattr(transport, "_pool", None)
    if type(pool) is httpcore.AsyncConnectionPool and all(hasattr(pool, a) for a in _POOL_STATE):
        pool.__class__ = lean_pool_class()
    return transport
