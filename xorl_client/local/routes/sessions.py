"""Session routes: ``create_model``, ``unload_model``, ``kill_session``, ``session_info``, the
Tinker ``create_session`` / ``session_heartbeat`` and ``training_runs``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException

from xorl_client.local.engine import BASE_MODEL_NAME, EngineError
from xorl_client.local.schemas import (
    CreateModelRequest,
    CreateSessionRequest,
    KillSessionRequest,
    SessionHeartbeatRequest,
    UnloadModelRequest,
)
from xorl_client.local.sessions import (
    DEFAULT_MODEL_ID,
    SessionError,
    invalid_model_id_message,
    valid_model_id,
)
from xorl_client.local.state import describe_error, logger

if TYPE_CHECKING:
    from xorl_client.local.state import LocalServer

__all__ = ["add_session_routes"]


def add_session_routes(router: APIRouter, server: LocalServer) -> None:
    config = server.config

    @router.post("/api/v1/create_model", tags=["Model Management"])
    async def create_model(body: CreateModelRequest) -> dict[str, str]:
        model_id = server.checked_id(body.model_id)

        def job() -> dict[str, Any]:
            session, created = server.sessions.create_model(
                model_id, body.base_model, body.lora_config, body.optimizer_config
            )
            assert session.model is not None
            try:
                # A new (or recreated) session's 000000 is its own initial state; a refresh of
                # a live session keeps the one it has.
                server.checkpoints.save_initial(session.model, model_id, overwrite=created)
            except Exception:  # the real server ignores a failed initial save
                logger.exception("initial checkpoint of %s failed", model_id)
            return {"model_id": model_id, "type": "create_model"}

        return server.submit(model_id, job, name="Create-model")

    @router.post("/api/v1/unload_model", tags=["Session Management"])
    async def unload_model(body: UnloadModelRequest) -> dict[str, str]:
        model_id = body.model_id
        if config.lora and model_id == DEFAULT_MODEL_ID:
            raise HTTPException(400, "The default LoRA session is reserved and cannot be unloaded.")
        if model_id not in server.sessions:
            raise HTTPException(404, f"Model {model_id} not found")

        # The futures that exist now (and this unload's own) go; a session recreated by a
        # create_model queued right after this unload keeps its future.
        doomed = server.futures.ids_of(model_id)

        async def run() -> dict[str, Any]:
            # Deregister on the engine thread, in queue order: after the session's queued
            # work, before anything queued behind the unload (such as a new create_model).
            await server.scheduler.run(
                lambda: server.sessions.remove(model_id), name="Unload-model", model_id=model_id
            )
            server.forget_session(model_id, futures=doomed)  # this future too (→ 404 on poll)
            return {"model_id": model_id, "type": "unload_model"}

        handle = server.submit_async(model_id, run, touch=False)
        doomed.add(handle["request_id"])
        return handle

    @router.post("/api/v1/kill_session", tags=["Session Management"])
    async def kill_session(body: KillSessionRequest) -> dict[str, Any]:
        model_id = body.model_id
        if config.lora and model_id == DEFAULT_MODEL_ID:
            return {
                "success": True,
                "message": "Default LoRA session is reserved and was not removed.",
                "checkpoint_path": None,
            }
        session = server.sessions.get(model_id)
        if session is None:
            raise HTTPException(500, f"Failed to kill session: Session {model_id} not found")
        model = session.model

        doomed = server.futures.ids_of(model_id)

        def job() -> str | None:
            path = None
            if body.save_checkpoint and model is not None:
                name = server.checkpoints.unique_training_name(model_id, "session-end")
                path = server.checkpoints.save_training(model, model_id, name)
            if config.lora:  # deregister in queue order (see unload_model)
                server.sessions.remove(model_id)
            return path

        try:
            checkpoint_path = await server.scheduler.run(
                job, name="Kill-session", model_id=model_id
            )
        except Exception as exc:
            raise HTTPException(500, f"Failed to kill session: {describe_error(exc)}") from exc
        if config.lora:
            server.forget_session(model_id, futures=doomed)
            message = f"Session '{model_id}' killed"
        else:
            message = (
                f"Session '{model_id}' killed (full-weight mode: the id stays registered and "
                "the weights stay loaded)"
            )
        return {"success": True, "message": message, "checkpoint_path": checkpoint_path}

    @router.get("/api/v1/session_info", tags=["Session Management"])
    async def session_info() -> dict[str, Any]:
        activity = server.sessions.activity()
        loaded = (
            [s.model_id for s in server.sessions.sessions() if s.model is not None]
            if config.lora
            else []
        )
        return {
            "registered_models": server.sessions.ids(),
            "active_sessions": len(activity),
            "session_activity": activity,
            "idle_timeout_seconds": float(config.idle_timeout),
            "loaded_sampling_adapters": server.inference.adapter_counts(),
            "loaded_training_adapters": loaded,
            "max_training_adapters": 0,
            "current_training_adapter": server.current_training_adapter,
        }

    @router.post("/api/v1/create_session", tags=["Tinker Compatibility"])
    async def create_session(body: CreateSessionRequest | None = None) -> dict[str, Any]:
        body = body or CreateSessionRequest()
        session_id = body.session_id or str(uuid.uuid4())
        if not valid_model_id(session_id):
            raise HTTPException(400, invalid_model_id_message(session_id))
        existed = session_id in server.sessions
        if not config.lora:
            existed = not server.sessions.register_api_only(
                session_id, body.base_model, body.lora_config
            )
        else:
            conflict = server.sessions.lora_session_conflict(
                session_id, body.base_model, body.lora_config
            )
            if conflict is not None:
                raise HTTPException(400, conflict)
            if existed and body.lora_config is None:
                server.sessions.touch(session_id)
            else:
                lora_config = body.lora_config
                base_model = body.base_model or BASE_MODEL_NAME

                def job() -> None:
                    server.sessions.create_model(session_id, base_model, lora_config, None)

                try:
                    await server.scheduler.run(job, name="Create-session", model_id=session_id)
                except SessionError as exc:
                    raise HTTPException(400, str(exc)) from exc
                except EngineError as exc:
                    raise HTTPException(500, f"Engine error: {exc}") from exc
        if existed:
            return {
                "type": "create_session",
                "session_id": session_id,
                "info_message": f"Session '{session_id}' refreshed successfully.",
                "warning_message": (
                    f"Session '{session_id}' already existed; refreshed activity timestamp."
                ),
                "error_message": None,
            }
        return {
            "type": "create_session",
            "session_id": session_id,
            "info_message": f"Session '{session_id}' registered successfully.",
            "warning_message": None,
            "error_message": None,
        }

    @router.post("/api/v1/session_heartbeat", tags=["Tinker Compatibility"])
    async def session_heartbeat(body: SessionHeartbeatRequest) -> dict[str, Any]:
        if not valid_model_id(body.session_id):
            raise HTTPException(400, invalid_model_id_message(body.session_id))
        if body.session_id not in server.sessions:
            raise HTTPException(404, f"Session {body.session_id} not found")
        server.sessions.touch(body.session_id)
        return {"type": "session_heartbeat", "session_id": body.session_id}

    @router.get("/api/v1/training_runs", tags=["Training Runs"])
    def training_runs(limit: int = 20, offset: int = 0) -> dict[str, Any]:
        sessions = list(server.sessions.sessions())
        runs = [server.training_run(s) for s in sessions[offset : offset + limit]]
        return {
            "training_runs": runs,
            "cursor": {"offset": offset, "limit": limit, "total_count": len(sessions)},
        }
