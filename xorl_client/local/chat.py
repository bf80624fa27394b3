"""OpenAI-compatible ``/v1/chat/completions`` on the local sampler, with a byte-level template.

**The chat template.** Messages become bytes (the model's tokens) like this::

    <bos>
    <|system|>\\n{content}<|end|>\\n        one block per message, in order, any of the roles
    <|user|>\\n{content}<|end|>\\n          system, user, assistant, tool, function, developer
    <|assistant|>\\n                        the generation prompt

``<bos>`` is token 256; everything else is the UTF-8 bytes of that text. With
``continue_final_message`` the last message must be the assistant's: it is rendered without its
``<|end|>\\n`` and no generation prompt follows, so the completion continues it. The completion
ends at ``<eos>``, at a stop token, at a ``stop`` string, or at ``<|end|>`` (the template's
end-of-turn marker, an implicit stop string: cut from the content unless ``no_stop_trim``).
``chat_template_kwargs`` are accepted and unused (the template has no switches), as a template
ignores variables it does not reference.

**Generation** is ``/generate``'s (:mod:`xorl_client.local.generation`): the same weights
(``lora_path`` selects an adapter), seeds (``seed`` is SGLang's ``sampling_seed``), logprobs and
routing. The answer is OpenAI's chat completion with SGLang's extensions: each choice's
``logprobs.content[]`` carries ``token_id``; ``return_token_ids`` / ``return_prompt_token_ids``
add ``token_ids`` / ``prompt_token_ids`` to each choice; ``return_routed_experts`` adds
``sglext.routed_experts`` (one request-level field, so only with ``n == 1``).

Refused with a 400 (OpenAI's error body) rather than ignored: ``stream``, ``top_logprobs`` > 0,
``min_tokens`` > 0, ``logprob_start_len`` (score prompts with ``/generate``),
``return_expert_logits``, non-string message content, unknown roles.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xorl_client.byte_tokenizer import BOS_ID
from xorl_client.local.generation import TOKENIZER, Row
from xorl_client.local.inference import InferenceManager, UnknownAdapterError
from xorl_client.local.schemas import GenerateSamplingParams

__all__ = [
    "END_OF_TURN",
    "ROLES",
    "ChatCompletionRequest",
    "ChatError",
    "chat_response",
    "chat_row",
    "parse_chat_request",
    "render_messages",
]

ROLES = ("system", "user", "assistant", "tool", "function", "developer")
END_OF_TURN = "<|end|>"
_DEFAULT_MAX_TOKENS = 128


class ChatError(Exception):
    """A request the local server refuses; answered 400 with OpenAI's error body."""

    def body(self) -> dict[str, Any]:
        return {
            "object": "error",
            "message": str(self),
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        }


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: Any = None


class ChatCompletionRequest(BaseModel):
    """The fields the local server reads; others are accepted and ignored, as SGLang does."""

    model_config = ConfigDict(extra="allow")

    model: str = "default"
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    n: int = Field(default=1, ge=1)
    stop: str | list[str] | None = None
    stop_token_ids: list[int] | None = None
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0)
    ignore_eos: bool = False
    no_stop_trim: bool = False
    skip_special_tokens: bool = True
    min_tokens: int = 0
    lora_path: str | None = None
    logprob_start_len: int | None = None
    return_routed_experts: bool = False
    routed_experts_start_len: int = 0
    return_expert_logits: bool = False
    return_token_ids: bool = False
    return_prompt_token_ids: bool = False
    continue_final_message: bool = False
    chat_template_kwargs: dict[str, Any] | None = None
    stream: bool = False


def parse_chat_request(raw: Any) -> ChatCompletionRequest:
    """Validate the body; every problem is a :class:`ChatError` naming the field."""
    try:
        request = ChatCompletionRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ChatError(f"{where}: {first['msg']}") from None
    refusals = (
        (request.stream, "stream=true is not supported by the local server"),
        (
            bool(request.top_logprobs),
            "top_logprobs is not supported by the local server (logprobs=true alone is)",
        ),
        (request.min_tokens > 0, "min_tokens is not supported by the local server"),
        (
            request.logprob_start_len is not None,
            "logprob_start_len is not supported on /v1/chat/completions by the local server; "
            "score a rendered prompt with /generate (return_logprob, logprob_start_len)",
        ),
        (
            request.return_expert_logits,
            "return_expert_logits is not supported by the local server (its fixed expert "
            "layout has no router weights)",
        ),
        (
            request.return_routed_experts and request.n > 1,
            "return_routed_experts needs n=1: sglext.routed_experts is one field per response",
        ),
    )
    for refused, message in refusals:
        if refused:
            raise ChatError(message)
    return request


def render_messages(messages: Sequence[ChatMessage], continue_final_message: bool) -> list[int]:
    """The template of the module docstring, as token ids.

    >>> from xorl_client.byte_tokenizer import ByteTokenizer
    >>> ids = render_messages([ChatMessage(role="user", content="hi")], False)
    >>> ByteTokenizer().decode(ids, skip_special_tokens=False)
    '<bos><|user|>\\nhi<|end|>\\n<|assistant|>\\n'
    """
    text = ""
    for index, message in enumerate(messages):
        if message.role not in ROLES:
            raise ChatError(
                f"messages.{index}.role: {message.role!r} is not one of {', '.join(ROLES)}"
            )
        if not isinstance(message.content, str):
            raise ChatError(f"messages.{index}.content: the local server takes string content only")
        text += f"<|{message.role}|>\n{message.content}"
        last = index == len(messages) - 1
        if not (last and continue_final_message):
            text += f"{END_OF_TURN}\n"
    if continue_final_message:
        if messages[-1].role != "assistant":
            raise ChatError(
                "continue_final_message needs the last message to be the assistant's, not "
                f"{messages[-1].role!r}"
            )
    else:
        text += "<|assistant|>\n"
    return [BOS_ID, *text.encode("utf-8")]


def chat_row(manager: InferenceManager, request: ChatCompletionRequest) -> Row:
    """The request as one ``/generate`` row (see :mod:`xorl_client.local.generation`)."""
    prompt = render_messages(request.messages, request.continue_final_message)
    if not 0 <= request.routed_experts_start_len <= len(prompt):
        raise ChatError(
            f"routed_experts_start_len={request.routed_experts_start_len} must be in "
            f"[0, {len(prompt)}] (the rendered prompt's token count)"
        )
    try:
        weights = manager.weights_for(request.lora_path)
    except UnknownAdapterError as exc:
        raise ChatError(str(exc)) from None
    try:
        params = GenerateSamplingParams(
            max_new_tokens=(
                request.max_completion_tokens or request.max_tokens or _DEFAULT_MAX_TOKENS
            ),
            temperature=1.0 if request.temperature is None else request.temperature,
            top_p=1.0 if request.top_p is None else request.top_p,
            top_k=-1 if request.top_k is None else request.top_k,
            min_p=0.0 if request.min_p is None else request.min_p,
            stop=request.stop,
            stop_token_ids=request.stop_token_ids,
            n=request.n,
            ignore_eos=request.ignore_eos,
            no_stop_trim=request.no_stop_trim,
            skip_special_tokens=request.skip_special_tokens,
        )
    except ValidationError as exc:  # the sampler's own ranges (top_p in (0, 1], ...)
        first = exc.errors()[0]
        raise ChatError(f"{first['loc'][0]}: {first['msg']}") from None
    return Row(
        prompt=prompt,
        params=params,
        weights=weights,
        seed=manager.fresh_seed() if request.seed is None else request.seed,
        routing_start=request.routed_experts_start_len,
        extra_stops=(END_OF_TURN,),
    )


def chat_response(
    request: ChatCompletionRequest, prompt: list[int], outputs: list[dict[str, Any]]
) -> dict[str, Any]:
    """OpenAI's chat completion (with SGLang's extensions) from ``/generate`` outputs."""
    choices = [_choice(index, request, prompt, out) for index, out in enumerate(outputs)]
    completion = sum(int(out["meta_info"]["completion_tokens"]) for out in outputs)
    response: dict[str, Any] = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": choices,
        "usage": {
            "prompt_tokens": len(prompt),
            "completion_tokens": completion,
            "total_tokens": len(prompt) + completion,
        },
        "metadata": None,
    }
    if request.return_routed_experts:
        response["sglext"] = {"routed_experts": outputs[0]["meta_info"]["routed_experts"]}
    return response


def _choice(
    index: int, request: ChatCompletionRequest, prompt: list[int], out: dict[str, Any]
) -> dict[str, Any]:
    meta = out["meta_info"]
    finish = meta["finish_reason"]
    choice: dict[str, Any] = {
        "index": index,
        "message": {"role": "assistant", "content": out["text"], "reasoning_content": None},
        "logprobs": None,
        "finish_reason": finish["type"],
        "matched_stop": finish.get("matched") if finish["type"] == "stop" else None,
    }
    if request.logprobs:
        choice["logprobs"] = {
            "content": [_token_logprob(lp, token) for lp, token, _ in meta["output_token_logprobs"]]
        }
    if request.return_token_ids:
        choice["token_ids"] = list(out["output_ids"])
    if request.return_prompt_token_ids:
        choice["prompt_token_ids"] = list(prompt)
    return choice


def _token_logprob(logprob: float, token: int) -> dict[str, Any]:
    text = TOKENIZER.decode([token], skip_special_tokens=False)
    raw = [token] if 0 <= token < 256 else list(text.encode("utf-8"))
    return {"token": text, "bytes": raw, "logprob": logprob, "token_id": token, "top_logprobs": []}
