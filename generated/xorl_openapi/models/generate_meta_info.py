from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.finish_reason import FinishReason


T = TypeVar("T", bound="GenerateMetaInfo")


@_attrs_define
class GenerateMetaInfo:
    """
    Attributes:
        id (str | Unset):
        finish_reason (FinishReason | None | str | Unset): Read `finish_reason.type`; a plain string in older builds.
        prompt_tokens (int | Unset):
        completion_tokens (int | Unset):
        cached_tokens (int | Unset):
        output_token_logprobs (list[list[float | None | str]] | Unset): One `[logprob, token_id, token_text_or_null]`
            per output token (with `return_logprob`).
        input_token_logprobs (list[list[float | None | str]] | Unset): One entry per prompt position from
            `logprob_start_len` on: entry i is
            `[log p(prompt[s+i] | prompt[:s+i]), prompt[s+i], null]` with s the start. Entry 0's
            logprob is always null, whatever the start (the server does not keep the logit that
            predicts it).
        routed_experts (str | Unset): With `return_routed_experts`: base64 of a little-endian int32 C-order array of
            shape
            `[prompt_tokens + completion_tokens - 1 - routed_experts_start_len, layers, top_k]`,
            the expert ids chosen for every fed position. Pass it unchanged as the datum's entry of
            `routed_experts` to forward / forward_backward.
    """

    id: str | Unset = UNSET
    finish_reason: FinishReason | None | str | Unset = UNSET
    prompt_tokens: int | Unset = UNSET
    completion_tokens: int | Unset = UNSET
    cached_tokens: int | Unset = UNSET
    output_token_logprobs: list[list[float | None | str]] | Unset = UNSET
    input_token_logprobs: list[list[float | None | str]] | Unset = UNSET
    routed_experts: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.finish_reason import FinishReason  # noqa: PLC0415

        id = self.id

        finish_reason: dict[str, Any] | None | str | Unset
        if isinstance(self.finish_reason, Unset):
            finish_reason = UNSET
        elif isinstance(self.finish_reason, FinishReason):
            finish_reason = self.finish_reason.to_dict()
        else:
            finish_reason = self.finish_reason

        prompt_tokens = self.prompt_tokens

        completion_tokens = self.completion_tokens

        cached_tokens = self.cached_tokens

        output_token_logprobs: list[list[float | None | str]] | Unset = UNSET
        if not isinstance(self.output_token_logprobs, Unset):
            output_token_logprobs = self.output_token_logprobs

        input_token_logprobs: list[list[float | None | str]] | Unset = UNSET
        if not isinstance(self.input_token_logprobs, Unset):
            input_token_logprobs = self.input_token_logprobs

        routed_experts = self.routed_experts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if finish_reason is not UNSET:
            field_dict["finish_reason"] = finish_reason
        if prompt_tokens is not UNSET:
            field_dict["prompt_tokens"] = prompt_tokens
        if completion_tokens is not UNSET:
            field_dict["completion_tokens"] = completion_tokens
        if cached_tokens is not UNSET:
            field_dict["cached_tokens"] = cached_tokens
        if output_token_logprobs is not UNSET:
            field_dict["output_token_logprobs"] = output_token_logprobs
        if input_token_logprobs is not UNSET:
            field_dict["input_token_logprobs"] = input_token_logprobs
        if routed_experts is not UNSET:
            field_dict["routed_experts"] = routed_experts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.finish_reason import FinishReason  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id", UNSET)

        def _parse_finish_reason(data: object) -> FinishReason | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                finish_reason_type_0 = FinishReason.from_dict(data)

                return finish_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FinishReason | None | str | Unset, data)

        finish_reason = _parse_finish_reason(d.pop("finish_reason", UNSET))

        prompt_tokens = d.pop("prompt_tokens", UNSET)

        completion_tokens = d.pop("completion_tokens", UNSET)

        cached_tokens = d.pop("cached_tokens", UNSET)

        output_token_logprobs = cast(list[list[float | None | str]], d.pop("output_token_logprobs", UNSET))

        input_token_logprobs = cast(list[list[float | None | str]], d.pop("input_token_logprobs", UNSET))

        routed_experts = d.pop("routed_experts", UNSET)

        generate_meta_info = cls(
            id=id,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=cached_tokens,
            output_token_logprobs=output_token_logprobs,
            input_token_logprobs=input_token_logprobs,
            routed_experts=routed_experts,
        )

        generate_meta_info.additional_properties = d
        return generate_meta_info

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
