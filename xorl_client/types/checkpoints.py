"""Checkpoint listings, weights metadata, training runs and the session registry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, overload

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel

__all__ = [
    "Checkpoint",
    "CheckpointInfo",
    "CheckpointType",
    "CheckpointsListResponse",
    "Cursor",
    "DeleteCheckpointResponse",
    "DeleteCheckpointResult",
    "ParsedCheckpointXoRLPath",
    "SessionInfo",
    "TrainingRun",
    "TrainingRunsPage",
    "TrainingRunsResponse",
    "WeightsInfo",
    "WeightsInfoResponse",
]

CheckpointType: TypeAlias = Literal["training", "sampler"]


@dataclass(slots=True)
class CheckpointInfo(XorlModel):
    """One entry of ``list_checkpoints``.

    ``checkpoint_id`` is ``weights/<M>/<N>`` or ``sampler_weights/<N>`` (what
    ``delete_checkpoint`` takes); ``path`` is ``xorl://<M>/weights/<N>`` for training
    checkpoints but ``sampler_weights/<N>`` (no scheme) for sampler exports; ``time`` is the
    server's local time, ISO 8601 without a timezone.
    """

    checkpoint_id: str
    checkpoint_type: str
    time: str
    path: str
    size_bytes: int | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CheckpointInfo:
        """Parse a ``CheckpointInfo`` object."""
        size = d.get("size_bytes")
        return cls(
            checkpoint_id=str(d["checkpoint_id"]),
            checkpoint_type=str(d.get("checkpoint_type", "training")),
            time=str(d.get("time", "")),
            path=str(d.get("path", "")),
            size_bytes=int(size) if size is not None else None,
        )

    # Tinker's names for what an xorl checkpoint has (or never has).
    @property
    def tinker_path(self) -> str:
        """Tinker's name for :attr:`path` (what the Tinker-style calls take)."""
        return self.path

    @property
    def expires_at(self) -> None:
        """Always ``None``: xorl checkpoints never expire."""
        return None

    @property
    def public(self) -> bool:
        """Always ``False``: xorl has no published checkpoints."""
        return False

    @property
    def user_metadata(self) -> None:
        """Always ``None``: the xorl server keeps no checkpoint metadata."""
        return None


Checkpoint = CheckpointInfo
"""The official client's name for one checkpoint entry."""


@dataclass(slots=True)
class CheckpointsListResponse(XorlModel):
    """What ``list_checkpoints`` returns: ``.checkpoints``, newest first.

    It also behaves as the list itself (iteration, ``len``, indexing).
    """

    checkpoints: list[CheckpointInfo] = field(default_factory=list)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CheckpointsListResponse:
        """Parse a ``ListCheckpointsResponse`` body."""
        return cls([CheckpointInfo.from_wire(c) for c in d.get("checkpoints") or []])

    def __iter__(self) -> Iterator[CheckpointInfo]:
        return iter(self.checkpoints)

    def __len__(self) -> int:
        return len(self.checkpoints)

    @overload
    def __getitem__(self, index: int) -> CheckpointInfo: ...
    @overload
    def __getitem__(self, index: slice) -> list[CheckpointInfo]: ...
    def __getitem__(self, index: int | slice) -> CheckpointInfo | list[CheckpointInfo]:
        return self.checkpoints[index]


@dataclass(slots=True)
class DeleteCheckpointResponse(XorlModel):
    """What ``delete_checkpoint`` removed (``deleted_path``), or why it could not (``error``)."""

    success: bool = False
    deleted_path: str | None = None
    error: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> DeleteCheckpointResponse:
        """Parse a ``DeleteCheckpointResponse`` body."""
        path, error = d.get("deleted_path"), d.get("error")
        return cls(
            success=bool(d.get("success", False)),
            deleted_path=path if isinstance(path, str) else None,
            error=error if isinstance(error, str) else None,
        )


DeleteCheckpointResult = DeleteCheckpointResponse


@dataclass(slots=True)
class ParsedCheckpointXoRLPath(XorlModel):
    """An ``xorl://<model_id>/<weights|sampler_weights>/<name>`` path taken apart.

    >>> p = ParsedCheckpointXoRLPath.from_xorl_path("xorl://run-1/weights/step-10")
    >>> p.model_id, p.checkpoint_type, p.checkpoint_id
    ('run-1', 'training', 'weights/step-10')
    """

    xorl_path: str
    model_id: str
    checkpoint_type: CheckpointType
    checkpoint_id: str

    @classmethod
    def from_xorl_path(cls, xorl_path: str) -> ParsedCheckpointXoRLPath:
        """Parse ``xorl_path``; raises :class:`~xorl_client.DataValidationError` (a ``ValueError``)."""
        parts = xorl_path[len("xorl://") :].split("/") if xorl_path.startswith("xorl://") else []
        kinds: dict[str, CheckpointType] = {"weights": "training", "sampler_weights": "sampler"}
        if len(parts) < 3 or parts[1] not in kinds or not parts[0] or not all(parts[2:]):
            raise DataValidationError(
                f"Invalid xorl_client path: {xorl_path!r}; expected "
                "xorl://<model_id>/weights/<name> or xorl://<model_id>/sampler_weights/<name>",
                field="xorl_path",
                rule="xorl:// checkpoint path form",
            )
        return cls(xorl_path, parts[0], kinds[parts[1]], "/".join(parts[1:]))


@dataclass(slots=True)
class WeightsInfo(XorlModel):
    """Checkpoint metadata from ``weights_info`` (enough to recreate the session).

    ``WeightsInfoResponse`` (the official name) is the same class.
    """

    base_model: str
    is_lora: bool = True
    lora_rank: int | None = None
    lora_config: dict[str, Any] | None = None
    optimizer_config: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> WeightsInfo:
        """Parse a ``WeightsInfoResponse`` body."""
        rank = d.get("lora_rank")
        lora = d.get("lora_config")
        opt = d.get("optimizer_config")
        return cls(
            base_model=str(d.get("base_model", "")),
            is_lora=bool(d.get("is_lora", True)),
            lora_rank=int(rank) if rank is not None else None,
            lora_config=dict(lora) if lora is not None else None,
            optimizer_config=dict(opt) if opt is not None else None,
        )


WeightsInfoResponse = WeightsInfo


@dataclass(slots=True)
class TrainingRun(XorlModel):
    """One entry of ``training_runs`` (one per registered session id).

    ``last_request_time`` is always "now" on the current server (not a real timestamp).
    """

    training_run_id: str
    base_model: str
    model_owner: str = "local"
    is_lora: bool = False
    last_request_time: str = ""
    corrupted: bool = False
    lora_rank: int | None = None
    last_checkpoint: CheckpointInfo | None = None
    last_sampler_checkpoint: CheckpointInfo | None = None
    user_metadata: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TrainingRun:
        """Parse a ``TrainingRun`` object."""
        last = d.get("last_checkpoint")
        last_sampler = d.get("last_sampler_checkpoint")
        rank = d.get("lora_rank")
        meta = d.get("user_metadata")
        return cls(
            training_run_id=str(d["training_run_id"]),
            base_model=str(d.get("base_model", "")),
            model_owner=str(d.get("model_owner", "local")),
            is_lora=bool(d.get("is_lora", False)),
            corrupted=bool(d.get("corrupted", False)),
            lora_rank=int(rank) if rank is not None else None,
            last_request_time=str(d.get("last_request_time", "")),
            last_checkpoint=CheckpointInfo.from_wire(last) if last else None,
            last_sampler_checkpoint=CheckpointInfo.from_wire(last_sampler)
            if last_sampler
            else None,
            user_metadata=dict(meta) if meta is not None else None,
        )


@dataclass(slots=True)
class SessionInfo(XorlModel):
    """The server's session registry (``GET /api/v1/session_info``).

    The last three fields come from the workers and may be empty when they did not answer.
    """

    registered_models: list[str] = field(default_factory=list)
    active_sessions: int = 0
    session_activity: dict[str, float] = field(default_factory=dict)
    idle_timeout_seconds: float = 0.0
    loaded_sampling_adapters: dict[str, int] = field(default_factory=dict)
    loaded_training_adapters: list[str] = field(default_factory=list)
    max_training_adapters: int = 0
    current_training_adapter: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SessionInfo:
        """Parse a ``SessionInfoResponse`` body."""
        current = d.get("current_training_adapter")
        return cls(
            registered_models=[str(m) for m in d.get("registered_models") or []],
            active_sessions=int(d.get("active_sessions") or 0),
            session_activity={
                str(k): float(v) for k, v in (d.get("session_activity") or {}).items()
            },
            idle_timeout_seconds=float(d.get("idle_timeout_seconds") or 0.0),
            loaded_sampling_adapters={
                str(k): int(v) for k, v in (d.get("loaded_sampling_adapters") or {}).items()
            },
            loaded_training_adapters=[str(m) for m in d.get("loaded_training_adapters") or []],
            max_training_adapters=int(d.get("max_training_adapters") or 0),
            current_training_adapter=str(current) if current is not None else None,
        )


@dataclass(slots=True)
class Cursor(XorlModel):
    """Where a page of ``training_runs`` sits: ``offset``, ``limit``, ``total_count``."""

    offset: int = 0
    limit: int = 0
    total_count: int = 0

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Cursor:
        """Parse a ``Cursor`` object."""
        return cls(
            offset=int(d.get("offset") or 0),
            limit=int(d.get("limit") or 0),
            total_count=int(d.get("total_count") or 0),
        )


@dataclass(slots=True)
class TrainingRunsPage(XorlModel):
    """One page of ``GET /api/v1/training_runs``: the runs and where the page sits (``cursor``).

    ``TrainingRunsResponse`` (the official name) is the same class; ``offset``, ``limit`` and
    ``total_count`` read the cursor.
    """

    training_runs: list[TrainingRun] = field(default_factory=list)
    cursor: Cursor = field(default_factory=Cursor)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TrainingRunsPage:
        """Parse a ``TrainingRunsResponse`` body."""
        return cls(
            training_runs=[TrainingRun.from_wire(r) for r in d.get("training_runs") or []],
            cursor=Cursor.from_wire(d.get("cursor") or {}),
        )

    @property
    def offset(self) -> int:
        """``cursor.offset``."""
        return self.cursor.offset

    @property
    def limit(self) -> int:
        """``cursor.limit``."""
        return self.cursor.limit

    @property
    def total_count(self) -> int:
        """``cursor.total_count``: runs on the server in total."""
        return self.cursor.total_count


TrainingRunsResponse = TrainingRunsPage
