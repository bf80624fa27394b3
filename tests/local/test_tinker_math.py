"""The local engine computes what the real server computes for the Tinker mappings.

Finite differences on a vocabulary of 7 (every parameter entry checked), against Tinker's
formulas in numpy (tests/tinker_reference.py): the exact coefficient form of weighted
cross-entropy, PPO with Tinker's ratio bounds converted to the server's offsets, the
importance-sampling log-ratio clamp, and ``normalize_loss_before_backward``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests import tinker_reference as tk
from xorl_client.local.engine import (
    BaseWeights,
    EngineError,
    ModelSession,
    SessionSpec,
    loss_and_gradients,
)
from xorl_client.local.losses import get_loss, prepare_batch
from xorl_client.local.model import lora_init, lora_table
from xorl_client.tinker_compat import (
    COEFFICIENT_LOSS,
    COEFFICIENT_PARAMS,
    coefficient_datum,
    translate_loss_params,
)
from xorl_client.types import Datum

V = 7
Params = dict[str, np.ndarray]


def setup(mode: str) -> tuple[np.ndarray, Params, float | None]:
    base = BaseWeights(seed=2, vocab_size=V).table
    if mode == "full":
        return base, {"W": base + np.random.default_rng(3).normal(0, 0.3, base.shape)}, None
    spec = SessionSpec(lora_rank=2, lora_alpha=4)
    a, _ = lora_init(4, V, 2)
    return base, {"A": a, "B": np.random.default_rng(5).normal(0, 0.3, (2, V))}, spec.lora_scale


def effective(base: np.ndarray, params: Params, scale: float | None) -> np.ndarray:
    return params["W"] if scale is None else lora_table(base, params["A"], params["B"], scale)


def engine(
    base: np.ndarray,
    params: Params,
    scale: float | None,
    wire: list[dict[str, Any]],
    loss_fn: str,
    loss_params: dict[str, Any] | None,
) -> tuple[float, Params, np.ndarray]:
    loss = get_loss(loss_fn)
    batch = prepare_batch(wire, loss, vocab_size=V)
    ev, grads = loss_and_gradients(base, params, scale, batch, loss, loss_params)
    return ev.loss_sum, grads, ev.logprobs


# -- weighted cross-entropy through the coefficient form -----------------------------------------

WEIGHTED = [
    (
        Datum(
            [0, 3, 2, 6, 1],
            {"target_tokens": [3, 2, 6, 1, 4], "weights": [0.0, 0.2, 0.2, 0.3, 0.3]},
        )
    ),
    (Datum([4, 4, 5, 2], {"labels": [4, 4, 5, 2], "weights": [9.0, -1.5, 0.0, 2.0]})),
]


def tinker_weighted_ce(table: np.ndarray) -> float:
    """WEIGHTED in Tinker's terms (the labels datum shifted by hand: weight 9.0 drops out)."""
    return tk.cross_entropy(
        tk.logprobs(table, [0, 3, 2, 6, 1], [3, 2, 6, 1, 4]), np.array([0.0, 0.2, 0.2, 0.3, 0.3])
    ) + tk.cross_entropy(tk.logprobs(table, [4, 4, 5], [4, 5, 2]), np.array([-1.5, 0.0, 2.0]))


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_coefficient_form_is_weighted_cross_entropy_exactly(mode: str) -> None:
    base, params, scale = setup(mode)
    wire = [coefficient_datum(d, index=i).to_wire() for i, d in enumerate(WEIGHTED)]
    value, grads, _ = engine(base, params, scale, wire, COEFFICIENT_LOSS, COEFFICIENT_PARAMS)
    assert value == pytest.approx(tinker_weighted_ce(effective(base, params, scale)), rel=1e-12)
    numeric = tk.numeric_gradient(lambda p: tinker_weighted_ce(effective(base, p, scale)), params)
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, numeric[name], rtol=1e-6, atol=1e-8)


def test_coefficient_form_ignores_the_sampling_logprobs() -> None:
    # The clamp at exactly 1 discards the ratio, whatever "old" logprob the datum carries.
    base, params, scale = setup("full")
    d = coefficient_datum(WEIGHTED[0]).to_wire()
    shifted = {
        **d,
        "loss_fn_inputs": {**d["loss_fn_inputs"], "logprobs": [-40.0, 3.0, 0.0, -1.0, 9.0]},
    }
    a = engine(base, params, scale, [d], COEFFICIENT_LOSS, COEFFICIENT_PARAMS)
    b = engine(base, params, scale, [shifted], COEFFICIENT_LOSS, COEFFICIENT_PARAMS)
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1]["W"], b[1]["W"])


# -- PPO with Tinker's bounds ---------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [(0.9, 1.1), (0.5, 1.6), (0.8, 1.2)])
def test_ppo_with_tinker_bounds_is_tinkers_ppo(bounds: tuple[float, float]) -> None:
    lo, hi = bounds
    base, params, scale = setup("full")
    ids, targets = [1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 0]
    lp = tk.logprobs(params["W"], ids, targets)
    sampling = lp - np.array([0.6, -0.6, 0.05, 0.0, 0.3, -0.2])
    adv = np.array([1.0, 1.0, -1.0, 0.0, -2.0, 0.5])
    wire = [
        {
            "model_input": {"input_ids": ids},
            "loss_fn_inputs": {
                "target_tokens": targets,
                "logprobs": sampling.tolist(),
                "advantages": adv.tolist(),
            },
        }
    ]
    sent = translate_loss_params(
        "ppo", "policy_loss", {"clip_low_threshold": lo, "clip_high_threshold": hi}
    )
    value, grads, _ = engine(base, params, scale, wire, "policy_loss", sent)

    def tinker(p: Params) -> float:
        return tk.ppo(tk.logprobs(p["W"], ids, targets), sampling, adv, lo, hi)

    assert value == pytest.approx(tinker(params), rel=1e-12)
    np.testing.assert_allclose(
        grads["W"], tk.numeric_gradient(tinker, params)["W"], rtol=1e-6, atol=1e-8
    )


# -- importance sampling: the server's log-ratio clamp -------------------------------------------


def test_importance_sampling_clamps_the_log_ratio_at_20() -> None:
    base, params, scale = setup("full")
    ids, targets = [1, 2, 3], [2, 3, 4]
    lp = tk.logprobs(params["W"], ids, targets)
    sampling = lp - np.array([25.0, -25.0, 0.5])
    wire = [
        {
            "model_input": {"input_ids": ids},
            "loss_fn_inputs": {
                "target_tokens": targets,
                "logprobs": sampling.tolist(),
                "advantages": [1.0, 1.0, 1.0],
            },
        }
    ]
    value, grads, _ = engine(base, params, scale, wire, "importance_sampling", None)
    ratio = np.exp(np.array([20.0, -20.0, 0.5]))
    assert value == pytest.approx(-float(np.sum(ratio)), rel=1e-12)
    # the gradient weight is the clamped ratio itself (the server's surrogate sg(r * A) * CE),
    # i.e. cross-entropy weighted by r: the coefficient form with coefficients r
    weighted = coefficient_datum(Datum(ids, {"target_tokens": targets}), list(ratio)).to_wire()
    _, same, _ = engine(base, params, scale, [weighted], COEFFICIENT_LOSS, COEFFICIENT_PARAMS)
    np.testing.assert_allclose(grads["W"], same["W"], rtol=1e-12)


# -- normalize_loss_before_backward ---------------------------------------------------------------


def datum(text: bytes) -> dict[str, Any]:
    ids = [b % V for b in text]
    return {"model_input": {"input_ids": ids}, "loss_fn_inputs": {"labels": ids}}


def test_normalize_loss_before_backward_divides_each_request_by_its_own_tokens() -> None:
    base = BaseWeights(seed=0, vocab_size=V)
    raw, pre = ModelSession(base, SessionSpec()), ModelSession(base, SessionSpec())
    short, long = datum(b"abc"), datum(b"abcdefgh")
    raw.forward_backward([short])
    g_short, n_short = raw.accumulated_gradients()["W"], raw.accumulated_valid_tokens
    raw.abort_gradient_epoch()
    raw.forward_backward([long])
    g_long, n_long = raw.accumulated_gradients()["W"], raw.accumulated_valid_tokens

    flag = {"normalize_loss_before_backward": True}
    pre.forward_backward([short], "causallm_loss", flag)
    pre.forward_backward([long], "causallm_loss", flag)
    assert pre.accumulated_valid_tokens == 0  # no tokens of their own for the step's divisor
    np.testing.assert_allclose(
        pre.accumulated_gradients()["W"], g_short / n_short + g_long / n_long, rtol=1e-12
    )
    norm = pre.optim_step(
        learning_rate=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip=None
    )["metrics"]["grad_norm"]
    assert norm == pytest.approx(np.linalg.norm(g_short / n_short + g_long / n_long), rel=1e-12)

    # mixed with a raw request: everything is divided by the raw requests' tokens
    pre.forward_backward([short], "causallm_loss", flag)
    pre.forward_backward([long])
    expected = np.linalg.norm(pre.accumulated_gradients()["W"]) / n_long
    norm = pre.optim_step(
        learning_rate=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0, grad_clip=None
    )["metrics"]["grad_norm"]
    assert norm == pytest.approx(expected, rel=1e-12)


def test_normalize_loss_before_backward_is_refused_for_lora_sessions() -> None:
    session = ModelSession(BaseWeights(seed=0, vocab_size=V), SessionSpec(lora_rank=2))
    with pytest.raises(EngineError, match=r"^ADAPTER_GRADIENT_PRENORMALIZED_LOSS"):
        session.forward_backward(
            [datum(b"abc")], "causallm_loss", {"normalize_loss_before_backward": True}
        )
    assert session.forward_backward_step == 0
    # forward-only requests never normalise anything, so they are not refused
    session.forward([datum(b"abc")], "causallm_loss", {"normalize_loss_before_backward": True})
