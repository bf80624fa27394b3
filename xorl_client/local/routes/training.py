"""Training routes: ``forward_backward``, ``forward``, ``optim_step``, ``abort_gradient_epoch``
and phase 2 of every asynchronous operation, ``retrieve_future``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Response

from xorl_client.local.futures import FutureNotFoundError
from xorl_client.local.routing import check_routing_payloads
from xorl_client.local.schemas import (
    AbortGradientEpochRequest,
    DatumInput,
    ForwardBackwardRequest,
    ForwardRequest,
    FutureRetrieveRequest,
    OptimStepRequest,
)
from xorl_client.local.state import JSONBytesResponse

if TYPE_CHECKING:
    from xorl_client.local.state import LocalServer

__all__ = ["add_training_routes"]


def add_training_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/api/v1/retrieve_future", tags=["Async Operations"])
    async def retrieve_future(body: FutureRetrieveRequest) -> Response:
        try:
            result = await server.futures.retrieve(body.request_id)
        except FutureNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        return JSONBytesResponse(result)

    @router.post("/api/v1/forward_backward", tags=["Training Operations"])
    async def forward_backward(body: ForwardBackwardRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)
        batch = body.forward_backward_input

        def job() -> dict[str, Any]:
            _check_routing(batch)
            model = server.training_model(model_id)
            data = [datum.model_dump() for datum in batch.data]
            return model.forward_backward(data, batch.loss_fn, batch.loss_fn_params)

        return server.submit(model_id, job, name="Forward-backward", seq_id=body.seq_id)

    @router.post("/api/v1/forward", tags=["Training Operations"])
    async def forward(body: ForwardRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)
        batch = body.forward_input

        def job() -> dict[str, Any]:
            _check_routing(batch)
            model = server.training_model(model_id)
            data = [datum.model_dump() for datum in batch.data]
            return model.forward(data, batch.loss_fn, batch.loss_fn_params)

        return server.submit(model_id, job, name="Forward", seq_id=body.seq_id)

    @router.post("/api/v1/optim_step", tags=["Training Operations"])
    async def optim_step(body: OptimStepRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            learning_rate = server.resolve_learning_rate(body, model_id)
            model = server.training_model(model_id)
            optimizer = model.spec.optimizer
            beta1, beta2 = optimizer.betas
            eps = optimizer.eps
            if body.adam_params is not None:
                # The real server pushes adam_params' betas/eps (defaults included).
                beta1, beta2 = body.adam_params.beta1, body.adam_params.beta2
                eps = body.adam_params.eps
            clip = (
                body.gradient_clip
                if body.gradient_clip is not None
                else server.config.max_grad_norm
            )
            return model.optim_step(
                learning_rate=learning_rate,
                beta1=beta1,
                beta2=beta2,
                eps=eps,
                weight_decay=optimizer.weight_decay,
                grad_clip=clip,
            )

        return server.submit(model_id, job, name="Optim-step", seq_id=body.seq_id)

    @router.post("/api/v1/abort_gradient_epoch", tags=["Training Operations"])
    async def abort_gradient_epoch(body: AbortGradientEpochRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            outcome = server.training_model(model_id).abort_gradient_epoch()
            return {
                "success": outcome["success"],
                "model_id": model_id,
                "step": outcome["step"],
                "forward_backward_step": outcome["forward_backward_step"],
                "info": outcome.get("info", {}),
            }

        return server.submit(model_id, job, name="Abort-gradient-epoch", seq_id=body.seq_id)


def _check_routing(batch: DatumInput) -> None:
    """R3 payloads, checked like the real server before it packs the batch (an empty batch
    fails in the engine first, as there)."""
    if batch.data:
        check_routing_payloads(len(batch.data), batch.routed_experts, batch.routed_expert_logits)
