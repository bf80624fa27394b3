"""Tinker's meaning on xorl, end to end: the SDK against the local server, checked against
Tinker's formulas written independently in numpy (tests/tinker_reference.py).

One test per former silent difference (PPO thresholds, unknown loss options, per-step weight
decay, logprobs at masked positions, gradient accumulation), plus fractional weights and the
refused ``dro`` loss - each with our types and with Tinker-shaped objects. Gradients are read
from the server's accumulator (raw sums, before ``optim_step``'s division) and compared with
directional finite differences of Tinker's loss on the same bigram table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import xorl_client as xc
from tests import tinker_reference as tk
from xorl_client.errors import DataValidationError
from xorl_client.local import LocalServerConfig, create_app, serve_in_thread
from xorl_client.local.app import LocalServer
from xorl_client.local.engine import ModelSession
from xorl_client.tinker_compat import trained_positions

pytestmark = pytest.mark.integration

MODEL = "xorl-local/byte-bigram"
FORMS = ["xorl", "tinker"]


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[xc.TrainingClient, LocalServer]]:
    """A full-weight local server with a handle on its engine, and a training client."""
    config = LocalServerConfig(port=0, output_dir=tmp_path / "out", long_poll_timeout=1.0)
    app = create_app(config)
    with serve_in_thread(config, app=app) as url, xc.ServiceClient(base_url=url) as service:
        yield service.create_training_client(MODEL), app.state.local


def session(server: LocalServer) -> ModelSession:
    return server.sessions.training_model("default")


def table(server: LocalServer) -> np.ndarray:
    return session(server).parameters()["W"]


def make(form: str, tokens: list[int], **inputs: Any) -> Any:
    """A datum in our types or as a Tinker-shaped object."""
    if form == "tinker":
        return tk.tinker_datum(tokens, **inputs)
    return xc.Datum(tokens, inputs)


def sequence(text: bytes) -> tuple[list[int], list[int]]:
    ids = list(text)
    return ids, [*ids[1:], 257]


def check_gradient(
    server: LocalServer, tinker_loss: Callable[[np.ndarray], float], n_directions: int = 3
) -> None:
    """The server's raw accumulated gradient has Tinker's loss's directional derivatives."""
    grad = session(server).accumulated_gradients()["W"]
    w = table(server)
    rng = np.random.default_rng(0)
    for _ in range(n_directions):
        direction = rng.normal(size=w.shape)
        numeric = tk.directional_derivative(tinker_loss, w, direction)
        assert abs(numeric) > 1e-3, "degenerate direction: nothing is checked"
        assert float(np.sum(grad * direction)) == pytest.approx(numeric, rel=1e-6)


# -- 1. PPO's ratio bounds -----------------------------------------------------------------------


def rl_batch(w: np.ndarray, form: str) -> tuple[list[Any], list[tuple[list[int], ...]]]:
    """Two datums whose ratios sit well inside and well outside [0.9, 1.1], both signs of A."""
    rng = np.random.default_rng(4)
    data, arrays = [], []
    for text in (b"the cat sat on the mat", b"a dog ran"):
        ids, targets = sequence(text)
        lp = tk.logprobs(w, ids, targets)
        shift = rng.choice([-0.5, 0.0, 0.5], size=len(ids))
        adv = rng.choice([-1.0, 0.0, 0.5, 2.0], size=len(ids))
        sampling = (lp - shift).tolist()
        data.append(
            make(form, ids, target_tokens=targets, logprobs=sampling, advantages=adv.tolist())
        )
        arrays.append((ids, targets, sampling, adv.tolist()))
    return data, arrays


def tinker_ppo(arrays: list[tuple[list[int], ...]], lo: float, hi: float) -> Callable[..., float]:
    def loss(w: np.ndarray) -> float:
        return sum(
            tk.ppo(tk.logprobs(w, ids, tg), np.array(s), np.array(a), lo, hi)
            for ids, tg, s, a in arrays
        )

    return loss


@pytest.mark.parametrize("form", FORMS)
def test_ppo_ratio_bounds_change_loss_and_gradient_as_tinker_says(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    tc, server = local
    data, arrays = rl_batch(table(server), form)
    config = {"clip_low_threshold": 0.9, "clip_high_threshold": 1.1}
    expected = tinker_ppo(arrays, 0.9, 1.1)
    # the bounds matter for this batch: the default bounds give another loss
    assert abs(expected(table(server)) - tinker_ppo(arrays, 0.8, 1.2)(table(server))) > 0.05

    out = tc.forward_backward(data, "ppo", loss_fn_config=config).result()
    assert out.metrics["loss:sum"] == pytest.approx(expected(table(server)), rel=1e-9)
    assert out.metrics["is_pg_clipfrac:mean"] > 0
    check_gradient(server, expected)


@pytest.mark.parametrize("form", FORMS)
def test_cispo_ratio_bounds_as_tinker_says(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    tc, server = local
    data, arrays = rl_batch(table(server), form)
    w0 = table(server)
    # Tinker's CISPO: stopgrad(clamp(r, lo, hi)) * logprob * A, summed and negated
    frozen = [
        np.clip(tk.ratio(tk.logprobs(w0, i, t), np.array(s)), 0.9, 1.1) for i, t, s, _ in arrays
    ]

    def expected(w: np.ndarray) -> float:
        return -sum(
            float(np.sum(c * tk.logprobs(w, ids, tg) * np.array(a)))
            for c, (ids, tg, _, a) in zip(frozen, arrays, strict=True)
        )

    config = {"clip_low_threshold": 0.9, "clip_high_threshold": 1.1}
    out = tc.forward_backward(data, "cispo", loss_fn_config=config).result()
    assert out.metrics["loss:sum"] == pytest.approx(expected(w0), rel=1e-9)
    check_gradient(server, expected)


@pytest.mark.parametrize("form", FORMS)
def test_importance_sampling_is_tinkers(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    tc, server = local
    data, arrays = rl_batch(table(server), form)

    def expected(w: np.ndarray) -> float:
        return sum(
            tk.importance_sampling(tk.logprobs(w, ids, tg), np.array(s), np.array(a))
            for ids, tg, s, a in arrays
        )

    out = tc.forward_backward(data, "importance_sampling").result()
    assert out.metrics["loss:sum"] == pytest.approx(expected(table(server)), rel=1e-9)
    check_gradient(server, expected)


# -- 2. unknown options, 3. weight decay, dro: refused before anything is sent -------------------


@pytest.mark.parametrize("form", FORMS)
def test_unknown_loss_option_is_refused_before_sending(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    tc, server = local
    data, _ = rl_batch(table(server), form)
    with pytest.raises(DataValidationError) as info:
        tc.forward_backward(data, "ppo", loss_fn_config={"clip_ratio": 0.2})
    message = str(info.value)
    assert info.value.field == "loss_fn_config.clip_ratio"
    assert "'clip_ratio'" in message and "'ppo'" in message and "policy_loss" in message
    assert "clip_low_threshold" in message and "eps_clip" in message  # the valid keys
    with pytest.raises(DataValidationError, match="'beta'"):
        tc.forward_backward(data, "importance_sampling", loss_fn_params={"beta": 0.1})
    assert session(server).forward_backward_step == 0


def test_dro_is_refused_naming_the_losses_xorl_has(
    local: tuple[xc.TrainingClient, LocalServer],
) -> None:
    tc, server = local
    data, _ = rl_batch(table(server), "tinker")
    with pytest.raises(DataValidationError) as info:
        tc.forward_backward(data, "dro", loss_fn_config={"beta": 0.05})
    assert info.value.field == "loss_fn"
    for name in ("cross_entropy", "importance_sampling", "ppo", "cispo", "forward_backward_custom"):
        assert name in str(info.value)
    assert session(server).forward_backward_step == 0


@pytest.mark.parametrize("adam", [xc.AdamParams, tk.AdamParams, dict])
def test_per_step_weight_decay_is_refused_and_zero_is_accepted(
    local: tuple[xc.TrainingClient, LocalServer], adam: Any
) -> None:
    tc, server = local
    ids, targets = sequence(b"hello there")
    tc.forward_backward([xc.Datum(ids, {"target_tokens": targets})]).result()
    with pytest.raises(DataValidationError) as info:
        tc.optim_step(adam(learning_rate=0.01, weight_decay=0.5))
    assert info.value.field == "adam_params.weight_decay"
    assert "optimizer_config={'weight_decay': 0.5}" in str(info.value)
    assert session(server).step == 0
    assert tc.optim_step(adam(learning_rate=0.01, weight_decay=0.0)).result().step == 1


# -- 4. logprobs at masked positions --------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_masked_positions_hold_the_servers_placeholder_and_forward_gives_every_logprob(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    """Like the real server, the output at a weight-0 / advantage-0 position is 0.0 (not the
    model's logprob, as on Tinker); trained_positions() says which are real, and a forward
    without masks gives the model's logprob everywhere (the documented way)."""
    tc, server = local
    ids, targets = sequence(b"prompt: answer")
    lp = tk.logprobs(table(server), ids, targets)
    mask = [0.0] * 8 + [1.0] * (len(ids) - 8)
    sft = make(form, ids, target_tokens=targets, weights=mask)
    rl = make(
        form, ids, target_tokens=targets, logprobs=lp.tolist(), advantages=[m * 0.5 for m in mask]
    )
    for datum, loss in ((sft, "cross_entropy"), (rl, "importance_sampling")):
        got = np.array(
            tc.forward_backward([datum], loss).result().loss_fn_outputs[0]["logprobs"].data
        )
        real = np.array(trained_positions(xc.tinker_compat.coerce_datum(datum)))
        assert real.tolist() == [m == 1.0 for m in mask]
        np.testing.assert_array_equal(got[~real], 0.0)
        np.testing.assert_allclose(got[real], lp[real], rtol=1e-12)
    full = tc.forward([make(form, ids, target_tokens=targets)]).result()
    np.testing.assert_allclose(full.loss_fn_outputs[0]["logprobs"].data, lp, rtol=1e-12)


# -- 5. gradient accumulation ---------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_accumulation_sums_requests_and_the_step_divides_by_the_epochs_valid_tokens(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    tc, server = local
    ids, targets = sequence(b"the same datum twice")
    weights = [0.0] * 4 + [1.0] * (len(ids) - 4)
    d = make(form, ids, target_tokens=targets, weights=weights)
    n = int(sum(weights))

    def accumulated() -> tuple[np.ndarray, int]:
        s = session(server)
        return s.accumulated_gradients()["W"], s.accumulated_valid_tokens

    tc.forward_backward([d]).result()
    one, n_one = accumulated()
    tc.abort_gradient_epoch().result()
    tc.forward_backward([d, d]).result()
    batch, n_batch = accumulated()
    tc.abort_gradient_epoch().result()
    tc.forward_backward([d]).result()
    tc.forward_backward([d]).result()
    calls, n_calls = accumulated()

    # Raw sums add, over datums and over calls, exactly as on Tinker ...
    assert (n_one, n_batch, n_calls) == (n, 2 * n, 2 * n)
    np.testing.assert_allclose(batch, 2 * one, rtol=1e-12)
    np.testing.assert_allclose(calls, 2 * one, rtol=1e-12)
    # ... and Tinker's summed cross-entropy is what is accumulated ...
    check_gradient(
        server,
        lambda w: 2 * tk.cross_entropy(tk.logprobs(w, ids, targets), np.array(weights)),
    )
    # ... but optim_step divides by the epoch's valid tokens: [d, d] steps like [d] (a mean),
    # and Tinker's gradient is the step's gradient times the epoch's valid tokens.
    step = tc.optim_step(xc.AdamParams(learning_rate=0.01)).result()
    assert step.metrics["grad_norm"] == pytest.approx(np.linalg.norm(one) / n, rel=1e-9)
    assert step.metrics["grad_norm"] * n_calls == pytest.approx(np.linalg.norm(calls), rel=1e-9)


# -- fractional and negative weights ---------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_fractional_weights_are_honoured_exactly(
    local: tuple[xc.TrainingClient, LocalServer], form: str
) -> None:
    """The cookbook's mean-reduction SFT datums (weights 1/n) and negative weights."""
    tc, server = local
    arrays, data = [], []
    for text, prompt in ((b"Q: hi A: hello", 6), (b"Q: 2+2 A: 4", 7)):
        ids, targets = sequence(text)
        completion = len(ids) - prompt
        weights = [0.0] * prompt + [1.0 / completion] * completion
        arrays.append((ids, targets, weights))
        data.append(make(form, ids, target_tokens=targets, weights=weights))
    ids, targets = sequence(b"unlikely")
    negative = [-0.5, 0.25, -1.0, 0.0, 2.0, -0.125, 1.0, 0.75]
    arrays.append((ids, targets, negative))
    data.append(make(form, ids, target_tokens=targets, weights=negative))

    def expected(w: np.ndarray) -> float:
        return sum(tk.cross_entropy(tk.logprobs(w, i, t), np.array(ws)) for i, t, ws in arrays)

    w0 = table(server)
    forward = tc.forward(data).result()
    assert forward.metrics["loss:sum"] == pytest.approx(expected(w0), rel=1e-9)
    assert session(server).accumulated_valid_tokens == 0
    out = tc.forward_backward(data, "cross_entropy").result()
    assert out.metrics["loss:sum"] == pytest.approx(expected(w0), rel=1e-9)
    assert out.metrics["valid_tokens:sum"] == sum(sum(1 for x in ws if x) for *_, ws in arrays)
    for output, (ids, targets, ws) in zip(out.loss_fn_outputs, arrays, strict=True):
        real = np.array(ws) != 0
        lp = tk.logprobs(w0, ids, targets)
        np.testing.assert_allclose(np.array(output["logprobs"].data)[real], lp[real], rtol=1e-12)
    check_gradient(server, expected)


def test_fractional_weights_with_rl_losses_are_refused_with_the_alternative(
    local: tuple[xc.TrainingClient, LocalServer],
) -> None:
    tc, server = local
    ids, targets = sequence(b"abc")
    d = xc.Datum(
        ids,
        {
            "target_tokens": targets,
            "weights": [0.5, 1.0, 1.0],
            "logprobs": [-1.0] * 3,
            "advantages": [1.0] * 3,
        },
    )
    with pytest.raises(DataValidationError, match="into 'advantages'"):
        tc.forward_backward([d], "importance_sampling")
    assert session(server).forward_backward_step == 0


def test_the_weight_decay_alternative_decays_the_session(tmp_path: Path) -> None:
    """What the refusal says to do: the session's optimizer_config decays every step (AdamW)."""
    config = LocalServerConfig(port=0, lora=True, output_dir=tmp_path / "lora")
    app = create_app(config)
    server: LocalServer = app.state.local
    ids, targets = sequence(b"decay")
    datum = xc.Datum(ids, {"target_tokens": targets})
    with serve_in_thread(config, app=app) as url, xc.ServiceClient(base_url=url) as service:
        plain = service.create_lora_training_client(MODEL, rank=4)
        decayed = service.create_lora_training_client(
            MODEL, rank=4, optimizer_config={"weight_decay": 0.5}
        )
        start = [
            server.sessions.training_model(c.model_id).parameters()["A"] for c in (plain, decayed)
        ]
        for client in (plain, decayed):
            client.forward_backward([datum]).result()
            client.optim_step(xc.AdamParams(learning_rate=0.1)).result()
        a_plain, a_decayed = (
            server.sessions.training_model(c.model_id).parameters()["A"] for c in (plain, decayed)
        )
    # LoRA's B starts at 0, so A gets no gradient on the first step: AdamW leaves it alone
    # without decay and multiplies it by (1 - lr * weight_decay) with it.
    np.testing.assert_array_equal(a_plain, start[0])
    np.testing.assert_allclose(a_decayed, start[1] * (1 - 0.1 * 0.5), rtol=1e-12)
