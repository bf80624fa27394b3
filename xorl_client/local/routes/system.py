"""System routes: ``/sleep``, ``/wake_up``, ``/health``, ``/api/v1/healthz`` and ``/``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI

from xorl_client.local.sessions import DEFAULT_MODEL_ID

if TYPE_CHECKING:
    from xorl_client.local.state import LocalServer

__all__ = ["add_health_routes", "add_system_routes"]


def add_system_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/sleep", tags=["System"])
    async def sleep() -> dict[str, Any]:
        started = time.perf_counter()

        def job() -> None:
            server.asleep = True

        await server.scheduler.run(job, name="Sleep", model_id=DEFAULT_MODEL_ID)
        elapsed = time.perf_counter() - started
        return {
            "success": True,
            "result": {"status": "sleeping", "offload_time": elapsed, "execution_time": elapsed},
        }

    @router.post("/wake_up", tags=["System"])
    async def wake_up() -> dict[str, Any]:
        started = time.perf_counter()

        def job() -> None:
            server.asleep = False

        await server.scheduler.run(job, name="Wake-up", model_id=DEFAULT_MODEL_ID)
        elapsed = time.perf_counter() - started
        return {
            "success": True,
            "result": {"status": "awake", "load_time": elapsed, "execution_time": elapsed},
        }


def add_health_routes(app: FastAPI, server: LocalServer) -> None:
    @app.get("/health", tags=["System"])
    async def health() -> dict[str, Any]:
        running = server.ready and server.scheduler.alive
        return {
            "status": "healthy"
            if running
            else ("not_initialized" if not server.ready else "stopped"),
            "engine_running": running,
            "active_requests": server.futures.active_requests,
            "total_requests": server.futures.total_requests,
        }

    @app.get("/api/v1/healthz", tags=["Tinker Compatibility"])
    async def healthz() -> dict[str, str]:
        if not server.ready:
            return {"status": "not_initialized"}
        return {"status": "ok" if server.scheduler.alive else "not_ready"}

    @app.get("/", tags=["System"])
    async def root() -> dict[str, Any]:
        return {
            "name": "Unified Training API",
            "version": "2.0.0",
            "architecture": "FastAPI + OrchestratorClient",
            "docs": "/docs",
            "health": "/health",
            "endpoints": {
                "forward_backward": "/api/v1/forward_backward",
                "optim_step": "/api/v1/optim_step",
                "abort_gradient_epoch": "/api/v1/abort_gradient_epoch",
                "save_weights": "/api/v1/save_weights",
                "load_weights": "/api/v1/load_weights",
                "save_weights_for_sampler": "/api/v1/save_weights_for_sampler",
                "sleep": "/sleep",
                "wake_up": "/wake_up",
            },
        }
