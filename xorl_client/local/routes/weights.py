"""Checkpoint routes: save / load weights, sampler export, list, delete, metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException

from xorl_client.local.engine import EngineError
from xorl_client.local.schemas import (
    DeleteCheckpointRequest,
    ListCheckpointsRequest,
    LoadWeightsRequest,
    SaveWeightsForSamplerRequest,
    SaveWeightsRequest,
    WeightsInfoRequest,
)
from xorl_client.local.sessions import DEFAULT_MODEL_ID

if TYPE_CHECKING:
    from xorl_client.local.state import LocalServer

__all__ = ["add_weights_routes"]


def add_weights_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/api/v1/save_weights", tags=["Weights Management"])
    async def save_weights(body: SaveWeightsRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            return {"path": server.checkpoints.save_training(model, model_id, body.path)}

        # seq_id is accepted and ignored for save/load, like the real server.
        return server.submit(model_id, job, name="Save-weights")

    @router.post("/api/v1/load_weights", tags=["Weights Management"])
    async def load_weights(body: LoadWeightsRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            directory = server.checkpoints.resolve_load(body.path, model_id)
            try:
                model.load(directory, include_optimizer=body.optimizer)
            except EngineError as exc:
                raise HTTPException(500, f"Failed to load checkpoint: {exc}") from exc
            return {"path": body.path}

        return server.submit(model_id, job, name="Load-weights")

    @router.post("/api/v1/save_weights_for_sampler", tags=["State Management"])
    async def save_weights_for_sampler(body: SaveWeightsForSamplerRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            return {"path": server.checkpoints.save_sampler(model, model_id, body.name)}

        return server.submit(model_id, job, name="Save-weights-for-sampler")

    @router.post("/api/v1/list_checkpoints", tags=["Weights Management"])
    def list_checkpoints(body: ListCheckpointsRequest) -> dict[str, Any]:
        return {
            "checkpoints": server.checkpoints.list_checkpoints(body.model_id or DEFAULT_MODEL_ID)
        }

    @router.post("/api/v1/delete_checkpoint", tags=["Weights Management"])
    def delete_checkpoint(body: DeleteCheckpointRequest) -> dict[str, Any]:
        return server.checkpoints.delete(body.checkpoint_id)

    @router.post("/api/v1/weights_info", tags=["Weights Management"])
    def weights_info(body: WeightsInfoRequest) -> dict[str, Any]:
        fallback: dict[str, Any] | None = None
        if body.xorl_path.startswith("xorl://"):
            owner = body.xorl_path[len("xorl://") :].split("/")[0]
            session = server.sessions.get(owner)
            if session is not None and session.spec is not None:
                fallback = session.spec.to_json()
        return server.checkpoints.weights_info(body.xorl_path, fallback)
