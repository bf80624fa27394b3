from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_message import ChatMessage
    from ..models.chat_template_kwargs import ChatTemplateKwargs
    from ..models.custom_params import CustomParams


T = TypeVar("T", bound="ChatCompletionRequest")


@_attrs_define
class ChatCompletionRequest:
    """The subset of SGLang's `ChatCompletionRequest` a training client sends; other keys pass
    through. `stream` must be false for the fields below to be returned.

        Attributes:
            messages (list[ChatMessage]):
            model (str | Unset): Routing label (the served model's name or `default`). Default: 'default'.
            max_tokens (int | None | Unset): Completion token limit (`max_completion_tokens` wins when both are set).
            max_completion_tokens (int | None | Unset):
            temperature (float | None | Unset): Default 1.0.
            top_p (float | None | Unset):
            top_k (int | None | Unset): -1 = off.
            min_p (float | None | Unset):
            n (int | Unset): Number of choices. Default: 1.
            stop (list[str] | None | str | Unset):
            stop_token_ids (list[int] | None | Unset):
            seed (int | None | Unset): The engine's `sampling_seed`.
            logprobs (bool | Unset): Return `choices[].logprobs.content`, one entry per completion token. Default: False.
            top_logprobs (int | None | Unset):
            ignore_eos (bool | Unset):  Default: False.
            no_stop_trim (bool | Unset):  Default: False.
            skip_special_tokens (bool | Unset):  Default: True.
            min_tokens (int | Unset):  Default: 0.
            lora_path (None | str | Unset): Adapter name as loaded (`create_sampling_session`'s `lora_name`).
            logprob_start_len (int | None | Unset): xorl-sglang extension for prompt logprobs of the rendered prompt.
            return_routed_experts (bool | Unset): Return the routing in `sglext.routed_experts` (format of
                `GenerateMetaInfo.routed_experts`). Default: False.
            routed_experts_start_len (int | Unset):  Default: 0.
            return_token_ids (bool | Unset): Return each choice's completion token ids in `choices[].token_ids`. Default:
                False.
            return_prompt_token_ids (bool | Unset): Return the rendered prompt's token ids in `choices[].prompt_token_ids`.
                Default: False.
            continue_final_message (bool | Unset): Continue the last (assistant) message instead of starting a new turn.
                Default: False.
            chat_template_kwargs (ChatTemplateKwargs | None | Unset):
            custom_params (CustomParams | None | Unset):
            stream (bool | Unset):  Default: False.
    """

    messages: list[ChatMessage]
    model: str | Unset = "default"
    max_tokens: int | None | Unset = UNSET
    max_completion_tokens: int | None | Unset = UNSET
    temperature: float | None | Unset = UNSET
    top_p: float | None | Unset = UNSET
    top_k: int | None | Unset = UNSET
    min_p: float | None | Unset = UNSET
    n: int | Unset = 1
    stop: list[str] | None | str | Unset = UNSET
    stop_token_ids: list[int] | None | Unset = UNSET
    seed: int | None | Unset = UNSET
    logprobs: bool | Unset = False
    top_logprobs: int | None | Unset = UNSET
    ignore_eos: bool | Unset = False
    no_stop_trim: bool | Unset = False
    skip_special_tokens: bool | Unset = True
    min_tokens: int | Unset = 0
    lora_path: None | str | Unset = UNSET
    logprob_start_len: int | None | Unset = UNSET
    return_routed_experts: bool | Unset = False
    routed_experts_start_len: int | Unset = 0
    return_token_ids: bool | Unset = False
    return_prompt_token_ids: bool | Unset = False
    continue_final_message: bool | Unset = False
    chat_template_kwargs: ChatTemplateKwargs | None | Unset = UNSET
    custom_params: CustomParams | None | Unset = UNSET
    stream: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_template_kwargs import ChatTemplateKwargs  # noqa: PLC0415
        from ..models.custom_params import CustomParams  # noqa: PLC0415

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        model = self.model

        max_tokens: int | None | Unset
        if isinstance(self.max_tokens, Unset):
            max_tokens = UNSET
        else:
            max_tokens = self.max_tokens

        max_completion_tokens: int | None | Unset
        if isinstance(self.max_completion_tokens, Unset):
            max_completion_tokens = UNSET
        else:
            max_completion_tokens = self.max_completion_tokens

        temperature: float | None | Unset
        if isinstance(self.temperature, Unset):
            temperature = UNSET
        else:
            temperature = self.temperature

        top_p: float | None | Unset
        if isinstance(self.top_p, Unset):
            top_p = UNSET
        else:
            top_p = self.top_p

        top_k: int | None | Unset
        if isinstance(self.top_k, Unset):
            top_k = UNSET
        else:
            top_k = self.top_k

        min_p: float | None | Unset
        if isinstance(self.min_p, Unset):
            min_p = UNSET
        else:
            min_p = self.min_p

        n = self.n

        stop: list[str] | None | str | Unset
        if isinstance(self.stop, Unset):
            stop = UNSET
        elif isinstance(self.stop, list):
            stop = self.stop

        else:
            stop = self.stop

        stop_token_ids: list[int] | None | Unset
        if isinstance(self.stop_token_ids, Unset):
            stop_token_ids = UNSET
        elif isinstance(self.stop_token_ids, list):
            stop_token_ids = self.stop_token_ids

        else:
            stop_token_ids = self.stop_token_ids

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        logprobs = self.logprobs

        top_logprobs: int | None | Unset
        if isinstance(self.top_logprobs, Unset):
            top_logprobs = UNSET
        else:
            top_logprobs = self.top_logprobs

        ignore_eos = self.ignore_eos

        no_stop_trim = self.no_stop_trim

        skip_special_tokens = self.skip_special_tokens

        min_tokens = self.min_tokens

        lora_path: None | str | Unset
        if isinstance(self.lora_path, Unset):
            lora_path = UNSET
        else:
            lora_path = self.lora_path

        logprob_start_len: int | None | Unset
        if isinstance(self.logprob_start_len, Unset):
            logprob_start_len = UNSET
        else:
            logprob_start_len = self.logprob_start_len

        return_routed_experts = self.return_routed_experts

        routed_experts_start_len = self.routed_experts_start_len

        return_token_ids = self.return_token_ids

        return_prompt_token_ids = self.return_prompt_token_ids

        continue_final_message = self.continue_final_message

        chat_template_kwargs: dict[str, Any] | None | Unset
        if isinstance(self.chat_template_kwargs, Unset):
            chat_template_kwargs = UNSET
        elif isinstance(self.chat_template_kwargs, ChatTemplateKwargs):
            chat_template_kwargs = self.chat_template_kwargs.to_dict()
        else:
            chat_template_kwargs = self.chat_template_kwargs

        custom_params: dict[str, Any] | None | Unset
        if isinstance(self.custom_params, Unset):
            custom_params = UNSET
        elif isinstance(self.custom_params, CustomParams):
            custom_params = self.custom_params.to_dict()
        else:
            custom_params = self.custom_params

        stream = self.stream

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "messages": messages,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model
        if max_tokens is not UNSET:
            field_dict["max_tokens"] = max_tokens
        if max_completion_tokens is not UNSET:
            field_dict["max_completion_tokens"] = max_completion_tokens
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if top_p is not UNSET:
            field_dict["top_p"] = top_p
        if top_k is not UNSET:
            field_dict["top_k"] = top_k
        if min_p is not UNSET:
            field_dict["min_p"] = min_p
        if n is not UNSET:
            field_dict["n"] = n
        if stop is not UNSET:
            field_dict["stop"] = stop
        if stop_token_ids is not UNSET:
            field_dict["stop_token_ids"] = stop_token_ids
        if seed is not UNSET:
            field_dict["seed"] = seed
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if top_logprobs is not UNSET:
            field_dict["top_logprobs"] = top_logprobs
        if ignore_eos is not UNSET:
            field_dict["ignore_eos"] = ignore_eos
        if no_stop_trim is not UNSET:
            field_dict["no_stop_trim"] = no_stop_trim
        if skip_special_tokens is not UNSET:
            field_dict["skip_special_tokens"] = skip_special_tokens
        if min_tokens is not UNSET:
            field_dict["min_tokens"] = min_tokens
        if lora_path is not UNSET:
            field_dict["lora_path"] = lora_path
        if logprob_start_len is not UNSET:
            field_dict["logprob_start_len"] = logprob_start_len
        if return_routed_experts is not UNSET:
            field_dict["return_routed_experts"] = return_routed_experts
        if routed_experts_start_len is not UNSET:
            field_dict["routed_experts_start_len"] = routed_experts_start_len
        if return_token_ids is not UNSET:
            field_dict["return_token_ids"] = return_token_ids
        if return_prompt_token_ids is not UNSET:
            field_dict["return_prompt_token_ids"] = return_prompt_token_ids
        if continue_final_message is not UNSET:
            field_dict["continue_final_message"] = continue_final_message
        if chat_template_kwargs is not UNSET:
            field_dict["chat_template_kwargs"] = chat_template_kwargs
        if custom_params is not UNSET:
            field_dict["custom_params"] = custom_params
        if stream is not UNSET:
            field_dict["stream"] = stream

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_message import ChatMessage  # noqa: PLC0415
        from ..models.chat_template_kwargs import ChatTemplateKwargs  # noqa: PLC0415
        from ..models.custom_params import CustomParams  # noqa: PLC0415

        d = dict(src_dict)
        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = ChatMessage.from_dict(messages_item_data)

            messages.append(messages_item)

        model = d.pop("model", UNSET)

        def _parse_max_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_tokens = _parse_max_tokens(d.pop("max_tokens", UNSET))

        def _parse_max_completion_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_completion_tokens = _parse_max_completion_tokens(d.pop("max_completion_tokens", UNSET))

        def _parse_temperature(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        temperature = _parse_temperature(d.pop("temperature", UNSET))

        def _parse_top_p(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        top_p = _parse_top_p(d.pop("top_p", UNSET))

        def _parse_top_k(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_k = _parse_top_k(d.pop("top_k", UNSET))

        def _parse_min_p(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        min_p = _parse_min_p(d.pop("min_p", UNSET))

        n = d.pop("n", UNSET)

        def _parse_stop(data: object) -> list[str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stop_type_1 = cast(list[str], data)

                return stop_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | str | Unset, data)

        stop = _parse_stop(d.pop("stop", UNSET))

        def _parse_stop_token_ids(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                stop_token_ids_type_0 = cast(list[int], data)

                return stop_token_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        stop_token_ids = _parse_stop_token_ids(d.pop("stop_token_ids", UNSET))

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        logprobs = d.pop("logprobs", UNSET)

        def _parse_top_logprobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        top_logprobs = _parse_top_logprobs(d.pop("top_logprobs", UNSET))

        ignore_eos = d.pop("ignore_eos", UNSET)

        no_stop_trim = d.pop("no_stop_trim", UNSET)

        skip_special_tokens = d.pop("skip_special_tokens", UNSET)

        min_tokens = d.pop("min_tokens", UNSET)

        def _parse_lora_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lora_path = _parse_lora_path(d.pop("lora_path", UNSET))

        def _parse_logprob_start_len(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        logprob_start_len = _parse_logprob_start_len(d.pop("logprob_start_len", UNSET))

        return_routed_experts = d.pop("return_routed_experts", UNSET)

        routed_experts_start_len = d.pop("routed_experts_start_len", UNSET)

        return_token_ids = d.pop("return_token_ids", UNSET)

        return_prompt_token_ids = d.pop("return_prompt_token_ids", UNSET)

        continue_final_message = d.pop("continue_final_message", UNSET)

        def _parse_chat_template_kwargs(data: object) -> ChatTemplateKwargs | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                chat_template_kwargs_type_0 = ChatTemplateKwargs.from_dict(data)

                return chat_template_kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatTemplateKwargs | None | Unset, data)

        chat_template_kwargs = _parse_chat_template_kwargs(d.pop("chat_template_kwargs", UNSET))

        def _parse_custom_params(data: object) -> CustomParams | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_params_type_0 = CustomParams.from_dict(data)

                return custom_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CustomParams | None | Unset, data)

        custom_params = _parse_custom_params(d.pop("custom_params", UNSET))

        stream = d.pop("stream", UNSET)

        chat_completion_request = cls(
            messages=messages,
            model=model,
            max_tokens=max_tokens,
            max_completion_tokens=max_completion_tokens,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            n=n,
            stop=stop,
            stop_token_ids=stop_token_ids,
            seed=seed,
            logprobs=logprobs,
            top_logprobs=top_logprobs,
            ignore_eos=ignore_eos,
            no_stop_trim=no_stop_trim,
            skip_special_tokens=skip_special_tokens,
            min_tokens=min_tokens,
            lora_path=lora_path,
            logprob_start_len=logprob_start_len,
            return_routed_experts=return_routed_experts,
            routed_experts_start_len=routed_experts_start_len,
            return_token_ids=return_token_ids,
            return_prompt_token_ids=return_prompt_token_ids,
            continue_final_message=continue_final_message,
            chat_template_kwargs=chat_template_kwargs,
            custom_params=custom_params,
            stream=stream,
        )

        chat_completion_request.additional_properties = d
        return chat_completion_request

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
