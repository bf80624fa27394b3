"""Optimizer settings sent with ``optim_step``."""

from __future__ import annotations

from dataclasses import dataclass

from xorl_client.types._base import XorlModel
from xorl_client.types._common import check_number as _check_number

__all__ = ["AdamParams"]


@dataclass(slots=True)
class AdamParams(XorlModel):
    """Optimizer settings sent with ``optim_step`` (Tinker's ``AdamParams``; server defaults).

    ``grad_clip_norm`` defaults to 0.0 (no clipping), as in Tinker; the official client 0.1.0
    defaults to 5.0 - pass ``grad_clip_norm=5.0`` for that.

    Note (API notes §14.15): when ``adam_params`` is sent, the server pushes ``beta1``,
    ``beta2`` and ``eps`` into the optimizer even when they are the defaults, and
    ``weight_decay`` is accepted but not used. ``grad_clip_norm <= 0`` disables clipping.

    >>> AdamParams(learning_rate=3e-5).to_wire()
    {'learning_rate': 3e-05, 'beta1': 0.9, 'beta2': 0.95, 'eps': 1e-12, 'weight_decay': 0.0, 'grad_clip_norm': 0.0}
    """

    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0

    def __post_init__(self) -> None:
        o = "adam_params"
        _check_number("learning_rate", self.learning_rate, low=0.0, owner=o)
        _check_number("beta1", self.beta1, low=0.0, high=1.0, high_open=True, owner=o)
        _check_number("beta2", self.beta2, low=0.0, high=1.0, high_open=True, owner=o)
        _check_number("eps", self.eps, low=0.0, owner=o)
        _check_number("weight_decay", self.weight_decay, low=0.0, owner=o)
        _check_number("grad_clip_norm", self.grad_clip_norm, owner=o)

    def to_wire(self) -> dict[str, float]:
        """The server's ``AdamParams`` object."""
        return {
            "learning_rate": self.learning_rate,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "grad_clip_norm": self.grad_clip_norm,
        }
