"""Checkpoint and session helpers of :class:`~xorl_client.TrainingClient` (the official set).

* ``list_checkpoints()`` / ``delete_checkpoint(checkpoint_id)``: this session's checkpoints,
  the same calls as :class:`~xorl_client.RestClient`'s for ``model_id`` = this session.
* ``delete_checkpoint_from_xorl_path(xorl_path)``: deletes exactly the checkpoint the path
  names. The official client ignores the path's model id and deletes the checkpoint *of the
  same name in this session* - a different checkpoint when the path is another session's.
* ``kill_session(save_checkpoint=True)``: ends the session on the workers (optionally saving
  it first). Like a save, it waits for every earlier call of this client, so the checkpoint
  holds their effect.
* ``health_check()``: the training server's ``GET /health``, synchronously, as a dict.
* ``save_full_weights_safetensors`` and the provider hooks (``update_dedicated_endpoint``,
  ``update_serverless_weights``) have no route on xorl: they raise
  :class:`~xorl_client.NotSupportedOnXorlError` before anything is sent.
"""

from __future__ import annotations

from typing import Any, NoReturn

from xorl_client._direct import call_direct
from xorl_client._twins import future_twin
from xorl_client.compat.not_on_xorl import not_on_xorl
from xorl_client.errors import DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.rest import RestClient, checkpoint_id_from_path
from xorl_client.training._core import TrainingCore
from xorl_client.training.wire import wire_dict
from xorl_client.types import CheckpointsListResponse, DeleteCheckpointResponse
from xorl_client.types.session_ops import KillSessionResponse

__all__ = ["CheckpointsMixin"]

#: seconds for ``GET /health`` (the official client's limit)
_HEALTH_TIMEOUT = 60.0


class CheckpointsMixin(TrainingCore):
    """Checkpoint, session and health calls (see the module docstring)."""

    def list_checkpoints(self) -> APIFuture[CheckpointsListResponse]:
        """This session's training checkpoints plus every sampler export, newest first."""
        return self._rest().list_checkpoints()

    def delete_checkpoint(self, checkpoint_id: str) -> APIFuture[DeleteCheckpointResponse]:
        """Delete a checkpoint: an id, an ``xorl://`` path, or a bare name of this session's.

        The reserved initial checkpoint ``000000`` cannot be deleted
        (:class:`~xorl_client.PermissionDeniedError`).
        """
        return self._rest().delete_checkpoint(checkpoint_id)

    def delete_checkpoint_from_xorl_path(
        self, xorl_path: str
    ) -> APIFuture[DeleteCheckpointResponse]:
        """Delete the checkpoint ``xorl://<model_id>/(weights|sampler_weights)/<name>`` names.

        Exactly that checkpoint, whichever session the path belongs to (the official client
        would delete this session's checkpoint of the same name instead).
        """
        if not isinstance(xorl_path, str) or not xorl_path.startswith("xorl://"):
            raise DataValidationError(
                f"xorl_path must be an xorl:// checkpoint path, not {xorl_path!r}; use "
                "delete_checkpoint() for ids and names",
                field="xorl_path",
                rule="xorl:// checkpoint path form",
            )
        checkpoint_id_from_path(xorl_path)  # the form is checked before anything is sent
        return self._rest().delete_checkpoint(xorl_path)

    def kill_session(self, save_checkpoint: bool = True) -> APIFuture[KillSessionResponse]:
        """End this session on the workers, after every earlier call of this client.

        Args:
            save_checkpoint: ask the workers to save the session first; the result's
                ``checkpoint_path`` says where.

        On a LoRA server the session's registration and futures go too; the server's shared
        ``"default"`` LoRA session is never removed (``success`` with a message saying so).
        On a full-weight server only the workers are told. Prefer :meth:`unload` to release
        a session; this is the official client's operator call.
        """
        if not isinstance(save_checkpoint, bool):
            raise DataValidationError(
                f"save_checkpoint must be True or False, not {save_checkpoint!r}",
                field="save_checkpoint",
                rule="save_checkpoint is a bool",
            )
        body = {"model_id": self.model_id, "save_checkpoint": save_checkpoint}
        return self._barrier(
            "kill_session",
            body,
            lambda parsed: KillSessionResponse.from_wire(wire_dict(parsed)),
            asynchronous=False,
        )

    def health_check(self) -> dict[str, Any]:
        """The training server's health (``GET /health``): ``status``, ``engine_running``, ...

        Blocks (at most 60 s) and returns the answer as a dict, as the official client does.
        """
        from xorl_openapi.api.system import health

        return call_direct(
            self._transport,
            health,
            "health",
            wire_dict,
            idempotent=True,
            timeout=_HEALTH_TIMEOUT,
        ).result()

    def save_full_weights_safetensors(
        self, name: str, dtype: str = "bfloat16", base_model_path: str | None = None
    ) -> NoReturn:
        """Not available on xorl: use :meth:`save_weights_for_sampler` (full weights on a
        full-weight server).

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("save_full_weights_safetensors")

    def update_dedicated_endpoint(
        self,
        name: str,
        endpoint_id: str,
        provider_api_key: str,
        hf_token: str,
        hf_org: str = "xorl-ai",
        provider_model_id: str | None = None,
    ) -> NoReturn:
        """Not available on xorl (provider hosting is outside the server).

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("update_dedicated_endpoint")

    def update_serverless_weights(
        self,
        name: str,
        provider_api_key: str,
        hf_token: str,
        provider_base_model: str,
        hf_repo_prefix: str = "xorl_client-adapter",
        private_repo: bool = True,
        hf_org: str = "xorl-ai",
        wait_for_completion: bool = True,
    ) -> NoReturn:
        """Not available on xorl (provider hosting is outside the server).

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("update_serverless_weights")

    list_checkpoints_async = future_twin(list_checkpoints)
    delete_checkpoint_async = future_twin(delete_checkpoint)
    delete_checkpoint_from_xorl_path_async = future_twin(delete_checkpoint_from_xorl_path)
    kill_session_async = future_twin(kill_session)

    async def save_full_weights_safetensors_async(
        self, name: str, dtype: str = "bfloat16", base_model_path: str | None = None
    ) -> NoReturn:
        """Not available on xorl (see :meth:`save_full_weights_safetensors`)."""
        raise not_on_xorl("save_full_weights_safetensors")

    def _rest(self) -> RestClient:
        return RestClient(transport=self._transport, model_id=self.model_id)
