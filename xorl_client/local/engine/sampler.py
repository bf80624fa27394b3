"""``SamplerWeights``: sampling from trained or exported weights, with the trainer's logprobs."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.byte_tokenizer import EOS_ID
from xorl_client.local.engine.files import load_npz
from xorl_client.local.engine.specs import SAMPLER_ADAPTER_FILE, SAMPLER_WEIGHTS_FILE, BaseWeights
from xorl_client.local.model import (
    EngineError,
    FloatArray,
    IntArray,
    log_softmax,
    lora_table,
)

__all__ = [
    "Generation",
    "SamplerWeights",
]

# ----------------------------------------------------------------------------- sampling


@dataclass
class Generation:
    """One completion: ids, their logprobs (raw logits, temperature 1), why it ended.

    ``finish_reason`` is SGLang's object form: ``{"type": "length"}`` or
    ``{"type": "stop", "matched": <token id>}``.
    """

    output_ids: list[int]
    output_logprobs: list[float]
    finish_reason: dict[str, Any]


class SamplerWeights:
    """Immutable model weights for sampling and scoring (the local ``/generate``)."""

    def __init__(self, table: FloatArray) -> None:
        table = np.array(table, dtype=np.float64, copy=True)
        if table.ndim != 2 or table.shape[0] != table.shape[1]:
            raise EngineError(f"sampler table must be square, got shape {table.shape}")
        table.flags.writeable = False
        logp = log_softmax(table)
        logp.flags.writeable = False
        self._table = table
        self._logp = logp

    @property
    def vocab_size(self) -> int:
        """Size of the vocabulary the weights score."""
        return int(self._table.shape[0])

    @classmethod
    def from_base(cls, base: BaseWeights) -> SamplerWeights:
        """The untrained base model (what ``/generate`` serves without a ``lora_path``)."""
        return cls(base.table)

    @classmethod
    def load_export(cls, directory: Path, base: BaseWeights) -> SamplerWeights:
        """Read an :meth:`ModelSession.export_for_sampler` directory (adapters go onto ``base``)."""
        directory = Path(directory)
        adapter = directory / SAMPLER_ADAPTER_FILE
        full = directory / SAMPLER_WEIGHTS_FILE
        if adapter.is_file():
            arrays = load_npz(adapter)
            base.check_fingerprint(arrays, adapter)
            try:
                a, b = arrays["A"], arrays["B"]
                rank, alpha = int(arrays["rank"]), int(arrays["alpha"])
            except (KeyError, TypeError, ValueError) as exc:
                raise EngineError(f"{adapter} is not a LoRA adapter export") from exc
            v = base.vocab_size
            if a.shape != (v, rank) or b.shape != (rank, v):
                raise EngineError(
                    f"{adapter} has shapes {a.shape}/{b.shape}, not a rank-{rank} adapter"
                )
            return cls(lora_table(base.table, a, b, alpha / rank))
        if full.is_file():
            arrays = load_npz(full)
            base.check_fingerprint(arrays, full)
            w = arrays.get("W")
            if w is None or w.shape != base.table.shape:
                raise EngineError(f"{full} does not hold a {base.table.shape} table")
            return cls(w)
        raise EngineError(f"no sampler weights in {directory}")

    def _check_ids(self, ids: Sequence[int], name: str) -> IntArray:
        arr = np.asarray(list(ids), dtype=np.int64)
        bad = (arr < 0) | (arr >= self.vocab_size)
        if bool(np.any(bad)):
            j = int(np.argmax(bad))
            raise EngineError(
                f"{name}[{j}]={int(arr[j])} is outside the vocabulary [0, {self.vocab_size})"
            )
        return arr

    def logprobs(self, input_ids: list[int], targets: list[int]) -> list[float]:
        """``log p(targets[t] | input_ids[t])``: prompt scoring, same numbers as ``forward``.

        For SGLang-style ``input_token_logprobs`` of a prompt ``p``, call
        ``logprobs(p[:-1], p[1:])``.
        """
        if len(input_ids) != len(targets):
            raise EngineError(
                f"input_ids has {len(input_ids)} entries but targets has {len(targets)}"
            )
        x = self._check_ids(input_ids, "input_ids")
        y = self._check_ids(targets, "targets")
        return [float(v) for v in self._logp[x, y].tolist()]

    def top_logprobs(self, input_ids: list[int], k: int) -> list[list[tuple[float, int]]]:
        """The ``k`` most likely next tokens after each of ``input_ids``: ``(logprob, id)``,
        most likely first (ties by lower id), like SGLang's ``input_top_logprobs``."""
        x = self._check_ids(input_ids, "input_ids")
        rows = self._logp[x]
        # stable sort of -logp: equal logprobs keep id order
        order = np.argsort(-rows, axis=1, kind="stable")[:, :k]
        return [[(float(rows[i, j]), int(j)) for j in order[i]] for i in range(len(input_ids))]

    def generate(
        self,
        input_ids: list[int],
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int = -1,
        top_p: float = 1.0,
        min_p: float = 0.0,
        stop_token_ids: list[int] | None = None,
        ignore_eos: bool = False,
        rng: np.random.Generator,
        should_stop: Callable[[], bool] | None = None,
    ) -> Generation:
        """Sample a completion of ``input_ids``; greedy at temperature 0.

        ``should_stop`` is checked before every token: when it turns true (the client went
        away, or ``/abort_request`` named this request) generation ends with
        ``finish_reason {"type": "abort"}``, as SGLang reports an aborted request.

        Sampling draws from ``softmax(logits / temperature)`` after top-k, then top-p, then
        min-p filtering; the reported logprobs are of the raw distribution (see the module
        docstring). A stop token is included in ``output_ids``. All randomness comes from
        ``rng``, so the same generator state gives the same completion.
        """
        if len(input_ids) == 0:
            raise EngineError("input_ids must not be empty")
        if isinstance(max_new_tokens, bool) or int(max_new_tokens) < 0:
            raise EngineError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
        if not (math.isfinite(temperature) and temperature >= 0):
            raise EngineError(f"temperature must be >= 0, got {temperature}")
        if not (0.0 < top_p <= 1.0):
            raise EngineError(f"top_p must be in (0, 1], got {top_p}")
        if not (0.0 <= min_p <= 1.0):
            raise EngineError(f"min_p must be in [0, 1], got {min_p}")
        prompt = self._check_ids(input_ids, "input_ids")
        stops = {int(t) for t in (stop_token_ids or [])}
        last = int(prompt[-1])
        output_ids: list[int] = []
        output_logprobs: list[float] = []
        for _ in range(int(max_new_tokens)):
            if should_stop is not None and should_stop():
                return Generation(output_ids, output_logprobs, {"type": "abort"})
            logits = self._table[last]
            if temperature == 0:
                token = int(np.argmax(logits))
            else:
                probs = _filtered_probs(logits, temperature, top_k, top_p, min_p)
                token = _draw(probs, rng)
            output_ids.append(token)
            output_logprobs.append(float(self._logp[last, token]))
            if token in stops or (token == EOS_ID and not ignore_eos):
                return Generation(output_ids, output_logprobs, {"type": "stop", "matched": token})
            last = token
        return Generation(output_ids, output_logprobs, {"type": "length"})


def _filtered_probs(
    logits: FloatArray, temperature: float, top_k: int, top_p: float, min_p: float
) -> FloatArray:
    """``softmax(logits / T)`` restricted by top-k, top-p and min-p, renormalised."""
    z = logits / temperature
    probs = np.exp(z - np.max(z))
    probs /= np.sum(probs)
    vocab = probs.shape[0]
    order = np.argsort(-probs, kind="stable")
    keep = np.ones(vocab, dtype=bool)
    if 0 < top_k < vocab:
        keep[order[top_k:]] = False
    if top_p < 1.0:
        sorted_probs = np.where(keep[order], probs[order], 0.0)
        sorted_probs = sorted_probs / np.sum(sorted_probs)
        before = np.cumsum(sorted_probs) - sorted_probs  # mass strictly above each token
        keep[order[before >= top_p]] = False
    if min_p > 0.0:
        keep &= probs >= min_p * np.max(probs)
    keep[order[0]] = True  # the most likely token always survives
    filtered = np.where(keep, probs, 0.0)
    out: FloatArray = filtered / np.sum(filtered)
    return out


def _draw(probs: FloatArray, rng: np.random.Generator) -> int:
    """Inverse-CDF draw with one uniform number: deterministic given the generator state."""
    cdf = np.cumsum(probs)
    u = float(rng.random()) * float(cdf[-1])
    index = min(int(np.searchsorted(cdf, u, side="right")), int(probs.shape[0]) - 1)
    if probs[index] <= 0.0:  # rounding at the top of the CDF: fall back to the last live token
        index = int(np.flatnonzero(probs > 0.0)[-1])
    return index
