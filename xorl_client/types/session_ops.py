"""Results of session-level calls: ``kill_session``, sampling sessions, full-weight exports.

Field names and defaults are the official client's (its ``types`` module). A
:class:`SaveFullWeightsSafetensorsResponse` is never produced against xorl (the route does not
exist, see :mod:`xorl_client.compat.not_on_xorl`); the type is kept so code that names it
imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xorl_client.types._base import XorlModel

__all__ = [
    "CreateSamplingSessionResponse",
    "KillSessionResponse",
    "SaveFullWeightsSafetensorsResponse",
]


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(slots=True)
class KillSessionResponse(XorlModel):
    """The answer of ``kill_session``.

    ``checkpoint_path`` is where the workers saved the session (``xorl://M/weights/N`` in
    LoRA mode, else the server's raw path), or ``None`` when nothing was saved.
    """

    success: bool
    message: str
    checkpoint_path: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> KillSessionResponse:
        """Parse a ``KillSessionResponse`` body."""
        return cls(
            success=bool(d["success"]),
            message=str(d["message"]),
            checkpoint_path=_optional_str(d.get("checkpoint_path")),
        )


@dataclass(slots=True)
class CreateSamplingSessionResponse(XorlModel):
    """The answer of ``create_sampling_session``: ``lora_name`` is what ``/generate`` takes."""

    success: bool
    model_path: str
    lora_name: str
    message: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CreateSamplingSessionResponse:
        """Parse a ``CreateSamplingSessionResponse`` body."""
        return cls(
            success=bool(d.get("success", False)),
            model_path=str(d.get("model_path", "")),
            lora_name=str(d.get("lora_name", "")),
            message=_optional_str(d.get("message")),
        )


@dataclass(slots=True)
class SaveFullWeightsSafetensorsResponse(XorlModel):
    """The official result of ``save_full_weights_safetensors`` (not served by xorl)."""

    path: str
    dtype: str
    num_shards: int
