"""Checkpoint listings, weights metadata, training runs and the session registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "CheckpointInfo",
    "CheckpointType",
    "SessionInfo",
    "TrainingRun",
    "TrainingRunsPage",
    "WeightsInfo",
]

CheckpointType: TypeAlias = Literal["training", "sampler"]


@dataclass(slots=True)
class CheckpointInfo:
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


@dataclass(slots=True)
class WeightsInfo:
    """Checkpoint metadata from ``weights_info`` (enough to recreate the session)."""

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


@dataclass(slots=True)
class TrainingRun:
    """One entry of ``training_runs`` (one per registered session id).

    ``last_request_time`` is always "now" on the current server (not a real timestamp).
    """

    training_run_id: str
    base_model: str
    model_owner: str = "local"
    is_lora: bool = False
    corrupted: bool = False
    lora_rank: int | None = None
    last_request_time: str = ""
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
class SessionInfo:
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
class TrainingRunsPage:
    """One page of ``GET /api/v1/training_runs``: the runs and where the page sits."""

    training_runs: list[TrainingRun] = field(default_factory=list)
    offset: int = 0
    limit: int = 0
    total_count: int = 0

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TrainingRunsPage:
        """Parse a ``TrainingRunsResponse`` body."""
        cursor = d.get("cursor") or {}
        return cls(
            training_runs=[TrainingRun.from_wire(r) for r in d.get("training_runs") or []],
            offset=int(cursor.get("offset") or 0),
            limit=int(cursor.get("limit") or 0),
            total_count=int(cursor.get("total_count") or 0),
        )
