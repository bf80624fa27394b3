"""What the loops share, written the way the tinker-cookbook's ``checkpoint_utils`` is.

Checkpoints are recorded in ``<log_path>/checkpoints.jsonl`` (one JSON object per save with
the paths the SDK returned); a run resumes from the last row that has a ``state_path``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Literal

import tinker

MODEL = "xorl-local/byte-bigram"
CHECKPOINTS = "checkpoints.jsonl"


def get_last_checkpoint(log_path: str, required_key: str = "state_path") -> dict[str, Any] | None:
    path = os.path.join(log_path, CHECKPOINTS)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = [row for row in rows if required_key in row]
    return rows[-1] if rows else None


async def save_checkpoint_async(
    training_client: tinker.TrainingClient,
    name: str,
    log_path: str,
    loop_state: dict[str, Any],
    kind: Literal["state", "sampler", "both"] = "state",
) -> dict[str, str]:
    futures = {}
    if kind in ("state", "both"):
        futures["state"] = await training_client.save_state_async(name, ttl_seconds=None)
    if kind in ("sampler", "both"):
        futures["sampler"] = await training_client.save_weights_for_sampler_async(
            name, ttl_seconds=None
        )
    results = {k: await v.result_async() for k, v in futures.items()}
    paths = {k + "_path": v.path for k, v in results.items()}
    with open(os.path.join(log_path, CHECKPOINTS), "a") as f:
        f.write(json.dumps({"name": name, **loop_state, **paths}) + "\n")
    return paths


def save_checkpoint(
    training_client: tinker.TrainingClient,
    name: str,
    log_path: str,
    loop_state: dict[str, Any],
    kind: Literal["state", "sampler", "both"] = "state",
) -> dict[str, str]:
    return asyncio.run(
        save_checkpoint_async(training_client, name, log_path, loop_state, kind=kind)
    )


def mean_nll(logprobs: list[tinker.TensorData], weights: list[tinker.TensorData]) -> float:
    total = sum(
        -lp * w
        for lps, ws in zip(logprobs, weights, strict=True)
        for lp, w in zip(lps.tolist(), ws.tolist(), strict=True)
    )
    return total / sum(sum(ws.tolist()) for ws in weights)


def sampler_agrees_with_trainer(
    sampling_client: tinker.SamplingClient,
    training_client: tinker.TrainingClient,
    tokens: list[int],
) -> bool:
    """``compute_logprobs(full)[1:]`` equals the trainer's forward logprobs of the same tokens."""
    sampled = sampling_client.compute_logprobs(tinker.ModelInput.from_ints(tokens)).result()
    datum = tinker.Datum(
        model_input=tinker.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tinker.TensorData(
                data=tokens[1:], dtype="int64", shape=[len(tokens) - 1]
            )
        },
    )
    trained = training_client.forward([datum], "cross_entropy").result()
    forward = trained.loss_fn_outputs[0]["logprobs"].tolist()
    return sampled[0] is None and all(
        abs(a - b) < 1e-6 for a, b in zip(sampled[1:], forward, strict=True)
    )


def report(**summary: Any) -> None:
    print("RESULT " + json.dumps(summary))
