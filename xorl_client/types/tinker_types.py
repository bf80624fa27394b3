"""Result types of Tinker's calls that the official client has no type for.

``GetInfoResponse`` (``TrainingClient.get_info``), ``GetServerCapabilitiesResponse`` (the
Tinker ``ServiceClient``/``RestClient.get_server_capabilities``), ``ParsedCheckpointTinkerPath``
(checkpoint paths taken apart, ``tinker://`` paths read as the ``xorl://`` path of the same
run), ``AdamOptimizerConfig`` (Tinker's ``optimizer=``) and the audit-log types Tinker code
imports. Fields follow Tinker's; what xorl cannot know is ``None``.

>>> p = ParsedCheckpointTinkerPath.from_tinker_path("tinker://lora-1/sampler_weights/final")
>>> p.training_run_id, p.checkpoint_type, p.checkpoint_id, p.xorl_path
('lora-1', 'sampler', 'sampler_weights/final', 'xorl://lora-1/sampler_weights/final')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel
from xorl_client.types.checkpoints import CheckpointType

__all__ = [
    "AdamOptimizerConfig",
    "AuditLogEntry",
    "AuditLogResponse",
    "GetInfoResponse",
    "GetServerCapabilitiesResponse",
    "ModelData",
    "ParsedCheckpointTinkerPath",
    "SupportedModel",
]


@dataclass(slots=True)
class AdamOptimizerConfig(XorlModel):
    """Tinker's default optimizer choice at session creation: AdamW (its only field is ``type``)."""

    type: Literal["adamw"] = "adamw"


@dataclass(slots=True)
class ModelData(XorlModel):
    """What the model is: its name and the tokenizer to load (``arch`` is not known on xorl)."""

    arch: str | None = None
    model_name: str | None = None
    tokenizer_id: str | None = None


@dataclass(slots=True)
class GetInfoResponse(XorlModel):
    """``TrainingClient.get_info()``: the session (``model_id``) and its model, known without a request."""

    model_id: str
    model_data: ModelData = field(default_factory=ModelData)
    optimizer_config: AdamOptimizerConfig = field(default_factory=AdamOptimizerConfig)
    is_lora: bool | None = None
    lora_rank: int | None = None
    model_name: str | None = None
    type: Literal["get_info"] = "get_info"


@dataclass(slots=True)
class SupportedModel(XorlModel):
    """One model a server trains and samples (an xorl server has exactly one)."""

    model_name: str | None = None
    max_context_length: int | None = None
    trainable: bool | None = None
    sampleable: bool | None = None


@dataclass(slots=True)
class GetServerCapabilitiesResponse(XorlModel):
    """The models a server supports."""

    supported_models: list[SupportedModel] = field(default_factory=list)


@dataclass(slots=True)
class AuditLogEntry(XorlModel):
    """Tinker's audit-log entry (xorl keeps no audit log; the type exists for imports)."""

    timestamp: str | None = None
    event: str | None = None
    event_details: dict[str, Any] | None = None
    model_id: str | None = None
    tinker_path: str | None = None
    purpose: str | None = None


@dataclass(slots=True)
class AuditLogResponse(XorlModel):
    """Tinker's audit-log page (never returned on xorl)."""

    entries: list[AuditLogEntry] = field(default_factory=list)


_SEGMENTS: dict[str, CheckpointType] = {"weights": "training", "sampler_weights": "sampler"}


@dataclass(slots=True)
class ParsedCheckpointTinkerPath(XorlModel):
    """A checkpoint path taken apart the way Tinker does.

    Accepts ``tinker://<run>/<weights|sampler_weights>/<name>`` and the same path with the
    ``xorl://`` scheme (what this SDK returns); ``<run>`` is the xorl session (``model_id``)
    and ``checkpoint_id`` includes the segment (``"weights/final"``), as in Tinker.
    """

    tinker_path: str
    training_run_id: str
    checkpoint_type: CheckpointType
    checkpoint_id: str

    @property
    def xorl_path(self) -> str:
        """The ``xorl://`` path of the checkpoint (what every xorl-client call takes)."""
        return f"xorl://{self.training_run_id}/{self.checkpoint_id}"

    @classmethod
    def from_tinker_path(cls, tinker_path: str) -> ParsedCheckpointTinkerPath:
        """Parse ``tinker_path``; anything else raises :class:`~xorl_client.DataValidationError`
        (a ``ValueError``, like Tinker's)."""
        text = tinker_path if isinstance(tinker_path, str) else ""
        scheme, sep, rest = text.partition("://")
        parts = rest.split("/")
        if (
            not sep
            or scheme not in ("tinker", "xorl")
            or len(parts) != 3
            or not all(parts)
            or parts[1] not in _SEGMENTS
        ):
            raise DataValidationError(
                f"Invalid tinker path: {tinker_path!r}; expected tinker://<run>/weights/<name> "
                "or tinker://<run>/sampler_weights/<name> (or the same with xorl://; xorl has "
                "no external_weights)",
                field="tinker_path",
                rule="tinker:// checkpoint path form",
            )
        run, segment, name = parts
        return cls(tinker_path, run, _SEGMENTS[segment], f"{segment}/{name}")
