"""The losses the local server computes, as the real server defines them."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from xorl_client.local.losses.batch import PreparedBatch

__all__ = [
    "LOSSES",
    "LossEvaluation",
    "LossSpec",
    "LossTerms",
    "evaluate_loss",
    "get_loss",
]
from xorl_client.local.model import (
    IGNORE_INDEX,
    BoolArray,
    EngineError,
    FloatArray,
    IntArray,
)


@dataclass(frozen=True)
class LossTerms:
    """A loss evaluated at the valid positions only.

    Attributes:
        loss: per-position loss values.
        coeff: ``d loss / d logprob`` per position (the gradient seed).
        metrics: extra metrics, already named with their wire reduction suffix.
    """

    loss: FloatArray
    coeff: FloatArray
    metrics: dict[str, float]


@dataclass(frozen=True)
class LossSpec:
    """What a loss needs from the datum and how it is computed.

    Attributes:
        name: canonical name (an alias maps to the same spec under its own name).
        required_inputs: ``loss_fn_inputs`` keys each datum must carry.
        uses_advantages: the loss reads ``advantages`` (a policy loss).
        returns_elementwise_loss: the real server returns ``elementwise_loss`` only for
            cross-entropy; RL losses return an empty one.
        compute: ``(logprobs, fields, loss_fn_params) -> LossTerms`` on valid positions.
    """

    name: str
    required_inputs: tuple[str, ...]
    uses_advantages: bool
    returns_elementwise_loss: bool
    compute: Callable[[FloatArray, Mapping[str, FloatArray], Mapping[str, Any]], LossTerms]


@dataclass(frozen=True)
class LossEvaluation:
    """A loss over a whole batch, spread back over every position.

    Attributes:
        logprobs: per position; 0.0 at masked positions (the server's placeholder).
        elementwise_loss: per position; 0.0 at masked positions.
        coeff: ``d loss_sum / d logprob`` per position; 0.0 at masked positions.
        valid: which positions count.
        loss_sum: sum of the loss over valid positions.
        valid_tokens: number of valid positions.
        sample_loss_sums: ``loss_sum`` split per kept sample.
        sample_valid_tokens: ``valid_tokens`` split per kept sample.
        metrics: loss-specific metrics with wire suffixes (``is_ratio_mean:mean``, ...).
    """

    logprobs: FloatArray
    elementwise_loss: FloatArray
    coeff: FloatArray
    valid: BoolArray
    loss_sum: float
    valid_tokens: int
    sample_loss_sums: FloatArray
    sample_valid_tokens: IntArray
    metrics: dict[str, float]


# ----------------------------------------------------------------------------- losses


def _param(params: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EngineError(f"loss_fn_params.{key} must be a finite number, got {value!r}")
    return float(value)


def _required_param(params: Mapping[str, Any], key: str, default: float) -> float:
    value = _param(params, key, default)
    assert value is not None  # a non-None default never yields None
    return value


def _mean(x: FloatArray) -> float:
    return float(np.mean(x)) if x.size else 0.0


def _ratio_metrics(logprobs: FloatArray, old: FloatArray) -> tuple[FloatArray, dict[str, float]]:
    """Importance ratios and the ``is_*`` diagnostics the real RL losses report."""
    log_ratio = logprobs - old
    ratio = np.exp(log_ratio)
    metrics = {
        "is_ratio_mean:mean": _mean(ratio),
        "is_ratio_min:mean": float(np.min(ratio)) if ratio.size else 0.0,
        "is_ratio_max:mean": float(np.max(ratio)) if ratio.size else 0.0,
        # KL(sampler || trainer) estimators over tokens drawn from the sampler.
        "is_kl_sample_train_k1:mean": _mean(-log_ratio),
        "is_kl_sample_train_k3:mean": _mean(ratio - 1.0 - log_ratio),
    }
    return ratio, metrics


def _cross_entropy(
    logprobs: FloatArray, fields: Mapping[str, FloatArray], params: Mapping[str, Any]
) -> LossTerms:
    return LossTerms(loss=-logprobs, coeff=-np.ones_like(logprobs), metrics={})


#: The real importance-sampling loss clamps the log-ratio to this range before ``exp``
#: (importance_sampling_loss.py); the clamped ratio is also the gradient weight.
_IS_LOG_RATIO_BOUND = 20.0


def _importance_sampling(
    logprobs: FloatArray, fields: Mapping[str, FloatArray], params: Mapping[str, Any]
) -> LossTerms:
    """``loss_t = -r_t * A_t`` with ``r_t = exp(clip(lp_t - old_t, -20, 20))``.

    Like the server, the gradient weight is the (clamped) ratio itself: ``dloss/dlp = -r * A``
    even where the clamp is active (its surrogate is ``sg(r * A) * CE``), so the coefficient
    equals the loss.
    """
    old = fields["logprobs"]
    clamped = old + np.clip(logprobs - old, -_IS_LOG_RATIO_BOUND, _IS_LOG_RATIO_BOUND)
    ratio, metrics = _ratio_metrics(clamped, old)
    loss = -ratio * fields["advantages"]
    return LossTerms(loss=loss, coeff=loss.copy(), metrics=metrics)


def _policy_loss(
    logprobs: FloatArray, fields: Mapping[str, FloatArray], params: Mapping[str, Any]
) -> LossTerms:
    """PPO clip: ``-min(r*A, clip(r, 1-eps_clip, 1+eps_clip_high)*A)``, optional dual clip.

    Where the clipped term wins, the ratio lies outside the clip range, so the clipped term is
    constant in ``lp`` and the position's gradient is zero (the PPO trust region). Dual clip
    (``eps_clip_c``, for negative advantages only) caps the loss at ``-A * eps_clip_c``.
    """
    eps_low = _required_param(params, "eps_clip", 0.2)
    eps_high = _required_param(params, "eps_clip_high", 0.2)
    clip_c = _param(params, "eps_clip_c", None)
    if params.get("use_tis") or params.get("icepop_beta") is not None:
        raise EngineError(
            "policy_loss: use_tis and icepop_beta are not supported by the local reference "
            "server (its sampler and trainer logprobs agree exactly, so there is nothing to "
            "correct)"
        )
    adv = fields["advantages"]
    ratio, metrics = _ratio_metrics(logprobs, fields["logprobs"])
    unclipped = -ratio * adv
    clipped = -np.clip(ratio, 1.0 - eps_low, 1.0 + eps_high) * adv
    use_unclipped = unclipped >= clipped
    loss = np.where(use_unclipped, unclipped, clipped)
    coeff = np.where(use_unclipped, unclipped, 0.0)
    metrics["is_pg_clipfrac:mean"] = _mean((~use_unclipped).astype(np.float64))
    if clip_c is not None:
        if clip_c <= 1.0:
            raise EngineError(f"loss_fn_params.eps_clip_c must be greater than 1, got {clip_c}")
        cap = -adv * clip_c
        dual = (adv < 0) & (cap < loss)
        loss = np.where(dual, cap, loss)
        coeff = np.where(dual, 0.0, coeff)
        metrics["is_pg_clipfrac_lower:mean"] = _mean(dual.astype(np.float64))
    return LossTerms(loss=loss, coeff=coeff, metrics=metrics)


def _cispo(
    logprobs: FloatArray, fields: Mapping[str, FloatArray], params: Mapping[str, Any]
) -> LossTerms:
    """CISPO: ``loss_t = -sg(clip(r_t, low, high)) * A_t * lp_t``.

    ``clip_low_threshold`` (default 0.0) and ``clip_high_threshold`` (default 4.0) are taken as
    absolute bounds on the ratio ``r`` (not offsets from 1). The clipped ratio is a constant
    weight (stop-gradient), so every valid token keeps a gradient ``-w_t * A_t``; that is the
    point of CISPO compared with PPO, which zeroes clipped tokens.
    """
    low = _required_param(params, "clip_low_threshold", 0.0)
    high = _required_param(params, "clip_high_threshold", 4.0)
    # The real loss's own checks, with its texts (cispo_loss.py).
    if low < 0.0:
        raise EngineError("clip_low_threshold must be non-negative")
    if high < low:
        raise EngineError("clip_high_threshold must be >= clip_low_threshold")
    adv = fields["advantages"]
    ratio, metrics = _ratio_metrics(logprobs, fields["logprobs"])
    weight = np.clip(ratio, low, high)
    coeff = -weight * adv
    metrics["is_cispo_clipfrac:mean"] = _mean(((ratio < low) | (ratio > high)).astype(np.float64))
    return LossTerms(loss=coeff * logprobs, coeff=coeff, metrics=metrics)


_CROSS_ENTROPY = LossSpec("causallm_loss", (), False, True, _cross_entropy)
_RL_INPUTS = ("logprobs", "advantages")

#: Losses by wire name. ``cross_entropy`` is the real server's alias of ``causallm_loss``.
LOSSES: dict[str, LossSpec] = {
    "causallm_loss": _CROSS_ENTROPY,
    "cross_entropy": LossSpec("cross_entropy", (), False, True, _cross_entropy),
    "importance_sampling": LossSpec(
        "importance_sampling", _RL_INPUTS, True, False, _importance_sampling
    ),
    "policy_loss": LossSpec("policy_loss", _RL_INPUTS, True, False, _policy_loss),
    "cispo": LossSpec("cispo", _RL_INPUTS, True, False, _cispo),
}

#: Real server losses the local model does not implement; named so the error says so.
_UNSUPPORTED_LOSSES = ("drgrpo", "opd_loss")


def get_loss(name: Any) -> LossSpec:
    """The loss spec for a wire ``loss_fn`` name.

    >>> get_loss("cross_entropy").returns_elementwise_loss
    True
    >>> get_loss("dpo")
    Traceback (most recent call last):
    ...
    xorl_client.local.model.EngineError: Unknown loss_fn: dpo
    """
    if isinstance(name, str) and name in LOSSES:
        return LOSSES[name]
    if name in _UNSUPPORTED_LOSSES:
        raise EngineError(
            f"Unknown loss_fn: {name} (the real xorl server has it, but the local reference "
            f"server implements only {', '.join(LOSSES)})"
        )
    raise EngineError(f"Unknown loss_fn: {name}")


def evaluate_loss(
    batch: PreparedBatch,
    loss: LossSpec,
    logprobs: FloatArray,
    params: Mapping[str, Any] | None = None,
) -> LossEvaluation:
    """Evaluate ``loss`` given the model's logprob at every position of ``batch``.

    ``logprobs`` may hold anything at ignored positions (the model scores a placeholder target
    there); masked outputs are set to 0.0 here. A request in which every position is masked is
    refused, as the real server refuses it after packing (all its labels are -100).
    """
    params = params or {}
    valid = batch.targets != IGNORE_INDEX
    if not bool(np.any(valid)):
        raise EngineError(
            "Invalid batch structure after packing. This may indicate a bug in the packing "
            "logic. (Every target of the request is masked - -100, weight 0 or advantage 0 - "
            "so there is nothing to compute a loss on.)"
        )
    fields_valid = {key: value[valid] for key, value in batch.fields.items()}
    terms = loss.compute(logprobs[valid], fields_valid, params)

    total = batch.num_positions
    lp_out = np.zeros(total, dtype=np.float64)
    lp_out[valid] = logprobs[valid]
    loss_out = np.zeros(total, dtype=np.float64)
    loss_out[valid] = terms.loss
    coeff = np.zeros(total, dtype=np.float64)
    coeff[valid] = terms.coeff

    n_samples = len(batch.samples)
    sample_of = np.repeat(np.arange(n_samples), np.diff(batch.offsets))
    sample_loss = np.bincount(sample_of, weights=loss_out, minlength=n_samples)
    sample_valid = np.bincount(sample_of, weights=valid.astype(np.float64), minlength=n_samples)
    return LossEvaluation(
        logprobs=lp_out,
        elementwise_loss=loss_out,
        coeff=coeff,
        valid=valid,
        loss_sum=float(np.sum(terms.loss)),
        valid_tokens=int(np.count_nonzero(valid)),
        sample_loss_sums=sample_loss.astype(np.float64),
        sample_valid_tokens=sample_valid.astype(np.int64),
        metrics=terms.metrics,
    )
