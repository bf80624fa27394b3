"""Policy datums: the pre-shifted layout by hand, what the server's shift rule makes of it, errors."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest

import xorl_client as xc
import xorl_client.rl as rl
from xorl_client.errors import DataValidationError
from xorl_client.local.losses import prepare_sample
from xorl_client.rl import IGNORE_INDEX, build_policy_datum, build_policy_loss_inputs
from xorl_client.validation import validate_batch

PROMPT = [256, 10, 11]
OUTPUT = [20, 21, 22]
OLD = [-0.5, -1.0, -2.0]
ADV = 0.25


def policy_datum(**overrides: Any) -> xc.Datum:
    args: dict[str, Any] = {
        "prompt_tokens": PROMPT,
        "output_tokens": OUTPUT,
        "old_logprobs": OLD,
        "advantage": ADV,
    }
    return build_policy_datum(**{**args, **overrides})


def test_loss_inputs_by_hand() -> None:
    got = build_policy_loss_inputs(PROMPT + OUTPUT, 3, OLD, ADV)
    assert got == {
        "target_tokens": [-100, -100, 20, 21, 22],
        "logprobs": [0.0, 0.0, -0.5, -1.0, -2.0],
        "advantages": [0.0, 0.0, 0.25, 0.25, 0.25],
    }
    assert IGNORE_INDEX == -100


def test_a_one_token_prompt_masks_nothing() -> None:
    assert build_policy_loss_inputs([5, 7, 8], 1, [-1.0, -2.0], -1.5) == {
        "target_tokens": [7, 8],
        "logprobs": [-1.0, -2.0],
        "advantages": [-1.5, -1.5],
    }


def test_ignore_index_may_be_a_token_id() -> None:
    got = build_policy_loss_inputs([1, 2, 3, 4], 3, [-1.0], 1.0, ignore_index=0)
    assert got["target_tokens"] == [0, 0, 4]


def test_numpy_arrays_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    got = build_policy_loss_inputs(
        np.array(PROMPT + OUTPUT), np.int64(3), np.array(OLD, dtype=np.float32), np.float64(ADV)
    )
    assert got == build_policy_loss_inputs(PROMPT + OUTPUT, 3, OLD, ADV)
    assert all(type(t) is int for t in got["target_tokens"])


@pytest.mark.parametrize(
    ("tokens", "prompt_len", "old", "adv", "field", "match"),
    [
        ([1, 2, 3], 0, [-1.0, -1.0], 1.0, "prompt_len", r"must be in \[1, 3\]"),
        ([1, 2, 3], 4, [], 1.0, "prompt_len", r"must be in \[1, 3\]"),
        ([1, 2, 3], 3, [], 1.0, "tokens", "no generated token"),
        ([1, 2, 3], 2.0, [-1.0], 1.0, "prompt_len", "integer"),
        ([1, 2, 3], True, [-1.0, -1.0], 1.0, "prompt_len", "integer"),
        ([1, 2, 3], 1, [-1.0], 1.0, "old_logprobs", "2 generated tokens but 1 old_logprobs"),
        ([1, 2, 3], 1, [-1.0, math.nan], 1.0, "old_logprobs", r"old_logprobs\[1\] is nan"),
        ([1, 2, 3], 2, [-1.0], math.inf, "advantage", "finite"),
        ([1, 2, 3], 2, [-1.0], "1.0", "advantage", "number"),
        ([1, -2, 3], 2, [-1.0], 1.0, "tokens", r"tokens\[1\] is -2"),
        ([1, 2.0, 3], 2, [-1.0], 1.0, "tokens", r"tokens\[1\] is 2.0"),
        ("abc", 2, [-1.0], 1.0, "tokens", "not text"),
    ],
)
def test_loss_inputs_refuse_bad_input(
    tokens: Any, prompt_len: Any, old: Any, adv: Any, field: str, match: str
) -> None:
    with pytest.raises(DataValidationError, match=match) as info:
        build_policy_loss_inputs(tokens, prompt_len, old, adv)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)  # as the official helper's ValueError


@pytest.mark.parametrize("ignore_index", [-1, -101, True, 1.5])
def test_ignore_index_the_server_cannot_take_is_refused(ignore_index: Any) -> None:
    with pytest.raises(DataValidationError) as info:
        build_policy_loss_inputs([1, 2, 3], 2, [-1.0], 1.0, ignore_index=ignore_index)
    assert info.value.field == "ignore_index"


# -- build_policy_datum ---------------------------------------------------------------------------


def test_policy_datum_layout() -> None:
    d = policy_datum()
    assert d.model_input.to_ints() == [256, 10, 11, 20, 21]  # (prompt + output)[:-1]
    lfi = d.loss_fn_inputs
    assert set(lfi) == {"target_tokens", "logprobs", "advantages"}
    assert {k: v.data for k, v in lfi.items()} == build_policy_loss_inputs(
        PROMPT + OUTPUT, len(PROMPT), OLD, ADV
    )
    assert lfi["target_tokens"].dtype == "int64"
    assert lfi["logprobs"].dtype == lfi["advantages"].dtype == "float32"
    for loss in ("importance_sampling", "ppo", "policy_loss", "cispo", "drgrpo"):
        validate_batch([d], loss)


def test_the_server_trains_exactly_the_output_positions() -> None:
    """The local server's shift rule (an independent implementation) on the wire datum."""
    sample = prepare_sample(policy_datum().to_wire())
    assert sample is not None and not sample.shifted
    assert sample.inputs.tolist() == [256, 10, 11, 20, 21]
    assert sample.targets.tolist() == [-100, -100, 20, 21, 22]
    assert sample.fields["logprobs"].tolist() == [0.0, 0.0, -0.5, -1.0, -2.0]
    assert sample.fields["advantages"].tolist() == [0.0, 0.0, 0.25, 0.25, 0.25]


@pytest.mark.parametrize("form", ["target_tokens", "labels"])
def test_build_rl_datum_trains_the_same_positions(form: rl.DatumForm) -> None:
    seq = xc.SampledSequence(tokens=OUTPUT, logprobs=OLD, stop_reason="length")
    ours = prepare_sample(xc.build_rl_datum(PROMPT, seq, ADV, form=form).to_wire())
    theirs = prepare_sample(policy_datum().to_wire())
    assert ours is not None and theirs is not None
    assert ours.inputs.tolist() == theirs.inputs.tolist()
    assert ours.targets.tolist() == theirs.targets.tolist()
    for name in ("logprobs", "advantages"):
        assert ours.fields[name].tolist() == theirs.fields[name].tolist()


def test_build_rl_datum_target_form_is_the_policy_datum_plus_weights() -> None:
    seq = xc.SampledSequence(tokens=OUTPUT, logprobs=OLD, stop_reason="length")
    ours = xc.build_rl_datum(PROMPT, seq, ADV)
    theirs = policy_datum()
    assert ours.model_input == theirs.model_input
    assert ours.loss_fn_inputs.pop("weights").data == [0, 0, 1, 1, 1]
    assert ours.loss_fn_inputs == theirs.loss_fn_inputs


def test_a_zero_advantage_datum_is_built() -> None:
    """It trains nothing on its own, but is valid beside other datums (the server accepts it)."""
    d = policy_datum(advantage=0.0)
    assert d.loss_fn_inputs["advantages"].data == [0.0] * 5
    validate_batch([d, policy_datum()], "importance_sampling")


@pytest.mark.parametrize(
    ("overrides", "field", "match"),
    [
        ({"prompt_tokens": []}, "prompt_tokens", "prompt_tokens is empty"),
        ({"output_tokens": []}, "output_tokens", "output_tokens is empty"),
        ({"output_tokens": [20, -1, 22]}, "output_tokens", r"output_tokens\[1\] is -1"),
        ({"prompt_tokens": "hello"}, "prompt_tokens", "not text"),
        ({"old_logprobs": [-0.5]}, "old_logprobs", "3 generated tokens but 1 old_logprobs"),
        ({"old_logprobs": [-0.5, -1.0, math.inf]}, "old_logprobs", "finite"),
        ({"advantage": math.nan}, "advantage", "finite"),
    ],
)
def test_policy_datum_refuses_bad_input(overrides: dict[str, Any], field: str, match: str) -> None:
    with pytest.raises(DataValidationError, match=match) as info:
        policy_datum(**overrides)
    assert info.value.field == field


def test_the_routing_arguments_default_to_none() -> None:
    d = policy_datum(routed_experts=None, routed_expert_logits=None)
    assert d == policy_datum()


@pytest.mark.parametrize("name", ["routed_experts", "routed_expert_logits"])
def test_routing_data_reaches_the_datum_or_is_refused(name: str) -> None:
    """Never dropped: passed to the Datum when it can carry the field, an error otherwise."""
    routing = [[[0, 1]]] * 5
    if name in inspect.signature(xc.Datum).parameters:
        assert getattr(policy_datum(**{name: routing}), name) == routing
    else:
        with pytest.raises(DataValidationError, match=f"{name} was given") as info:
            policy_datum(**{name: routing})
        assert info.value.field == name


# -- exports ----------------------------------------------------------------------------------------


def test_the_official_names_are_exported() -> None:
    official = {
        "GroupStatistics",
        "IGNORE_INDEX",
        "build_policy_datum",
        "build_policy_loss_inputs",
        "compute_grpo_advantages",
        "learning_rate_at_step",
        "compute_skip_observation_gae",
        "explained_variance",
    }
    assert official | {"build_rl_datum", "group_advantages", "DatumForm"} <= set(rl.__all__)
    assert all(hasattr(rl, name) for name in rl.__all__)
    assert xc.compute_skip_observation_gae is rl.compute_skip_observation_gae
    assert xc.explained_variance is rl.explained_variance
    assert xc.build_rl_datum is rl.build_rl_datum
    assert {"compute_skip_observation_gae", "explained_variance"} <= set(xc.__all__)
