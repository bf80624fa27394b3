"""Policy-gradient datums: a sampled completion turned into correctly aligned loss inputs.

The alignment rule (sampling notes §3, server notes §8.2) is the bug everyone hits: a sampler
returns completion tokens and completion logprobs only, and the training server shifts some
per-token fields and not others. With ``full = prompt + completion`` (``P >= 1`` prompt tokens,
``C >= 1`` completion tokens, ``A`` the advantage), :func:`build_policy_loss_inputs` gives the
pre-shifted layout: ``N = P + C - 1`` entries, index ``t`` is the prediction of ``full[t + 1]``
from ``full[: t + 1]``::

    model_input   = full[:-1]
    target_tokens = [IGNORE_INDEX] * (P - 1) + completion
    logprobs      = [0.0] * (P - 1) + completion_logprobs
    advantages    = [0.0] * (P - 1) + [A] * C

The server does not train a position whose target is ``IGNORE_INDEX`` (-100) or whose
advantage is exactly 0.0, so only the ``C`` completion positions count, and each carries the
logprob the sampler reported for that very token (an on-policy importance ratio is 1). The
``IGNORE_INDEX`` prompt targets also tell the server where the sampler's prompt ended (it takes
the first non-ignored target as that boundary). A datum whose advantage is 0.0 has no trainable
position at all.

:func:`build_policy_datum` wraps that layout in a validated :class:`~xorl_client.types.Datum`
(the official client's function). :func:`build_rl_datum` is this SDK's form taking a
:class:`~xorl_client.types.SampledSequence`; it adds ``weights`` and can also build the HF form:

``form="target_tokens"`` (the default): the layout above plus
``weights = [0] * (P - 1) + [1] * C``.

``form="labels"``: ``N = P + C`` tokens; the server drops the first position of ``labels``,
``weights`` and ``advantages`` but *not* of ``logprobs``, which therefore already has ``N - 1``
entries aligned with ``full[1:]``::

    model_input = full
    labels      = full
    logprobs    = [0.0] * (P - 1) + completion_logprobs          # N - 1 entries
    advantages  = [0.0] * P + [A] * C                             # N entries, shifted
    weights     = [0] * P + [1] * C                               # N entries, shifted

All forms train exactly the same ``C`` positions with the same logprobs and advantages.

>>> build_policy_loss_inputs([1, 2, 3, 7, 8], 3, [-0.5, -1.5], 2.0)
{'target_tokens': [-100, -100, 7, 8], 'logprobs': [0.0, 0.0, -0.5, -1.5], 'advantages': [0.0, 0.0, 2.0, 2.0]}
>>> seq = SampledSequence(tokens=[7, 8], logprobs=[-0.5, -1.5], stop_reason="length")
>>> d = build_rl_datum([1, 2, 3], seq, advantage=2.0)
>>> d.model_input.to_ints(), d.loss_fn_inputs["target_tokens"].data
([1, 2, 3, 7], [-100, -100, 7, 8])
>>> d.loss_fn_inputs["weights"].data
[0, 0, 1, 1]
>>> h = build_rl_datum([1, 2, 3], seq, advantage=2.0, form="labels")
>>> h.loss_fn_inputs["logprobs"].data, h.loss_fn_inputs["advantages"].data
([0.0, 0.0, -0.5, -1.5], [0.0, 0.0, 0.0, 2.0, 2.0])
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Literal

from xorl_client.errors import DataValidationError
from xorl_client.types import Datum, ModelInput, SampledSequence, TensorData
from xorl_client.validation import IGNORE_INDEX, validate_batch

from ._checks import TOKEN_IDS, integer, number, numbers_list, one_each, token_ids

__all__ = [
    "IGNORE_INDEX",
    "DatumForm",
    "build_policy_datum",
    "build_policy_loss_inputs",
    "build_rl_datum",
]

DatumForm = Literal["target_tokens", "labels"]

#: Keyword arguments this version's :class:`Datum` accepts (routing-replay fields are checked
#: against it, so they are passed on once ``Datum`` carries them and refused until then).
_DATUM_PARAMETERS = frozenset(inspect.signature(Datum).parameters)
#: The loss the built datums are validated for (the other policy losses need the same inputs).
_POLICY_LOSS = "importance_sampling"
_PROMPT_LEN_RULE = "1 <= prompt_len <= len(tokens)"


def build_policy_loss_inputs(
    tokens: Sequence[int],
    prompt_len: int,
    old_logprobs: Sequence[float],
    advantage: float,
    *,
    ignore_index: int = IGNORE_INDEX,
) -> dict[str, list[int] | list[float]]:
    """Pre-shifted ``target_tokens`` / ``logprobs`` / ``advantages`` for one completion.

    ``tokens`` is the prompt followed by the generated tokens; the lists have
    ``len(tokens) - 1`` entries aligned with ``tokens[:-1]`` (formulas in the module doc).

    Args:
        tokens: prompt + generated token ids (a list or an integer array).
        prompt_len: how many of ``tokens`` are prompt; at least 1, and at least one token
            must follow.
        old_logprobs: the sampler's logprob of each generated token, one per token.
        advantage: the completion's advantage, given to every generated token.
        ignore_index: target of the prompt positions. The server ignores only -100
            (:data:`IGNORE_INDEX`); any other value must be a token id and is then a real
            target that only the zero advantage keeps out of the loss.

    Raises:
        DataValidationError: (a ``ValueError``) ``prompt_len`` out of range, no generated token,
            not one logprob per generated token, a non-finite logprob or advantage, a token id
            that is not a non-negative int, or an ``ignore_index`` the server cannot take.
    """
    ids = token_ids(tokens, "tokens")
    start = integer(prompt_len, "prompt_len", _PROMPT_LEN_RULE)
    if not 0 < start <= len(ids):
        raise DataValidationError(
            f"prompt_len must be in [1, {len(ids)}] (= len(tokens)), got {start}",
            field="prompt_len",
            rule=_PROMPT_LEN_RULE,
        )
    generated = len(ids) - start
    if generated < 1:
        raise DataValidationError(
            f"tokens has {len(ids)} entries and prompt_len is {start}: there is no generated "
            "token to train on",
            field="tokens",
            rule="at least one generated token",
        )
    sampled = numbers_list(old_logprobs, "old_logprobs")
    one_each(sampled, "old_logprobs", generated, "generated tokens")
    value = number(advantage, "advantage")
    ignore = integer(ignore_index, "ignore_index", TOKEN_IDS)
    if ignore < 0 and ignore != IGNORE_INDEX:
        raise DataValidationError(
            f"ignore_index is {ignore}; the server ignores only {IGNORE_INDEX} and refuses other "
            "negative targets",
            field="ignore_index",
            rule=f"ignore_index is {IGNORE_INDEX} or a token id",
        )
    masked = start - 1
    return {
        "target_tokens": [ignore] * masked + ids[start:],
        "logprobs": [0.0] * masked + sampled,
        "advantages": [0.0] * masked + [value] * generated,
    }


def _routing_fields(**given: Any) -> dict[str, Any]:
    """The routing-replay arguments that were given, if :class:`Datum` can carry them."""
    fields = {name: value for name, value in given.items() if value is not None}
    for name in fields:
        if name not in _DATUM_PARAMETERS:
            raise DataValidationError(
                f"{name} was given, but this version's Datum cannot carry it yet, so it would "
                f"not reach the server; leave {name}=None",
                field=name,
                rule="routing replay fields need a Datum that carries them",
            )
    return fields


def build_policy_datum(
    *,
    prompt_tokens: Sequence[int],
    output_tokens: Sequence[int],
    old_logprobs: Sequence[float],
    advantage: float,
    routed_experts: Any = None,
    routed_expert_logits: Any = None,
) -> Datum:
    """A validated policy-loss datum for one generated turn (layout in the module doc).

    ``Datum(model_input=(prompt + output)[:-1], loss_fn_inputs=build_policy_loss_inputs(
    prompt + output, len(prompt), old_logprobs, advantage))``, checked with
    :func:`~xorl_client.validation.validate_batch` for ``importance_sampling`` before it is
    returned. ``routed_experts`` / ``routed_expert_logits`` (routing replay) are passed to the
    ``Datum`` when given; a ``Datum`` that cannot carry them yet makes that an error rather
    than a silent drop.

    Raises:
        DataValidationError: an empty prompt or output, not one logprob per output token, a
            non-finite value, a bad token id, or routing fields this ``Datum`` cannot carry.
    """
    prompt = token_ids(prompt_tokens, "prompt_tokens")
    output = token_ids(output_tokens, "output_tokens")
    for name, ids in (("prompt_tokens", prompt), ("output_tokens", output)):
        if not ids:
            raise DataValidationError(
                f"{name} is empty; a policy datum needs at least one prompt token and one "
                "output token",
                field=name,
                rule="prompt and output have at least one token each",
            )
    routing = _routing_fields(
        routed_experts=routed_experts, routed_expert_logits=routed_expert_logits
    )
    full = prompt + output
    inputs = build_policy_loss_inputs(full, len(prompt), old_logprobs, advantage)
    datum = Datum(ModelInput.from_ints(full[:-1]), _tensors(inputs), **routing)
    validate_batch([datum], _POLICY_LOSS)
    return datum


def _tensors(inputs: dict[str, list[int] | list[float]]) -> dict[str, TensorData]:
    return {
        name: TensorData(values, "int64" if name == "target_tokens" else "float32")
        for name, values in inputs.items()
    }


def build_rl_datum(
    prompt_tokens: Sequence[int] | ModelInput | Any,
    sequence: SampledSequence,
    advantage: float,
    *,
    form: DatumForm = "target_tokens",
    loss_fn: str = _POLICY_LOSS,
) -> Datum:
    """One policy-gradient datum for ``prompt_tokens`` + ``sequence`` (layouts in the module doc).

    Args:
        prompt_tokens: the prompt's token ids exactly as sent to the sampler (at least one).
        sequence: a sampled completion with ``logprobs`` (sample with
            ``return_logprobs=True``).
        advantage: the sequence's advantage, given to every completion token.
        form: ``"target_tokens"`` (pre-shifted) or ``"labels"`` (HF, shifted by the server).
        loss_fn: the loss the datum is validated for (``importance_sampling``, ``ppo`` /
            ``policy_loss``, ``cispo``).

    Raises:
        DataValidationError: no prompt or completion tokens, no or misaligned logprobs, a
            non-finite advantage, or anything :func:`~xorl_client.validation.validate_batch`
            refuses. The datum is validated before it is returned, so a bad one never reaches
            a batch.
    """
    if form not in ("target_tokens", "labels"):
        raise DataValidationError(
            f"form must be 'target_tokens' or 'labels', not {form!r}",
            field="form",
            rule="form is target_tokens or labels",
        )
    prompt = token_ids(prompt_tokens, "prompt_tokens")
    completion = token_ids(sequence.tokens, "sequence.tokens")
    if not prompt:
        raise DataValidationError(
            "the prompt has no tokens; the first completion token needs a position to be "
            "predicted from",
            field="prompt_tokens",
            rule="prompt has at least one token",
        )
    if not completion:
        raise DataValidationError(
            "the sequence has no completion tokens, so there is nothing to train on; drop it "
            "from the batch",
            field="sequence.tokens",
            rule="completion has at least one token",
        )
    if sequence.logprobs is None:
        raise DataValidationError(
            "the sequence has no logprobs; sample with return_logprobs=True (the importance "
            "ratio needs the sampler's logprob of every completion token)",
            field="sequence.logprobs",
            rule="completion logprobs are present",
        )
    sampled = numbers_list(sequence.logprobs, "sequence.logprobs")
    if len(sampled) != len(completion):
        raise DataValidationError(
            f"the sequence has {len(completion)} tokens but {len(sampled)} logprobs; they must "
            "align one to one",
            field="sequence.logprobs",
            rule="one logprob per completion token",
        )
    full = prompt + completion
    inputs = build_policy_loss_inputs(full, len(prompt), sampled, advantage)
    weights = [0] * (len(prompt) - 1) + [1] * len(completion)
    if form == "target_tokens":
        datum = Datum(
            ModelInput.from_ints(full[:-1]),
            {**_tensors(inputs), "weights": TensorData(weights, "float32")},
        )
    else:
        # The server drops the first slot of labels and of the shifted fields (weights,
        # advantages); logprobs are not shifted and keep the pre-shifted alignment.
        datum = Datum(
            ModelInput.from_ints(full),
            {
                "labels": TensorData(list(full), "int64"),
                "weights": TensorData([0, *weights], "float32"),
                "advantages": TensorData([0.0, *inputs["advantages"]], "float32"),
                "logprobs": TensorData(inputs["logprobs"], "float32"),
            },
        )
    validate_batch([datum], loss_fn)
    return datum
