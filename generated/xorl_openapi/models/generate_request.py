from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sg_lang_sampling_params import SGLangSamplingParams


T = TypeVar("T", bound="GenerateRequest")


@_attrs_define
class GenerateRequest:
    """The subset of SGLang's `GenerateReqInput` a training client needs; other keys pass through.

    Attributes:
        text (list[str] | str | Unset): Prompt text (or a batch of prompts). Exactly one of `text` / `input_ids`.
        input_ids (list[int] | list[list[int]] | Unset): Prompt token ids (or a batch of them).
        sampling_params (list[SGLangSamplingParams] | SGLangSamplingParams | Unset): One object, or one per batch row.
        return_logprob (bool | Unset): Return per-token logprobs: `meta_info.output_token_logprobs` for the completion
            and
            `meta_info.input_token_logprobs` for the prompt from `logprob_start_len`.
        logprob_start_len (int | list[int] | Unset): Prompt scoring: the first prompt position of
            `meta_info.input_token_logprobs`
            (with `return_logprob`). One value for every row, or one per row of a batch. -1 (the
            default) means the last prompt token only (one entry, whose logprob is null). A start
            at or beyond the prompt length aborts that row (`finish_reason.type` `abort`).
        top_logprobs_num (int | Unset):
        lora_path (list[str] | str | Unset): Adapter name as loaded by `create_sampling_session` (its `lora_name`).
        return_routed_experts (bool | Unset): Return the MoE expert ids chosen at every position in
            `meta_info.routed_experts`
            (rollout routing replay, R3). Top level, never inside `sampling_params`.
        routed_experts_start_len (int | list[int] | Unset): First position of the returned routing:
            `meta_info.routed_experts` covers positions
            `[routed_experts_start_len, prompt_tokens + completion_tokens - 1)`. Default 0 (the
            whole sequence); must be in `[0, prompt_tokens]`. One value, or one per batch row.
        model (str | Unset): Optional routing field.
        rid (list[str] | str | Unset): Request id (usable with SGLang's `/abort_request`).
    """

    text: list[str] | str | Unset = UNSET
    input_ids: list[int] | list[list[int]] | Unset = UNSET
    sampling_params: list[SGLangSamplingParams] | SGLangSamplingParams | Unset = UNSET
    return_logprob: bool | Unset = UNSET
    logprob_start_len: int | list[int] | Unset = UNSET
    top_logprobs_num: int | Unset = UNSET
    lora_path: list[str] | str | Unset = UNSET
    return_routed_experts: bool | Unset = UNSET
    routed_experts_start_len: int | list[int] | Unset = UNSET
    model: str | Unset = UNSET
    rid: list[str] | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.sg_lang_sampling_params import SGLangSamplingParams  # noqa: PLC0415

        text: list[str] | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        elif isinstance(self.text, list):
            text = self.text

        else:
            text = self.text

        input_ids: list[int] | list[list[int]] | Unset
        if isinstance(self.input_ids, Unset):
            input_ids = UNSET
        elif isinstance(self.input_ids, list):
            input_ids = self.input_ids

        else:
            input_ids = self.input_ids

        sampling_params: dict[str, Any] | list[dict[str, Any]] | Unset
        if isinstance(self.sampling_params, Unset):
            sampling_params = UNSET
        elif isinstance(self.sampling_params, SGLangSamplingParams):
            sampling_params = self.sampling_params.to_dict()
        else:
            sampling_params = []
            for sampling_params_type_1_item_data in self.sampling_params:
                sampling_params_type_1_item = sampling_params_type_1_item_data.to_dict()
                sampling_params.append(sampling_params_type_1_item)

        return_logprob = self.return_logprob

        logprob_start_len: int | list[int] | Unset
        if isinstance(self.logprob_start_len, Unset):
            logprob_start_len = UNSET
        elif isinstance(self.logprob_start_len, list):
            logprob_start_len = self.logprob_start_len

        else:
            logprob_start_len = self.logprob_start_len

        top_logprobs_num = self.top_logprobs_num

        lora_path: list[str] | str | Unset
        if isinstance(self.lora_path, Unset):
            lora_path = UNSET
        elif isinstance(self.lora_path, list):
            lora_path = self.lora_path

        else:
            lora_path = self.lora_path

        return_routed_experts = self.return_routed_experts

        routed_experts_start_len: int | list[int] | Unset
        if isinstance(self.routed_experts_start_len, Unset):
            routed_experts_start_len = UNSET
        elif isinstance(self.routed_experts_start_len, list):
            routed_experts_start_len = self.routed_experts_start_len

        else:
            routed_experts_start_len = self.routed_experts_start_len

        model = self.model

        rid: list[str] | str | Unset
        if isinstance(self.rid, Unset):
            rid = UNSET
        elif isinstance(self.rid, list):
            rid = self.rid

        else:
            rid = self.rid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if text is not UNSET:
            field_dict["text"] = text
        if input_ids is not UNSET:
            field_dict["input_ids"] = input_ids
        if sampling_params is not UNSET:
            field_dict["sampling_params"] = sampling_params
        if return_logprob is not UNSET:
            field_dict["return_logprob"] = return_logprob
        if logprob_start_len is not UNSET:
            field_dict["logprob_start_len"] = logprob_start_len
        if top_logprobs_num is not UNSET:
            field_dict["top_logprobs_num"] = top_logprobs_num
        if lora_path is not UNSET:
            field_dict["lora_path"] = lora_path
        if return_routed_experts is not UNSET:
            field_dict["return_routed_experts"] = return_routed_experts
        if routed_experts_start_len is not UNSET:
            field_dict["routed_experts_start_len"] = routed_experts_start_len
        if model is not UNSET:
            field_dict["model"] = model
        if rid is not UNSET:
            field_dict["rid"] = rid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sg_lang_sampling_params import SGLangSamplingParams  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_text(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                text_type_1 = cast(list[str], data)

                return text_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        def _parse_input_ids(data: object) -> list[int] | list[list[int]] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                input_ids_type_0 = cast(list[int], data)

                return input_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            input_ids_type_1 = cast(list[list[int]], data)

            return input_ids_type_1

        input_ids = _parse_input_ids(d.pop("input_ids", UNSET))

        def _parse_sampling_params(data: object) -> list[SGLangSamplingParams] | SGLangSamplingParams | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sampling_params_type_0 = SGLangSamplingParams.from_dict(data)

                return sampling_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            sampling_params_type_1 = []
            _sampling_params_type_1 = data
            for sampling_params_type_1_item_data in _sampling_params_type_1:
                sampling_params_type_1_item = SGLangSamplingParams.from_dict(sampling_params_type_1_item_data)

                sampling_params_type_1.append(sampling_params_type_1_item)

            return sampling_params_type_1

        sampling_params = _parse_sampling_params(d.pop("sampling_params", UNSET))

        return_logprob = d.pop("return_logprob", UNSET)

        def _parse_logprob_start_len(data: object) -> int | list[int] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                logprob_start_len_type_1 = cast(list[int], data)

                return logprob_start_len_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(int | list[int] | Unset, data)

        logprob_start_len = _parse_logprob_start_len(d.pop("logprob_start_len", UNSET))

        top_logprobs_num = d.pop("top_logprobs_num", UNSET)

        def _parse_lora_path(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                lora_path_type_1 = cast(list[str], data)

                return lora_path_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        lora_path = _parse_lora_path(d.pop("lora_path", UNSET))

        return_routed_experts = d.pop("return_routed_experts", UNSET)

        def _parse_routed_experts_start_len(data: object) -> int | list[int] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                routed_experts_start_len_type_1 = cast(list[int], data)

                return routed_experts_start_len_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(int | list[int] | Unset, data)

        routed_experts_start_len = _parse_routed_experts_start_len(d.pop("routed_experts_start_len", UNSET))

        model = d.pop("model", UNSET)

        def _parse_rid(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                rid_type_1 = cast(list[str], data)

                return rid_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        rid = _parse_rid(d.pop("rid", UNSET))

        generate_request = cls(
            text=text,
            input_ids=input_ids,
            sampling_params=sampling_params,
            return_logprob=return_logprob,
            logprob_start_len=logprob_start_len,
            top_logprobs_num=top_logprobs_num,
            lora_path=lora_path,
            return_routed_experts=return_routed_experts,
            routed_experts_start_len=routed_experts_start_len,
            model=model,
            rid=rid,
        )

        generate_request.additional_properties = d
        return generate_request

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
