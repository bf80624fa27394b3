from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SGLangSamplingParams")


@_attrs_define
class SGLangSamplingParams:
    """
    Attributes:
        max_new_tokens (int | Unset):
        temperature (float | Unset):
        top_p (float | Unset):
        top_k (int | Unset): -1 = off.
        min_p (float | Unset):
        stop (list[str] | str | Unset):
        stop_token_ids (list[int] | Unset):
        n (int | Unset): Samples per prompt.
        sampling_seed (int | Unset):
        ignore_eos (bool | Unset):
        no_stop_trim (bool | Unset):
        skip_special_tokens (bool | Unset):
    """

    max_new_tokens: int | Unset = UNSET
    temperature: float | Unset = UNSET
    top_p: float | Unset = UNSET
    top_k: int | Unset = UNSET
    min_p: float | Unset = UNSET
    stop: list[str] | str | Unset = UNSET
    stop_token_ids: list[int] | Unset = UNSET
    n: int | Unset = UNSET
    sampling_seed: int | Unset = UNSET
    ignore_eos: bool | Unset = UNSET
    no_stop_trim: bool | Unset = UNSET
    skip_special_tokens: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        max_new_tokens = self.max_new_tokens

        temperature = self.temperature

        top_p = self.top_p

        top_k = self.top_k

        min_p = self.min_p

        stop: list[str] | str | Unset
        if isinstance(self.stop, Unset):
            stop = UNSET
        elif isinstance(self.stop, list):
            stop = self.stop

        else:
            stop = self.stop

        stop_token_ids: list[int] | Unset = UNSET
        if not isinstance(self.stop_token_ids, Unset):
            stop_token_ids = self.stop_token_ids

        n = self.n

        sampling_seed = self.sampling_seed

        ignore_eos = self.ignore_eos

        no_stop_trim = self.no_stop_trim

        skip_special_tokens = self.skip_special_tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if max_new_tokens is not UNSET:
            field_dict["max_new_tokens"] = max_new_tokens
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if top_p is not UNSET:
            field_dict["top_p"] = top_p
        if top_k is not UNSET:
            field_dict["top_k"] = top_k
        if min_p is not UNSET:
            field_dict["min_p"] = min_p
        if stop is not UNSET:
            field_dict["stop"] = stop
        if stop_token_ids is not UNSET:
            field_dict["stop_token_ids"] = stop_token_ids
        if n is not UNSET:
            field_dict["n"] = n
        if sampling_seed is not UNSET:
            field_dict["sampling_seed"] = sampling_seed
        if ignore_eos is not UNSET:
            field_dict["ignore_eos"] = ignore_eos
        if no_stop_trim is not UNSET:
            field_dict["no_stop_trim"] = no_stop_trim
        if skip_special_tokens is not UNSET:
            field_dict["skip_special_tokens"] = skip_special_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        max_new_tokens = d.pop("max_new_tokens", UNSET)

        temperature = d.pop("temperature", UNSET)

        top_p = d.pop("top_p", UNSET)

        top_k = d.pop("top_k", UNSET)

        min_p = d.pop("min_p", UNSET)

        def _parse_stop(data: object) -> list[str] | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stop_type_1 = cast(list[str], data)

                return stop_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | str | Unset, data)

        stop = _parse_stop(d.pop("stop", UNSET))

        stop_token_ids = cast(list[int], d.pop("stop_token_ids", UNSET))

        n = d.pop("n", UNSET)

        sampling_seed = d.pop("sampling_seed", UNSET)

        ignore_eos = d.pop("ignore_eos", UNSET)

        no_stop_trim = d.pop("no_stop_trim", UNSET)

        skip_special_tokens = d.pop("skip_special_tokens", UNSET)

        sg_lang_sampling_params = cls(
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            stop=stop,
            stop_token_ids=stop_token_ids,
            n=n,
            sampling_seed=sampling_seed,
            ignore_eos=ignore_eos,
            no_stop_trim=no_stop_trim,
            skip_special_tokens=skip_special_tokens,
        )

        sg_lang_sampling_params.additional_properties = d
        return sg_lang_sampling_params

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
