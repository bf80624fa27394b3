"""Loss names and loss options: Tinker's meaning mapped onto what the xorl server reads.

The server accepts any ``loss_fn_params`` object and reads only the keys it knows; every other
key is silently ignored, and a Tinker key with a different meaning (PPO's ratio *bounds*
``clip_low_threshold``/``clip_high_threshold`` against the server's *offsets* ``eps_clip``/
``eps_clip_high``) would be ignored too. So the SDK checks every key against the keys the
server reads for that loss, converts Tinker's keys to the server's, and refuses the rest
before anything is sent. One table per concern:

* :data:`LOSS_FN_ALIASES` - the name a user gives → the name sent;
* :data:`REFUSED_LOSSES` - Tinker losses xorl has no counterpart for, and what to do instead;
* :data:`LOSS_CONFIG_KEYS` - per server loss, the keys the server reads for it (read from the
  server's ``server/runner/model_runner.py`` ``_compute_micro_batch_loss``), plus
  :data:`COMMON_CONFIG_KEYS` / :data:`COMMON_CONFIG_PREFIXES`, read for every loss;
* :data:`TINKER_CONFIG_KEYS` - per server loss, Tinker's keys and their conversion.

>>> resolve_loss_fn("ppo")
'policy_loss'
>>> translate_loss_params("ppo", "policy_loss", {"clip_low_threshold": 0.75, "clip_high_threshold": 1.25})
{'eps_clip': 0.25, 'eps_clip_high': 0.25}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xorl_client.errors import DataValidationError

__all__ = [
    "COMMON_CONFIG_KEYS",
    "COMMON_CONFIG_PREFIXES",
    "CROSS_ENTROPY_LOSSES",
    "LOSS_CONFIG_KEYS",
    "LOSS_FN_ALIASES",
    "REFUSED_LOSSES",
    "TINKER_CONFIG_KEYS",
    "TinkerKey",
    "resolve_loss_fn",
    "resolve_loss_fn_params",
    "translate_loss_params",
]

#: Tinker / xorl loss names → the name sent to the server. Server names map to themselves;
#: ``cross_entropy`` is kept (the server treats it as ``causallm_loss``); Tinker's ``ppo``
#: becomes ``policy_loss`` (PPO clip). Names in neither this table nor :data:`REFUSED_LOSSES`
#: are sent unchanged.
LOSS_FN_ALIASES: dict[str, str] = {
    "causallm_loss": "causallm_loss",
    "cross_entropy": "cross_entropy",
    "importance_sampling": "importance_sampling",
    "policy_loss": "policy_loss",
    "ppo": "policy_loss",
    "cispo": "cispo",
    "drgrpo": "drgrpo",
    "opd_loss": "opd_loss",
}

#: The server's two names for token-level cross-entropy.
CROSS_ENTROPY_LOSSES = frozenset({"causallm_loss", "cross_entropy"})

_XORL_LOSSES = (
    "cross_entropy (= causallm_loss), importance_sampling, ppo (= policy_loss), cispo, "
    "drgrpo, opd_loss"
)

#: Tinker losses with no xorl counterpart: name → why, and what to do instead.
REFUSED_LOSSES: dict[str, str] = {
    "dro": (
        "xorl has no DRO loss (the server fails it with 'Unknown loss_fn: dro'). Its losses are "
        f"{_XORL_LOSSES}. DRO's objective sum(logprob * A - beta/2 * (logprob - "
        "sampling_logprob)^2) can be written as a custom loss: "
        "forward_backward_custom(data, loss_fn) computes it exactly"
    ),
}

#: Keys the server reads for every loss (model_runner.py: the micro-batch loss, the
#: forward/backward loop and the per-request housekeeping).
COMMON_CONFIG_KEYS = frozenset(
    {
        "return_per_token",
        "logprob_temperature",
        "logprob_top_k",
        "logprob_top_p",
        "logprob_min_p",
        "lm_head_fp32",
        "normalize_loss_before_backward",
        "compute_per_sample_k3",
        "compute_kl_token_diagnostics_topk",
        "kl_token_diagnostics_topk",
        "sampler_prefill_lengths",
        "eval_quantize_activations",
        "profile_phase_timings",
        "opd_profile_timings",
        "opd_profile_sync_cuda",
        "opd_debug_packed_sample_components",
        "profile_clear_gradients_after_backward",
        "profile_clear_gradients_gc_collect",
        "profile_clear_gradients_empty_cache",
        "forward_backward_defrag",
        "forward_backward_gc_collect",
        "forward_backward_empty_cache",
    }
)
#: Key families the server reads for every loss (``diagnostic_topk``, ``diagnostic_*`` dumps).
COMMON_CONFIG_PREFIXES: tuple[str, ...] = ("diagnostic_",)

_RL_STATS = frozenset({"compute_kl_stats", "compute_ref_logprobs"})

#: Server loss → the loss-specific ``loss_fn_params`` keys the server reads for it.
#: ``opd_loss`` also reads every ``opd_*`` and ``teacher_*`` key (see :data:`_LOSS_PREFIXES`).
LOSS_CONFIG_KEYS: dict[str, frozenset[str]] = {
    "causallm_loss": frozenset(),
    "cross_entropy": frozenset(),
    "importance_sampling": _RL_STATS,
    "cispo": _RL_STATS | {"clip_low_threshold", "clip_high_threshold"},
    "policy_loss": _RL_STATS
    | {
        "eps_clip",
        "eps_clip_high",
        "eps_clip_c",
        "use_tis",
        "tis_clip_low",
        "tis_clip_high",
        "icepop_beta",
        "num_chunks",
    },
    "drgrpo": frozenset({"clip_low", "clip_high", "beta", "ratio_type", "kl_type", "num_chunks"}),
    "opd_loss": frozenset({"kl_backend", "vocab_chunk_size", "packed_row_batch_size"}),
}
_LOSS_PREFIXES: dict[str, tuple[str, ...]] = {"opd_loss": ("opd_", "teacher_")}


def _number(source: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataValidationError(
            f"{source}.{key} must be a finite number, not {value!r}",
            field=f"{source}.{key}",
            rule="loss option values are finite numbers",
        )
    return float(value)


@dataclass(frozen=True)
class TinkerKey:
    """A Tinker ``loss_fn_config`` key the server reads under another name or meaning.

    Attributes:
        server_key: the key sent instead.
        convert: Tinker's value → the server's value.
        meaning: one line for error messages and docs.
    """

    server_key: str
    convert: Callable[[float], float]
    meaning: str


#: Server loss → {Tinker key: conversion}. PPO's ratio bounds ``[lo, hi]`` become the server's
#: offsets: ``ratio.clamp(1 - eps_clip, 1 + eps_clip_high)`` (policy_loss.py), so
#: ``eps_clip = 1 - lo`` and ``eps_clip_high = hi - 1``. CISPO's server keys already are
#: Tinker's absolute bounds, so it needs no entry.
TINKER_CONFIG_KEYS: dict[str, dict[str, TinkerKey]] = {
    "policy_loss": {
        "clip_low_threshold": TinkerKey(
            "eps_clip", lambda lo: 1.0 - lo, "Tinker's lower ratio bound, sent as eps_clip = 1 - it"
        ),
        "clip_high_threshold": TinkerKey(
            "eps_clip_high",
            lambda hi: hi - 1.0,
            "Tinker's upper ratio bound, sent as eps_clip_high = it - 1",
        ),
    },
}


def resolve_loss_fn(name: str) -> str:
    """The server's loss name for ``name`` (Tinker aliases mapped, refused losses refused).

    >>> resolve_loss_fn("cross_entropy"), resolve_loss_fn("my_custom_loss")
    ('cross_entropy', 'my_custom_loss')
    """
    if not isinstance(name, str) or not name.strip():
        raise DataValidationError(
            f"loss_fn must be a non-empty string, not {name!r}",
            field="loss_fn",
            rule="loss_fn is a non-empty string",
        )
    refused = REFUSED_LOSSES.get(name)
    if refused is not None:
        raise DataValidationError(
            f"loss_fn {name!r} is not supported on xorl: {refused}",
            field="loss_fn",
            rule="the loss exists on the xorl server",
        )
    return LOSS_FN_ALIASES.get(name, name)


def resolve_loss_fn_params(
    loss_fn_params: Mapping[str, Any] | None, loss_fn_config: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """One ``loss_fn_params`` dict from xorl's name or Tinker's ``loss_fn_config`` alias.

    Giving both is refused rather than silently preferring one. Keys are not checked here
    (:func:`translate_loss_params` does that, per loss).

    >>> resolve_loss_fn_params(None, {"clip_low_threshold": 0.5})
    {'clip_low_threshold': 0.5}
    """
    if loss_fn_params is not None and loss_fn_config is not None:
        raise DataValidationError(
            "give loss_fn_params or loss_fn_config (Tinker's name for the same thing), not both",
            field="loss_fn_config",
            rule="loss_fn_params and loss_fn_config are exclusive",
        )
    chosen = loss_fn_params if loss_fn_params is not None else loss_fn_config
    if chosen is None:
        return None
    name = "loss_fn_params" if loss_fn_params is not None else "loss_fn_config"
    if not isinstance(chosen, Mapping) or not all(isinstance(k, str) for k in chosen):
        raise DataValidationError(
            f"{name} must be a dict with string keys, not {chosen!r:.80}",
            field=name,
            rule="loss_fn_params is a dict",
        )
    return dict(chosen)


def _is_read(server_loss: str, key: str) -> bool:
    return (
        key in COMMON_CONFIG_KEYS
        or key.startswith(COMMON_CONFIG_PREFIXES)
        or key in LOSS_CONFIG_KEYS[server_loss]
        or key.startswith(_LOSS_PREFIXES.get(server_loss, ()))
    )


def _valid_keys_text(server_loss: str) -> str:
    tinker = TINKER_CONFIG_KEYS.get(server_loss, {})
    own = sorted(LOSS_CONFIG_KEYS[server_loss] | set(tinker))
    prefixes = _LOSS_PREFIXES.get(server_loss, ())
    parts = [", ".join(own) if own else "none of its own"]
    if prefixes:
        parts.append("any " + " or ".join(f"{p}* key" for p in prefixes))
    return (
        "; ".join(parts)
        + "; plus the keys every loss reads ("
        + ", ".join(sorted(COMMON_CONFIG_KEYS)[:6])
        + ", ..., diagnostic_*: see xorl_client.tinker_compat.COMMON_CONFIG_KEYS)"
    )


def _check_bounds(loss_fn: str, source: str, params: Mapping[str, Any]) -> None:
    """The ratio bounds must make a clamp: ``lo <= hi`` (and ``lo >= 0`` for CISPO)."""
    if loss_fn in ("ppo", "policy_loss"):
        lo, hi = params.get("clip_low_threshold"), params.get("clip_high_threshold")
        lo = 0.8 if lo is None else lo
        hi = 1.2 if hi is None else hi
        low_min = -math.inf
    elif loss_fn == "cispo":
        lo, hi = params.get("clip_low_threshold", 0.0), params.get("clip_high_threshold", 4.0)
        low_min = 0.0
    else:
        return
    lo = _number(source, "clip_low_threshold", lo)
    hi = _number(source, "clip_high_threshold", hi)
    if not low_min <= lo <= hi:
        raise DataValidationError(
            f"{source}: clip_low_threshold={lo!r} and clip_high_threshold={hi!r} do not bound the "
            "ratio: they need clip_low_threshold <= clip_high_threshold"
            + (" and clip_low_threshold >= 0 (the server's CISPO rule)" if low_min == 0 else ""),
            field=f"{source}.clip_low_threshold",
            rule="ratio bounds satisfy low <= high",
        )


def translate_loss_params(
    loss_fn: str,
    server_loss: str,
    params: Mapping[str, Any] | None,
    *,
    source: str = "loss_fn_config",
) -> dict[str, Any] | None:
    """The ``loss_fn_params`` to send for ``loss_fn`` (sent as ``server_loss``).

    Every key must be one the server reads for ``server_loss`` (:data:`LOSS_CONFIG_KEYS`,
    :data:`COMMON_CONFIG_KEYS`) or a Tinker key with a known conversion
    (:data:`TINKER_CONFIG_KEYS`); anything else is refused with the loss's valid keys,
    because the server would silently ignore it. Losses the SDK has no table for (names it
    does not know) are passed through unchanged.

    >>> translate_loss_params("ppo", "policy_loss", {"clip_ratio": 0.2})
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: loss_fn_config key 'clip_ratio' is not read by loss 'ppo' (sent as 'policy_loss'), so the server would silently ignore it. Keys for 'ppo': clip_high_threshold, clip_low_threshold, compute_kl_stats, compute_ref_logprobs, eps_clip, eps_clip_c, eps_clip_high, icepop_beta, num_chunks, tis_clip_high, tis_clip_low, use_tis; plus the keys every loss reads (compute_kl_token_diagnostics_topk, compute_per_sample_k3, eval_quantize_activations, forward_backward_defrag, forward_backward_empty_cache, forward_backward_gc_collect, ..., diagnostic_*: see xorl_client.tinker_compat.COMMON_CONFIG_KEYS)
    """
    if params is None:
        return None
    if server_loss not in LOSS_CONFIG_KEYS:
        return dict(params)
    _check_bounds(loss_fn, source, params)
    tinker = TINKER_CONFIG_KEYS.get(server_loss, {})
    sent = repr(loss_fn) if loss_fn == server_loss else f"{loss_fn!r} (sent as {server_loss!r})"
    out: dict[str, Any] = {}
    for key, value in params.items():
        converter = tinker.get(key)
        if converter is not None:
            if converter.server_key in params:
                raise DataValidationError(
                    f"{source} gives both {key!r} ({converter.meaning}) and "
                    f"{converter.server_key!r}; give one of them",
                    field=f"{source}.{key}",
                    rule="one key per loss option",
                )
            out[converter.server_key] = converter.convert(_number(source, key, value))
        elif _is_read(server_loss, key):
            out[key] = value
        else:
            raise DataValidationError(
                f"{source} key {key!r} is not read by loss {sent}, so the server would silently "
                f"ignore it. Keys for {loss_fn!r}: {_valid_keys_text(server_loss)}",
                field=f"{source}.{key}",
                rule="loss options are keys the server reads for that loss",
            )
    return out
