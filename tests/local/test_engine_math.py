"""The local engine's maths: shift rule, losses and their gradients, AdamW, sampling filters.

Gradients are checked against central finite differences of the loss itself, on a vocabulary of
7 so every parameter entry is checked, for every loss, full-weight and LoRA.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.tinker_reference import numeric_gradient
from xorl_client.local.engine import (
    BaseWeights,
    EngineError,
    SamplerWeights,
    SessionSpec,
    loss_and_gradients,
)
from xorl_client.local.engine.sampler import _filtered_probs as filtered_probs
from xorl_client.local.losses import LOSSES, get_loss, prepare_batch, prepare_sample
from xorl_client.local.model import IGNORE_INDEX, log_softmax, lora_init, lora_table
from xorl_client.local.optim import AdamW

V = 7
Params = dict[str, np.ndarray]


def datum(ids: list[int], **inputs: Any) -> dict[str, Any]:
    return {"model_input": {"input_ids": ids}, "loss_fn_inputs": inputs}


# ----------------------------------------------------------------------------- shift rule


class TestShiftRule:
    def test_labels_shift_inputs_targets_weights_advantages(self) -> None:
        s = prepare_sample(
            datum(
                [1, 2, 3, 4],
                labels=[1, 2, 3, 4],
                weights=[1, 1, 0, 1],
                advantages=[0.0, 0.5, 0.7, 0.9],
                logprobs=[-1.0, -2.0, -3.0],
            ),
            vocab_size=V,
        )
        assert s is not None and s.shifted
        assert s.inputs.tolist() == [1, 2, 3]
        assert s.targets.tolist() == [2, IGNORE_INDEX, 4]
        assert s.fields["advantages"].tolist() == [0.5, 0.7, 0.9]
        assert s.fields["logprobs"].tolist() == [-1.0, -2.0, -3.0]

    def test_target_tokens_no_shift(self) -> None:
        s = prepare_sample(
            datum([1, 2, 3], target_tokens=[2, 3, 4], weights=[0, 1, 1], logprobs=[0, -1, -2]),
            vocab_size=V,
        )
        assert s is not None and not s.shifted
        assert s.inputs.tolist() == [1, 2, 3]
        assert s.targets.tolist() == [IGNORE_INDEX, 3, 4]
        assert s.fields["logprobs"].tolist() == [0.0, -1.0, -2.0]

    def test_both_keys_use_labels_values_without_shift(self) -> None:
        s = prepare_sample(
            datum([1, 2, 3], labels=[4, 5, 6], target_tokens=[0, 0, 0]), vocab_size=V
        )
        assert s is not None and not s.shifted
        assert s.inputs.tolist() == [1, 2, 3]
        assert s.targets.tolist() == [4, 5, 6]

    def test_neither_key_trains_nothing(self) -> None:
        s = prepare_sample(datum([1, 2, 3]), vocab_size=V)
        assert s is not None and s.targets.tolist() == [IGNORE_INDEX] * 3

    def test_flexible_sampler_fields_accept_n_and_n_minus_1_with_labels(self) -> None:
        for temps in ([1.0] * 4, [1.0] * 3):
            prepare_sample(datum([1, 2, 3, 4], labels=[1, 2, 3, 4], logprob_temperatures=temps))
        with pytest.raises(EngineError, match="logprob_temperatures has 2 entries"):
            prepare_sample(datum([1, 2, 3, 4], labels=[1, 2, 3, 4], logprob_temperatures=[1, 1]))

    @pytest.mark.parametrize(
        ("inputs", "message"),
        [
            ({"labels": [1, 2]}, r"labels has 2 entries but input_ids has 3"),
            ({"target_tokens": [1, 2, 3, 4]}, r"target_tokens has 4 entries but input_ids has 3"),
            # unshifted fields must be N-1 with labels ...
            ({"labels": [1, 2, 3], "logprobs": [0.0, 0.0, 0.0]}, r"logprobs has 3 entries but 2"),
            # ... and shifted ones N
            ({"labels": [1, 2, 3], "advantages": [1.0, 1.0]}, r"advantages has 2 entries but 3"),
            ({"labels": [1, 2, 3], "weights": [1, 1]}, r"weights has 2 entries but 3"),
            # with target_tokens everything is N
            ({"target_tokens": [1, 2, 3], "logprobs": [0.0, 0.0]}, r"logprobs has 2 entries but 3"),
        ],
    )
    def test_misaligned_lengths_are_refused(self, inputs: dict[str, Any], message: str) -> None:
        with pytest.raises(EngineError, match=message):
            prepare_sample(datum([1, 2, 3], **inputs), index=0, vocab_size=V)

    def test_weights_other_than_0_1_fail_with_the_server_text(self) -> None:
        data = [
            datum([1, 2, 3], labels=[1, 2, 3]),
            datum([1, 2, 3, 4], labels=[1, 2, 3, 4], weights=[1, 1, 1, 0.5]),
        ]
        with pytest.raises(EngineError) as info:
            prepare_batch(data, get_loss("causallm_loss"), vocab_size=V)
        assert str(info.value) == (
            "Sample 1: weights[2]=0.5 is not supported. Only 0.0 and 1.0 are allowed. "
            "Weighted loss with arbitrary weights is not currently supported."
        )

    def test_weight_dropped_by_the_shift_is_not_checked(self) -> None:
        # Like the server: the check runs after weights[1:].
        s = prepare_sample(datum([1, 2, 3], labels=[1, 2, 3], weights=[0.5, 1, 1]), vocab_size=V)
        assert s is not None and s.targets.tolist() == [2, 3]

    def test_string_weights_are_refused(self) -> None:
        with pytest.raises(EngineError, match=r"weights\[0\]=1 is not supported"):
            prepare_sample(datum([1, 2], target_tokens=[1, 2], weights=["1", 1]), vocab_size=V)

    def test_zero_advantage_masks_the_position_whatever_the_loss(self) -> None:
        # The real server's packer turns advantage-0.0 targets into -100 before any loss runs.
        d = datum(
            [1, 2, 3, 4],
            labels=[1, 2, 3, 4],
            advantages=[0.0, 0.0, 1.0, 1.0],
            logprobs=[-1.0, -1.0, -1.0],
        )
        table = BaseWeights(0, V).table
        rl, _ = loss_and_gradients(
            table,
            {"W": table},
            None,
            prepare_batch([d], LOSSES["importance_sampling"], vocab_size=V),
            LOSSES["importance_sampling"],
        )
        ce, _ = loss_and_gradients(
            table,
            {"W": table},
            None,
            prepare_batch([d], LOSSES["causallm_loss"], vocab_size=V),
            LOSSES["causallm_loss"],
        )
        assert rl.valid_tokens == 2 and rl.logprobs[0] == 0.0 and rl.logprobs[1] != 0.0
        assert ce.valid_tokens == 2 and ce.logprobs.tolist() == rl.logprobs.tolist()

    @pytest.mark.parametrize(
        ("d", "message"),
        [
            (datum([1, 7, 2], labels=[1, 2, 3]), r"input_ids\[1\]=7 is outside the vocabulary"),
            (datum([1, -1, 2], labels=[1, 2, 3]), r"input_ids\[1\]=-1 is outside"),
            (datum([1, 2, 3], labels=[1, 2, 9]), r"labels\[1:\]\[1\]=9 is outside"),
            (datum([1, 2, 3], target_tokens=[1, -5, 2]), r"target_tokens\[1\]=-5 is outside"),
            (datum([1, 2], target_tokens=[1, 2], advantages=[1.0, math.nan]), r"not a finite"),
            (
                {"model_input": {"input_ids": [1, 2.5]}, "loss_fn_inputs": {}},
                r"input_ids\[1\]=2.5 is not an integer",
            ),
        ],
    )
    def test_bad_values_are_refused(self, d: dict[str, Any], message: str) -> None:
        with pytest.raises(EngineError, match=message):
            prepare_sample(d, vocab_size=V)

    def test_ignore_index_targets_are_accepted(self) -> None:
        s = prepare_sample(datum([1, 2, 3], labels=[-100, -100, 3]), vocab_size=V)
        assert s is not None and s.targets.tolist() == [IGNORE_INDEX, 3]

    def test_oversized_sample_fails_with_the_server_text(self) -> None:
        with pytest.raises(EngineError) as info:
            prepare_batch(
                [datum([1, 2]), datum([1, 2, 3, 4, 5], labels=[1, 2, 3, 4, 5])],
                get_loss("causallm_loss"),
                vocab_size=V,
                max_seq_len=4,
            )
        assert str(info.value) == (
            "Sample 1 has 5 tokens, exceeding max_seq_len 4. Refusing to silently drop training "
            "data. Increase sample_packing_sequence_len, or set on_oversized='truncate'/'skip' to "
            "allow clipping/dropping."
        )

    def test_empty_samples_are_dropped_unless_all_are(self) -> None:
        loss = get_loss("causallm_loss")
        batch = prepare_batch(
            [
                datum([], labels=[]),
                {"model_input": {}, "loss_fn_inputs": {}},
                datum([1, 2], labels=[1, 2]),
            ],
            loss,
            vocab_size=V,
        )
        assert [s.index for s in batch.samples] == [2]
        with pytest.raises(EngineError, match="data or datum_list must be provided"):
            prepare_batch([datum([], labels=[])], loss, vocab_size=V)
        with pytest.raises(EngineError, match=r"^data or datum_list must be provided$"):
            prepare_batch([], loss, vocab_size=V)

    def test_tensor_data_and_tinker_chunks(self) -> None:
        d = {
            "model_input": {
                "chunks": [
                    {"type": "encoded_text", "tokens": [1, 2]},
                    {"type": "image", "data": "..."},
                    {"type": "encoded_text", "tokens": [3]},
                ]
            },
            "loss_fn_inputs": {
                "target_tokens": {"data": [2, 3, 4], "dtype": "int64", "shape": [3]},
                "weights": {"data": [0.0, 1.0, 1.0], "dtype": "float32", "shape": [3]},
            },
        }
        s = prepare_sample(d, vocab_size=V)
        assert s is not None
        assert s.inputs.tolist() == [1, 2, 3] and s.targets.tolist() == [IGNORE_INDEX, 3, 4]

    def test_loss_names_and_required_inputs(self) -> None:
        with pytest.raises(EngineError, match=r"^Unknown loss_fn: nope$"):
            get_loss("nope")
        with pytest.raises(EngineError, match=r"^Unknown loss_fn: drgrpo \(the real"):
            get_loss("drgrpo")
        with pytest.raises(
            EngineError, match=r"Sample 0: loss_fn 'cispo' requires loss_fn_inputs\['logprobs'\]"
        ):
            prepare_batch(
                [datum([1, 2], target_tokens=[1, 2], advantages=[1.0, 1.0])],
                get_loss("cispo"),
                vocab_size=V,
            )
        with pytest.raises(EngineError, match=r"requires loss_fn_inputs\['advantages'\]"):
            prepare_batch(
                [datum([1, 2], target_tokens=[1, 2], logprobs=[0.0, 0.0])],
                get_loss("policy_loss"),
                vocab_size=V,
            )


# ----------------------------------------------------------------------------- losses + gradients


RNG_DATA = np.random.default_rng(123)


def reference_logprobs(table: np.ndarray, inputs: list[int], targets: list[int]) -> list[float]:
    """Position-by-position log-softmax, written independently of the engine's row trick."""
    out = []
    for x, y in zip(inputs, targets, strict=True):
        row = table[x]
        out.append(float(row[y] - (np.max(row) + np.log(np.sum(np.exp(row - np.max(row)))))))
    return out


def make_params(mode: str, seed: int = 5) -> tuple[np.ndarray, Params, float | None]:
    base = BaseWeights(seed=1, vocab_size=V).table
    if mode == "full":
        rng = np.random.default_rng(seed)
        return base, {"W": base + rng.normal(0, 0.3, base.shape)}, None
    spec = SessionSpec(lora_rank=3, lora_alpha=6)
    a, _ = lora_init(seed, V, 3)
    # a non-zero B, else the gradient wrt A is identically zero and checks nothing
    b = np.random.default_rng(seed + 1).normal(0, 0.3, (3, V))
    return base, {"A": a, "B": b}, spec.lora_scale


def effective(base: np.ndarray, params: Params, scale: float | None) -> np.ndarray:
    return params["W"] if scale is None else lora_table(base, params["A"], params["B"], scale)


def rl_data(table: np.ndarray, log_ratio_choices: tuple[float, ...]) -> list[dict[str, Any]]:
    """Two samples (labels and target_tokens forms) with old logprobs at chosen log-ratios."""
    rng = np.random.default_rng(7)
    data = []
    ids = rng.integers(0, V, 9).tolist()
    lp = reference_logprobs(table, ids[:-1], ids[1:])
    shift = rng.choice(log_ratio_choices, size=len(lp))
    adv = rng.choice([-1.5, -0.5, 0.0, 0.7, 2.0], size=len(ids)).tolist()
    data.append(
        datum(
            ids,
            labels=ids,
            advantages=adv,
            logprobs=(np.array(lp) - shift).tolist(),
            weights=[1, 1, 1, 0, 1, 1, 1, 1, 1],
        )
    )
    ids2 = rng.integers(0, V, 6).tolist()
    tgt2 = rng.integers(0, V, 6).tolist()
    lp2 = reference_logprobs(table, ids2, tgt2)
    shift2 = rng.choice(log_ratio_choices, size=len(lp2))
    data.append(
        datum(
            ids2,
            target_tokens=tgt2,
            advantages=[1.0, -1.0, 0.5, -2.0, 1.5, -0.3],
            logprobs=(np.array(lp2) - shift2).tolist(),
        )
    )
    return data


CASES: list[tuple[str, str, dict[str, Any], tuple[float, ...]]] = [
    ("causallm_loss", "ce", {}, (0.0,)),
    ("cross_entropy", "ce", {}, (0.0,)),
    ("importance_sampling", "is", {}, (-0.3, 0.0, 0.4)),
    ("policy_loss", "ppo near-policy", {}, (-0.1, 0.0, 0.1)),
    ("policy_loss", "ppo clipped", {"eps_clip": 0.2, "eps_clip_high": 0.28}, (-0.7, 0.0, 0.7)),
    ("policy_loss", "ppo dual clip", {"eps_clip_c": 3.0}, (-1.5, 0.0, 1.5)),
    ("cispo", "cispo", {}, (-0.3, 0.0, 0.4)),
    (
        "cispo",
        "cispo clipped",
        {"clip_low_threshold": 0.8, "clip_high_threshold": 1.2},
        (-0.7, 0.0, 0.7),
    ),
]


@pytest.mark.parametrize("mode", ["full", "lora"])
@pytest.mark.parametrize(
    ("loss_fn", "label", "loss_params", "log_ratios"), CASES, ids=[c[1] + "-" + c[0] for c in CASES]
)
def test_gradient_matches_finite_differences(
    mode: str,
    loss_fn: str,
    label: str,
    loss_params: dict[str, Any],
    log_ratios: tuple[float, ...],
) -> None:
    base, params, scale = make_params(mode)
    loss = get_loss(loss_fn)
    table = effective(base, params, scale)
    if loss.uses_advantages:
        data = rl_data(table, log_ratios)
    else:
        data = [
            datum([0, 3, 2, 6, 1, 3], labels=[0, 3, 2, 6, 1, 3], weights=[1, 1, 0, 1, 1, 1]),
            datum([4, 4, 5], target_tokens=[4, 5, 0]),
        ]
    batch = prepare_batch(data, loss, vocab_size=V)

    if loss_fn == "cispo":
        # CISPO's weight is a stop-gradient: differentiate the surrogate with the weight frozen
        # at the current parameters (its value is checked in test_loss_values_match_the_formulas).
        low = loss_params.get("clip_low_threshold", 0.0)
        high = loss_params.get("clip_high_threshold", 4.0)
        lp0, _ = loss_and_gradients(
            base, params, scale, batch, loss, loss_params, with_gradients=False
        )
        frozen = -np.clip(np.exp(lp0.logprobs - batch.fields["logprobs"]), low, high)
        frozen *= batch.fields["advantages"] * lp0.valid

        def f(p: Params) -> float:
            ev, _ = loss_and_gradients(
                base, p, scale, batch, loss, loss_params, with_gradients=False
            )
            return float(np.sum(frozen * ev.logprobs))
    else:

        def f(p: Params) -> float:
            ev, _ = loss_and_gradients(
                base, p, scale, batch, loss, loss_params, with_gradients=False
            )
            return ev.loss_sum

    evaluation, analytic = loss_and_gradients(base, params, scale, batch, loss, loss_params)
    numeric = numeric_gradient(f, params)
    assert set(analytic) == ({"W"} if mode == "full" else {"A", "B"})
    for name in analytic:
        assert np.max(np.abs(numeric[name])) > 1e-3, "degenerate case: nothing to check"
        np.testing.assert_allclose(analytic[name], numeric[name], rtol=1e-5, atol=1e-7)
    if "clipped" in label:
        clipfrac = {k: v for k, v in evaluation.metrics.items() if "clipfrac" in k}
        assert max(clipfrac.values()) > 0, f"the clipped case clipped nothing: {clipfrac}"
    if "dual" in label:
        assert evaluation.metrics["is_pg_clipfrac_lower:mean"] > 0


@pytest.mark.parametrize("loss_fn", sorted(LOSSES))
def test_loss_values_match_the_formulas(loss_fn: str) -> None:
    base, params, scale = make_params("full")
    table = effective(base, params, scale)
    params_ = {"eps_clip": 0.2, "eps_clip_high": 0.28}
    data = rl_data(table, (-0.7, 0.0, 0.7))
    loss = get_loss(loss_fn)
    batch = prepare_batch(data, loss, vocab_size=V)
    ev, _ = loss_and_gradients(base, params, scale, batch, loss, params_)

    expected_total = 0.0
    valid = 0
    for s in batch.samples:
        lps = reference_logprobs(
            table, s.inputs.tolist(), np.where(s.targets < 0, 0, s.targets).tolist()
        )
        for t, lp in enumerate(lps):
            if s.targets[t] == IGNORE_INDEX:
                continue
            if loss_fn in ("causallm_loss", "cross_entropy"):
                expected_total += -lp
                valid += 1
                continue
            a = s.fields["advantages"][t]
            if a == 0.0:
                continue
            valid += 1
            r = math.exp(lp - s.fields["logprobs"][t])
            if loss_fn == "importance_sampling":
                expected_total += -r * a
            elif loss_fn == "policy_loss":
                expected_total += -min(r * a, min(max(r, 0.8), 1.28) * a)
            else:  # cispo, default thresholds 0 / 4
                expected_total += -min(max(r, 0.0), 4.0) * a * lp
    assert ev.valid_tokens == valid
    assert ev.loss_sum == pytest.approx(expected_total, rel=1e-12, abs=1e-12)
    assert float(np.sum(ev.sample_loss_sums)) == pytest.approx(ev.loss_sum, rel=1e-12)
    # masked positions hold 0.0 in both per-token outputs
    assert np.all(ev.logprobs[~ev.valid] == 0.0) and np.all(ev.elementwise_loss[~ev.valid] == 0.0)


def test_engine_logprobs_match_a_position_by_position_reference() -> None:
    base, params, scale = make_params("lora")
    ids = np.random.default_rng(0).integers(0, V, 40).tolist()
    loss = get_loss("causallm_loss")
    batch = prepare_batch([datum(ids, labels=ids)], loss, vocab_size=V)
    ev, _ = loss_and_gradients(base, params, scale, batch, loss)
    expected = reference_logprobs(effective(base, params, scale), ids[:-1], ids[1:])
    np.testing.assert_allclose(ev.logprobs, expected, rtol=0, atol=1e-12)


def test_log_softmax_is_stable_for_huge_logits() -> None:
    out = log_softmax(np.array([[1e300, 0.0, -1e300], [5.0, 5.0, 5.0]]))
    assert np.all(np.isfinite(out[:, :2]))
    np.testing.assert_allclose(out[1], [-math.log(3)] * 3)


def test_fresh_lora_equals_the_base_model() -> None:
    base = BaseWeights(seed=2, vocab_size=V)
    a, b = lora_init(0, V, 4)
    np.testing.assert_array_equal(lora_table(base.table, a, b, 2.0), base.table)


# ----------------------------------------------------------------------------- AdamW


def torch_adamw_reference(
    p: np.ndarray, grads: list[np.ndarray], lr: float, b1: float, b2: float, eps: float, wd: float
) -> np.ndarray:
    """torch.optim.AdamW's documented algorithm, one scalar at a time."""
    p = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        p = p - lr * wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def test_adamw_matches_the_torch_algorithm() -> None:
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(5)]
    params = {"p": p0.copy()}
    opt = AdamW()
    for g in grads:
        opt.step(
            params,
            {"p": g},
            learning_rate=0.01,
            beta1=0.9,
            beta2=0.95,
            eps=1e-8,
            weight_decay=0.1,
            grad_clip=None,
        )
    expected = torch_adamw_reference(p0, grads, 0.01, 0.9, 0.95, 1e-8, 0.1)
    np.testing.assert_allclose(params["p"], expected, rtol=1e-12, atol=1e-14)


def test_clipping_scales_the_global_norm_and_reports_it_pre_clip() -> None:
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    for clip, expect_scaled in ((1.0, True), (10.0, False), (0.0, False), (None, False)):
        params = {"a": np.zeros(2), "b": np.zeros((1, 1))}
        opt = AdamW()
        norm = opt.step(
            params,
            grads,
            learning_rate=1.0,
            beta1=0.0,
            beta2=0.0,
            eps=1e-12,
            weight_decay=0.0,
            grad_clip=clip,
        )
        assert norm == pytest.approx(5.0)
        # beta=0 Adam moves each entry by lr * sign(g) whatever the scale; the moments show it
        expected_m = 3.0 * (1.0 / (5.0 + 1e-6) if expect_scaled else 1.0)
        assert opt.exp_avg["a"][0] == pytest.approx(expected_m)


def test_adamw_state_round_trip_and_bad_hyperparameters() -> None:
    opt = AdamW()
    params = {"w": np.ones(3)}
    opt.step(
        params,
        {"w": np.ones(3)},
        learning_rate=0.1,
        beta1=0.9,
        beta2=0.95,
        eps=1e-8,
        weight_decay=0.0,
        grad_clip=None,
    )
    other = AdamW()
    other.load_state_dict(opt.state_dict(), {"w": (3,)})
    assert other.num_steps == 1 and np.array_equal(other.exp_avg_sq["w"], opt.exp_avg_sq["w"])
    with pytest.raises(EngineError, match="does not match"):
        AdamW().load_state_dict(opt.state_dict(), {"w": (4,)})
    with pytest.raises(EngineError, match="learning_rate"):
        opt.step(
            params,
            {"w": np.ones(3)},
            learning_rate=-1.0,
            beta1=0.9,
            beta2=0.95,
            eps=1e-8,
            weight_decay=0.0,
            grad_clip=None,
        )
    assert opt.num_steps == 1  # a refused step changes nothing


# ----------------------------------------------------------------------------- sampling filters


def test_filters() -> None:
    logits = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
    p = filtered_probs(logits, 1.0, -1, 1.0, 0.0)
    np.testing.assert_allclose(p, np.exp(logits) / np.sum(np.exp(logits)))
    assert np.count_nonzero(filtered_probs(logits, 1.0, 2, 1.0, 0.0)) == 2
    assert np.count_nonzero(filtered_probs(logits, 1.0, -1, 1e-9, 0.0)) == 1
    # top_p = 0.7: the first token has ~0.53 of the mass, the second brings it to ~0.73
    assert np.count_nonzero(filtered_probs(logits, 1.0, -1, 0.7, 0.0)) == 2
    assert np.count_nonzero(filtered_probs(logits, 1.0, -1, 1.0, 1.0)) == 1
    # min_p keeps tokens with p >= min_p * p_max: e^-1 ~ 0.37 keeps exactly the first two
    assert np.count_nonzero(filtered_probs(logits, 1.0, -1, 1.0, 0.36)) == 2
    # a high temperature flattens but keeps the order
    hot = filtered_probs(logits, 10.0, -1, 1.0, 0.0)
    assert np.all(np.diff(hot) < 0) and hot[0] < p[0]


def test_greedy_and_filtered_sampling_agree_when_only_one_token_survives() -> None:
    sw = SamplerWeights.from_base(BaseWeights(seed=3, vocab_size=V))
    greedy = sw.generate([1], max_new_tokens=10, temperature=0.0, rng=np.random.default_rng(0))
    top1 = sw.generate(
        [1], max_new_tokens=10, temperature=0.8, top_k=1, rng=np.random.default_rng(99)
    )
    assert greedy.output_ids == top1.output_ids
    assert greedy.output_logprobs == top1.output_logprobs
