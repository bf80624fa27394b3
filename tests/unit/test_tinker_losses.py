"""Loss names, per-loss option tables, weight decay, and the exact coefficient form (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import tinker_reference as tk
from xorl_client.errors import DataValidationError
from xorl_client.tinker_compat import (
    COEFFICIENT_LOSS,
    COEFFICIENT_PARAMS,
    COMMON_CONFIG_KEYS,
    LOSS_CONFIG_KEYS,
    LOSS_FN_ALIASES,
    REFUSED_LOSSES,
    TINKER_CONFIG_KEYS,
    check_weight_decay,
    coefficient_datum,
    coerce_adam_params,
    prepare_loss_request,
    resolve_loss_fn,
    trained_positions,
    translate_loss_params,
)
from xorl_client.types import AdamParams, Datum
from xorl_client.validation import Rule

# -- names ---------------------------------------------------------------------------------------


def test_every_alias_has_an_option_table_and_refused_losses_are_not_aliases() -> None:
    assert set(LOSS_FN_ALIASES.values()) <= set(LOSS_CONFIG_KEYS)
    assert not set(REFUSED_LOSSES) & set(LOSS_FN_ALIASES)


def test_dro_is_refused_with_the_losses_xorl_has() -> None:
    with pytest.raises(DataValidationError) as info:
        resolve_loss_fn("dro")
    assert (info.value.field, info.value.rule) == ("loss_fn", "the loss exists on the xorl server")
    assert "Unknown loss_fn: dro" in str(info.value)
    assert "importance_sampling" in str(info.value) and "forward_backward_custom" in str(info.value)


# -- PPO / CISPO ratio bounds -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ppo", "policy_loss"])
def test_ppo_bounds_become_the_servers_offsets(name: str) -> None:
    sent = translate_loss_params(
        name, "policy_loss", {"clip_low_threshold": 0.75, "clip_high_threshold": 1.5}
    )
    assert sent == {"eps_clip": 0.25, "eps_clip_high": 0.5}
    # the server clamps to [1 - eps_clip, 1 + eps_clip_high]: Tinker's bounds come back
    assert sent is not None and (1 - sent["eps_clip"], 1 + sent["eps_clip_high"]) == (0.75, 1.5)
    assert translate_loss_params(name, "policy_loss", {"clip_high_threshold": 1.3}) == {
        "eps_clip_high": pytest.approx(0.3)
    }


def test_ppo_server_keys_pass_unchanged() -> None:
    params = {"eps_clip": 0.1, "eps_clip_high": 0.3, "eps_clip_c": 3.0, "compute_kl_stats": True}
    assert translate_loss_params("ppo", "policy_loss", params) == params


@pytest.mark.parametrize(
    ("loss", "server", "params", "field", "text"),
    [
        (
            "ppo",
            "policy_loss",
            {"clip_low_threshold": 0.8, "eps_clip": 0.2},
            "clip_low_threshold",
            "both",
        ),
        (
            "ppo",
            "policy_loss",
            {"clip_low_threshold": 1.3, "clip_high_threshold": 1.2},
            "clip_low_threshold",
            "low <= high",
        ),
        (
            "ppo",
            "policy_loss",
            {"clip_low_threshold": 1.5},
            "clip_low_threshold",
            "clip_low_threshold <= clip_high_threshold",
        ),
        (
            "ppo",
            "policy_loss",
            {"clip_high_threshold": "1.2"},
            "clip_high_threshold",
            "finite number",
        ),
        (
            "ppo",
            "policy_loss",
            {"clip_high_threshold": True},
            "clip_high_threshold",
            "finite number",
        ),
        ("cispo", "cispo", {"clip_low_threshold": -0.1}, "clip_low_threshold", ">= 0"),
        ("cispo", "cispo", {"clip_low_threshold": 5.0}, "clip_low_threshold", "<="),
    ],
)
def test_bad_ratio_bounds_are_refused(
    loss: str, server: str, params: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(DataValidationError) as info:
        translate_loss_params(loss, server, params)
    assert info.value.field == f"loss_fn_config.{field}"
    assert text in str(info.value) or text in str(info.value.rule)


def test_cispo_bounds_are_the_servers_own_keys() -> None:
    params = {"clip_low_threshold": 0.0, "clip_high_threshold": 4.0}
    assert translate_loss_params("cispo", "cispo", params) == params
    assert "cispo" not in TINKER_CONFIG_KEYS


# -- unknown options ----------------------------------------------------------------------------


@pytest.mark.parametrize("server_loss", sorted(LOSS_CONFIG_KEYS))
def test_every_key_the_server_reads_passes_and_others_are_refused(server_loss: str) -> None:
    own = dict.fromkeys(LOSS_CONFIG_KEYS[server_loss], 1)
    common = dict.fromkeys(COMMON_CONFIG_KEYS, 1) | {"diagnostic_topk": 3}
    assert translate_loss_params(server_loss, server_loss, own | common) == own | common
    with pytest.raises(DataValidationError) as info:
        translate_loss_params(server_loss, server_loss, {"no_such_key": 1}, source="loss_fn_params")
    err = info.value
    assert err.field == "loss_fn_params.no_such_key"
    assert err.rule == "loss options are keys the server reads for that loss"
    assert f"loss {server_loss!r}" in str(err) and "silently ignore" in str(err)
    assert all(key in str(err) for key in LOSS_CONFIG_KEYS[server_loss])


@pytest.mark.parametrize(
    ("loss", "key"),
    [
        ("cross_entropy", "eps_clip"),  # another loss's key
        ("importance_sampling", "clip_low_threshold"),  # IS has no clipping on xorl
        ("cross_entropy", "opd_loss_mode"),  # opd_* only for opd_loss
        ("ppo", "clip_ratio"),
        ("cispo", "eps_clip"),
    ],
)
def test_keys_of_other_losses_are_refused(loss: str, key: str) -> None:
    with pytest.raises(DataValidationError, match=repr(key)):
        translate_loss_params(loss, resolve_loss_fn(loss), {key: 0.2})


def test_opd_reads_its_key_families_and_unknown_losses_pass_through() -> None:
    params = {"opd_loss_mode": "reverse_kl", "teacher_id": 1, "kl_backend": "x"}
    assert translate_loss_params("opd_loss", "opd_loss", params) == params
    assert translate_loss_params("my_loss", "my_loss", {"anything": 1}) == {"anything": 1}
    assert translate_loss_params("ppo", "policy_loss", None) is None


# -- weight decay ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [AdamParams(weight_decay=0.1), tk.AdamParams(weight_decay=0.1), {"weight_decay": 0.1}],
    ids=["ours", "tinker", "dict"],
)
def test_non_zero_weight_decay_is_refused_with_what_to_do(value: Any) -> None:
    with pytest.raises(DataValidationError) as info:
        coerce_adam_params(value)
    assert info.value.field == "adam_params.weight_decay"
    assert "optimizer_config={'weight_decay': 0.1}" in str(info.value)


def test_zero_weight_decay_is_accepted() -> None:
    ours = AdamParams(learning_rate=1e-3)
    assert check_weight_decay(ours) is ours
    assert coerce_adam_params(tk.AdamParams(learning_rate=1e-3)) == ours


# -- the coefficient form -----------------------------------------------------------------------


def test_coefficient_datum_target_tokens_and_labels() -> None:
    d = Datum([5, 6, 7], {"target_tokens": [6, 7, 8], "weights": [0.5, -1, 0], "t": [1, 2, 3]})
    wire = coefficient_datum(d).to_wire()["loss_fn_inputs"]
    assert wire == {
        "target_tokens": [6, 7, 8],
        "t": [1, 2, 3],
        "advantages": [0.5, -1, 0],
        "logprobs": [0.0, 0.0, 0.0],
    }
    labels = Datum([5, 6, 7], {"labels": [5, 6, 7]})
    wire = coefficient_datum(labels, [0.0, 2.0, -3.0]).to_wire()["loss_fn_inputs"]
    assert wire == {"labels": [5, 6, 7], "advantages": [0.0, 2.0, -3.0], "logprobs": [0.0, 0.0]}


def test_coefficient_datum_refusals() -> None:
    with pytest.raises(DataValidationError, match="remove advantages"):
        coefficient_datum(
            Datum([1, 2], {"target_tokens": [2, 3], "advantages": [1.0, 1.0]}), index=3
        )
    with pytest.raises(DataValidationError, match="3 per-token coefficients for 2"):
        coefficient_datum(Datum([1, 2], {"target_tokens": [2, 3]}), [1.0, 1.0, 1.0])
    with pytest.raises(DataValidationError, match=r"needs loss_fn_inputs\.target_tokens"):
        coefficient_datum(Datum([1, 2], {}))


@pytest.mark.parametrize("form", ["xorl", "tinker"])
def test_prepare_loss_request_rewrites_only_fractional_cross_entropy(form: str) -> None:
    def make(**inputs: Any) -> Any:
        if form == "tinker":
            return tk.tinker_datum([1, 2, 3], **inputs)
        return Datum([1, 2, 3], inputs)

    binary = [make(target_tokens=[2, 3, 4], weights=[0.0, 1.0, 1.0])]
    req = prepare_loss_request(binary, "cross_entropy", {"return_per_token": True})
    assert (req.loss_fn, req.params) == ("cross_entropy", {"return_per_token": True})
    assert req.data[0].loss_fn_inputs["weights"].data == [0.0, 1.0, 1.0]

    mean = [make(target_tokens=[2, 3, 4], weights=[0.0, 0.5, 0.5]), *binary]
    req = prepare_loss_request(mean, "cross_entropy", None, {"return_per_token": True})
    assert req.loss_fn == COEFFICIENT_LOSS
    assert req.params == {"return_per_token": True, **COEFFICIENT_PARAMS}
    assert [d.loss_fn_inputs["advantages"].data for d in req.data] == [
        [0.0, 0.5, 0.5],
        [0.0, 1.0, 1.0],
    ]
    assert all("weights" not in d.loss_fn_inputs for d in req.data)


def test_prepare_loss_request_keeps_rl_weights_binary() -> None:
    rl = Datum(
        [1, 2],
        {
            "target_tokens": [2, 3],
            "weights": [0.5, 1.0],
            "logprobs": [0.0, 0.0],
            "advantages": [1.0, 1.0],
        },
    )
    with pytest.raises(DataValidationError) as info:
        prepare_loss_request([rl], "ppo")
    assert info.value.rule == Rule.WEIGHTS_BINARY


def test_trained_positions_follow_the_servers_masks() -> None:
    assert trained_positions(
        Datum([1, 2, 3, 4], {"labels": [1, -100, 3, 4], "weights": [1, 1, 1, 0]})
    ) == [False, True, False]
    assert trained_positions(
        Datum([1, 2, 3], {"target_tokens": [2, 3, 4], "advantages": [0.0, 0.3, -1.0]})
    ) == [False, True, True]
    assert trained_positions(Datum([1, 2, 3], {})) == [False, False, False]
