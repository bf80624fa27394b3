"""validate_batch and the name validators: every rule, with index, field and rule asserted."""

from __future__ import annotations

import math
from typing import Any

import pytest

from xorl_client.errors import DataValidationError
from xorl_client.types import Datum, ModelInput, TensorData
from xorl_client.validation import (
    REQUIRED_INPUTS,
    Rule,
    validate_batch,
    validate_checkpoint_name,
    validate_checkpoint_path,
    validate_model_id,
)


def ok_sft(n: int = 4) -> Datum:
    ids = list(range(1, n + 1))
    return Datum(ModelInput.from_ints(ids), {"labels": list(ids), "weights": [1] * n})


def ok_rl_labels(n: int = 5) -> Datum:
    ids = list(range(1, n + 1))
    return Datum(
        ModelInput.from_ints(ids),
        {
            "labels": list(ids),
            "advantages": [0.0, 0.0] + [1.0] * (n - 2),
            "logprobs": [0.0] + [-0.5] * (n - 2),
        },
    )


def ok_rl_targets(n: int = 5) -> Datum:
    ids = list(range(1, n + 1))
    return Datum(
        ModelInput.from_ints(ids),
        {
            "target_tokens": [*ids[1:], 0],
            "weights": [0] + [1] * (n - 1),
            "advantages": [0.5] * n,
            "logprobs": [-0.5] * n,
        },
    )


def fails(batch: list[Any], loss_fn: str = "causallm_loss", **kw: Any) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        validate_batch(batch, loss_fn, **kw)
    return info.value


def assert_error(
    err: DataValidationError, index: int | None, field: str, rule: Rule, *fragments: str
) -> None:
    assert err.datum_index == index
    assert err.field == field
    assert err.rule == rule
    text = str(err)
    if index is not None:
        assert text.startswith(f"datum {index}: ")
    for fragment in fragments:
        assert fragment in text, text


# -- valid batches -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch", "loss_fn"),
    [
        ([ok_sft(), ok_sft(2)], "causallm_loss"),
        ([ok_sft()], "cross_entropy"),
        ([ok_rl_labels(), ok_rl_labels(3)], "importance_sampling"),
        ([ok_rl_targets()], "importance_sampling"),
        ([ok_rl_targets()], "policy_loss"),
        ([ok_rl_targets()], "ppo"),
        ([ok_rl_targets()], "cispo"),
        ([ok_rl_targets()], "drgrpo"),
        ([Datum([5], {})], "some_future_loss"),  # type: ignore[arg-type]
        ([Datum([5, 6], {"target_tokens": [6, 7]})], "cross_entropy"),  # type: ignore[arg-type]
    ],
)
def test_valid_batches_pass(batch: list[Datum], loss_fn: str) -> None:
    validate_batch(batch, loss_fn)


def test_ignore_index_allowed_in_labels_and_targets() -> None:
    validate_batch([Datum([1, 2, 3], {"labels": [-100, 2, 3]})], "causallm_loss")  # type: ignore[arg-type]
    validate_batch([Datum([1, 2], {"target_tokens": [2, -100]})], "cross_entropy")  # type: ignore[arg-type]


def test_sampler_fields_accept_n_or_n_minus_1_with_labels() -> None:
    for length in (4, 3):
        d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], "logprob_temperatures": [1.0] * length})  # type: ignore[arg-type]
        validate_batch([d], "causallm_loss")


def test_strings_allowed_in_unknown_fields_only() -> None:
    validate_batch([Datum([1, 2], {"labels": [1, 2], "tags": ["a", "b"]})], "causallm_loss")  # type: ignore[arg-type]
    err = fails([Datum([1, 2], {"labels": [1, 2], "weights": ["1", "1"]})])  # type: ignore[arg-type]
    assert_error(err, 0, "loss_fn_inputs.weights", Rule.NUMERIC, "weights[0]", "'1'")


@pytest.mark.parametrize("name", ["target_tokens", "weights", "logprobs", "advantages"])
def test_multi_target_per_token_fields_are_refused(name: str) -> None:
    # Tinker's (N, K) multi-target form has no xorl counterpart: the server reads one value
    # per position, so a rank-2 per-token input would be misread, not trained as K targets.
    inputs: dict[str, Any] = {
        "target_tokens": [2, 3],
        "weights": [1.0, 1.0],
        "logprobs": [0.0, 0.0],
        "advantages": [1.0, 1.0],
    }
    dtype = "int64" if name == "target_tokens" else "float32"
    inputs[name] = TensorData([1, 1, 1, 1] if dtype == "int64" else [0.5] * 4, dtype, [2, 2])
    err = fails([Datum([1, 2], inputs)], "importance_sampling")  # type: ignore[arg-type]
    assert (err.datum_index, err.field, err.rule) == (
        0,
        f"loss_fn_inputs.{name}",
        Rule.PER_TOKEN_RANK,
    )
    assert "one datum per target column" in str(err)


def test_rank2_inputs_the_sdk_does_not_know_pass() -> None:
    d = Datum(
        [1, 2, 3],  # type: ignore[arg-type]
        {"labels": [1, 2, 3], "teacher_hidden_states": TensorData([0.5] * 6, "float32", [3, 2])},
    )
    validate_batch([d], "causallm_loss")


# -- batch-level rules ---------------------------------------------------------------------------


def test_empty_batch() -> None:
    err = fails([])
    assert_error(err, None, "data", Rule.NON_EMPTY_BATCH, "empty")


def test_loss_fn_must_be_non_empty_string() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_batch([ok_sft()], "")
    assert info.value.rule == Rule.LOSS_FN and info.value.field == "loss_fn"


def test_max_seq_len_argument_must_be_positive() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_batch([ok_sft()], "causallm_loss", max_seq_len=0)
    assert info.value.field == "max_seq_len"


def test_single_datum_instead_of_list() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_batch(ok_sft(), "causallm_loss")  # type: ignore[arg-type]
    assert info.value.rule == Rule.DATUM_TYPE


# -- per-datum rules -----------------------------------------------------------------------------


def test_non_datum_item_names_index() -> None:
    err = fails([ok_sft(), {"model_input": {"input_ids": [1]}}])
    assert_error(err, 1, "data", Rule.DATUM_TYPE, "is a dict, not a Datum", "coerce_batch")


def test_loss_input_mutated_to_list_is_caught() -> None:
    d = ok_sft()
    d.loss_fn_inputs["weights"] = [1, 1, 1, 1]  # type: ignore[assignment]
    err = fails([ok_sft(), ok_sft(), d])
    assert_error(err, 2, "loss_fn_inputs.weights", Rule.DATUM_TYPE, "not a TensorData")


def test_no_input_tokens() -> None:
    err = fails([ok_sft(), Datum(ModelInput.empty(), {})], "some_loss")
    assert_error(err, 1, "model_input.input_ids", Rule.MIN_TOKENS, "0 tokens", "at least 1")


def test_labels_need_two_tokens() -> None:
    err = fails([Datum([7], {"labels": [7]})])  # type: ignore[arg-type]
    assert_error(err, 0, "model_input.input_ids", Rule.MIN_TOKENS, "at least 2", "'labels'")


def test_max_seq_len() -> None:
    err = fails([ok_sft(3), ok_sft(6)], max_seq_len=5)
    assert_error(err, 1, "model_input.input_ids", Rule.MAX_SEQ_LEN, "6 tokens", "max_seq_len=5")
    validate_batch([ok_sft(5)], "causallm_loss", max_seq_len=5)


@pytest.mark.parametrize(
    ("ids", "pos", "fragment"),
    [
        ([1, -2, 3], 1, "is -2"),
        ([1, 2, True], 2, "True (bool)"),
        ([1, 2.0, 3], 1, "2.0 (float)"),
        ([1, None, 3], 1, "None (NoneType)"),
        ([1, 2, -100], 2, "is -100"),  # the ignore index is not a valid *input* id
    ],
)
def test_input_ids_must_be_non_negative_ints(ids: list[Any], pos: int, fragment: str) -> None:
    err = fails([ok_sft(), Datum(ModelInput([_chunk(ids)]), {})], "some_loss")
    assert_error(
        err, 1, "model_input.input_ids", Rule.TOKEN_IDS, f"model_input.input_ids[{pos}]", fragment
    )


def _chunk(tokens: list[Any]) -> Any:
    from xorl_client.types import EncodedTextChunk

    return EncodedTextChunk(tokens)


@pytest.mark.parametrize("key", ["labels", "target_tokens"])
@pytest.mark.parametrize(
    ("bad", "fragment"), [(-1, "is -1"), (False, "False (bool)"), (1.5, "1.5 (float)")]
)
def test_target_token_ids(key: str, bad: Any, fragment: str) -> None:
    d = Datum([1, 2, 3], {key: TensorData([1, bad, 3], "int64")})  # type: ignore[arg-type]
    err = fails([ok_sft(), ok_sft(), ok_sft(), d])
    assert_error(err, 3, f"loss_fn_inputs.{key}", Rule.TOKEN_IDS, f"{key}[1]", fragment)


def test_labels_and_target_tokens_are_exclusive() -> None:
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "target_tokens": [2, 3, 4]})  # type: ignore[arg-type]
    err = fails([d])
    assert_error(err, 0, "loss_fn_inputs", Rule.EXCLUSIVE_TARGETS, "not both")


# -- the shift rule ------------------------------------------------------------------------------


def test_shift_rule_unshifted_field_message_matches_spec() -> None:
    ids = list(range(10))
    d = Datum(
        ids,  # type: ignore[arg-type]
        {"labels": ids, "advantages": [1.0] * 10, "logprobs": [-1.0] * 7},
    )
    err = fails([ok_rl_labels(), ok_rl_labels(), ok_rl_labels(), d], "importance_sampling")
    assert str(err) == (
        "datum 3: loss_fn_inputs.logprobs has 7 entries but must have 9 (= len(input_ids) - 1) "
        "because 'labels' is given: un-shifted fields align with input_ids[1:]"
    )
    assert_error(err, 3, "loss_fn_inputs.logprobs", Rule.SHIFT)


@pytest.mark.parametrize("name", ["logprobs", "rollout_logprobs", "old_logprobs", "ref_logprobs"])
def test_shift_rule_unshifted_fields_full_length_rejected_with_labels(name: str) -> None:
    d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], name: [-1.0] * 4})  # type: ignore[arg-type]
    err = fails([d], "some_loss")
    assert_error(err, 0, f"loss_fn_inputs.{name}", Rule.SHIFT, "has 4 entries", "must have 3")


@pytest.mark.parametrize("name", ["weights", "advantages"])
def test_shift_rule_shifted_fields_need_full_length_with_labels(name: str) -> None:
    d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], name: [1.0] * 3})  # type: ignore[arg-type]
    err = fails([ok_sft(), d], "some_loss")
    assert_error(
        err, 1, f"loss_fn_inputs.{name}", Rule.SHIFT, "has 3 entries", "must have 4", "shifts"
    )


def test_shift_rule_labels_length() -> None:
    d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3]})  # type: ignore[arg-type]
    err = fails([d])
    assert_error(err, 0, "loss_fn_inputs.labels", Rule.SHIFT, "has 3 entries", "must have 4")


@pytest.mark.parametrize(
    "name", ["logprob_temperatures", "logprob_top_ks", "logprob_top_ps", "logprob_min_ps"]
)
def test_shift_rule_sampler_fields(name: str) -> None:
    d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], name: [1.0] * 2})  # type: ignore[arg-type]
    err = fails([d])
    assert_error(err, 0, f"loss_fn_inputs.{name}", Rule.SHIFT, "must have 4", "or 3")
    d2 = Datum([1, 2, 3], {"target_tokens": [2, 3, 4], name: [1.0] * 2})  # type: ignore[arg-type]
    err2 = fails([d2])
    assert_error(err2, 0, f"loss_fn_inputs.{name}", Rule.SHIFT, "must have 3", "target_tokens")


@pytest.mark.parametrize(
    "name", ["target_tokens", "weights", "advantages", "logprobs", "rollout_logprobs"]
)
def test_shift_rule_target_tokens_everything_full_length(name: str) -> None:
    inputs: dict[str, Any] = {"target_tokens": [2, 3, 4, 5]}
    inputs[name] = [2, 3, 4] if name == "target_tokens" else [1.0, 1.0, 1.0]
    err = fails([ok_rl_targets(), Datum([1, 2, 3, 4], inputs)], "some_loss")  # type: ignore[arg-type]
    assert_error(
        err,
        1,
        f"loss_fn_inputs.{name}",
        Rule.SHIFT,
        "has 3 entries",
        "must have 4",
        "target_tokens",
    )


def test_shift_rule_without_targets_nothing_is_shifted() -> None:
    err = fails([Datum([1, 2, 3], {"weights": [1, 1]})], "some_loss")  # type: ignore[arg-type]
    assert_error(err, 0, "loss_fn_inputs.weights", Rule.SHIFT, "must have 3", "neither")


# -- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.5, 2, -1])
def test_weights_only_zero_or_one(bad: float) -> None:
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "weights": [1, 0, bad]})  # type: ignore[arg-type]
    err = fails([ok_sft(), d])
    assert_error(err, 1, "loss_fn_inputs.weights", Rule.WEIGHTS_BINARY, "weights[2]", repr(bad))


def test_weights_accept_floats_zero_one() -> None:
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "weights": [1.0, 0.0, 1.0]})  # type: ignore[arg-type]
    validate_batch([d], "causallm_loss")


def test_fractional_weights_when_asked_but_still_finite() -> None:
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "weights": [0.25, -1.5, 0.021]})  # type: ignore[arg-type]
    validate_batch([d], "cross_entropy", fractional_weights=True)
    nan = Datum([1, 2, 3], {"labels": [1, 2, 3], "weights": [0.25, math.nan, 1.0]})  # type: ignore[arg-type]
    err = fails([nan], "cross_entropy", fractional_weights=True)
    assert_error(err, 0, "loss_fn_inputs.weights", Rule.FINITE, "weights[1]")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("name", ["advantages", "logprobs", "weights", "some_custom_field"])
def test_non_finite_values_rejected_with_position(bad: float, name: str) -> None:
    values = [0.0, 0.0, 0.0, 0.0]
    if name == "logprobs":
        values = values[:3]
    values[2] = bad
    d = Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], name: values})  # type: ignore[arg-type]
    err = fails([ok_sft(), ok_sft(), d], "some_loss")
    assert_error(err, 2, f"loss_fn_inputs.{name}", Rule.FINITE, f"{name}[2]", "finite")


def test_huge_but_finite_values_pass() -> None:
    # the fast path's sum overflows to inf; the precise check must still accept the batch
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "advantages": [1e308, 1e308, 1e308]})  # type: ignore[arg-type]
    validate_batch([d], "causallm_loss")


def test_numpy_scalars_in_lists_rejected() -> None:
    np = pytest.importorskip("numpy")
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "advantages": [0.0, np.float64(1.0), 1.0]})  # type: ignore[arg-type]
    err = fails([d])
    assert_error(err, 0, "loss_fn_inputs.advantages", Rule.NUMERIC, "advantages[1]", "tolist")


def test_none_in_float_field_rejected() -> None:
    d = Datum([1, 2, 3], {"labels": [1, 2, 3], "advantages": [0.0, None, 1.0]})  # type: ignore[arg-type]
    err = fails([d])
    assert_error(err, 0, "loss_fn_inputs.advantages", Rule.NUMERIC, "advantages[1]", "None")


# -- loss-specific required inputs ---------------------------------------------------------------


@pytest.mark.parametrize("loss_fn", ["importance_sampling", "policy_loss", "cispo", "ppo"])
@pytest.mark.parametrize("missing", ["logprobs", "advantages"])
def test_rl_losses_need_logprobs_and_advantages(loss_fn: str, missing: str) -> None:
    d = ok_rl_targets()
    del d.loss_fn_inputs[missing]
    err = fails([ok_rl_targets(), d], loss_fn)
    assert_error(
        err, 1, f"loss_fn_inputs.{missing}", Rule.REQUIRED_INPUT, repr(loss_fn), missing, "missing"
    )


@pytest.mark.parametrize(
    "loss_fn",
    ["causallm_loss", "cross_entropy", "importance_sampling", "policy_loss", "cispo", "ppo"],
)
def test_losses_need_labels_or_target_tokens(loss_fn: str) -> None:
    d = Datum([1, 2, 3], {"logprobs": [-1.0] * 3, "advantages": [1.0] * 3})  # type: ignore[arg-type]
    err = fails([d], loss_fn)
    assert_error(
        err,
        0,
        "loss_fn_inputs.labels",
        Rule.REQUIRED_INPUT,
        "loss_fn_inputs.labels or loss_fn_inputs.target_tokens",
    )


def test_drgrpo_accepts_old_logprobs_instead_of_logprobs() -> None:
    d = Datum(
        [1, 2, 3], {"target_tokens": [2, 3, 4], "advantages": [1.0] * 3, "old_logprobs": [-1.0] * 3}
    )  # type: ignore[arg-type]
    validate_batch([d], "drgrpo")
    del d.loss_fn_inputs["old_logprobs"]
    err = fails([d], "drgrpo")
    assert_error(err, 0, "loss_fn_inputs.old_logprobs", Rule.REQUIRED_INPUT, "old_logprobs or")


def test_required_inputs_table_covers_the_documented_losses() -> None:
    assert set(REQUIRED_INPUTS) >= {
        "causallm_loss",
        "cross_entropy",
        "importance_sampling",
        "policy_loss",
        "cispo",
        "ppo",
        "drgrpo",
    }


def test_large_batch_is_validated_whole_and_error_points_at_last_datum() -> None:
    batch = [ok_rl_labels(50) for _ in range(200)]
    bad = ok_rl_labels(50)
    bad.loss_fn_inputs["advantages"].data[-1] = math.nan  # type: ignore[call-overload]
    err = fails([*batch, bad], "importance_sampling")
    assert_error(err, 200, "loss_fn_inputs.advantages", Rule.FINITE, "advantages[49]")


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["default", "a", "run_1-x", "A" * 128, "0abc"])
def test_model_id_valid(good: str) -> None:
    assert validate_model_id(good) == good


@pytest.mark.parametrize("bad", ["", "-a", "_a", "a.b", "a/b", "a b", "A" * 129, "é", "a\n"])
def test_model_id_invalid(bad: str) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_model_id(bad)
    assert info.value.rule == Rule.MODEL_ID
    assert info.value.field == "model_id"
    assert info.value.datum_index is None


def test_model_id_not_a_string() -> None:
    with pytest.raises(DataValidationError):
        validate_model_id(7)  # type: ignore[arg-type]


@pytest.mark.parametrize("good", ["ckpt-001", "step.10", "000000", "a_b.c-d", "x" * 128])
def test_checkpoint_name_valid(good: str) -> None:
    assert validate_checkpoint_name(good) == good


@pytest.mark.parametrize(
    "bad", ["", ".hidden", "a..b", "..", "a/b", "../x", "a\\b", "x" * 129, "a b", "-x", "a\n"]
)
def test_checkpoint_name_invalid(bad: str) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_checkpoint_name(bad)
    assert info.value.rule == Rule.CHECKPOINT_NAME
    assert info.value.field == "name"


@pytest.mark.parametrize(
    "good",
    [
        "xorl://default/weights/ckpt-1",
        "xorl://run_2/sampler_weights/s.1",
        "weights/run_2/ckpt",
        "weights/ckpt",
        "sampler_weights/s1",
        "run_2/ckpt",
        "ckpt",
    ],
)
def test_checkpoint_path_valid(good: str) -> None:
    assert validate_checkpoint_path(good) == good


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("", "expected one of"),
        ("xorl://default/weights/../x", "expected one of"),
        ("xorl://default/weights/..", "name segment '..'"),
        ("xorl://bad.id/weights/x", "model id segment 'bad.id'"),
        ("xorl://m/other/x", "expected one of"),
        ("xorl://m/weights", "expected one of"),
        ("xorl://m/weights/x/y", "expected one of"),
        ("tinker://run/weights/x", "tinker://"),
        ("s3://bucket/x", "unknown scheme"),
        ("/abs/path", "filesystem paths"),
        ("~/x", "filesystem paths"),
        ("weights/m/../x", "expected one of"),
        ("weights/m/x/", "expected one of"),
        ("a/b/c", "expected one of"),
        ("bad.id/x", "model id segment 'bad.id'"),
        ("m/..", "name segment '..'"),
        ("sampler_weights/a..b", "name segment"),
    ],
)
def test_checkpoint_path_invalid(bad: str, fragment: str) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_checkpoint_path(bad)
    assert info.value.rule == Rule.CHECKPOINT_PATH
    assert info.value.field == "path"
    assert fragment in str(info.value)
