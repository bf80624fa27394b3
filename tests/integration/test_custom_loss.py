"""``forward_backward_custom`` against the local server: the accumulated gradient is exactly the
custom loss's gradient (negative coefficients included), the result is Tinker-shaped, and
calls made afterwards run after both phases.

The torch tests skip without torch; the numpy tests drive the same two phases with an
explicit gradient, so the mechanism is checked either way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import xorl_client as xc
from tests import tinker_reference as tk
from xorl_client.errors import DataValidationError, MissingDependencyError
from xorl_client.local import LocalServerConfig, create_app, serve_in_thread
from xorl_client.local.app import LocalServer
from xorl_client.training.custom_loss import CustomLossResult

pytestmark = pytest.mark.integration

MODEL = "xorl-local/byte-bigram"
BETA = 0.7


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """Start local servers (full-weight) with engine handles; each call gives a fresh one."""
    with ExitStack() as stack:
        counter = iter(range(100))

        def make() -> tuple[xc.TrainingClient, LocalServer]:
            config = LocalServerConfig(
                port=0, output_dir=tmp_path / f"out{next(counter)}", long_poll_timeout=1.0
            )
            app = create_app(config)
            url = stack.enter_context(serve_in_thread(config, app=app))
            service = stack.enter_context(xc.ServiceClient(base_url=url))
            return service.create_training_client(MODEL), app.state.local

        yield make


def table(server: LocalServer) -> np.ndarray:
    return server.sessions.training_model("default").parameters()["W"]


def raw_gradient(server: LocalServer) -> np.ndarray:
    return server.sessions.training_model("default").accumulated_gradients()["W"]


def pair(form: str) -> tuple[list[Any], list[tuple[list[int], list[int], list[float]]]]:
    """A DPO-style chosen/rejected pair (prompt masked by weights that stay on the client)."""
    data, arrays = [], []
    for text in (b"Q: color? A: blue", b"Q: color? A: loud"):
        ids = list(text)
        targets = [*ids[1:], 257]
        weights = [0.0] * 10 + [1.0] * (len(ids) - 10)
        arrays.append((ids, targets, weights))
        if form == "tinker":
            data.append(tk.tinker_datum(ids, target_tokens=targets, weights=weights))
        else:
            data.append(xc.Datum(ids, {"target_tokens": targets, "weights": weights}))
    return data, arrays


def dpo_numpy(w: np.ndarray, arrays: list[tuple[list[int], list[int], list[float]]]) -> float:
    """-log sigmoid(beta * (chosen - rejected)) of weighted logprob sums, in numpy."""
    (ci, ct, cw), (ri, rt, rw) = arrays
    margin = np.dot(tk.logprobs(w, ci, ct), cw) - np.dot(tk.logprobs(w, ri, rt), rw)
    return float(np.log1p(np.exp(-BETA * margin)))


def check_gradient(server: LocalServer, loss: Any) -> None:
    grad, w = raw_gradient(server), table(server)
    rng = np.random.default_rng(1)
    for _ in range(3):
        direction = rng.normal(size=w.shape)
        numeric = tk.directional_derivative(loss, w, direction)
        assert abs(numeric) > 1e-4
        assert float(np.sum(grad * direction)) == pytest.approx(numeric, rel=1e-5)


# -- torch (Tinker's interface) ----------------------------------------------------------------


@pytest.mark.parametrize("form", ["xorl", "tinker"])
def test_custom_loss_gradient_is_exact(start: Any, form: str) -> None:
    torch = pytest.importorskip("torch")
    tc, server = start()
    data, arrays = pair(form)
    w0 = table(server)
    seen: list[Any] = []

    def dpo(batch: list[Any], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        seen.append(batch)
        chosen, rejected = (
            torch.dot(lp, torch.tensor(d.loss_fn_inputs["weights"].data))
            for lp, d in zip(logprobs, batch, strict=True)
        )
        margin = chosen - rejected
        return -torch.nn.functional.logsigmoid(BETA * margin), {"margin": float(margin.detach())}

    out = tc.forward_backward_custom(data, dpo).result()
    assert seen[0] is not data and all(a is b for a, b in zip(seen[0], data, strict=True))
    assert out.metrics["loss:sum"] == pytest.approx(dpo_numpy(w0, arrays), rel=1e-5)
    assert "surrogate_loss:sum" in out.metrics and "margin" in out.metrics
    assert not any(k.startswith("is_") for k in out.metrics)
    # outputs are the model's logprobs at every targeted position, weight-0 prompt included
    for output, (ids, targets, _) in zip(out.loss_fn_outputs, arrays, strict=True):
        np.testing.assert_allclose(
            output["logprobs"].data, tk.logprobs(w0, ids, targets), rtol=1e-12
        )
    # float32 logprob tensors on the client, as in Tinker: a relative 1e-5
    check_gradient(server, lambda w: dpo_numpy(w, arrays))


def test_calls_made_afterwards_run_after_both_phases(start: Any) -> None:
    torch = pytest.importorskip("torch")

    def loss(batch: list[Any], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        return -(logprobs[0] * torch.linspace(-1.0, 2.0, len(logprobs[0]))).sum(), {}

    data, _ = pair("xorl")
    pipelined, waited = start(), start()
    # submitted back to back, without waiting: the step must see the surrogate's gradient
    fb = pipelined[0].forward_backward_custom(data[:1], loss)
    step = pipelined[0].optim_step(xc.AdamParams(learning_rate=0.05))
    fb.result()
    reference_fb = waited[0].forward_backward_custom(data[:1], loss).result()
    reference = waited[0].optim_step(xc.AdamParams(learning_rate=0.05)).result()
    assert step.result().metrics["grad_norm"] == pytest.approx(reference.metrics["grad_norm"])
    assert reference_fb.metrics["loss:sum"] == fb.result().metrics["loss:sum"]
    np.testing.assert_array_equal(table(pipelined[1]), table(waited[1]))


def test_custom_loss_refusals(start: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    tc, server = start()
    data, _ = pair("xorl")
    with pytest.raises(DataValidationError, match="loss_type_input"):
        tc.forward_backward_custom(data, lambda d, lp: (None, {}), loss_type_input="logits")
    with pytest.raises(DataValidationError, match="must be a function"):
        tc.forward_backward_custom(data, "dpo")  # type: ignore[arg-type]
    no_targets = [xc.Datum([1, 2, 3], {"weights": [1, 1, 1]})]
    with pytest.raises(DataValidationError, match=r"needs loss_fn_inputs\.target_tokens"):
        tc._custom_backward(no_targets, lambda lps: CustomLossResult(0.0, [[0.0] * 3]))
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r"\[torch\]"):
        tc.forward_backward_custom(data, lambda d, lp: (None, {}))
    assert server.sessions.training_model("default").forward_backward_step == 0


# -- numpy (the same two phases, explicit gradient) --------------------------------------------


@pytest.mark.parametrize("form", ["xorl", "tinker"])
def test_surrogate_of_an_explicit_gradient_numpy(start: Any, form: str) -> None:
    """C = sum_t c_t * logprob_t**2 / 2 with mixed-sign c: dC/dlogprob = c * logprob."""
    tc, server = start()
    data, arrays = pair(form)
    coefficients = [np.linspace(-1.5, 1.0, len(ids)) for ids, _, _ in arrays]

    def compute(logprobs: list[list[float]]) -> CustomLossResult:
        lps = [np.array(lp) for lp in logprobs]
        value = sum(float(np.sum(c * lp**2 / 2)) for c, lp in zip(coefficients, lps, strict=True))
        grads = [(c * lp).tolist() for c, lp in zip(coefficients, lps, strict=True)]
        return CustomLossResult(value, grads, {"custom:mean": 1.0})

    def numpy_loss(w: np.ndarray) -> float:
        return sum(
            float(np.sum(c * tk.logprobs(w, ids, tg) ** 2 / 2))
            for c, (ids, tg, _) in zip(coefficients, arrays, strict=True)
        )

    out = tc._custom_backward(data, compute).result()
    assert out.metrics["loss:sum"] == pytest.approx(numpy_loss(table(server)), rel=1e-12)
    assert out.metrics["custom:mean"] == 1.0
    # every position has c * logprob != 0, so every position counts in the step's divisor
    assert out.metrics["valid_tokens:sum"] == sum(len(ids) for ids, _, _ in arrays)
    check_gradient(server, numpy_loss)


def test_labels_datums_and_an_all_zero_gradient(start: Any) -> None:
    tc, server = start()
    ids = list(b"labels form")
    datum = xc.Datum(ids, {"labels": ids})
    lp = tk.logprobs(table(server), ids[:-1], ids[1:])

    def zero(logprobs: list[list[float]]) -> CustomLossResult:
        assert len(logprobs[0]) == len(ids) - 1
        return CustomLossResult(1.5, [[0.0] * len(logprobs[0])])

    out = tc._custom_backward([datum], zero).result()
    assert out.metrics == {"loss:sum": 1.5}  # nothing to send: no surrogate request
    assert server.sessions.training_model("default").forward_backward_step == 0
    np.testing.assert_allclose(out.loss_fn_outputs[0]["logprobs"].data, lp, rtol=1e-12)

    weights = np.linspace(-1.0, 1.0, len(ids) - 1)

    def linear(logprobs: list[list[float]]) -> CustomLossResult:
        return CustomLossResult(float(np.dot(weights, logprobs[0])), [weights.tolist()])

    tc._custom_backward([datum], linear).result()
    check_gradient(server, lambda w: float(np.dot(weights, tk.logprobs(w, ids[:-1], ids[1:]))))
