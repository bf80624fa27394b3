"""RL helpers: turn a sampled completion into a correctly aligned training datum.

The alignment rule (sampling notes §3, server notes §8.2) is the bug everyone hits: a sampler
returns completion tokens and completion logprobs only, and the training server shifts some
per-token fields and not others. With ``full = prompt + completion`` (``P`` prompt tokens,
``C`` completion tokens, ``A`` the advantage), :func:`build_rl_datum` builds one of two forms:

``form="target_tokens"`` (pre-shifted, Tinker style; the default) - nothing is shifted and every
per-token field has ``N = P + C - 1`` entries; index ``t`` is the prediction of ``full[t + 1]``
from ``full[: t + 1]``::

    model_input   = full[:-1]
    target_tokens = full[1:]
    logprobs      = [0.0] * (P - 1) + completion_logprobs
    advantages    = [0.0] * (P - 1) + [A] * C
    weights       = [0] * (P - 1) + [1] * C

``form="labels"`` (HF style) - ``N = P + C`` tokens; the server drops the first position of
``labels``, ``weights`` and ``advantages`` but *not* of ``logprobs``, which therefore already
has ``N - 1`` entries aligned with ``full[1:]``::

    model_input = full
    labels      = full
    logprobs    = [0.0] * (P - 1) + completion_logprobs          # N - 1 entries
    advantages  = [0.0] * P + [A] * C                             # N entries, shifted
    weights     = [0] * P + [1] * C                               # N entries, shifted

Both forms train exactly the ``C`` completion positions (prompt positions have weight 0 and
advantage 0), and each completion position carries the logprob the sampler reported for that
very token, so an on-policy importance ratio is 1.

>>> seq = SampledSequence(tokens=[7, 8], logprobs=[-0.5, -1.5], stop_reason="length")
>>> d = build_rl_datum([1, 2, 3], seq, advantage=2.0)
>>> d.model_input.to_ints(), d.loss_fn_inputs["target_tokens"].data
([1, 2, 3, 7], [2, 3, 7, 8])
>>> d.loss_fn_inputs["logprobs"].data, d.loss_fn_inputs["advantages"].data
([0.0, 0.0, -0.5, -1.5], [0.0, 0.0, 2.0, 2.0])
>>> h = build_rl_datum([1, 2, 3], seq, advantage=2.0, form="labels")
>>> h.loss_fn_inputs["logprobs"].data, h.loss_fn_inputs["advantages"].data
([0.0, 0.0, -0.5, -1.5], [0.0, 0.0, 0.0, 2.0, 2.0])
>>> group_advantages([1.0, 0.0, 0.5, 0.5], group_size=2)
[0.5, -0.5, 0.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from .errors import DataValidationError
from .types import Datum, ModelInput, SampledSequence, TensorData
from .types._common import token_ids_of
from .validation import validate_batch

__all__ = ["DatumForm", "build_rl_datum", "group_advantages"]

DatumForm = Literal["target_tokens", "labels"]


def _prompt_ids(prompt_tokens: Any) -> list[int]:
    if isinstance(prompt_tokens, str | bytes):
        raise DataValidationError(
            "prompt_tokens must be the prompt's token ids (tokenize the text first: the datum "
            "needs exactly the tokens the sampler saw)",
            field="prompt_tokens",
            rule="prompt is token ids",
        )
    return list(token_ids_of(prompt_tokens, "prompt_tokens"))


def build_rl_datum(
    prompt_tokens: Sequence[int] | ModelInput | Any,
    sequence: SampledSequence,
    advantage: float,
    *,
    form: DatumForm = "target_tokens",
    loss_fn: str = "importance_sampling",
) -> Datum:
    """One policy-gradient datum for ``prompt_tokens`` + ``sequence`` (layout in the module doc).

    Args:
        prompt_tokens: the prompt's token ids exactly as sent to the sampler (at least one).
        sequence: a sampled completion with ``logprobs`` (sample with
            ``return_logprobs=True``).
        advantage: the sequence's advantage, given to every completion token.
        form: ``"target_tokens"`` (pre-shifted) or ``"labels"`` (HF, shifted by the server).
        loss_fn: the loss the datum is validated for (``importance_sampling``, ``ppo`` /
            ``policy_loss``, ``cispo``).

    Raises:
        DataValidationError: no completion tokens, no or misaligned logprobs, a non-finite
            advantage, or anything :func:`~xorl_client.validation.validate_batch` refuses.
            The datum is validated before it is returned, so a bad one never reaches a batch.
    """
    prompt = _prompt_ids(prompt_tokens)
    completion = list(sequence.tokens)
    p, c = len(prompt), len(completion)
    if p < 1:
        raise DataValidationError(
            "the prompt has no tokens; the first completion token needs a position to be "
            "predicted from",
            field="prompt_tokens",
            rule="prompt has at least one token",
        )
    if c < 1:
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
    sampled = [float(x) for x in sequence.logprobs]
    if len(sampled) != c:
        raise DataValidationError(
            f"the sequence has {c} tokens but {len(sampled)} logprobs; they must align one to one",
            field="sequence.logprobs",
            rule="one logprob per completion token",
        )
    if isinstance(advantage, bool) or not isinstance(advantage, int | float):
        raise DataValidationError(
            f"advantage must be a number, not {advantage!r}",
            field="advantage",
            rule="advantage is a finite number",
        )
    a = float(advantage)
    if not math.isfinite(a):
        raise DataValidationError(
            f"advantage is {a!r}; it must be finite",
            field="advantage",
            rule="advantage is a finite number",
        )

    full = prompt + completion
    logprobs = [0.0] * (p - 1) + sampled
    if form == "target_tokens":
        model_input = full[:-1]
        inputs: dict[str, Any] = {
            "target_tokens": TensorData(full[1:], "int64"),
            "weights": TensorData([0] * (p - 1) + [1] * c, "float32"),
            "advantages": TensorData([0.0] * (p - 1) + [a] * c, "float32"),
            "logprobs": TensorData(logprobs, "float32"),
        }
    elif form == "labels":
        model_input = full
        inputs = {
            "labels": TensorData(list(full), "int64"),
            "weights": TensorData([0] * p + [1] * c, "float32"),
            "advantages": TensorData([0.0] * p + [a] * c, "float32"),
            "logprobs": TensorData(logprobs, "float32"),
        }
    else:
        raise DataValidationError(
            f"form must be 'target_tokens' or 'labels', not {form!r}",
            field="form",
            rule="form is target_tokens or labels",
        )
    datum = Datum(ModelInput.from_ints(model_input), inputs)
    validate_batch([datum], loss_fn)
    return datum


def group_advantages(
    rewards: Sequence[float], group_size: int, *, normalize_std: bool = False
) -> list[float]:
    """GRPO-style advantages: each reward minus the mean of its group.

    ``rewards`` holds consecutive groups of ``group_size`` samples of the same prompt
    (``rewards[0:g]`` is group 0, ...). By default the advantages are **not** divided by the
    group's standard deviation (as in Dr. GRPO): dividing over-weights groups whose rewards
    barely differ. ``normalize_std=True`` divides by ``std + 1e-6`` (population std). A group
    whose rewards are all equal gets advantages of 0.0 (no signal; the server masks them).

    >>> group_advantages([3.0, 1.0], group_size=2, normalize_std=True)  # doctest: +ELLIPSIS
    [0.999999..., -0.999999...]
    """
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
        raise DataValidationError(
            f"group_size must be a positive integer, not {group_size!r}",
            field="group_size",
            rule="group_size >= 1",
        )
    values = [float(r) for r in rewards]
    if len(values) % group_size:
        raise DataValidationError(
            f"{len(values)} rewards do not split into groups of {group_size}",
            field="rewards",
            rule="len(rewards) is a multiple of group_size",
        )
    if not all(map(math.isfinite, values)):
        pos = next(i for i, v in enumerate(values) if not math.isfinite(v))
        raise DataValidationError(
            f"rewards[{pos}] is {values[pos]!r}; rewards must be finite",
            field="rewards",
            rule="rewards are finite",
        )
    out: list[float] = []
    for start in range(0, len(values), group_size):
        group = values[start : start + group_size]
        mean = sum(group) / group_size
        centred = [r - mean for r in group]
        if normalize_std:
            std = math.sqrt(sum(x * x for x in centred) / group_size)
            centred = [x / (std + 1e-6) for x in centred]
        out.extend(centred)
    return out
