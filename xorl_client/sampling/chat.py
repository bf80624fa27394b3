"""The chat-completions request format: ``sample()`` through ``POST /v1/chat/completions``.

With ``SamplingClient(api_format="chat_completions")`` a prompt is a string (sent as one
``user`` message) or a list of messages (dicts or objects with ``role`` and ``content``); the
inference server renders them with its chat template. Every request asks for the completion's
and the rendered prompt's token ids (``return_token_ids``, ``return_prompt_token_ids``), so
each sequence has ``tokens`` and ``prompt_tokens`` to train on.

The answer is read strictly: exactly ``num_samples`` choices, token ids as a list of ints, one
finite logprob per token whose ``token_id`` (when given) is that token, and a known
``finish_reason``; anything else raises :class:`~xorl_client.XorlError` (an ``abort`` raises
:class:`~xorl_client.RequestFailedError`). ``meta_info`` is the answer's ``metadata`` with its
``sglext`` entries (MoE routing data arrives there) merged in, values as sent.

As with ``/generate``, a seed with ``num_samples > 1`` would give identical copies, so the
samples are sent as separate requests seeded ``seed, seed + 1, ...``. Prompt logprobs are
not available in this format (it has no field for them): use
``score_prompt_logprobs_batch``, which uses ``/generate`` whatever the format.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from xorl_client.errors import DataValidationError, RequestFailedError, XorlError
from xorl_client.sampling.parse import call_inference
from xorl_client.sampling.request import check_num_samples, is_chat_messages
from xorl_client.types import SampledSequence, SampleResponse, SamplingParams, StopReason

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["ChatRequest", "chat_messages", "prepare_chat", "send_chat"]

_SEED_MODULUS: Final = 2**63
#: finish reasons that end a completion normally (OpenAI's and SGLang's)
_STOPS: Final = frozenset({"stop", "tool_calls", "content_filter", "function_call"})


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One prepared ``sample()`` in chat format: one body per request to send."""

    bodies: tuple[dict[str, Any], ...]
    num_samples: int
    return_logprobs: bool


def chat_messages(prompt: Any) -> list[dict[str, Any]]:
    """``prompt`` as chat messages: a string is one ``user`` message."""
    if isinstance(prompt, str):
        if not prompt:
            raise DataValidationError(
                "the prompt text is empty", field="prompt", rule="prompt is not empty"
            )
        return [{"role": "user", "content": prompt}]
    if not is_chat_messages(prompt):
        raise DataValidationError(
            f"with api_format='chat_completions' a prompt is a string or a list of chat "
            f"messages, not {type(prompt).__name__}; token ids and ModelInput need "
            "api_format='generate'",
            field="prompt",
            rule="chat prompts are text or messages",
        )
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(prompt):
        if isinstance(message, Mapping):
            item = dict(message)
        else:
            item = {"role": message.role, "content": getattr(message, "content", None)}
        if not isinstance(item.get("role"), str) or "content" not in item:
            raise DataValidationError(
                f"prompt[{index}] must have a string 'role' and a 'content', got {item!r}"[:300],
                field=f"prompt[{index}]",
                rule="a chat message has role and content",
            )
        messages.append(item)
    return messages


def prepare_chat(
    prompt: Any,
    params: SamplingParams,
    num_samples: int,
    *,
    return_logprobs: bool,
    logprob_start: int | None,
    lora_path: str | None,
    model: str | None,
) -> ChatRequest:
    """Validate one chat prompt and build its ``/v1/chat/completions`` body (or bodies)."""
    check_num_samples(num_samples)
    if logprob_start is not None or params.chat_logprob_start_len is not None:
        raise DataValidationError(
            "prompt logprobs are not available with api_format='chat_completions' (the chat "
            "answer has no field for them); use score_prompt_logprobs_batch(), which scores "
            "token ids through /generate",
            field="logprob_start_len",
            rule="no prompt logprobs in chat format",
        )
    body: dict[str, Any] = {
        "model": model or "default",
        "messages": chat_messages(prompt),
        "temperature": params.temperature,
        "top_p": params.top_p,
        "top_k": params.top_k,
        "min_p": params.min_p,
        "n": num_samples,
        "logprobs": bool(return_logprobs),
        "return_token_ids": True,
        "return_prompt_token_ids": True,
    }
    if params.max_tokens is not None:
        body["max_tokens"] = params.max_tokens
    sglang = params.to_sglang()  # stop strings / stop ids, seed, engine switches: one mapping
    for key in ("stop", "stop_token_ids", "ignore_eos", "no_stop_trim", "custom_params"):
        if key in sglang:
            body[key] = sglang[key]
    if lora_path:
        body["lora_path"] = lora_path
    if params.return_routed_experts:
        body["return_routed_experts"] = True
        if params.routed_experts_start_len:
            body["routed_experts_start_len"] = params.routed_experts_start_len
    if params.return_expert_logits:
        body["return_expert_logits"] = True
    if params.chat_continue_final_message:
        body["continue_final_message"] = True
    if params.chat_template_kwargs is not None:
        body["chat_template_kwargs"] = dict(params.chat_template_kwargs)
    seed = params.effective_seed
    if seed is None:
        return ChatRequest((body,), num_samples, bool(return_logprobs))
    if num_samples == 1:
        return ChatRequest(({**body, "seed": seed},), 1, bool(return_logprobs))
    bodies = tuple({**body, "n": 1, "seed": (seed + i) % _SEED_MODULUS} for i in range(num_samples))
    return ChatRequest(bodies, num_samples, bool(return_logprobs))


async def send_chat(
    transport: Transport, request: ChatRequest, deadline: float | None
) -> SampleResponse:
    """Send the request(s) and parse the answers into one :class:`SampleResponse`."""
    from xorl_openapi.api.sampling import chat_completions
    from xorl_openapi.models import ChatCompletionRequest

    async def one(body: dict[str, Any]) -> dict[str, Any]:
        parsed = await call_inference(
            transport,
            chat_completions,
            operation="chat_completions",
            deadline=deadline,
            body=ChatCompletionRequest.from_dict(body),
        )
        answer: dict[str, Any] = parsed.to_dict()
        return answer

    answers = await asyncio.gather(*(one(body) for body in request.bodies))
    sequences: list[SampledSequence] = []
    for body, answer in zip(request.bodies, answers, strict=True):
        sequences.extend(_choices(answer, int(body["n"]), request.return_logprobs, len(sequences)))
    return SampleResponse(sequences=sequences, meta_info=_meta_info(answers[0]))


def _choices(
    answer: Mapping[str, Any], expected: int, want_logprobs: bool, offset: int
) -> list[SampledSequence]:
    choices = answer.get("choices")
    if not isinstance(choices, list) or len(choices) != expected:
        count = len(choices) if isinstance(choices, list) else 0
        raise XorlError(
            f"chat_completions: asked for {expected} choice(s) but the inference server "
            f"answered {count}"
        )
    ordered = sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, Mapping) else 0)
    routed = (answer.get("sglext") or {}).get("routed_experts") if expected == 1 else None
    return [
        _sequence(choice, offset + i, want_logprobs, routed if isinstance(routed, str) else None)
        for i, choice in enumerate(ordered)
    ]


def _sequence(
    choice: Mapping[str, Any], index: int, want_logprobs: bool, routed: str | None
) -> SampledSequence:
    tokens = choice.get("token_ids")
    if not isinstance(tokens, list) or not all(type(t) is int for t in tokens):
        raise XorlError(
            f"chat_completions: choice {index} has no token_ids list (return_token_ids was "
            "sent); the completion's token ids cannot be recovered, and text alone is not "
            "enough to train on"
        )
    logprobs: list[float] | None = None
    if want_logprobs:
        content = (choice.get("logprobs") or {}).get("content")
        if not isinstance(content, list) or len(content) != len(tokens):
            count = len(content) if isinstance(content, list) else 0
            raise XorlError(
                f"chat_completions: choice {index} has {len(tokens)} token_ids but {count} "
                "logprobs.content entries; they must align one to one"
            )
        logprobs = []
        for pos, (entry, token) in enumerate(zip(content, tokens, strict=True)):
            value = entry.get("logprob") if isinstance(entry, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise XorlError(
                    f"chat_completions: logprob of token {pos} (id {token}) of choice {index} "
                    f"is {value!r}; it is not replaced by 0.0 (a silently wrong importance "
                    "ratio)"
                )
            if not math.isfinite(value):
                raise XorlError(
                    f"chat_completions: logprob of token {pos} of choice {index} is {value!r}"
                )
            token_id = entry.get("token_id")
            if token_id is not None and token_id != token:
                raise XorlError(
                    f"chat_completions: logprobs.content[{pos}] of choice {index} is for token "
                    f"{token_id} but token_ids[{pos}] is {token}; the logprobs are misaligned"
                )
            logprobs.append(float(value))
    prompt = choice.get("prompt_token_ids")
    message = choice.get("message")
    content_text = message.get("content") if isinstance(message, Mapping) else None
    return SampledSequence(
        tokens=list(tokens),
        stop_reason=_stop_reason(choice.get("finish_reason"), index),
        logprobs=logprobs,
        text=None if content_text is None else str(content_text),
        prompt_tokens=list(prompt) if isinstance(prompt, list) else None,
        routed_experts=routed,
    )


def _stop_reason(raw: Any, index: int) -> StopReason:
    if raw == "length":
        return "length"
    if raw in _STOPS:
        return "stop"
    if raw == "abort":
        raise RequestFailedError(
            f"the inference server aborted choice {index} (overload, a weight update or an "
            "explicit abort); its tokens are incomplete, sample again",
            category="server",
            operation="sample",
        )
    raise XorlError(
        f"chat_completions: choice {index} has finish_reason {raw!r}; the inference server did "
        "not say whether the completion ended or was cut off"
    )


def _meta_info(answer: Mapping[str, Any]) -> dict[str, Any] | None:
    """``metadata`` merged with ``sglext`` (values as sent); ``None`` when both are empty."""
    merged: dict[str, Any] = {}
    for key in ("metadata", "sglext"):
        part = answer.get(key)
        if isinstance(part, Mapping):
            merged.update(part)
    return merged or None
