"""Every setting is checked for type and finiteness before anything is sent, and every bad one
is a XorlError that names it (issue defects 5 and 8: a NaN sent as null trains at the server's
default; wrong types escaped the error tree or were silently accepted)."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest

import xorl_client as xc

from .fake_server import FakeXorl, make_training_client

BASE = "http://xorl.test:6000"


def datum(**fields: Any) -> xc.Datum:
    ids = [5, 6, 7]
    return xc.Datum(
        model_input=xc.ModelInput.from_ints(ids), loss_fn_inputs={"labels": ids, **fields}
    )


def refused(call: Any, field: str, *, sent: list[Any]) -> xc.XorlError:
    with pytest.raises(xc.DataValidationError) as info:
        call()
    assert info.value.field == field and info.value.outcome is xc.Outcome.NOT_SENT
    assert sent == []
    return info.value


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": float("inf")}, "learning_rate"),
        ({"learning_rate": float("1e309")}, "learning_rate"),  # overflows to inf
        ({"learning_rate": -1e-4}, "learning_rate"),
        ({"learning_rate": "1e-4"}, "learning_rate"),
        ({"learning_rate": True}, "learning_rate"),
        ({"gradient_clip": float("nan")}, "gradient_clip"),
        ({"gradient_clip": float("-inf")}, "gradient_clip"),
    ],
)
def test_optim_step_numbers_must_be_finite_numbers(kwargs: dict[str, Any], field: str) -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    refused(lambda: tc.optim_step(**kwargs), field, sent=server.submissions)


def test_loss_fn_params_may_not_hide_a_nan() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    params = {"eps_clip": 0.2, "tis": {"clips": [0.1, float("nan")]}}
    err = refused(
        lambda: tc.forward_backward([datum()], "cross_entropy", params),
        "loss_fn_params.tis.clips[1]",
        sent=server.submissions,
    )
    assert "null would mean the server's default" in str(err)


def test_unknown_loss_names_are_refused_with_the_servers_list() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    err = refused(lambda: tc.forward_backward([datum()], "dpo"), "loss_fn", sent=server.submissions)
    assert "policy_loss" in str(err) and "drgrpo" in str(err)
    refused(
        lambda: tc.forward_backward([datum()], "teacher_hidden_cache"),
        "loss_fn",
        sent=server.submissions,
    )
    tc.forward([datum()], "teacher_hidden_cache")  # forward-only losses are fine for forward
    rl = datum(logprobs=[-0.5, -0.5], advantages=[1.0, 1.0, 1.0])
    tc.forward_backward([rl], "ppo").result(timeout=10)  # Tinker's name, mapped
    assert server.submissions[-1].body["forward_backward_input"]["loss_fn"] == "policy_loss"


def test_complex_dtypes_and_two_dimensional_weights_are_refused() -> None:
    server = FakeXorl()
    tc = make_training_client(server)
    complex_weights = xc.TensorData([1, 1, 1], dtype="complex64")
    err = refused(
        lambda: tc.forward_backward([datum(weights=complex_weights)]),
        "loss_fn_inputs.weights",
        sent=server.submissions,
    )
    assert "complex64" in str(err)
    square = xc.TensorData([1.0] * 9, dtype="float32", shape=[3, 3])
    err = refused(
        lambda: tc.forward_backward([datum(weights=square)]),
        "loss_fn_inputs.weights",
        sent=server.submissions,
    )
    assert "shape [3, 3]" in str(err) and "rank 1" in str(err)


@pytest.mark.parametrize(
    "kwargs,field",
    [({"rank": "8"}, "rank"), ({"rank": 8.0}, "rank"), ({"alpha": float("nan")}, "alpha")],
)
def test_lora_rank_and_alpha_are_checked_at_create(kwargs: dict[str, Any], field: str) -> None:
    sent: list[Any] = []
    service = xc.ServiceClient(
        base_url=BASE,
        httpx_transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500)),
    )
    with service:
        refused(lambda: service.create_lora_training_client("m", **kwargs), field, sent=sent)


@pytest.mark.parametrize(
    "kwargs,text",
    [
        ({"base_url": 123}, "base_url must be a string"),
        ({"base_url": "http://127.0.0.1:70000"}, "port must be in 1..65535"),
        ({"operation_timeout": float("inf")}, "operation_timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_connections": 2.5}, "max_connections must be an int"),
        ({"chunk_max_items": "10"}, "chunk_max_items must be an int"),
        ({"exactly_once": "yes"}, "exactly_once"),
        ({"extra_headers": {"X-Team": "a\nb"}}, "control character"),
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, Any], text: str) -> None:
    kwargs.setdefault("base_url", BASE)
    with pytest.raises(xc.ConfigurationError, match=text) as info:
        xc.ClientConfig(**kwargs)
    assert isinstance(info.value, xc.XorlError) and info.value.outcome is xc.Outcome.NOT_SENT


def test_an_oversized_key_is_refused_once_not_retried_as_a_network_failure() -> None:
    with pytest.raises(xc.ConfigurationError, match="100000 characters") as info:
        xc.ClientConfig(base_url=BASE, api_key="k" * 100_000)
    assert "k" * 20 not in str(info.value)


def test_client_config_pickles_with_its_key_for_worker_processes() -> None:
    config = xc.ClientConfig(
        base_url=BASE, api_key="sk-worker-secret", extra_headers={"X-Team": "rl"}, max_retries=2
    )
    copy = pickle.loads(pickle.dumps(config))
    assert copy == config and copy.api_key_value() == "sk-worker-secret"
    assert dict(copy.extra_headers) == {"X-Team": "rl"} and copy.max_retries == 2
    with pytest.raises(TypeError, match="httpx_transport"):
        pickle.dumps(
            config.replace(httpx_transport=httpx.MockTransport(lambda r: httpx.Response(200)))
        )


def test_empty_prompts_are_refused_alike_and_timeouts_must_be_positive() -> None:
    sent: list[Any] = []
    sc = xc.SamplingClient(
        BASE, httpx_transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
    )
    with sc:
        for prompt in ("", []):
            refused(lambda p=prompt: sc.sample(p), "prompt", sent=sent)
        for timeout in (0, -1, float("nan"), float("inf")):
            err = refused(lambda t=timeout: sc.sample("hi", timeout=t), "timeout", sent=sent)
            assert "positive" in str(err) and "deadline passed" not in str(err)
