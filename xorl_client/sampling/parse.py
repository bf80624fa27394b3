"""Reading SGLang ``/generate`` answers into ``SampleResponse`` objects, strictly, and the one
way every inference-server call is sent (:func:`call_inference`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xorl_client.errors import (
    APIConnectionError,
    APIStatusError,
    Outcome,
    RequestFailedError,
    XorlError,
    with_outcome,
)
from xorl_client.sampling.request import SampleRequest
from xorl_client.types import SampledSequence, SampleResponse, StopReason

if TYPE_CHECKING:
    from xorl_client._transport import Endpoint, Transport

__all__ = [
    "call_inference",
    "generate_outputs",
    "input_logprob_values",
    "meta_info_of",
    "parse_response",
    "parse_sequence",
    "sglang_status_error",
    "stop_reason_of",
]


async def call_inference(
    transport: Transport,
    endpoint: Endpoint,
    *,
    operation: str,
    deadline: float | None,
    idempotent: bool = True,
    **kwargs: Any,
) -> Any:
    """One inference-server call: SGLang's own error text up front, the URL setting named."""
    try:
        return await transport.call(
            endpoint, operation=operation, idempotent=idempotent, deadline=deadline, **kwargs
        )
    except APIStatusError as exc:
        raise sglang_status_error(exc, operation) from None
    except APIConnectionError as exc:
        exc.add_note(
            "The inference server is set by SamplingClient(base_url=...) or "
            f"XORL_INFERENCE_BASE_URL; it is currently {transport.config.display_url}."
        )
        raise


def generate_outputs(parsed: Any) -> list[Any]:
    """The three response shapes as one list of ``GenerateOutput`` in index order."""
    from xorl_openapi.models import GenerateOutput, GenerateOutputMap

    if isinstance(parsed, GenerateOutput):
        return [parsed]
    if isinstance(parsed, list):
        return parsed
    if isinstance(parsed, GenerateOutputMap):
        items = parsed.additional_properties
        try:
            order = sorted(items, key=int)
        except ValueError:
            raise XorlError(
                f"sample: the inference server answered an object with keys {sorted(items)[:5]}; "
                'expected outputs keyed "0", "1", ...'
            ) from None
        if [int(k) for k in order] != list(range(len(order))):
            raise XorlError(
                f"sample: the inference server's outputs are keyed {order[:8]}; expected "
                f"consecutive indices 0..{len(order) - 1}"
            )
        return [items[k] for k in order]
    raise XorlError(f"sample: unexpected /generate answer of type {type(parsed).__name__}")


def parse_response(parsed: Any, request: SampleRequest) -> SampleResponse:
    """One prompt's ``/generate`` answer (``num_samples`` outputs) as a :class:`SampleResponse`."""
    outputs = generate_outputs(parsed)
    if len(outputs) != request.num_samples:
        raise XorlError(
            f"sample: asked for {request.num_samples} completion(s) but the inference server "
            f"returned {len(outputs)}"
        )
    sequences = [
        parse_sequence(out, i, want_logprobs=request.return_logprobs)
        for i, out in enumerate(outputs)
    ]
    prompt_logprobs = None
    start = request.prompt_logprob_start
    if start is not None:
        entries = outputs[0].meta_info.input_token_logprobs
        if not isinstance(entries, list):
            raise XorlError(
                "sample: prompt logprobs were requested but the inference server returned no "
                "meta_info.input_token_logprobs"
            )
        # Entry i is prompt position start + i: pad so prompt_logprobs[j] is position j's.
        prompt_logprobs = [None] * start + input_logprob_values(entries, "sample")
    meta_info = meta_info_of(outputs[0])
    topk = (
        _topk_prompt_logprobs(meta_info or {}, request.scored_from, request.topk_prompt_logprobs)
        if request.topk_prompt_logprobs
        else None
    )
    return SampleResponse(
        sequences=sequences,
        meta_info=meta_info,
        prompt_logprobs=prompt_logprobs,
        topk_prompt_logprobs=topk,
    )


def _topk_prompt_logprobs(
    meta: Mapping[str, Any], start: int, k: int
) -> list[list[tuple[int, float]] | None]:
    """SGLang's ``input_top_logprobs`` as Tinker's per-position ``[(token_id, logprob), ...]``."""
    rows = meta.get("input_top_logprobs")
    if not isinstance(rows, list):
        raise XorlError(
            "sample: topk_prompt_logprobs was requested but the inference server returned no "
            "meta_info.input_top_logprobs (is top_logprobs_num supported there?)"
        )
    result: list[list[tuple[int, float]] | None] = [None] * (start + 1)
    for offset, row in enumerate(rows[1:], start=start + 1):
        if not isinstance(row, list) or len(row) > k:
            raise XorlError(
                f"sample: input_top_logprobs[{offset - start}] is {row!r}; expected a list of "
                f"at most {k} [logprob, token_id, text] entries"
            )
        pairs: list[tuple[int, float]] = []
        for entry in row:
            if not isinstance(entry, list | tuple) or len(entry) < 2:
                raise XorlError(f"sample: malformed input_top_logprobs entry {entry!r}")
            value, token = entry[0], entry[1]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise XorlError(
                    f"sample: input_top_logprobs entry {entry!r} at prompt position {offset} "
                    "has no logprob"
                )
            pairs.append((int(token), float(value)))
        result.append(pairs)
    return result


def meta_info_of(out: Any) -> dict[str, Any] | None:
    """The first output's ``meta_info`` as a plain dict (MoE routing data arrives here)."""
    meta = out.meta_info
    to_dict = getattr(meta, "to_dict", None)
    if callable(to_dict):
        result: dict[str, Any] = to_dict()
        return result
    return dict(meta) if isinstance(meta, Mapping) else None


def stop_reason_of(raw: Any, index: int) -> StopReason:
    """``finish_reason`` (object, dict or plain string) → ``"length"`` / ``"stop"``."""
    from xorl_openapi.models import FinishReason

    message: Any = None
    if isinstance(raw, FinishReason):
        kind: Any = raw.type_
        message = raw.message if isinstance(raw.message, str) else None
    elif isinstance(raw, Mapping):
        kind, message = raw.get("type"), raw.get("message")
    else:
        kind = raw
    if not isinstance(kind, str):
        raise XorlError(
            f"sample: sequence {index} has no usable finish_reason ({raw!r}); the inference "
            "server did not say whether the completion ended or was cut off"
        )
    lowered = kind.lower()
    if lowered == "length":
        return "length"
    if lowered == "stop":
        return "stop"
    if lowered == "abort":
        why = f": {message}" if message else ""
        raise with_outcome(RequestFailedError, Outcome.FAILED)(
            f"the inference server aborted the generation of sequence {index}{why} (overload, "
            "a weight update or an explicit /abort_request); its tokens are incomplete, sample "
            "again",
            category="server",
            operation="sample",
        )
    raise XorlError(
        f"sample: sequence {index} has finish_reason {kind!r}; expected 'length', 'stop' or 'abort'"
    )


def parse_sequence(out: Any, index: int, *, want_logprobs: bool) -> SampledSequence:
    """One ``GenerateOutput`` (strict: ids, aligned finite logprobs, a known finish reason)."""
    meta = out.meta_info
    stop = stop_reason_of(meta.finish_reason, index)
    entries = meta.output_token_logprobs if isinstance(meta.output_token_logprobs, list) else None
    tokens: list[int]
    if isinstance(out.output_ids, list):
        tokens = [int(t) for t in out.output_ids]
    elif entries is not None:
        tokens = [int(e[1]) for e in entries]  # older builds: ids only in the logprob entries
    else:
        raise XorlError(
            f"sample: sequence {index} has neither output_ids nor output_token_logprobs; the "
            "completion's token ids cannot be recovered (a text-only answer is not enough to "
            "train on)"
        )
    logprobs: list[float] | None = None
    if want_logprobs:
        if entries is None:
            raise XorlError(
                f"sample: logprobs were requested but sequence {index} came back without "
                "meta_info.output_token_logprobs; the inference server ignored return_logprob"
            )
        if len(entries) != len(tokens):
            raise XorlError(
                f"sample: sequence {index} has {len(tokens)} output_ids but "
                f"{len(entries)} output_token_logprobs; they must align one to one"
            )
        logprobs = []
        for pos, (entry, token) in enumerate(zip(entries, tokens, strict=True)):
            value = entry[0] if isinstance(entry, list) and entry else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise XorlError(
                    f"sample: the inference server returned logprob {value!r} for output token "
                    f"{pos} (id {token}) of sequence {index}. It is not replaced by 0.0: that "
                    "would be a silently wrong importance ratio. Sample again, or pass "
                    "return_logprobs=False if you do not need logprobs."
                )
            if len(entry) > 1 and entry[1] is not None and int(entry[1]) != token:
                raise XorlError(
                    f"sample: output_token_logprobs[{pos}] of sequence {index} is for token "
                    f"{entry[1]} but output_ids[{pos}] is {token}; the logprobs are misaligned"
                )
            if not math.isfinite(value):
                raise XorlError(
                    f"sample: logprob of output token {pos} of sequence {index} is {value!r}"
                )
            logprobs.append(float(value))
    text = out.text if isinstance(out.text, str) else None
    routed = meta.routed_experts if isinstance(meta.routed_experts, str) else None
    return SampledSequence(
        tokens=tokens, logprobs=logprobs, stop_reason=stop, text=text, routed_experts=routed
    )


def input_logprob_values(entries: list[Any], operation: str) -> list[float | None]:
    """``meta_info.input_token_logprobs`` entries as numbers; ``null`` stays ``None``.

    An entry is ``[logprob, token_id, text]`` (SGLang) or ``{"logprob"|"value": ...}``. The
    first one is always ``null`` (the server keeps no logit predicting it); a ``null`` is never
    turned into 0.0. Anything else that is not a finite number raises :class:`XorlError`.
    """
    values: list[float | None] = []
    for position, entry in enumerate(entries):
        if isinstance(entry, list | tuple):
            value = entry[0] if entry else None
        elif isinstance(entry, Mapping):
            value = entry.get("logprob", entry.get("value"))
        else:
            value = entry
        if value is None:
            values.append(None)
        elif (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        ):
            values.append(float(value))
        else:
            raise XorlError(
                f"{operation}: input_token_logprobs[{position}] is {entry!r}; expected a finite "
                "logprob or null"
            )
    return values


def sglang_status_error(exc: APIStatusError, operation: str = "sample") -> APIStatusError:
    """The same error class with SGLang's own message up front (its body has no ``detail``)."""
    detail = exc.detail
    message: Any = None
    if isinstance(detail, Mapping):
        inner = detail.get("error")
        message = inner.get("message") if isinstance(inner, Mapping) else None
        message = (
            message
            or detail.get("message")
            or detail.get("error_message")
            or (inner if isinstance(inner, str) else None)
        )
    if not isinstance(message, str) or not message:
        return exc
    hint = (
        " Not retried: a 4xx means the request itself is wrong (e.g. a prompt longer than the "
        "context, an adapter that is not loaded)."
        if 400 <= exc.status_code < 500
        else ""
    )
    where = f" ({exc.method} {exc.url})" if exc.method and exc.url else ""
    return type(exc)(
        f"{operation} failed: the inference server answered {exc.status_code}{where}: "
        f"{message}.{hint}",
        status_code=exc.status_code,
        detail=detail,
        method=exc.method,
        url=exc.url,
    )
