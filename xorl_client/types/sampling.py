"""Sampling settings and results (Tinker's ``SamplingParams``, ``SampleResponse``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from xorl_client.errors import DataValidationError
from xorl_client.types._common import check_number as _check_number

__all__ = ["SampleResponse", "SampledSequence", "SamplingParams", "StopReason"]

StopReason: TypeAlias = Literal["length", "stop"]


@dataclass(slots=True)
class SamplingParams:
    """How to sample (Tinker's ``SamplingParams``), mapped to SGLang by :meth:`to_sglang`.

    ``stop`` may be a string, a list of strings or a list of token ids.

    >>> SamplingParams(max_tokens=16, temperature=0.7, stop=["\\n"], seed=1).to_sglang()
    {'temperature': 0.7, 'top_p': 1.0, 'top_k': -1, 'min_p': 0.0, 'max_new_tokens': 16, 'stop': ['\\n'], 'sampling_seed': 1}
    >>> SamplingParams(stop=[2]).to_sglang()["stop_token_ids"]
    [2]
    """

    max_tokens: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    min_p: float = 0.0
    stop: str | list[str] | list[int] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        o = "sampling_params"
        if self.max_tokens is not None and (
            isinstance(self.max_tokens, bool)
            or not isinstance(self.max_tokens, int)
            or self.max_tokens < 1
        ):
            raise DataValidationError(
                f"sampling_params.max_tokens must be a positive integer or None, not {self.max_tokens!r}",
                field="sampling_params.max_tokens",
                rule="max_tokens >= 1",
            )
        _check_number("temperature", self.temperature, low=0.0, owner=o)
        _check_number("top_p", self.top_p, low=0.0, high=1.0, low_open=True, owner=o)
        _check_number("min_p", self.min_p, low=0.0, high=1.0, owner=o)
        if (
            isinstance(self.top_k, bool)
            or not isinstance(self.top_k, int)
            or (self.top_k < 1 and self.top_k != -1)
        ):
            raise DataValidationError(
                f"sampling_params.top_k must be -1 (off) or a positive integer, not {self.top_k!r}",
                field="sampling_params.top_k",
                rule="top_k == -1 or top_k >= 1",
            )
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise DataValidationError(
                f"sampling_params.seed must be an integer or None, not {self.seed!r}",
                field="sampling_params.seed",
                rule="seed is an integer",
            )
        stop: Any = self.stop
        if stop is not None and not isinstance(stop, str):
            stop = list(stop)
            kinds = set(map(type, stop))
            if not (kinds <= {str} or kinds <= {int}):
                raise DataValidationError(
                    "sampling_params.stop must be a string, a list of strings or a list of token "
                    f"ids (not a mix), got {self.stop!r}",
                    field="sampling_params.stop",
                    rule="stop is str | list[str] | list[int]",
                )
            self.stop = stop

    def to_sglang(self) -> dict[str, Any]:
        """SGLang ``sampling_params``: ``max_new_tokens``, ``stop`` / ``stop_token_ids``, ``sampling_seed``."""
        out: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "min_p": self.min_p,
        }
        if self.max_tokens is not None:
            out["max_new_tokens"] = self.max_tokens
        if isinstance(self.stop, str):
            out["stop"] = [self.stop]
        elif self.stop:
            if isinstance(self.stop[0], str):
                out["stop"] = list(self.stop)
            else:
                out["stop_token_ids"] = list(self.stop)
        if self.seed is not None:
            out["sampling_seed"] = self.seed
        return out


@dataclass(slots=True)
class SampledSequence:
    """One generated completion: its tokens (completion only), logprobs and why it stopped."""

    tokens: list[int]
    logprobs: list[float] | None
    stop_reason: StopReason
    text: str | None = None


@dataclass(slots=True)
class SampleResponse:
    """The sequences generated for one prompt, plus prompt logprobs when requested.

    ``prompt_logprobs[0]`` is ``None`` (the first token has no prediction).
    """

    sequences: list[SampledSequence]
    prompt_logprobs: list[float | None] | None = None
