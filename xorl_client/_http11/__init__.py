"""A lean HTTP/1.1 transport for plain ``http://`` servers, under httpx's client.

Why: on a small request (a 64-token ``forward_backward``, a future poll) httpcore, h11 and anyio
were about 35 % of the SDK's event-loop CPU: a cancel scope and an attribute table per socket
read, a readability ``poll(2)`` per reused connection, an h11 state machine per message
(``benchmarks/RESULTS.md``, W2 and W3). This transport speaks the one dialect an xorl server
needs (HTTP/1.1, keep-alive, ``Content-Length`` or chunked bodies) straight on an asyncio
protocol: a closed connection is noticed when the event loop reports it, not polled for.

What stays httpx's: the client (headers, auth, hooks, redirects, timeouts taken from the request,
decoding) and every exception class, raised in the same situations as httpcore raises them,
so :func:`xorl_client._retry.outcome_of` reads a failure the same way:

* ``ConnectError`` / ``ConnectTimeout`` / ``PoolTimeout``: nothing was sent;
* ``WriteError`` / ``WriteTimeout``: the request was not written in full (the server cannot
  have acted on a body it did not receive);
* ``ReadError`` / ``ReadTimeout`` / ``RemoteProtocolError``: written, the answer lost.

Anything else (``https://``, unix sockets, HTTP/2) goes to ``fallback``, httpx's own transport.
"""

from __future__ import annotations

from .transport import LeanHTTPTransport

__all__ = ["LeanHTTPTransport"]
