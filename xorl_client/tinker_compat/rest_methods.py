"""``RestClient``'s Tinker surface: runs and checkpoints by Tinker's names and paths.

What maps to xorl is implemented on its routes (``training_runs``, ``list_checkpoints``,
``delete_checkpoint``, ``weights_info``); what has no counterpart (publishing, archives,
copies, audit logs, TTLs other than "never expires") raises an
:class:`~xorl_client.compat.tinker_options.UnsupportedError` before anything is sent. Paths may
be ``tinker://`` or ``xorl://`` (a ``<run>`` is an xorl session, ``model_id``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xorl_client import _runtime
from xorl_client._twins import value_twin
from xorl_client.compat.tinker_options import check_tinker_options, refuse, refused_call
from xorl_client.errors import DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.tinker_compat.server_model import capabilities, server_model
from xorl_client.types import (
    CheckpointInfo,
    CheckpointsListResponse,
    DeleteCheckpointResponse,
    GetServerCapabilitiesResponse,
    ParsedCheckpointTinkerPath,
    TrainingRun,
    TrainingRunsPage,
    WeightsInfo,
)

__all__ = ["TinkerRestMixin", "xorl_checkpoint_path"]

_PAGE = 100
_ACCESS_SCOPES = ("owned", "accessible")


def xorl_checkpoint_path(path: str) -> str:
    """The ``xorl://`` path (or checkpoint id) for a ``tinker://`` / ``xorl://`` path or an id.

    >>> xorl_checkpoint_path("tinker://lora-1/weights/final"), xorl_checkpoint_path("sampler_weights/a")
    ('xorl://lora-1/weights/final', 'sampler_weights/a')
    """
    if isinstance(path, str) and "://" in path:
        return ParsedCheckpointTinkerPath.from_tinker_path(path).xorl_path
    return path


def _check_scope(access_scope: Any) -> None:
    # Both of Tinker's scopes mean "every run of this server" on xorl (no owners, no sharing).
    if access_scope not in _ACCESS_SCOPES:
        raise DataValidationError(
            f"access_scope must be 'owned' or 'accessible', not {access_scope!r}",
            field="access_scope",
            rule="access_scope is 'owned' or 'accessible'",
        )


class TinkerRestMixin:
    """Tinker's ``RestClient`` methods (mixed into :class:`~xorl_client.RestClient`)."""

    __slots__ = ()

    if TYPE_CHECKING:  # provided by RestClient

        def list_training_runs(
            self, limit: int = 20, offset: int = 0
        ) -> APIFuture[TrainingRunsPage]: ...
        def list_checkpoints(
            self, model_id: str | None = None
        ) -> APIFuture[CheckpointsListResponse]: ...
        def delete_checkpoint(
            self, checkpoint_id_or_path: str, model_id: str | None = None
        ) -> APIFuture[DeleteCheckpointResponse]: ...
        def get_weights_info(self, xorl_path: str) -> APIFuture[WeightsInfo]: ...

    # -- runs ---------------------------------------------------------------------------------

    def _all_runs(self) -> APIFuture[list[TrainingRun]]:
        async def collect() -> list[TrainingRun]:
            runs: list[TrainingRun] = []
            while True:
                page = await self.list_training_runs(limit=_PAGE, offset=len(runs))
                runs.extend(page.training_runs)
                if not page.training_runs or len(runs) >= page.cursor.total_count:
                    return runs

        return APIFuture(_runtime.run_coroutine(collect()), operation="training_runs")

    def get_training_run(
        self, training_run_id: str, access_scope: str = "owned"
    ) -> APIFuture[TrainingRun]:
        """The run (xorl session) ``training_run_id``, from the server's ``training_runs``."""
        _check_scope(access_scope)

        def find(runs: list[TrainingRun]) -> TrainingRun:
            for run in runs:
                if run.training_run_id == training_run_id:
                    return run
            raise DataValidationError(
                f"no training run {training_run_id!r} on this server (runs: "
                f"{[r.training_run_id for r in runs]})",
                field="training_run_id",
                rule="a run of this server",
            )

        return self._all_runs().map(find)

    def get_training_run_by_tinker_path(
        self, tinker_path: str, access_scope: str = "owned"
    ) -> APIFuture[TrainingRun]:
        """The run a checkpoint path belongs to."""
        run = ParsedCheckpointTinkerPath.from_tinker_path(tinker_path).training_run_id
        return self.get_training_run(run, access_scope)

    def get_weights_info_by_tinker_path(self, tinker_path: str) -> APIFuture[WeightsInfo]:
        """``get_weights_info`` of a training checkpoint path (``tinker://`` or ``xorl://``)."""
        return self.get_weights_info(xorl_checkpoint_path(tinker_path))

    def get_server_capabilities(self) -> APIFuture[GetServerCapabilitiesResponse]:
        """The server's one model (from its training runs)."""
        return server_model(self).map(capabilities)

    # -- checkpoints --------------------------------------------------------------------------

    def list_user_checkpoints(
        self, limit: int = 100, offset: int = 0
    ) -> APIFuture[CheckpointsListResponse]:
        """Every checkpoint of every run of the server, newest first, one page of it."""
        if limit < 0 or offset < 0:
            raise DataValidationError(
                f"limit and offset must be >= 0, got limit={limit}, offset={offset}",
                field="limit" if limit < 0 else "offset",
                rule="non-negative page bounds",
            )
        runs_future = self._all_runs()

        async def collect() -> CheckpointsListResponse:
            seen: dict[str, CheckpointInfo] = {}
            for run in await runs_future:
                # Sampler exports are server-wide: every run's listing repeats them.
                for checkpoint in await self.list_checkpoints(run.training_run_id):
                    seen.setdefault(checkpoint.checkpoint_id, checkpoint)
            ordered = sorted(seen.values(), key=lambda c: c.time, reverse=True)
            return CheckpointsListResponse(ordered[offset : offset + limit])

        return APIFuture(_runtime.run_coroutine(collect()), operation="list_checkpoints")

    def delete_checkpoint_from_tinker_path(
        self, tinker_path: str
    ) -> APIFuture[DeleteCheckpointResponse]:
        """Delete the checkpoint at ``tinker_path`` (``tinker://`` or ``xorl://``)."""
        return self.delete_checkpoint(xorl_checkpoint_path(tinker_path))

    def set_checkpoint_ttl_from_tinker_path(
        self, tinker_path: str, ttl_seconds: int | None
    ) -> APIFuture[None]:
        """``ttl_seconds=None`` ("never expires") is what every xorl checkpoint is; others are refused."""
        xorl_checkpoint_path(tinker_path)
        if ttl_seconds is not None:
            raise refuse(
                "set_checkpoint_ttl_from_tinker_path",
                f"ttl_seconds={ttl_seconds!r}",
                "xorl checkpoints never expire (the server has no TTL)",
                "Delete the checkpoint when it is no longer needed with "
                "delete_checkpoint_from_tinker_path(path)",
            )
        return APIFuture.from_value(None, operation="set_checkpoint_ttl")

    publish_checkpoint_from_tinker_path = refused_call("publish_checkpoint_from_tinker_path")
    publish_checkpoint_from_tinker_path_async = refused_call(
        "publish_checkpoint_from_tinker_path_async"
    )
    unpublish_checkpoint_from_tinker_path = refused_call("unpublish_checkpoint_from_tinker_path")
    unpublish_checkpoint_from_tinker_path_async = refused_call(
        "unpublish_checkpoint_from_tinker_path_async"
    )
    get_checkpoint_archive_url_from_tinker_path = refused_call(
        "get_checkpoint_archive_url_from_tinker_path"
    )
    get_checkpoint_archive_url_from_tinker_path_async = refused_call(
        "get_checkpoint_archive_url_from_tinker_path_async"
    )
    get_checkpoint_archive_url = refused_call("get_checkpoint_archive_url")
    get_checkpoint_archive_url_async = refused_call("get_checkpoint_archive_url_async")
    get_external_weights_urls = refused_call("get_external_weights_urls")
    copy_weights = refused_call("copy_weights")
    get_audit_log = refused_call("get_audit_log")
    get_session = refused_call("get_session")
    get_session_async = refused_call("get_session_async")
    list_sessions = refused_call("list_sessions")
    list_sessions_async = refused_call("list_sessions_async")

    get_training_run_async = value_twin(get_training_run)
    get_training_run_by_tinker_path_async = value_twin(get_training_run_by_tinker_path)
    get_server_capabilities_async = value_twin(get_server_capabilities)
    list_user_checkpoints_async = value_twin(list_user_checkpoints)
    delete_checkpoint_from_tinker_path_async = value_twin(delete_checkpoint_from_tinker_path)
    set_checkpoint_ttl_from_tinker_path_async = value_twin(set_checkpoint_ttl_from_tinker_path)


def check_run_listing(access_scope: Any, project_id: Any) -> None:
    """Tinker's ``list_training_runs`` keywords: both scopes are every run; no projects."""
    _check_scope(access_scope)
    check_tinker_options("RestClient", project_id=project_id)
