"""Prompt scoring: the logprob of every prompt token under the sampler's weights, no generation.

``score_prompt_logprobs_batch`` sends the rows in one ``/generate`` call with
``max_new_tokens=0`` and ``logprob_start_len`` (one start per row), whatever the client's
``api_format`` is, and reads ``meta_info.input_token_logprobs``. Row ``i``'s list has one entry
per prompt position from its start on; the first entry is always ``None`` (the server keeps no
logit predicting it). ``None`` is never turned into 0.0. With start 0, entry ``j`` is
``log p(row[j] | row[:j])``: exactly what the trainer's ``forward`` gives for the same tokens
under the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xorl_client import _runtime
from xorl_client._twins import value_twin
from xorl_client.errors import DataValidationError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.sampling.native import check_batch, lora_name
from xorl_client.sampling.parse import call_inference, generate_outputs, input_logprob_values
from xorl_client.sampling.request import check_start

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["ScoringMixin"]


@dataclass(frozen=True, slots=True)
class _ScoringRequest:
    body: dict[str, Any]
    starts: list[int]
    counts: list[int]  # positions each row scores: its length minus its start


def _starts(logprob_start_lens: Any, rows: list[list[int]]) -> list[int]:
    if logprob_start_lens is None:
        return [0] * len(rows)
    if isinstance(logprob_start_lens, int) and not isinstance(logprob_start_lens, bool):
        values = [logprob_start_lens] * len(rows)
    elif isinstance(logprob_start_lens, Sequence) and not isinstance(logprob_start_lens, str):
        values = list(logprob_start_lens)
        if len(values) != len(rows):
            raise DataValidationError(
                f"logprob_start_lens has {len(values)} entries for {len(rows)} rows; give one "
                "start for every row or exactly one per row",
                field="logprob_start_lens",
                rule="one logprob_start_len per row",
            )
    else:
        raise DataValidationError(
            f"logprob_start_lens must be None, an int or a list of ints, not "
            f"{logprob_start_lens!r}",
            field="logprob_start_lens",
            rule="logprob_start_lens is None, an int or a list of ints",
        )
    for index, (start, row) in enumerate(zip(values, rows, strict=True)):
        try:
            check_start(start, len(row), f"logprob_start_lens[{index}]")
        except DataValidationError as exc:
            raise DataValidationError(
                str(exc), field="logprob_start_lens", datum_index=index, rule=exc.rule
            ) from None
    return values


class ScoringMixin:
    """``score_prompt_logprobs_batch`` for :class:`~xorl_client.SamplingClient`."""

    _transport: Transport
    lora_path: str | None
    model: str | None

    def score_prompt_logprobs_batch(
        self,
        input_ids_batch: Sequence[Sequence[int]],
        logprob_start_lens: int | Sequence[int] | None = None,
        lora_path: str | None = None,
    ) -> APIFuture[list[list[float | None]]]:
        """The logprob of each prompt token of each row (see the module docstring).

        Args:
            input_ids_batch: tokenized prompts; ``[]`` gives ``[]`` without a request.
            logprob_start_lens: the first position to score: ``None`` (0 for every row), one
                int for every row, or one per row. Each must be below its row's length.
            lora_path: score under this loaded adapter instead of the client's.

        Returns an :class:`~xorl_client.APIFuture` of one list per row, entry ``i`` the
        logprob of position ``start + i`` (``None`` for the first).
        """
        if isinstance(input_ids_batch, Sequence) and len(input_ids_batch) == 0:
            return APIFuture.from_value([], operation="score_prompt_logprobs_batch")
        rows = check_batch(input_ids_batch)
        starts = _starts(logprob_start_lens, rows)
        body: dict[str, Any] = {
            "input_ids": rows,
            "sampling_params": {"max_new_tokens": 0, "temperature": 0.0},
            "return_logprob": True,
            "logprob_start_len": starts,
        }
        if self.model:
            body["model"] = self.model
        adapter = lora_name(lora_path, self.lora_path)
        if adapter:
            body["lora_path"] = adapter
        deadline = self._transport.deadline()
        counts = [len(row) - start for row, start in zip(rows, starts, strict=True)]
        coro = self._score_rows(_ScoringRequest(body, starts, counts), deadline)
        return APIFuture(_runtime.run_coroutine(coro), operation="score_prompt_logprobs_batch")

    score_prompt_logprobs_batch_async = value_twin(
        score_prompt_logprobs_batch, cancel_with_caller=True
    )

    async def _score_rows(
        self, request: _ScoringRequest, deadline: float | None
    ) -> list[list[float | None]]:
        from xorl_openapi.api.sampling import generate
        from xorl_openapi.models import GenerateRequest

        operation = "score_prompt_logprobs_batch"
        parsed = await call_inference(
            self._transport,
            generate,
            operation=operation,
            deadline=deadline,
            body=GenerateRequest.from_dict(request.body),
        )
        outputs = generate_outputs(parsed)
        if len(outputs) != len(request.starts):
            raise XorlError(
                f"{operation}: sent {len(request.starts)} rows but the inference server "
                f"answered {len(outputs)} outputs"
            )
        scores: list[list[float | None]] = []
        for index, out in enumerate(outputs):
            entries = out.meta_info.input_token_logprobs
            if not isinstance(entries, list) or not entries:
                raise XorlError(
                    f"{operation}: row {index} came back without meta_info.input_token_logprobs"
                )
            if len(entries) != request.counts[index]:
                raise XorlError(
                    f"{operation}: row {index} has {len(entries)} input_token_logprobs but "
                    f"{request.counts[index]} positions from its start were scored"
                )
            scores.append(input_logprob_values(entries, operation))
        return scores
