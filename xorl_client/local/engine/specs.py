"""Session specs, optimizer settings, base weights and the checkpoint file names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.local.model import (
    BASE_MODEL_NAME,
    VOCAB_SIZE,
    EngineError,
    FloatArray,
    base_table,
)

__all__ = [
    "ADAPTER_CONFIG_FILE",
    "DEFAULT_LORA_ALPHA",
    "MODEL_FILE",
    "OPTIMIZER_FILE",
    "SAMPLER_ADAPTER_FILE",
    "SAMPLER_WEIGHTS_FILE",
    "SESSION_SPEC_FILE",
    "BaseWeights",
    "OptimizerConfig",
    "SessionSpec",
]

#: Files of a training checkpoint directory (``save_weights``).
MODEL_FILE = "model.npz"
OPTIMIZER_FILE = "optimizer.npz"
SESSION_SPEC_FILE = "session_spec.json"
#: Files of a sampler export (``save_weights_for_sampler``): one of the two ``.npz`` files.
SAMPLER_WEIGHTS_FILE = "weights.npz"
SAMPLER_ADAPTER_FILE = "adapter.npz"
ADAPTER_CONFIG_FILE = "adapter_config.json"

#: The real server's default ``lora_alpha`` when a session gives a rank but no alpha.
DEFAULT_LORA_ALPHA = 16
#: Optimizer types the local engine can run; both mean plain fp32 AdamW here.
_ADAMW_TYPES = ("adamw", "anyprecision_adamw")


# ----------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class OptimizerConfig:
    """A session's default optimizer settings (``create_model``'s ``optimizer_config``).

    ``optim_step`` receives its hyperparameters explicitly; the HTTP layer falls back to these
    when a request leaves them out, and ``weights_info`` reports them.
    """

    type: str = "adamw"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.type not in _ADAMW_TYPES:
            raise EngineError(
                f"optimizer type {self.type!r} is not supported by the local server "
                f"(supported: {', '.join(_ADAMW_TYPES)})"
            )
        betas = tuple(float(b) for b in self.betas)
        if len(betas) != 2:
            raise EngineError(f"optimizer betas must have exactly 2 numbers, got {self.betas!r}")
        object.__setattr__(self, "betas", betas)
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise EngineError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise EngineError(f"weight_decay must be >= 0, got {self.weight_decay}")


@dataclass(frozen=True)
class SessionSpec:
    """What a session is: base model, full-weight or LoRA (rank, alpha), optimizer defaults.

    ``lora_rank=None`` means a full-weight session. A LoRA rank without an alpha gets the real
    server's default alpha (16), so two specs that train identically compare equal.
    """

    base_model: str = BASE_MODEL_NAME
    lora_rank: int | None = None
    lora_alpha: int | None = None
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)

    def __post_init__(self) -> None:
        if self.lora_rank is None:
            if self.lora_alpha is not None:
                raise EngineError("lora_alpha was given without lora_rank")
            return
        if isinstance(self.lora_rank, bool) or int(self.lora_rank) <= 0:
            raise EngineError(f"lora_rank must be a positive integer, got {self.lora_rank}")
        alpha = DEFAULT_LORA_ALPHA if self.lora_alpha is None else self.lora_alpha
        if isinstance(alpha, bool) or int(alpha) <= 0:
            raise EngineError(f"lora_alpha must be a positive integer, got {alpha}")
        object.__setattr__(self, "lora_rank", int(self.lora_rank))
        object.__setattr__(self, "lora_alpha", int(alpha))

    @property
    def is_lora(self) -> bool:
        """Whether the session trains a LoRA adapter instead of the full table."""
        return self.lora_rank is not None

    @property
    def lora_scale(self) -> float:
        """``alpha / rank``, the factor on ``A @ B`` (0.0 for full-weight sessions)."""
        if self.lora_rank is None or self.lora_alpha is None:
            return 0.0
        return self.lora_alpha / self.lora_rank

    def to_json(self) -> dict[str, Any]:
        """``session_spec.json``: the fields of the server's ``WeightsInfoResponse``."""
        opt = self.optimizer
        return {
            "base_model": self.base_model,
            "is_lora": self.is_lora,
            "lora_rank": self.lora_rank,
            "lora_config": (
                {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha}
                if self.is_lora
                else None
            ),
            "optimizer_config": {
                "type": opt.type,
                "learning_rate": opt.learning_rate,
                "weight_decay": opt.weight_decay,
                "optimizer_dtype": "fp32",
                "betas": list(opt.betas),
                "eps": opt.eps,
                "optimizer_kwargs": {},
            },
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SessionSpec:
        """Inverse of :meth:`to_json`; tolerant of missing optional members (older files)."""
        lora = d.get("lora_config") or {}
        rank = lora.get("lora_rank", d.get("lora_rank"))
        is_lora = d.get("is_lora", rank is not None)
        opt = d.get("optimizer_config") or {}
        defaults = OptimizerConfig()
        betas = opt.get("betas") or defaults.betas
        return cls(
            base_model=str(d.get("base_model", BASE_MODEL_NAME)),
            lora_rank=int(rank) if is_lora and rank is not None else None,
            lora_alpha=(
                int(lora["lora_alpha"]) if is_lora and lora.get("lora_alpha") is not None else None
            ),
            optimizer=OptimizerConfig(
                type=str(opt.get("type", defaults.type)),
                learning_rate=float(opt.get("learning_rate", defaults.learning_rate)),
                weight_decay=float(opt.get("weight_decay", defaults.weight_decay)),
                betas=(float(betas[0]), float(betas[1])),
                eps=float(opt["eps"]) if opt.get("eps") is not None else defaults.eps,
            ),
        )


class BaseWeights:
    """The seeded base table shared (read-only) by every session and sampler of one server.

    Checkpoints and sampler exports record ``(seed, vocab_size)`` and refuse to load onto a
    different base: a LoRA adapter applied to another base would silently be another model.
    """

    def __init__(self, seed: int = 0, vocab_size: int = VOCAB_SIZE) -> None:
        self.seed = int(seed)
        self.vocab_size = int(vocab_size)
        table = base_table(self.seed, self.vocab_size)
        table.flags.writeable = False
        self.table: FloatArray = table

    def __repr__(self) -> str:
        return f"BaseWeights(seed={self.seed}, vocab_size={self.vocab_size})"

    def fingerprint(self) -> dict[str, FloatArray]:
        """Arrays stored beside saved weights to identify this base."""
        return {
            "base_seed": np.array(float(self.seed)),
            "vocab_size": np.array(float(self.vocab_size)),
        }

    def check_fingerprint(self, arrays: Mapping[str, Any], where: Path) -> None:
        """Refuse weights that were saved against another base table."""
        try:
            seed = int(arrays["base_seed"])
            vocab = int(arrays["vocab_size"])
        except (KeyError, ValueError, TypeError) as exc:
            raise EngineError(
                f"{where} does not record its base model (base_seed/vocab_size)"
            ) from exc
        if (seed, vocab) != (self.seed, self.vocab_size):
            raise EngineError(
                f"{where} was saved against base seed={seed}, vocab_size={vocab}, but this "
                f"server's base is seed={self.seed}, vocab_size={self.vocab_size}"
            )
