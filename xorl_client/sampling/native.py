"""Native batch generation: many tokenized prompts in one SGLang ``/generate`` call.

``generate_batch_native`` sends ``input_ids`` as a list of rows and ``sampling_params`` as one
object for every row or a list with one per row (so each row can carry its own seed). The
answer must have exactly one output per row, each parsed as strictly as a single sample
(token ids, aligned finite logprobs, a known finish reason); a row of ``n`` samples is not a
thing here - repeat the prompt instead. A seeded row gives what ``sample()`` of that prompt
with the same settings gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xorl_client import _runtime
from xorl_client._twins import value_twin
from xorl_client.errors import DataValidationError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.sampling.parse import (
    call_inference,
    generate_outputs,
    meta_info_of,
    parse_sequence,
)
from xorl_client.sampling.request import coerce_params, routing_flags
from xorl_client.types import SampleResponse, SamplingParams
from xorl_client.types._common import token_ids_of

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["NativeBatchMixin", "check_batch", "lora_name"]


@dataclass(frozen=True, slots=True)
class _NativeRequest:
    body: dict[str, Any]
    rows: int
    return_logprobs: bool


def check_batch(input_ids_batch: Any, name: str = "input_ids_batch") -> list[list[int]]:
    """A non-empty list of non-empty token-id rows (each row a list, ``ModelInput`` or tuple)."""
    if isinstance(input_ids_batch, str | bytes) or not isinstance(input_ids_batch, Sequence):
        raise DataValidationError(
            f"{name} must be a list of token-id lists, not {type(input_ids_batch).__name__}",
            field=name,
            rule=f"{name} is a list of token-id lists",
        )
    if not input_ids_batch:
        raise DataValidationError(
            f"{name} is empty; give at least one row of token ids",
            field=name,
            rule=f"{name} is non-empty",
        )
    if all(type(t) is int for t in input_ids_batch):
        raise DataValidationError(
            f"{name} is a list of ints, i.e. one tokenized prompt; wrap it: [tokens]",
            field=name,
            rule=f"{name} is a list of token-id lists",
        )
    rows: list[list[int]] = []
    for index, row in enumerate(input_ids_batch):
        ids = token_ids_of(row, f"{name}[{index}]")
        if not ids or not all(type(t) is int and t >= 0 for t in ids):
            raise DataValidationError(
                f"{name}[{index}] must be a non-empty list of non-negative token ids, not {row!r}"[
                    :300
                ],
                field=name,
                datum_index=index,
                rule="rows are non-empty lists of token ids",
            )
        rows.append(ids)
    return rows


def lora_name(lora_path: Any, default: str | None) -> str | None:
    """The adapter of one call: ``lora_path`` if given (a non-empty name), else the client's."""
    if lora_path is None:
        return default
    if not isinstance(lora_path, str) or not lora_path.strip():
        raise DataValidationError(
            f"lora_path must be a non-empty adapter name, not {lora_path!r}",
            field="lora_path",
            rule="lora_path is an adapter name",
        )
    return lora_path


def _row_params(sampling_params: Any, rows: int) -> list[SamplingParams]:
    if isinstance(sampling_params, SamplingParams | Mapping) or not isinstance(
        sampling_params, Sequence
    ):
        return [coerce_params(sampling_params)] * rows
    if len(sampling_params) != rows:
        raise DataValidationError(
            f"sampling_params has {len(sampling_params)} entries for {rows} rows; give one "
            "SamplingParams for every row or exactly one per row",
            field="sampling_params",
            rule="one sampling_params per row",
        )
    return [coerce_params(p) for p in sampling_params]


class NativeBatchMixin:
    """``generate_batch_native`` for :class:`~xorl_client.SamplingClient`."""

    _transport: Transport
    lora_path: str | None
    model: str | None

    def generate_batch_native(
        self,
        input_ids_batch: Sequence[Sequence[int]],
        sampling_params: SamplingParams | Sequence[SamplingParams] | Mapping[str, Any],
        *,
        return_logprobs: bool = True,
        lora_path: str | None = None,
    ) -> APIFuture[list[SampleResponse]]:
        """Generate one completion per row of ``input_ids_batch`` in one ``/generate`` call.

        Args:
            input_ids_batch: tokenized prompts (lists of ids or ``ModelInput``).
            sampling_params: one setting for every row, or a list with one per row (e.g. each
                with its own ``seed``). ``return_routed_experts`` / ``return_expert_logits``
                must be the same on every row (they are request-level in SGLang);
                ``routed_experts_start_len`` may differ.
            return_logprobs: fill each sequence's ``logprobs``.
            lora_path: sample from this loaded adapter instead of the client's.

        Returns an :class:`~xorl_client.APIFuture` of one :class:`~xorl_client.SampleResponse`
        per row, in order (each with its row's ``meta_info``). Bad input raises
        :class:`~xorl_client.DataValidationError` here, naming the row; an answer with the
        wrong number of rows or misaligned logprobs raises :class:`~xorl_client.XorlError`.
        """
        rows = check_batch(input_ids_batch)
        params = _row_params(sampling_params, len(rows))
        body: dict[str, Any] = {
            "input_ids": rows,
            "sampling_params": (
                params[0].to_sglang()
                if not isinstance(sampling_params, Sequence) or isinstance(sampling_params, Mapping)
                else [p.to_sglang() for p in params]
            ),
            "return_logprob": bool(return_logprobs),
        }
        if self.model:
            body["model"] = self.model
        adapter = lora_name(lora_path, self.lora_path)
        if adapter:
            body["lora_path"] = adapter
        body.update(routing_flags(params))
        request = _NativeRequest(body, len(rows), bool(return_logprobs))
        deadline = self._transport.deadline()
        coro = self._generate_rows(request, deadline)
        return APIFuture(_runtime.run_coroutine(coro), operation="generate_batch_native")

    generate_batch_native_async = value_twin(generate_batch_native, cancel_with_caller=True)

    async def _generate_rows(
        self, request: _NativeRequest, deadline: float | None
    ) -> list[SampleResponse]:
        from xorl_openapi.api.sampling import generate
        from xorl_openapi.models import GenerateRequest

        parsed = await call_inference(
            self._transport,
            generate,
            operation="generate_batch_native",
            deadline=deadline,
            body=GenerateRequest.from_dict(request.body),
        )
        outputs = generate_outputs(parsed)
        if len(outputs) != request.rows:
            raise XorlError(
                f"generate_batch_native: sent {request.rows} rows but the inference server "
                f"answered {len(outputs)} outputs"
            )
        return [
            SampleResponse(
                sequences=[parse_sequence(out, i, want_logprobs=request.return_logprobs)],
                meta_info=meta_info_of(out) or {},
            )
            for i, out in enumerate(outputs)
        ]
