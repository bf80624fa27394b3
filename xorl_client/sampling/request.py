"""Turning prompts and sampling settings into validated ``/generate`` bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from xorl_client.errors import DataValidationError
from xorl_client.types import ModelInput, SamplingParams
from xorl_client.types._common import token_ids_of
from xorl_client.types.model_input import IMAGE_RULE

__all__ = ["Prompt", "SampleRequest", "coerce_params", "per_prompt_params", "prepare_request"]

#: What a prompt may be: text, a ModelInput, or token ids.
Prompt = str | ModelInput | Sequence[int]

_SEED_MODULUS: Final = 2**63


@dataclass(frozen=True, slots=True)
class SampleRequest:
    """One prepared ``/generate`` call (validated at call time, sent on the SDK loop)."""

    body: dict[str, Any]
    num_samples: int
    return_logprobs: bool
    prompt_logprobs: bool
    #: the K of Tinker's ``topk_prompt_logprobs`` (0: not asked for)
    topk_prompt_logprobs: int = 0
    #: the first prompt position whose logprob is wanted (Tinker's ``prompt_logprobs_last_n``)
    first_scored: int = 1


def prepare_request(
    prompt: Any,
    params: SamplingParams,
    num_samples: int,
    *,
    return_logprobs: bool,
    prompt_logprobs: bool,
    lora_path: str | None,
    model: str | None,
    topk_prompt_logprobs: int = 0,
    prompt_logprobs_last_n: int | None = None,
) -> SampleRequest:
    """Validate one prompt and build its ``/generate`` body.

    Prompt scoring (``prompt_logprobs``, ``topk_prompt_logprobs``) asks SGLang for
    ``input_token_logprobs`` (and ``top_logprobs_num`` alternatives) from ``logprob_start_len``:
    0 for the whole prompt, or one position before the last ``prompt_logprobs_last_n`` (SGLang
    leaves its first entry null).
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise DataValidationError(
            f"num_samples must be a positive integer, not {num_samples!r}",
            field="num_samples",
            rule="num_samples >= 1",
        )
    key, value = _prompt_field(prompt)
    first_scored = _first_scored(
        value, prompt_logprobs, topk_prompt_logprobs, prompt_logprobs_last_n
    )
    sglang = params.to_sglang()
    body: dict[str, Any] = {}
    if num_samples == 1:
        body[key] = value
        body["sampling_params"] = sglang
    elif (seed := params.effective_seed) is None:
        body[key] = value
        body["sampling_params"] = {**sglang, "n": num_samples}
    else:
        # One row per sample with seeds seed, seed+1, ...: SGLang would give every copy of
        # an n > 1 request the same seed, i.e. num_samples identical completions.
        body[key] = [value] * num_samples
        body["sampling_params"] = [
            {**sglang, "sampling_seed": (seed + i) % _SEED_MODULUS} for i in range(num_samples)
        ]
    scoring = prompt_logprobs or topk_prompt_logprobs > 0
    if return_logprobs or scoring:
        body["return_logprob"] = True
    if scoring:
        body["logprob_start_len"] = first_scored - 1
    if topk_prompt_logprobs > 0:
        body["top_logprobs_num"] = topk_prompt_logprobs
    if lora_path:
        body["lora_path"] = lora_path
    if model:
        body["model"] = model
    # MoE routing data is a request-level flag in SGLang, not a sampling parameter.
    if params.return_routed_experts:
        body["return_routed_experts"] = True
    if params.return_expert_logits:
        body["return_expert_logits"] = True
    return SampleRequest(
        body, num_samples, return_logprobs, prompt_logprobs, topk_prompt_logprobs, first_scored
    )


def _first_scored(prompt: str | list[int], include: bool, topk: Any, last_n: Any) -> int:
    """The first prompt position to score (1 = every position that has a prediction)."""
    if isinstance(topk, bool) or not isinstance(topk, int) or topk < 0:
        raise DataValidationError(
            f"topk_prompt_logprobs must be an integer >= 0, not {topk!r}",
            field="topk_prompt_logprobs",
            rule="topk_prompt_logprobs >= 0",
        )
    if last_n is None:
        return 1
    if isinstance(last_n, bool) or not isinstance(last_n, int) or last_n < 1:
        raise DataValidationError(
            f"prompt_logprobs_last_n must be an integer >= 1 or None, not {last_n!r}",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n >= 1",
        )
    if not include:
        raise DataValidationError(
            "prompt_logprobs_last_n is only meaningful with include_prompt_logprobs=True",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n needs include_prompt_logprobs",
        )
    if isinstance(prompt, str):
        raise DataValidationError(
            "prompt_logprobs_last_n needs a tokenized prompt (a ModelInput or token ids): the "
            "length of a text prompt is only known to the server",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n needs token ids",
        )
    return max(1, len(prompt) - last_n)


def coerce_params(params: Any) -> SamplingParams:
    """``SamplingParams`` from ours, a dict (our names or SGLang's), or Tinker's object."""
    if params is None:
        return SamplingParams()
    if isinstance(params, SamplingParams):
        return params
    if isinstance(params, Mapping):
        return SamplingParams.from_dict(params)
    if hasattr(params, "max_tokens") or hasattr(params, "temperature"):
        names = [f.name for f in fields(SamplingParams)]
        found = {n: getattr(params, n) for n in names if getattr(params, n, None) is not None}
        return SamplingParams(**found)
    raise DataValidationError(
        f"sampling_params must be a SamplingParams or a dict, not {type(params).__name__}",
        field="sampling_params",
        rule="sampling params use Tinker names",
    )


def per_prompt_params(params: Any, count: int) -> list[SamplingParams]:
    if isinstance(params, Sequence) and not isinstance(params, str | bytes):
        if len(params) != count:
            raise DataValidationError(
                f"sampling_params has {len(params)} entries for {count} prompts; give one "
                "setting for all prompts or exactly one per prompt",
                field="sampling_params",
                rule="one sampling_params per prompt",
            )
        return [coerce_params(p) for p in params]
    one = coerce_params(params)
    return [one] * count


def _prompt_field(prompt: Any) -> tuple[str, str | list[int]]:
    """``("text", str)`` or ``("input_ids", ids)``, validated."""
    if isinstance(prompt, str):
        return "text", prompt
    try:
        ids = token_ids_of(prompt, "prompt")
    except DataValidationError as exc:
        if exc.rule == IMAGE_RULE:
            raise  # an image chunk: say so, not "not a prompt"
        raise DataValidationError(
            f"a prompt must be text, a ModelInput or a list of token ids, not "
            f"{type(prompt).__name__}",
            field="prompt",
            rule="prompt is text or token ids",
        ) from None
    if not ids:
        raise DataValidationError(
            "the prompt has no tokens; give at least one token id",
            field="prompt",
            rule="prompt is not empty",
        )
    if not set(map(type, ids)) <= {int} or min(ids) < 0:
        pos = next(i for i, t in enumerate(ids) if type(t) is not int or t < 0)
        raise DataValidationError(
            f"prompt token {pos} is {ids[pos]!r}; token ids must be non-negative Python ints",
            field="prompt",
            rule="token ids are non-negative integers",
        )
    return "input_ids", ids
