"""AdamW with global gradient-norm clipping, matching ``torch.optim.AdamW`` + ``clip_grad_norm_``.

The real server runs PyTorch's AdamW after ``clip_grad_norm_``; reproducing the same update
rule (decoupled weight decay applied before the moment update, bias-corrected moments, ``eps``
added after the square root, the clip coefficient ``max_norm / (norm + 1e-6)``) keeps the local
server's learning curves comparable with a real run at the same hyperparameters.

The state is a flat ``name -> array`` mapping so it can be written to ``optimizer.npz`` as is
and restored bit for bit: a resumed run continues the identical trajectory.

>>> import numpy as np
>>> params = {"w": np.array([1.0, -1.0])}
>>> opt = AdamW()
>>> norm = opt.step(params, {"w": np.array([3.0, 4.0])}, learning_rate=0.1, beta1=0.9,
...                 beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip=1.0)
>>> norm, np.round(params["w"], 6).tolist(), opt.num_steps
(5.0, [0.9, -1.1], 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping

import numpy as np

from xorl_client.local.model import EngineError, FloatArray

__all__ = ["AdamW", "clip_coefficient", "global_norm"]

#: torch's ``clip_grad_norm_`` adds this to the norm before dividing.
_CLIP_EPS = 1e-6


def global_norm(grads: Mapping[str, FloatArray]) -> float:
    """L2 norm of all gradients together (what ``clip_grad_norm_`` reports)."""
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))


def clip_coefficient(norm: float, max_norm: float | None) -> float:
    """Factor applied to every gradient; 1.0 when clipping is off (``None`` or ``<= 0``).

    >>> clip_coefficient(10.0, 1.0) < 0.1, clip_coefficient(0.5, 1.0), clip_coefficient(9.0, 0)
    (True, 1.0, 1.0)
    """
    if max_norm is None or max_norm <= 0:
        return 1.0
    return min(1.0, max_norm / (norm + _CLIP_EPS))


class AdamW:
    """Adam moments per parameter plus the step count that drives bias correction."""

    def __init__(self) -> None:
        self.exp_avg: dict[str, FloatArray] = {}
        self.exp_avg_sq: dict[str, FloatArray] = {}
        self.num_steps = 0

    def step(
        self,
        params: MutableMapping[str, FloatArray],
        grads: Mapping[str, FloatArray],
        *,
        learning_rate: float,
        beta1: float,
        beta2: float,
        eps: float,
        weight_decay: float,
        grad_clip: float | None,
    ) -> float:
        """Clip, then update ``params`` in place; returns the pre-clip global gradient norm.

        Hyperparameters are per call because the server takes them per ``optim_step`` request
        (the learning rate schedule lives in the client).
        """
        for name, value in (
            ("learning_rate", learning_rate),
            ("eps", eps),
            ("weight_decay", weight_decay),
            ("beta1", beta1),
            ("beta2", beta2),
        ):
            if not math.isfinite(value) or value < 0:
                raise EngineError(f"optim_step: {name} must be a finite number >= 0, got {value}")
        if not (beta1 < 1.0 and beta2 < 1.0):
            raise EngineError(f"optim_step: betas must be in [0, 1), got ({beta1}, {beta2})")
        if grad_clip is not None and not math.isfinite(grad_clip):
            raise EngineError(f"optim_step: gradient_clip must be finite, got {grad_clip}")

        norm = global_norm(grads)
        if not math.isfinite(norm):
            raise EngineError("optim_step: the accumulated gradient is not finite")
        coef = clip_coefficient(norm, grad_clip)
        self.num_steps += 1
        t = self.num_steps
        bias1 = 1.0 - beta1**t
        bias2 = 1.0 - beta2**t
        for name, param in params.items():
            grad = grads[name] * coef
            m = self.exp_avg.get(name)
            v = self.exp_avg_sq.get(name)
            if m is None or v is None:
                m = np.zeros_like(param)
                v = np.zeros_like(param)
            param *= 1.0 - learning_rate * weight_decay
            m = beta1 * m + (1.0 - beta1) * grad
            v = beta2 * v + (1.0 - beta2) * (grad * grad)
            denom = np.sqrt(v) / math.sqrt(bias2) + eps
            param -= (learning_rate / bias1) * (m / denom)
            self.exp_avg[name] = m
            self.exp_avg_sq[name] = v
        return norm

    def state_dict(self) -> dict[str, FloatArray]:
        """Flat arrays for ``np.savez``: ``exp_avg.<name>``, ``exp_avg_sq.<name>``, ``step``."""
        state: dict[str, FloatArray] = {"step": np.array(float(self.num_steps))}
        for name, m in self.exp_avg.items():
            state[f"exp_avg.{name}"] = m.copy()
            state[f"exp_avg_sq.{name}"] = self.exp_avg_sq[name].copy()
        return state

    def load_state_dict(
        self, state: Mapping[str, FloatArray], shapes: Mapping[str, tuple[int, ...]]
    ) -> None:
        """Restore a :meth:`state_dict`, refusing moments that do not fit the parameters."""
        if "step" not in state:
            raise EngineError("optimizer state has no 'step' entry")
        exp_avg: dict[str, FloatArray] = {}
        exp_avg_sq: dict[str, FloatArray] = {}
        for name, shape in shapes.items():
            m = state.get(f"exp_avg.{name}")
            v = state.get(f"exp_avg_sq.{name}")
            if m is None and v is None:
                continue  # saved before the first step: no moments yet
            if m is None or v is None or m.shape != shape or v.shape != shape:
                raise EngineError(
                    f"optimizer state for '{name}' does not match the parameter shape {shape}"
                )
            exp_avg[name] = np.array(m, dtype=np.float64)
            exp_avg_sq[name] = np.array(v, dtype=np.float64)
        self.exp_avg = exp_avg
        self.exp_avg_sq = exp_avg_sq
        self.num_steps = int(state["step"])
