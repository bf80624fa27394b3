"""The local server's tiny model: a byte-level bigram table, trainable in full or through LoRA.

The logits for position ``t`` are one row of a ``(V, V)`` table: ``logits[t] = W[input_ids[t]]``.
That is the smallest model that is still a real causal LM: it has a softmax over a vocabulary,
per-token logprobs, gradients and an optimizer state, so every protocol path of the xorl server
(shift rule, losses, gradient accumulation, checkpoints, sampling) can be exercised exactly on a
CPU in milliseconds.

Because a row depends only on the input token, every quantity is computed once per *table row*
(at most ``V`` rows) instead of once per position: the log-softmax is one ``(V, V)`` operation and
the gradient is a scatter-add of per-position coefficients plus a rank-one correction per row.
The cost is ``O(V² + T)`` for ``T`` positions.

>>> import numpy as np
>>> table = np.zeros((3, 3))
>>> np.round(target_logprobs(table, np.array([0, 1]), np.array([2, 0])), 4)
array([-1.0986, -1.0986])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from xorl_client.byte_tokenizer import VOCAB_SIZE

__all__ = [
    "BASE_MODEL_NAME",
    "BoolArray",
    "IGNORE_INDEX",
    "VOCAB_SIZE",
    "EngineError",
    "FloatArray",
    "IntArray",
    "base_table",
    "coefficient_gradient",
    "log_softmax",
    "lora_gradients",
    "lora_init",
    "lora_table",
    "target_logprobs",
]

#: The name `create_model` must be given and what `weights_info` reports.
BASE_MODEL_NAME = "xorl-local/byte-bigram"
#: The server's ignore index: a target equal to it contributes nothing (HF/torch convention).
IGNORE_INDEX = -100

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class EngineError(Exception):
    """A request the engine refuses or cannot execute.

    The HTTP layer turns the message into the real server's failed-future text
    ``"500: Engine error: <message>"``, so messages quote the real server where one exists.
    Defined here (the lowest engine module) so the loss and model code can raise it without an
    import cycle; :mod:`xorl_client.local.engine` re-exports the same class.
    """


def base_table(seed: int, vocab_size: int = VOCAB_SIZE) -> FloatArray:
    """The seeded base table; unit-variance logits give a visibly non-uniform, learnable start.

    >>> bool(np.array_equal(base_table(3, 5), base_table(3, 5)))
    True
    """
    if vocab_size < 2:
        raise EngineError(f"vocab_size must be at least 2, got {vocab_size}")
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, size=(vocab_size, vocab_size))


def lora_init(seed: int, vocab_size: int, rank: int) -> tuple[FloatArray, FloatArray]:
    """Standard LoRA start: random ``A``, zero ``B``, so the adapted model equals the base.

    ``A`` has standard deviation ``1/sqrt(rank)``: the rows of ``A @ B`` then have the same
    scale whatever the rank, so one learning rate suits every rank.
    """
    if rank <= 0:
        raise EngineError(f"lora_rank must be positive, got {rank}")
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 1.0 / np.sqrt(rank), size=(vocab_size, rank))
    b = np.zeros((rank, vocab_size), dtype=np.float64)
    return a, b


def lora_table(base: FloatArray, a: FloatArray, b: FloatArray, scale: float) -> FloatArray:
    """Effective table ``W_base + scale * A @ B`` with ``scale = lora_alpha / lora_rank``."""
    out: FloatArray = base + scale * (a @ b)
    return out


def log_softmax(logits: FloatArray) -> FloatArray:
    """Log-softmax over the last axis, shifted by the row maximum so large logits cannot overflow.

    >>> np.round(log_softmax(np.array([[1000.0, 1000.0]])), 4)
    array([[-0.6931, -0.6931]])
    """
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    out: FloatArray = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return out


def target_logprobs(table: FloatArray, inputs: IntArray, targets: IntArray) -> FloatArray:
    """``log p(targets[t] | inputs[t])`` for every position, one gather after one log-softmax.

    ``targets`` must already be valid ids (callers replace ignored targets by any valid id and
    zero the result afterwards).
    """
    logp = log_softmax(table)
    out: FloatArray = logp[inputs, targets]
    return out


def coefficient_gradient(
    table: FloatArray, inputs: IntArray, targets: IntArray, coeff: FloatArray
) -> FloatArray:
    """Gradient wrt the table of ``sum_t coeff[t] * log p(targets[t] | inputs[t])``.

    Every loss here is a sum of per-position terms whose derivative wrt the position's logprob
    is ``coeff[t]``; ``d log p(y|x) / d W[x] = onehot(y) - softmax(W[x])`` turns that into
    ``G[x, y] += coeff`` plus ``G[x] -= (sum of coeff over positions with input x) * p[x]``.
    Positions with ``coeff == 0`` (masked) contribute nothing.
    """
    vocab = table.shape[0]
    grad = np.zeros_like(table)
    np.add.at(grad, (inputs, targets), coeff)
    row_coeff = np.bincount(inputs, weights=coeff, minlength=vocab)
    probs = np.exp(log_softmax(table))
    grad -= row_coeff[:, None] * probs
    return grad


def lora_gradients(
    table_grad: FloatArray, a: FloatArray, b: FloatArray, scale: float
) -> tuple[FloatArray, FloatArray]:
    """Chain rule through ``W_eff = W_base + scale * A @ B``: gradients wrt ``A`` and ``B``."""
    grad_a: FloatArray = scale * (table_grad @ b.T)
    grad_b: FloatArray = scale * (a.T @ table_grad)
    return grad_a, grad_b
