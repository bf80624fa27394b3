"""Turning prompts and sampling settings into validated ``/generate`` bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from xorl_client.errors import DataValidationError
from xorl_client.types import ModelInput, SamplingParams
from xorl_client.types._common import token_ids_of

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


def prepare_request(
    prompt: Any,
    params: SamplingParams,
    num_samples: int,
    *,
    return_logprobs: bool,
    prompt_logprobs: bool,
    lora_path: str | None,
    model: str | None,
) -> SampleRequest:
    """Validate one prompt and build its ``/generate`` body."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise DataValidationError(
            f"num_samples must be a positive integer, not {num_samples!r}",
            field="num_samples",
            rule="num_samples >= 1",
        )
    key, value = _prompt_field(prompt)
    sglang = params.to_sglang()
    body: dict[str, Any] = {}
    if num_samples == 1:
        body[key] = value
        body["sampling_params"] = sglang
    elif params.seed is None:
        body[key] = value
        body["sampling_params"] = {**sglang, "n": num_samples}
    else:
        # One row per sample with seeds seed, seed+1, ...: SGLang would give every copy of
        # an n > 1 request the same seed, i.e. num_samples identical completions.
        body[key] = [value] * num_samples
        body["sampling_params"] = [
            {**sglang, "sampling_seed": (params.seed + i) % _SEED_MODULUS}
            for i in range(num_samples)
        ]
    if return_logprobs or prompt_logprobs:
        body["return_logprob"] = True
    if prompt_logprobs:
        body["logprob_start_len"] = 0
    if lora_path:
        body["lora_path"] = lora_path
    if model:
        body["model"] = model
    return SampleRequest(body, num_samples, return_logprobs, prompt_logprobs)


def coerce_params(params: Any) -> SamplingParams:
    """``SamplingParams`` from ours, a dict of Tinker names, or Tinker's object."""
    if params is None:
        return SamplingParams()
    if isinstance(params, SamplingParams):
        return params
    names = ("max_tokens", "temperature", "top_p", "top_k", "min_p", "stop", "seed")
    if isinstance(params, Mapping):
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise DataValidationError(
                f"sampling_params has unknown key(s) {unknown}; valid: {list(names)} (Tinker "
                "names; the SDK maps them to SGLang's)",
                field="sampling_params",
                rule="sampling params use Tinker names",
            )
        return SamplingParams(**dict(params))
    if hasattr(params, "max_tokens") or hasattr(params, "temperature"):
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
        if not prompt:  # like an empty token list: there is nothing to continue
            raise DataValidationError(
                "the prompt text is empty; give at least one character (or token id)",
                field="prompt",
                rule="prompt is not empty",
            )
        return "text", prompt
    try:
        ids = token_ids_of(prompt, "prompt")
    except DataValidationError:
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
