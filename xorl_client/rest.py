"""``RestClient``: checkpoints, weights info, training runs and sessions.

These are the server's synchronous routes: each call is one HTTP request, still returned as an
:class:`~xorl_client.futures.APIFuture` so it composes with the training calls. Every method
has an ``*_async`` twin whose value is the result itself (the official client's convention).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._direct import call_direct
from ._twins import value_twin
from .compat.official import DEFAULT_MODEL_ID
from .compat.tinker_orders import tinker_order
from .errors import DataValidationError
from .futures import APIFuture
from .tinker_compat.rest_methods import TinkerRestMixin, check_run_listing
from .types import (
    CheckpointsListResponse,
    DeleteCheckpointResponse,
    DeleteCheckpointResult,
    SessionInfo,
    TrainingRunsPage,
    WeightsInfo,
)
from .validation import validate_checkpoint_name, validate_model_id

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = [
    "DeleteCheckpointResult",
    "RestClient",
    "checkpoint_id_from_path",
    "checkpoint_id_to_delete",
]

T = TypeVar("T")


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


def checkpoint_id_to_delete(checkpoint: str, model_id: str) -> str:
    """The server's ``checkpoint_id`` for every form ``delete_checkpoint`` accepts.

    Besides the full forms of :func:`checkpoint_id_from_path`: ``weights/<name>`` (what the
    official client makes of an ``xorl://`` path) and a bare ``<name>`` both mean the training
    checkpoint ``<name>`` of ``model_id``.

    >>> checkpoint_id_to_delete("weights/step-1", "run-7"), checkpoint_id_to_delete("step-1", "run-7")
    ('weights/run-7/step-1', 'weights/run-7/step-1')
    """
    if not isinstance(checkpoint, str) or not checkpoint:
        raise DataValidationError(
            f"the checkpoint to delete must be a non-empty string, not {checkpoint!r}",
            field="checkpoint",
            rule="checkpoint id form",
        )
    parts = checkpoint.split("/")
    if len(parts) == 1 or (len(parts) == 2 and parts[0] == "weights"):
        name = validate_checkpoint_name(parts[-1])
        return f"weights/{validate_model_id(model_id)}/{name}"
    return checkpoint_id_from_path(checkpoint)


class RestClient(TinkerRestMixin):
    """Read and manage what the server stores. Create it with ``ServiceClient.create_rest_client()``.

    ``model_id`` is the session that ``list_checkpoints()`` and bare checkpoint names in
    ``delete_checkpoint()`` refer to when no other is given (``"default"``).

    >>> import xorl_client as xc
    >>> service = xc.ServiceClient(base_url=start_local_server())
    >>> tc = service.create_training_client("xorl-local/byte-bigram")
    >>> path = tc.save_state("nightly").result().path
    >>> rest = service.create_rest_client()
    >>> [c.path for c in rest.list_checkpoints().result().checkpoints]
    ['xorl://default/weights/nightly', 'xorl://default/weights/000000']
    >>> rest.get_weights_info(path).result().base_model
    'xorl-local/byte-bigram'
    >>> rest.delete_checkpoint("nightly").result().deleted_path
    'xorl://default/weights/nightly'
    >>> service.close()
    """

    def __init__(self, *, transport: Transport, model_id: str = DEFAULT_MODEL_ID) -> None:
        self._transport = transport
        self.model_id = validate_model_id(model_id)

    def __repr__(self) -> str:
        return f"RestClient(model_id={self.model_id!r})"

    def list_checkpoints(self, model_id: str | None = None) -> APIFuture[CheckpointsListResponse]:
        """Training checkpoints of ``model_id`` (default: this client's) plus every sampler export.

        The result's ``.checkpoints`` is newest first; the result also iterates like that list.
        """
        from xorl_openapi.api.weights import list_checkpoints
        from xorl_openapi.models import ListCheckpointsRequest

        body = ListCheckpointsRequest(model_id=validate_model_id(model_id or self.model_id))
        return self._call(
            list_checkpoints,
            "list_checkpoints",
            lambda parsed: CheckpointsListResponse.from_wire(parsed.to_dict()),
            idempotent=True,
            body=body,
        )

    @tinker_order("delete_checkpoint")
    def delete_checkpoint(
        self, checkpoint_id_or_path: str, model_id: str | None = None
    ) -> APIFuture[DeleteCheckpointResponse]:
        """Delete a checkpoint.

        Accepted forms: an ``xorl://`` path; a checkpoint id (``weights/<model_id>/<name>``,
        ``sampler_weights/<name>``); ``weights/<name>`` or a bare ``<name>``, meaning the
        training checkpoint ``<name>`` of ``model_id`` (default: this client's). The reserved
        initial checkpoint ``000000`` cannot be deleted (``PermissionDeniedError``). Tinker's
        ``delete_checkpoint(training_run_id, "weights/<name>")`` is recognised by the ``/``.
        """
        from xorl_openapi.api.weights import delete_checkpoint
        from xorl_openapi.models import DeleteCheckpointRequest

        checkpoint_id = checkpoint_id_to_delete(checkpoint_id_or_path, model_id or self.model_id)
        return self._call(
            delete_checkpoint,
            "delete_checkpoint",
            lambda p: DeleteCheckpointResponse.from_wire(p.to_dict()),
            idempotent=False,
            body=DeleteCheckpointRequest(checkpoint_id=checkpoint_id),
        )

    def get_weights_info(self, xorl_path: str) -> APIFuture[WeightsInfo]:
        """What a training checkpoint needs to recreate its session (base model, LoRA, optimizer).

        ``xorl_path`` is ``xorl://<model_id>/weights/<name>`` (what ``save_state`` returns).
        """
        from xorl_openapi.api.weights import weights_info
        from xorl_openapi.models import WeightsInfoRequest

        checkpoint_id_from_path(xorl_path)  # validates the form before sending
        return self._call(
            weights_info,
            "weights_info",
            lambda p: WeightsInfo.from_wire(p.to_dict()),
            idempotent=True,
            body=WeightsInfoRequest(xorl_path=xorl_path),
        )

    get_weights_info_by_xorl_path = get_weights_info

    def list_training_runs(
        self,
        limit: int = 20,
        offset: int = 0,
        *,
        access_scope: str = "owned",
        project_id: str | None = None,
    ) -> APIFuture[TrainingRunsPage]:
        """One page of training runs (one per registered session); ``.cursor`` says where.

        Tinker's ``access_scope`` ("owned" or "accessible") lists every run either way (xorl
        has no owners); ``project_id`` is accepted only as ``None``.
        """
        from xorl_openapi.api.weights import training_runs

        check_run_listing(access_scope, project_id)
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

    list_checkpoints_async = value_twin(list_checkpoints)
    delete_checkpoint_async = value_twin(delete_checkpoint)
    get_weights_info_async = value_twin(get_weights_info)
    get_weights_info_by_xorl_path_async = value_twin(
        get_weights_info, "get_weights_info_by_xorl_path_async"
    )
    list_training_runs_async = value_twin(list_training_runs)
    session_info_async = value_twin(session_info)

    def _call(
        self,
        endpoint: Any,
        operation: str,
        convert: Callable[[Any], T],
        *,
        idempotent: bool,
        **kwargs: Any,
    ) -> APIFuture[T]:
        return call_direct(
            self._transport, endpoint, operation, convert, idempotent=idempotent, **kwargs
        )
