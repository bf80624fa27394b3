"""The workloads' inputs and sizes, built the same way for every contender.

Only the standard library (numpy when a numpy variant asks for it), so that the official
client's worker, which runs in its own virtual environment, builds exactly the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = ["RL_LOSS", "SIZES", "W6_FIELD", "Sizes", "rl_batch", "rank2_field", "small_datum"]

#: The RL loss of W1 (target tokens + sampler logprobs + advantages).
RL_LOSS = "importance_sampling"
#: W6's rank-2 loss input: a [tokens, hidden] float field, as teacher hidden states are sent.
W6_FIELD = "teacher_hidden_states"
VOCAB = 32_000


@dataclass(frozen=True)
class Sizes:
    """Every size knob of the workloads (``SIZES["full"]`` is the issue's; ``"smoke"`` is tiny)."""

    w1_datums: int
    w1_tokens: int
    w2_steps: int
    w2_tokens: int
    w3_prompts: int
    w3_concurrency: int
    w3_completion: int
    w6_rows: int
    w6_cols: int
    w7_steps: int
    w7_warmup: int


SIZES = {
    "full": Sizes(256, 4096, 300, 64, 256, 64, 256, 1024, 2048, 400, 20),
    "smoke": Sizes(4, 32, 5, 16, 8, 4, 16, 8, 16, 3, 1),
}


def rl_batch(datums: int, tokens: int, *, numpy: bool = False, seed: int = 1) -> list[Any]:
    """W1's batch: per datum ``(input_ids, target_tokens, logprobs, advantages)``.

    Lists of Python ints / floats, or (``numpy=True``) int64 / float32 arrays holding the same
    values. Sampler logprobs are float32 values, as an inference server returns them.
    """
    rng = random.Random(seed)
    rows = []
    for _ in range(datums):
        ids = [rng.randrange(VOCAB) for _ in range(tokens + 1)]
        logprobs = [-rng.expovariate(1.0) for _ in range(tokens)]
        advantage = rng.uniform(-1.0, 1.0)
        rows.append((ids[:-1], ids[1:], logprobs, [advantage] * tokens))
    if numpy:
        import numpy as np

        return [
            (
                np.asarray(ids, dtype=np.int64),
                np.asarray(targets, dtype=np.int64),
                np.asarray(logprobs, dtype=np.float32),
                np.asarray(adv, dtype=np.float32),
            )
            for ids, targets, logprobs, adv in rows
        ]
    # the same float32-rounded values as the arrays, so both variants send the same numbers
    return [
        (ids, targets, _round32(logprobs), _round32(adv)) for ids, targets, logprobs, adv in rows
    ]


def small_datum(tokens: int, seed: int = 2) -> tuple[list[int], list[int]]:
    """W2's and W7's datum: ``(input_ids, target_tokens)`` of ``tokens`` byte tokens."""
    rng = random.Random(seed)
    ids = [rng.randrange(3, 250) for _ in range(tokens + 1)]
    return ids[:-1], ids[1:]


def rank2_field(rows: int, cols: int, *, numpy: bool = False, seed: int = 3) -> Any:
    """W6's field: a ``rows x cols`` float32 matrix, as nested lists or as an array."""
    rng = random.Random(seed)
    flat = _round32([rng.gauss(0.0, 1.0) for _ in range(rows * cols)])
    if numpy:
        import numpy as np

        return np.asarray(flat, dtype=np.float32).reshape(rows, cols)
    return [flat[r * cols : (r + 1) * cols] for r in range(rows)]


def _round32(values: list[float]) -> list[float]:
    from array import array

    return array("f", values).tolist()
