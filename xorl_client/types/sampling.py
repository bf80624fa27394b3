"""Sampling settings and results (``SamplingParams``, ``SampledSequence``, ``SampleResponse``).

Field names, order and defaults follow the official client (``max_tokens`` 128, ...), so its
positional calls work; Tinker's names are the same. ``seed`` (Tinker) and ``sampling_seed``
(SGLang) are two names for one setting. ``to_dict()`` / ``to_sglang()`` give SGLang's
``sampling_params`` object; ``from_dict`` reads either spelling back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeAlias

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel
from xorl_client.types._common import check_number as _check_number

__all__ = ["SampleResponse", "SampledSequence", "SamplingParams", "StopReason"]

StopReason: TypeAlias = Literal["length", "stop"]

#: SGLang's ``sampling_params`` names that differ from ours (read back by ``from_dict``).
_SGLANG_NAMES: dict[str, str] = {"max_new_tokens": "max_tokens"}


def _bad(name: str, message: str, rule: str) -> DataValidationError:
    return DataValidationError(
        f"sampling_params.{name} {message}", field=f"sampling_params.{name}", rule=rule
    )


def _check_int(name: str, value: Any, *, low: int | None, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
        what = "an integer" if low is None else f"an integer >= {low}"
        raise _bad(
            name,
            f"must be {what}{' or None' if optional else ''}, not {value!r}",
            f"{name} is {what}",
        )


@dataclass(slots=True)
class SamplingParams(XorlModel):
    """How to sample. Mapped to SGLang by :meth:`to_sglang` (= :meth:`to_dict`).

    ``stop`` may be a string, a list of strings or a list of token ids (token ids can also go
    in ``stop_token_ids``). ``max_tokens=None`` leaves the limit to the server.
    ``return_routed_experts`` / ``return_expert_logits`` ask for MoE routing data in
    ``SampleResponse.meta_info``. ``return_routed_experts_file``, ``routed_experts_start_len``
    and the ``chat_*`` fields belong to the official client's native-batch and chat-completion
    paths; ``/generate`` does not send them (as in the official client).

    >>> SamplingParams(max_tokens=16, temperature=0.7, stop=["\\n"], seed=1).to_sglang()
    {'temperature': 0.7, 'top_p': 1.0, 'top_k': -1, 'min_p': 0.0, 'max_new_tokens': 16, 'stop': ['\\n'], 'sampling_seed': 1}
    >>> SamplingParams(stop=[2]).to_sglang()["stop_token_ids"]
    [2]
    """

    max_tokens: int | None = 128
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    stop: str | list[str] | list[int] | None = None
    stop_token_ids: list[int] | None = None
    return_routed_experts: bool = False
    seed: int | None = None
    sampling_seed: int | None = None
    ignore_eos: bool = False
    no_stop_trim: bool = False
    custom_params: dict[str, Any] | None = None
    return_expert_logits: bool = False
    return_routed_experts_file: bool = False
    routed_experts_start_len: int = 0
    chat_continue_final_message: bool = False
    chat_template_kwargs: dict[str, Any] | None = None
    chat_logprob_start_len: int | None = None
    min_p: float = 0.0

    def __post_init__(self) -> None:
        o = "sampling_params"
        _check_int("max_tokens", self.max_tokens, low=1, optional=True)
        _check_number("temperature", self.temperature, low=0.0, owner=o)
        _check_number("top_p", self.top_p, low=0.0, high=1.0, low_open=True, owner=o)
        _check_number("min_p", self.min_p, low=0.0, high=1.0, owner=o)
        if (
            isinstance(self.top_k, bool)
            or not isinstance(self.top_k, int)
            or (self.top_k < 1 and self.top_k != -1)
        ):
            raise _bad(
                "top_k",
                f"must be -1 (off) or a positive integer, not {self.top_k!r}",
                "top_k == -1 or top_k >= 1",
            )
        _check_int("seed", self.seed, low=None, optional=True)
        _check_int("sampling_seed", self.sampling_seed, low=None, optional=True)
        if None not in (self.seed, self.sampling_seed) and self.seed != self.sampling_seed:
            raise _bad(
                "seed",
                f"({self.seed}) and sampling_seed ({self.sampling_seed}) are two names for the "
                "same setting; give one",
                "one seed",
            )
        # one setting, two names: both read the same value
        self.seed = self.sampling_seed = self.effective_seed
        _check_int("routed_experts_start_len", self.routed_experts_start_len, low=0, optional=False)
        _check_int("chat_logprob_start_len", self.chat_logprob_start_len, low=0, optional=True)
        for flag in (
            "return_routed_experts",
            "ignore_eos",
            "no_stop_trim",
            "return_expert_logits",
            "return_routed_experts_file",
            "chat_continue_final_message",
        ):
            if not isinstance(getattr(self, flag), bool):
                raise _bad(flag, f"must be True or False, not {getattr(self, flag)!r}", "a bool")
        for name in ("custom_params", "chat_template_kwargs"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Mapping):
                raise _bad(name, f"must be a dict or None, not {value!r}", "a dict")
        stop: Any = self.stop
        if stop is not None and not isinstance(stop, str):
            stop = list(stop)
            kinds = set(map(type, stop))
            if not (kinds <= {str} or kinds <= {int}):
                raise _bad(
                    "stop",
                    "must be a string, a list of strings or a list of token ids (not a mix), "
                    f"got {self.stop!r}",
                    "stop is str | list[str] | list[int]",
                )
            self.stop = stop
        if self.stop_token_ids is not None:
            ids: Any = self.stop_token_ids
            if isinstance(ids, str) or not all(type(t) is int and t >= 0 for t in ids):
                raise _bad(
                    "stop_token_ids",
                    f"must be a list of token ids, not {ids!r}",
                    "token ids are non-negative integers",
                )
            self.stop_token_ids = list(ids)

    @property
    def effective_seed(self) -> int | None:
        """The seed sent as SGLang's ``sampling_seed`` (``seed`` or ``sampling_seed``)."""
        return self.seed if self.seed is not None else self.sampling_seed

    def to_sglang(self) -> dict[str, Any]:
        """SGLang ``sampling_params``: ``max_new_tokens``, ``stop`` / ``stop_token_ids``, ``sampling_seed``, ..."""
        out: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "min_p": self.min_p,
        }
        if self.max_tokens is not None:
            out["max_new_tokens"] = self.max_tokens
        stop_ids: list[int] = []
        if isinstance(self.stop, str):
            out["stop"] = [self.stop]
        elif self.stop:
            if isinstance(self.stop[0], str):
                out["stop"] = [s for s in self.stop if s]
            else:
                stop_ids = [int(t) for t in self.stop]
        for token in self.stop_token_ids or []:
            if token not in stop_ids:
                stop_ids.append(token)
        if stop_ids:
            out["stop_token_ids"] = stop_ids
        if self.effective_seed is not None:
            out["sampling_seed"] = self.effective_seed
        if self.ignore_eos:
            out["ignore_eos"] = True
        if self.no_stop_trim:
            out["no_stop_trim"] = True
        if self.custom_params is not None:
            out["custom_params"] = dict(self.custom_params)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The official client's form: SGLang's ``sampling_params`` object (see :meth:`to_sglang`)."""
        return self.to_sglang()

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SamplingParams:
        """Build from field names or SGLang's names (``max_new_tokens``); unknown keys are refused."""
        names = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in d.items():
            name = _SGLANG_NAMES.get(key, key)
            if name not in names:
                raise DataValidationError(
                    f"sampling_params has unknown key {key!r}; valid: {sorted(names)}",
                    field=f"sampling_params.{key}",
                    rule="sampling params use known names",
                )
            values[name] = value
        return cls(**values)


@dataclass(slots=True)
class SampledSequence(XorlModel):
    """One generated completion: its tokens (completion only), why it stopped, logprobs, text.

    ``prompt_tokens`` is filled only by chat-style answers that echo the prompt's ids.
    ``routed_experts`` (with ``SamplingParams(return_routed_experts=True)``) is the MoE routing
    of this sequence exactly as the inference server sent it: SGLang's base64 of int32
    ``[positions, layers, top_k]`` for the fed positions (prompt and completion, the last
    completion token excluded). Pass it unchanged as ``Datum(routed_experts=...)``;
    :func:`~xorl_client.decode_routed_experts` turns it into nested lists.
    """

    tokens: list[int]
    stop_reason: StopReason = "stop"
    logprobs: list[float] | None = None
    text: str | None = None
    prompt_tokens: list[int] | None = None
    routed_experts: str | None = None


@dataclass(slots=True)
class SampleResponse(XorlModel):
    """The sequences generated for one prompt, plus prompt logprobs when requested.

    ``text`` / ``tokens`` / ``logprobs`` read the first sequence. ``meta_info`` is the
    server's ``meta_info`` of the first sequence (request id, finish reason, token counts, MoE
    routing data when asked for); it does not take part in ``==``. ``prompt_logprobs[0]`` is
    ``None`` (the first token has no prediction).

    >>> r = SampleResponse([SampledSequence([5, 6], logprobs=[-0.1, -0.2], text="hi")])
    >>> r.text, r.tokens, r.logprobs
    ('hi', [5, 6], [-0.1, -0.2])
    """

    sequences: list[SampledSequence] = field(default_factory=list)
    # request ids and timings differ between identical samples: not part of equality
    meta_info: dict[str, Any] | None = field(default=None, compare=False)
    prompt_logprobs: list[float | None] | None = None
    topk_prompt_logprobs: list[list[tuple[int, float]] | None] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SampleResponse:
        """Parse the :meth:`to_dict` form back (the sequences become :class:`SampledSequence`)."""
        topk = d.get("topk_prompt_logprobs")
        return cls(
            sequences=[SampledSequence.from_dict(s) for s in d.get("sequences") or []],
            meta_info=d.get("meta_info"),
            prompt_logprobs=d.get("prompt_logprobs"),
            topk_prompt_logprobs=(
                None
                if topk is None
                else [None if r is None else [(int(t), float(v)) for t, v in r] for r in topk]
            ),
        )

    @property
    def text(self) -> str:
        """The first sequence's text (``""`` when there is none)."""
        return (self.sequences[0].text or "") if self.sequences else ""

    @property
    def tokens(self) -> list[int]:
        """The first sequence's tokens (``[]`` when there is none)."""
        return self.sequences[0].tokens if self.sequences else []

    @property
    def logprobs(self) -> list[float] | None:
        """The first sequence's logprobs (``None`` when not requested or no sequence)."""
        return self.sequences[0].logprobs if self.sequences else None
