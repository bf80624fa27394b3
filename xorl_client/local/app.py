"""The FastAPI application: the real xorl server's 29 routes (+ hidden alias) on a tiny CPU model.

Route table, statuses and bodies follow the reference (§9, §10) and the recorded wire
transcript: async operations answer ``{"request_id", "model_id"}`` and report their outcome via
``retrieve_future``; synchronous checks (body validation → 422, ``model_id`` syntax → 400, an
unregistered ``model_id`` → 400 with the real text) happen before any future exists; everything
else fails *inside* the future as ``"<status>: <detail>"`` with the real texts (409 checkpoint
exists, 404 checkpoint not found, ``500: Engine error: ...``).

The routes live in :mod:`xorl_client.local.routes`, one module per concern; the SGLang side
(``/generate``, ``/v1/chat/completions``, adapters) is served on the same port and hidden from
the OpenAPI document, which keeps the real server's 29 paths.

:class:`LocalServer` is reachable as ``app.state.local`` for tests (scheduler pause/resume and
history, future store sweep/clock, sessions).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI

from xorl_client.local.config import LocalServerConfig
from xorl_client.local.routes import (
    add_endpoint_routes,
    add_health_routes,
    add_session_routes,
    add_system_routes,
    add_training_routes,
    add_weights_routes,
    create_sglang_router,
)
from xorl_client.local.state import (
    JSONBytesResponse,
    LocalServer,
    describe_error,
    limit_blas_threads,
)

__all__ = [
    "JSONBytesResponse",
    "LocalServer",
    "create_app",
    "describe_error",
    "limit_blas_threads",
]


def create_app(config: LocalServerConfig | None = None) -> FastAPI:
    """Build the app (state is created now; the engine thread starts with the lifespan)."""
    config = config or LocalServerConfig()
    server = LocalServer(config)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    app = FastAPI(title="Unified Training API", version="2.0.0", lifespan=lifespan)
    app.state.local = server
    router = APIRouter(dependencies=[Depends(server.require_ready)])
    add_training_routes(router, server)
    add_session_routes(router, server)
    add_weights_routes(router, server)
    add_endpoint_routes(router, server)
    add_system_routes(router, server)
    app.include_router(router)
    add_health_routes(app, server)
    app.include_router(create_sglang_router(server))
    return app
