"""Tinker's side of the semantics tests: duck-typed Tinker objects and Tinker's loss formulas.

The objects are shaped like ``tinker``'s (``.model_input.chunks[].tokens``,
``.loss_fn_inputs[k].data/.dtype/.shape``, ``AdamParams`` attributes) without importing it.
The formulas are written from Tinker's documentation (tinker-api.md §7), in numpy, separately
from the SDK and the local server, so a test comparing the two checks the mapping, not the
code against itself. Every loss is a *sum* over positions and datums, as in Tinker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# -- Tinker-shaped objects -----------------------------------------------------------------------


@dataclass
class EncodedTextChunk:
    tokens: list[int]
    type: str = "encoded_text"


@dataclass
class ModelInput:
    chunks: list[Any]


@dataclass
class TensorData:
    data: list[Any]
    dtype: str
    shape: list[int] | None = None


@dataclass
class Datum:
    model_input: Any
    loss_fn_inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class AdamParams:
    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0


_INT_KEYS = ("target_tokens", "labels")


def tinker_datum(tokens: Sequence[int], **inputs: Sequence[float]) -> Datum:
    """A Tinker-shaped datum: one text chunk, every input a float32/int64 TensorData."""
    return Datum(
        ModelInput([EncodedTextChunk(list(tokens))]),
        {
            k: TensorData(list(v), "int64" if k in _INT_KEYS else "float32", [len(v)])
            for k, v in inputs.items()
        },
    )


# -- the local model in numpy --------------------------------------------------------------------


def log_softmax(table: np.ndarray) -> np.ndarray:
    shifted = table - table.max(axis=-1, keepdims=True)
    out: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return out


def logprobs(table: np.ndarray, inputs: Sequence[int], targets: Sequence[int]) -> np.ndarray:
    """``log p(targets[t] | inputs[t])`` of the bigram table (the local server's model)."""
    out: np.ndarray = log_softmax(table)[np.asarray(inputs), np.asarray(targets)]
    return out


# -- Tinker's losses (tinker-api.md §7), per datum, summed -------------------------------------


def cross_entropy(lp: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(-lp * weights))


def ratio(lp: np.ndarray, sampling: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.exp(lp - sampling)
    return out


def ppo(lp: np.ndarray, sampling: np.ndarray, adv: np.ndarray, lo: float, hi: float) -> float:
    r = ratio(lp, sampling)
    return float(-np.sum(np.minimum(r * adv, np.clip(r, lo, hi) * adv)))


def ppo_dlogprob(
    lp: np.ndarray, sampling: np.ndarray, adv: np.ndarray, lo: float, hi: float
) -> np.ndarray:
    """d(ppo)/d(lp): the unclipped term's ``-r*A`` where it is the smaller objective, else 0."""
    r = ratio(lp, sampling)
    unclipped_wins = r * adv <= np.clip(r, lo, hi) * adv
    out: np.ndarray = np.where(unclipped_wins, -r * adv, 0.0)
    return out


def importance_sampling(lp: np.ndarray, sampling: np.ndarray, adv: np.ndarray) -> float:
    return float(-np.sum(ratio(lp, sampling) * adv))


def numeric_gradient(
    f: Callable[[dict[str, np.ndarray]], float], params: dict[str, np.ndarray], h: float = 1e-6
) -> dict[str, np.ndarray]:
    """Central finite differences of ``f`` wrt every entry of every array in ``params``."""
    grads: dict[str, np.ndarray] = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += h
            minus[name][idx] -= h
            g[idx] = (f(plus) - f(minus)) / (2 * h)
        grads[name] = g
    return grads


def directional_derivative(
    f: Any, table: np.ndarray, direction: np.ndarray, h: float = 1e-5
) -> float:
    """Central finite difference of ``f`` at ``table`` along ``direction``."""
    return float((f(table + h * direction) - f(table - h * direction)) / (2 * h))
