"""Turning prompts and sampling settings into validated ``/generate`` bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from xorl_client.errors import DataValidationError
from xorl_client.types import ModelInput, SamplingParams
from xorl_client.types._common import token_ids_of
from xorl_client.types.model_input import IMAGE_RULE

__all__ = [
    "Prompt",
    "SampleRequest",
    "check_num_samples",
    "check_start",
    "coerce_params",
    "is_chat_messages",
    "per_prompt_params",
    "prepare_request",
    "prompt_field",
    "routing_flags",
]

#: What a prompt may be: text, a ModelInput, or token ids.
Prompt = str | ModelInput | Sequence[int]

_SEED_MODULUS: Final = 2**63


@dataclass(frozen=True, slots=True)
class SampleRequest:
    """One prepared ``/generate`` call (validated at call time, sent on the SDK loop)."""

    body: dict[str, Any]
    num_samples: int
    return_logprobs: bool
    #: first prompt position whose logprob is asked for (``logprob_start_len``), or None
    prompt_logprob_start: int | None
    #: the K of Tinker's ``topk_prompt_logprobs`` (0: not asked for)
    topk_prompt_logprobs: int = 0
    #: the ``logprob_start_len`` sent (where SGLang's input logprob lists begin)
    scored_from: int = 0


def check_num_samples(num_samples: Any) -> int:
    """``num_samples`` if it is a positive int; a typed refusal otherwise."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise DataValidationError(
            f"num_samples must be a positive integer, not {num_samples!r}",
            field="num_samples",
            rule="num_samples >= 1",
        )
    return num_samples


def check_start(start: Any, length: int | None, field: str) -> int:
    """A prompt position to score from: an int in ``[0, length)`` (``length`` None: unknown)."""
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise DataValidationError(
            f"{field} must be an integer >= 0, not {start!r}",
            field=field,
            rule=f"{field} >= 0",
        )
    if length is not None and start >= length:
        # The server would abort the row instead of scoring it.
        raise DataValidationError(
            f"{field}={start} is not a position of the {length}-token prompt; it must be "
            f"< {length}",
            field=field,
            rule=f"{field} < prompt length",
        )
    return start


def prepare_request(
    prompt: Any,
    params: SamplingParams,
    num_samples: int,
    *,
    return_logprobs: bool,
    logprob_start: int | None,
    lora_path: str | None,
    model: str | None,
    topk_prompt_logprobs: int = 0,
    prompt_logprobs_last_n: int | None = None,
) -> SampleRequest:
    """Validate one prompt and build its ``/generate`` body.

    Tinker's prompt scoring: ``topk_prompt_logprobs`` K asks SGLang for ``top_logprobs_num``
    alternatives at every scored position; ``prompt_logprobs_last_n`` N scores only the last N
    positions (``logprob_start_len`` one before them: SGLang leaves its first entry null).
    """
    check_num_samples(num_samples)
    key, value = prompt_field(prompt)
    logprob_start = _tinker_start(key, value, logprob_start, prompt_logprobs_last_n)
    topk = _check_topk(topk_prompt_logprobs)
    if logprob_start is not None:
        check_start(logprob_start, len(value) if key == "input_ids" else None, "logprob_start_len")
    scored_from = logprob_start if logprob_start is not None else 0
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
    if return_logprobs or logprob_start is not None or topk:
        body["return_logprob"] = True
    if logprob_start is not None or topk:
        body["logprob_start_len"] = scored_from
    if topk:
        body["top_logprobs_num"] = topk
    if lora_path:
        body["lora_path"] = lora_path
    if model:
        body["model"] = model
    body.update(routing_flags([params]))
    return SampleRequest(body, num_samples, return_logprobs, logprob_start, topk, scored_from)


def _check_topk(topk: Any) -> int:
    if isinstance(topk, bool) or not isinstance(topk, int) or topk < 0:
        raise DataValidationError(
            f"topk_prompt_logprobs must be an integer >= 0, not {topk!r}",
            field="topk_prompt_logprobs",
            rule="topk_prompt_logprobs >= 0",
        )
    return topk


def _tinker_start(key: str, value: str | list[int], start: int | None, last_n: Any) -> int | None:
    """The ``logprob_start_len`` for Tinker's ``prompt_logprobs_last_n`` (``start`` without it)."""
    if last_n is None:
        return start
    if isinstance(last_n, bool) or not isinstance(last_n, int) or last_n < 1:
        raise DataValidationError(
            f"prompt_logprobs_last_n must be an integer >= 1 or None, not {last_n!r}",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n >= 1",
        )
    if start != 0:
        raise DataValidationError(
            "prompt_logprobs_last_n is only meaningful with include_prompt_logprobs=True",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n needs include_prompt_logprobs",
        )
    if key != "input_ids":
        raise DataValidationError(
            "prompt_logprobs_last_n needs a tokenized prompt (a ModelInput or token ids): the "
            "length of a text prompt is only known to the server",
            field="prompt_logprobs_last_n",
            rule="prompt_logprobs_last_n needs token ids",
        )
    return max(0, len(value) - last_n - 1)


def routing_flags(rows: Sequence[SamplingParams]) -> dict[str, Any]:
    """The request-level MoE routing flags of ``rows`` (SGLang reads them at the top level).

    The flags are one value per request, so every row must ask for the same;
    ``routed_experts_start_len`` may differ per row (then it is sent as a list).
    """
    for name in ("return_routed_experts", "return_expert_logits", "return_routed_experts_file"):
        if len({getattr(p, name) for p in rows}) > 1:
            raise DataValidationError(
                f"sampling_params.{name} differs between rows; it applies to the whole request, "
                "so give every row the same value",
                field=f"sampling_params.{name}",
                rule=f"one {name} per request",
            )
    first = rows[0]
    out: dict[str, Any] = {}
    if first.return_routed_experts:
        out["return_routed_experts"] = True
        starts = [p.routed_experts_start_len for p in rows]
        if any(starts):
            out["routed_experts_start_len"] = starts[0] if len(set(starts)) == 1 else starts
    if first.return_expert_logits:
        out["return_expert_logits"] = True
    if first.return_routed_experts_file:
        out["return_routed_experts_file"] = True
    return out


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


def is_chat_messages(prompt: Any) -> bool:
    """Whether ``prompt`` is a list of chat messages (dicts or objects with ``role``)."""
    return (
        isinstance(prompt, list | tuple)
        and bool(prompt)
        and all((isinstance(m, Mapping) and "role" in m) or hasattr(m, "role") for m in prompt)
    )


def prompt_field(prompt: Any) -> tuple[str, str | list[int]]:
    """``("text", str)`` or ``("input_ids", ids)``, validated."""
    if isinstance(prompt, str):
        if not prompt:  # like an empty token list: there is nothing to continue
            raise DataValidationError(
                "the prompt text is empty; give at least one character (or token id)",
                field="prompt",
                rule="prompt is not empty",
            )
        return "text", prompt
    if is_chat_messages(prompt):
        raise DataValidationError(
            "the prompt is a list of chat messages, which /generate cannot take; create the "
            "SamplingClient with api_format='chat_completions' (or set "
            "XORL_INFERENCE_API_FORMAT=chat_completions)",
            field="prompt",
            rule="chat messages need api_format='chat_completions'",
        )
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
