"""``RestClient``: checkpoints, weights info, training runs and sessions.

These are the server's synchronous routes: each call is one HTTP request, still returned as an
:class:`~xorl_client.futures.APIFuture` so it composes with the training calls.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from . import _runtime
from .errors import DataValidationError
from .futures import APIFuture
from .types import CheckpointInfo, SessionInfo, TrainingRunsPage, WeightsInfo
from .validation import validate_checkpoint_name, validate_model_id

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["DeleteCheckpointResult", "RestClient", "checkpoint_id_from_path"]

T = TypeVar("T")


class DeleteCheckpointResult:
    """What ``delete_checkpoint`` removed (``deleted_path``), or why it could not."""

    __slots__ = ("deleted_path", "error", "success")

    def __init__(self, success: bool, deleted_path: str | None, error: str | None) -> None:
        self.success = success
        self.deleted_path = deleted_path
        self.error = error

    def __repr__(self) -> str:
        return (
            f"DeleteCheckpointResult(success={self.success!r}, "
            f"deleted_path={self.deleted_path!r}, error={self.error!r})"
        )


def checkpoint_id_from_path(path: str) -> str:
    """The server's ``checkpoint_id`` for an ``xorl://`` path (ids pass through unchanged).

    >>> checkpoint_id_from_path("xorl://default/weights/ckpt-001")
    'weights/default/ckpt-001'
    >>> checkpoint_id_from_path("xorl://policy/sampler_weights/adapter-1")
    'sampler_weights/adapter-1'
    >>> checkpoint_id_from_path("weights/default/ckpt-001")
    'weights/default/ckpt-001'
    """
    if path.startswith("xorl://"):
        parts = path[len("xorl://") :].split("/")
        if len(parts) == 3 and parts[1] == "weights":
            model_id = validate_model_id(parts[0], field="checkpoint path model id")
            return f"weights/{model_id}/{validate_checkpoint_name(parts[2])}"
        if len(parts) == 3 and parts[1] == "sampler_weights":
            return f"sampler_weights/{validate_checkpoint_name(parts[2])}"
        raise DataValidationError(
            f"checkpoint path {path!r} is not of the form xorl://<model_id>/weights/<name> "
            "or xorl://<model_id>/sampler_weights/<name>",
            field="checkpoint",
            rule="xorl:// checkpoint path form",
        )
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "weights":
        validate_model_id(parts[1], field="checkpoint id model id")
        validate_checkpoint_name(parts[2])
        return path
    if len(parts) == 2 and parts[0] == "sampler_weights":
        validate_checkpoint_name(parts[1])
        return path
    raise DataValidationError(
        f"checkpoint {path!r} is neither an xorl:// path nor a checkpoint id "
        "('weights/<model_id>/<name>' or 'sampler_weights/<name>')",
        field="checkpoint",
        rule="checkpoint id form",
    )


class RestClient:
    """Read and manage what the server stores. Create it with ``ServiceClient.create_rest_client()``.

    >>> import xorl_client as xc
    >>> service = xc.ServiceClient(base_url=start_local_server())
    >>> tc = service.create_training_client("xorl-local/byte-bigram")
    >>> path = tc.save_state("nightly").result().path
    >>> rest = service.create_rest_client()
    >>> [c.path for c in rest.list_checkpoints().result()]
    ['xorl://default/weights/nightly', 'xorl://default/weights/000000']
    >>> rest.get_weights_info(path).result().base_model
    'xorl-local/byte-bigram'
    >>> rest.delete_checkpoint(path).result().deleted_path
    'xorl://default/weights/nightly'
    >>> service.close()
    """

    def __init__(self, *, transport: Transport) -> None:
        self._transport = transport

    def list_checkpoints(self, model_id: str = "default") -> APIFuture[list[CheckpointInfo]]:
        """Training checkpoints of ``model_id`` plus every sampler export, newest first."""
        from xorl_openapi.api.weights import list_checkpoints
        from xorl_openapi.models import ListCheckpointsRequest

        body = ListCheckpointsRequest(model_id=validate_model_id(model_id))
        return self._call(
            list_checkpoints,
            "list_checkpoints",
            lambda parsed: [CheckpointInfo.from_wire(c.to_dict()) for c in parsed.checkpoints],
            idempotent=True,
            body=body,
        )

    def delete_checkpoint(self, checkpoint: str) -> APIFuture[DeleteCheckpointResult]:
        """Delete a checkpoint given as ``xorl://...`` path or as a checkpoint id.

        The reserved initial checkpoint ``000000`` cannot be deleted (``PermissionDeniedError``).
        """
        from xorl_openapi.api.weights import delete_checkpoint
        from xorl_openapi.models import DeleteCheckpointRequest

        body = DeleteCheckpointRequest(checkpoint_id=checkpoint_id_from_path(checkpoint))
        return self._call(
            delete_checkpoint,
            "delete_checkpoint",
            lambda p: DeleteCheckpointResult(
                bool(p.success), _opt_str(p.deleted_path), _opt_str(p.error)
            ),
            idempotent=False,
            body=body,
        )

    def get_weights_info(self, path: str) -> APIFuture[WeightsInfo]:
        """What a training checkpoint needs to recreate its session (base model, LoRA, optimizer)."""
        from xorl_openapi.api.weights import weights_info
        from xorl_openapi.models import WeightsInfoRequest

        checkpoint_id_from_path(path)  # validates the form before sending
        return self._call(
            weights_info,
            "weights_info",
            lambda p: WeightsInfo.from_wire(p.to_dict()),
            idempotent=True,
            body=WeightsInfoRequest(xorl_path=path),
        )

    def list_training_runs(self, limit: int = 20, offset: int = 0) -> APIFuture[TrainingRunsPage]:
        """One page of training runs (one per registered session)."""
        from xorl_openapi.api.weights import training_runs

        if limit < 0 or offset < 0:
            raise DataValidationError(
                f"limit and offset must be >= 0, got limit={limit}, offset={offset}",
                field="limit" if limit < 0 else "offset",
                rule="non-negative page bounds",
            )
        return self._call(
            training_runs,
            "training_runs",
            lambda p: TrainingRunsPage.from_wire(p.to_dict()),
            idempotent=True,
            limit=limit,
            offset=offset,
        )

    def session_info(self) -> APIFuture[SessionInfo]:
        """The server's registered sessions and their last activity."""
        from xorl_openapi.api.models import session_info

        return self._call(
            session_info,
            "session_info",
            lambda p: SessionInfo.from_wire(p.to_dict()),
            idempotent=True,
        )

    def _call(
        self,
        endpoint: Any,
        operation: str,
        convert: Callable[[Any], T],
        *,
        idempotent: bool,
        **kwargs: Any,
    ) -> APIFuture[T]:
        transport = self._transport
        deadline = transport.deadline()

        async def run() -> T:
            parsed = await transport.call(
                endpoint, operation=operation, idempotent=idempotent, deadline=deadline, **kwargs
            )
            return convert(parsed)

        coro: Coroutine[Any, Any, T] = run()
        return APIFuture(_runtime.run_coroutine(coro), operation=operation)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
