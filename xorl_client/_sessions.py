"""Creating sessions on the server: ``create_model`` (two-phase), adapter loading, and the
rules for recreating a checkpoint's session (used by :class:`~xorl_client.ServiceClient`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _runtime
from ._polling import QueueStateEvent, wait_for_future
from .errors import DataValidationError, RequestFailedError, XorlError
from .futures import APIFuture
from .types import LoraConfig, WeightsInfo

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["DEFAULT_LORA_RANK", "RequestedLora", "create_model", "load_adapter"]

DEFAULT_LORA_RANK = 32  # the official default (and the server's)


def create_model(
    transport: Transport,
    body: dict[str, Any],
    on_queue_state: Callable[[QueueStateEvent], object] | None,
    *,
    lora_requested: bool = False,
) -> APIFuture[Any]:
    """``create_model`` then its future: the session exists when this resolves.

    A LoRA request refused by a full-weight server gets a note saying what to call instead.
    """
    from xorl_openapi.api.futures import retrieve_future
    from xorl_openapi.api.models import create_model as endpoint
    from xorl_openapi.models import CreateModelRequest

    deadline = transport.deadline()
    request = CreateModelRequest.from_dict(body)

    async def run() -> Any:
        handle = await transport.call(
            endpoint,
            operation="create_model",
            idempotent=False,
            deadline=deadline,
            body=request,
        )
        try:
            return await wait_for_future(
                transport,
                str(handle.request_id),
                operation="create_model",
                deadline=deadline,
                retrieve_endpoint=retrieve_future,
                on_queue_state=on_queue_state,
            )
        except RequestFailedError as exc:
            if lora_requested and "full-weight" in exc.server_message.lower():
                exc.add_note(
                    "This server trains full weights (it was started without LoRA): use "
                    "create_training_client(base_model) instead of "
                    "create_lora_training_client."
                )
            raise

    return APIFuture(_runtime.run_coroutine(run()), operation="create_model")


def load_adapter(transport: Transport, body: dict[str, Any]) -> APIFuture[str]:
    """``create_sampling_session``: load an adapter on the inference endpoints; its name."""
    from xorl_openapi.api.inference import create_sampling_session
    from xorl_openapi.models import CreateSamplingSessionRequest

    deadline = transport.deadline()
    request = CreateSamplingSessionRequest.from_dict(body)

    async def load() -> str:
        # Loading an adapter that is already loaded is a no-op on the server, so the call
        # is safe to resend (idempotent).
        parsed = await transport.call(
            create_sampling_session,
            operation="create_sampling_session",
            idempotent=True,
            deadline=deadline,
            body=request,
        )
        answer: dict[str, Any] = parsed.to_dict()
        name = answer.get("lora_name")
        if not answer.get("success", True) or not isinstance(name, str) or not name:
            raise XorlError(
                f"create_sampling_session did not load {body['model_path']!r}: "
                f"{answer.get('message') or answer}"
            )
        return name

    return APIFuture(_runtime.run_coroutine(load()), operation="create_sampling_session")


@dataclass(frozen=True)
class RequestedLora:
    """LoRA settings given to ``create_training_client_from_state*`` (``None`` = the checkpoint's)."""

    rank: int | None
    alpha: int | None
    dropout: float
    target_modules: list[str] | None

    def check(self) -> None:
        """Refuse values the server cannot take (bad numbers, a dropout), before sending."""
        LoraConfig(
            rank=DEFAULT_LORA_RANK if self.rank is None else self.rank,
            alpha=self.alpha,
            dropout=self.dropout,
            target_modules=self.target_modules,
        ).to_wire()

    def restore_body(self, info: WeightsInfo, base_model: str | None) -> dict[str, Any]:
        """The ``create_model`` body recreating the checkpoint's session; given settings must match it."""
        if base_model is not None and info.base_model and base_model != info.base_model:
            raise DataValidationError(
                f"base_model={base_model!r} but the checkpoint was trained on {info.base_model!r}",
                field="base_model",
                rule="base_model matches the checkpoint",
            )
        body: dict[str, Any] = {"base_model": base_model or info.base_model}
        if not info.is_lora:
            if self.rank is not None or self.alpha is not None or self.target_modules:
                raise DataValidationError(
                    "the checkpoint holds full weights; LoRA settings (rank, alpha, "
                    "target_modules) do not apply to it",
                    field="rank" if self.rank is not None else "alpha",
                    rule="LoRA settings only for LoRA checkpoints",
                )
            return body
        lora = dict(info.lora_config or {})
        if info.lora_rank is not None:
            lora.setdefault("lora_rank", info.lora_rank)
        for name, value, key in (
            ("rank", self.rank, "lora_rank"),
            ("alpha", self.alpha, "lora_alpha"),
        ):
            if value is not None and key in lora and lora[key] != value:
                raise DataValidationError(
                    f"{name}={value} but the checkpoint's adapter has {name} {lora[key]}; leave "
                    f"{name} unset to use the checkpoint's",
                    field=name,
                    rule=f"{name} matches the checkpoint",
                )
            if value is not None:
                lora[key] = value
        if self.target_modules is not None:
            lora["target_modules"] = list(self.target_modules)
        if lora:
            body["lora_config"] = lora
        if info.optimizer_config:
            body["optimizer_config"] = dict(info.optimizer_config)
        return body
