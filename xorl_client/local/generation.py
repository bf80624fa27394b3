"""SGLang's ``/generate`` on the local sampler: one prompt or a batch, logprobs, routing.

What a request becomes:

* **Rows.** ``input_ids`` (one list or a list of lists) or ``text`` (one string or a list; text
  gets ``<bos>`` like a Llama-style tokenizer) gives one row per prompt. ``sampling_params``,
  ``lora_path``, ``logprob_start_len`` and ``routed_experts_start_len`` are one value for every
  row or a list with one entry per row. The answer is one object for a single prompt with
  ``n == 1``, otherwise a list, prompt-major (all samples of row 0, then row 1, ...).
* **Seeds.** Each row draws from its own ``numpy`` generator seeded by its ``seed`` /
  ``sampling_seed`` (a fresh server-drawn seed when it names none), so a batch gives exactly
  what the same prompts sent one by one with the same seeds give. The ``n`` samples of one
  row continue that row's generator.
* **Prompt logprobs** (``return_logprob``): ``input_token_logprobs`` covers prompt positions
  ``[start, len)`` as ``[logprob, token_id, null]`` with ``logprob = log p(token_i |
  prompt[:i])`` - the same numbers the trainer's ``forward`` computes - except entry 0, which is
  always ``null`` as in SGLang (it drops the logit that would predict it). ``start`` is
  ``logprob_start_len``; the default -1 means the last prompt token only. A start at or beyond
  the prompt length aborts that row (``finish_reason`` ``abort`` with a message), as SGLang does.
  With ``top_logprobs_num`` K > 0, ``input_top_logprobs`` has one entry per position of
  ``input_token_logprobs``: ``null`` for entry 0, then the K most likely tokens as
  ``[logprob, token_id, null]``, most likely first (``output_top_logprobs`` is not produced).
* **Routing** (``return_routed_experts``): ``meta_info.routed_experts`` for the fixed layout of
  :mod:`xorl_client.local.routing`, from ``routed_experts_start_len`` (0..prompt_tokens).
* **Stops.** A stop *token* ends the generation itself; ``stop`` strings are matched against the
  decoded text afterwards (the completion is cut at the first match, ``finish_reason`` ``{"type":
  "stop", "matched": "<string>"}``).

Bad requests raise :class:`GenerateError`, which the route answers with SGLang's 400 body
``{"error": {"message": ...}}``.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from xorl_client.byte_tokenizer import ByteTokenizer
from xorl_client.local.engine import EngineError, Generation, SamplerWeights
from xorl_client.local.inference import InferenceManager, UnknownAdapterError
from xorl_client.local.routing import encode_routing, routing_for_tokens
from xorl_client.local.schemas import GenerateRequest, GenerateSamplingParams

__all__ = ["GenerateError", "Row", "generate", "run_rows"]

TOKENIZER = ByteTokenizer()
#: SGLang's ``max_new_tokens: null`` means "up to the context limit"; the bigram has none.
_UNLIMITED_MAX_NEW_TOKENS = 128


class GenerateError(Exception):
    """A bad ``/generate`` request (SGLang answers 400 ``{"error": {"message": ...}}``)."""


@dataclass(frozen=True)
class Row:
    """One prompt of a request with everything that is per row."""

    prompt: list[int]
    params: GenerateSamplingParams
    weights: SamplerWeights
    seed: int
    logprob_start: int = -1
    routing_start: int = 0
    #: stop strings the request did not name (the chat template's end-of-turn marker)
    extra_stops: tuple[str, ...] = ()


async def generate(
    manager: InferenceManager, request: GenerateRequest, cancel: threading.Event | None = None
) -> Any:
    """Run a ``/generate`` request; one object for one prompt with ``n == 1``, else a list.

    Setting ``cancel`` stops the generation at its next token (finish reason ``abort``).
    """
    if request.stream:
        raise GenerateError("stream=true is not supported by the local server")
    rows, batched = build_rows(manager, request)
    cancel = cancel or threading.Event()
    if request.top_logprobs_num < 0:
        raise GenerateError(f"top_logprobs_num must be >= 0, got {request.top_logprobs_num}")
    outputs = await asyncio.to_thread(
        run_rows,
        rows,
        return_logprob=request.return_logprob,
        return_routing=request.return_routed_experts,
        should_stop=cancel.is_set,
        top_logprobs_num=request.top_logprobs_num,
    )
    if not batched and len(outputs) == 1:
        return outputs[0]
    return outputs


def build_rows(manager: InferenceManager, request: GenerateRequest) -> tuple[list[Row], bool]:
    """The request's rows (prompt, params, weights, seed, starts) and whether it was a batch."""
    prompts, batched = _prompts(request)
    count = len(prompts)
    params = _per_row(request.sampling_params, count, "sampling_params")
    loras = _per_row(request.lora_path, count, "lora_path")
    starts = _per_row(request.logprob_start_len, count, "logprob_start_len")
    routing = _per_row(request.routed_experts_start_len, count, "routed_experts_start_len")
    if request.return_expert_logits:
        raise GenerateError(
            "return_expert_logits is not supported by the local server (its fixed expert layout "
            "has no router weights); send return_routed_experts alone"
        )
    rows: list[Row] = []
    for index, prompt in enumerate(prompts):
        if not prompt:
            raise GenerateError(
                f"The prompt of row {index} is empty (input_ids must have at least one token)"
            )
        if not 0 <= routing[index] <= len(prompt):
            raise GenerateError(
                f"routed_experts_start_len={routing[index]} of row {index} must be in "
                f"[0, {len(prompt)}] (the prompt's token count)"
            )
        try:
            weights = manager.weights_for(loras[index])
        except UnknownAdapterError as exc:
            raise GenerateError(str(exc)) from None
        p = params[index]
        seed = p.seed if p.seed is not None else p.sampling_seed
        rows.append(
            Row(
                prompt=prompt,
                params=p,
                weights=weights,
                seed=manager.fresh_seed() if seed is None else seed,
                logprob_start=starts[index],
                routing_start=routing[index],
            )
        )
    return rows, batched


def _prompts(request: GenerateRequest) -> tuple[list[list[int]], bool]:
    if (request.text is None) == (request.input_ids is None):
        raise GenerateError("Exactly one of 'text' or 'input_ids' must be given")
    if request.text is not None:
        texts = [request.text] if isinstance(request.text, str) else request.text
        # Text prompts get <bos> like a Llama-style tokenizer, so an empty text still has a
        # token to condition on.
        return [TOKENIZER.encode(t, add_bos=True) for t in texts], not isinstance(request.text, str)
    ids = request.input_ids
    assert ids is not None
    if len(ids) > 0 and isinstance(ids[0], list):
        return [list(row) for row in ids if isinstance(row, list)], True
    return [[int(t) for t in ids if isinstance(t, int)]], False


def _per_row(value: Any, rows: int, name: str) -> list[Any]:
    """One value for every row, or a list with one entry per row."""
    if isinstance(value, list):
        if len(value) != rows:
            raise GenerateError(f"{name} has {len(value)} entries for {rows} prompts")
        return list(value)
    if value is None and name == "sampling_params":
        return [GenerateSamplingParams() for _ in range(rows)]
    return [value] * rows


def run_rows(
    rows: Sequence[Row],
    *,
    return_logprob: bool,
    return_routing: bool,
    should_stop: Callable[[], bool],
    top_logprobs_num: int = 0,
) -> list[dict[str, Any]]:
    """Generate every (row, sample) in order; SGLang's output objects. Runs in a worker thread
    (``SamplerWeights`` are immutable)."""
    outputs: list[dict[str, Any]] = []
    for row in rows:
        # A negative seed wraps like torch.Generator.manual_seed's, instead of failing.
        rng = np.random.default_rng(row.seed % 2**64)
        start = len(row.prompt) - 1 if row.logprob_start < 0 else row.logprob_start
        if start >= len(row.prompt):
            message = (
                f"logprob_start_len={row.logprob_start} is not below the number of input tokens "
                f"({len(row.prompt)}); use a smaller logprob_start_len"
            )
            outputs.extend(_aborted(row, message) for _ in range(row.params.n))
            continue
        input_logprobs = _prompt_logprobs(row, start) if return_logprob else None
        input_top = (
            _prompt_top_logprobs(row, start, top_logprobs_num)
            if return_logprob and top_logprobs_num > 0
            else None
        )
        for _ in range(row.params.n):
            generation = _sample(row, rng, should_stop)
            ids, lps, finish, text = _apply_stop_strings(
                generation,
                [*_stop_strings(row.params), *row.extra_stops],
                row.params.no_stop_trim,
                row.params.skip_special_tokens,
            )
            meta: dict[str, Any] = {
                "id": uuid.uuid4().hex,
                "finish_reason": finish,
                "prompt_tokens": len(row.prompt),
                "completion_tokens": len(ids),
                "cached_tokens": 0,
            }
            if return_logprob:
                meta["output_token_logprobs"] = [
                    [lp, tok, None] for lp, tok in zip(lps, ids, strict=True)
                ]
                meta["input_token_logprobs"] = input_logprobs
                if input_top is not None:
                    meta["input_top_logprobs"] = input_top
            if return_routing:
                fed = [*row.prompt, *ids][row.routing_start : len(row.prompt) + len(ids) - 1]
                meta["routed_experts"] = encode_routing(routing_for_tokens(fed))
            outputs.append({"text": text, "output_ids": ids, "meta_info": meta})
    return outputs


def _prompt_logprobs(row: Row, start: int) -> list[list[Any]]:
    """SGLang's ``input_token_logprobs`` from ``start``: entry 0 is always ``null``."""
    try:
        scored = row.weights.logprobs(row.prompt[:-1], row.prompt[1:])
    except EngineError as exc:
        raise GenerateError(str(exc)) from exc
    return [
        [None if i == start else scored[i - 1], row.prompt[i], None]
        for i in range(start, len(row.prompt))
    ]


def _prompt_top_logprobs(row: Row, start: int, k: int) -> list[list[list[Any]] | None]:
    """SGLang's ``input_top_logprobs`` from ``start`` (entry 0 ``null``, like the logprobs)."""
    try:
        top = row.weights.top_logprobs(row.prompt[:-1], k)
    except EngineError as exc:
        raise GenerateError(str(exc)) from exc
    return [None] + [
        [[lp, token, None] for lp, token in top[i - 1]] for i in range(start + 1, len(row.prompt))
    ]


def _sample(row: Row, rng: np.random.Generator, should_stop: Callable[[], bool]) -> Generation:
    p = row.params
    try:
        return row.weights.generate(
            row.prompt,
            max_new_tokens=(
                _UNLIMITED_MAX_NEW_TOKENS if p.max_new_tokens is None else p.max_new_tokens
            ),
            temperature=p.temperature,
            top_k=p.top_k,
            top_p=p.top_p,
            min_p=p.min_p,
            stop_token_ids=p.stop_token_ids,
            ignore_eos=p.ignore_eos,
            rng=rng,
            should_stop=should_stop,
        )
    except EngineError as exc:
        raise GenerateError(str(exc)) from exc


def _aborted(row: Row, message: str) -> dict[str, Any]:
    meta = {
        "id": uuid.uuid4().hex,
        "finish_reason": {"type": "abort", "message": message},
        "prompt_tokens": len(row.prompt),
        "completion_tokens": 0,
        "cached_tokens": 0,
    }
    return {"text": "", "output_ids": [], "meta_info": meta}


def _stop_strings(params: GenerateSamplingParams) -> list[str]:
    if params.stop is None:
        return []
    stops = [params.stop] if isinstance(params.stop, str) else params.stop
    return [s for s in stops if s]


def _apply_stop_strings(
    generation: Generation, stops: list[str], no_stop_trim: bool, skip_special: bool
) -> tuple[list[int], list[float], dict[str, Any], str]:
    """Cut the completion at the first token whose decoded prefix contains a stop string."""
    ids, logprobs, finish = (
        generation.output_ids,
        generation.output_logprobs,
        generation.finish_reason,
    )
    if stops:

        def first_stop(k: int) -> tuple[str, int, str] | None:
            text = TOKENIZER.decode(ids[:k], skip_special_tokens=skip_special)
            hits = [(text.find(s), s) for s in stops if s in text]
            return (text, *min(hits)) if hits else None

        if first_stop(len(ids)) is not None:
            # The shortest prefix that contains a stop, by bisection: once a prefix contains
            # one, every longer prefix does, and decoding each prefix in turn was quadratic.
            low, high = 1, len(ids)
            while low < high:
                middle = (low + high) // 2
                if first_stop(middle) is None:
                    low = middle + 1
                else:
                    high = middle
            found = first_stop(low)
            assert found is not None
            text, position, matched = found
            cut = text[: position + len(matched)] if no_stop_trim else text[:position]
            return ids[:low], logprobs[:low], {"type": "stop", "matched": matched}, cut
    text = TOKENIZER.decode(ids, skip_special_tokens=skip_special)
    if finish.get("type") == "stop" and not no_stop_trim and ids and 0 <= ids[-1] < 256:
        # A byte stop token (e.g. "\n") is trimmed from the text like SGLang trims stops.
        text = TOKENIZER.decode(ids[:-1], skip_special_tokens=skip_special)
    return ids, logprobs, finish, text
