from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_completion_logprobs import ChatCompletionLogprobs
    from ..models.chat_completion_message import ChatCompletionMessage


T = TypeVar("T", bound="ChatCompletionChoice")


@_attrs_define
class ChatCompletionChoice:
    """
    Attributes:
        index (int):
        message (ChatCompletionMessage):
        finish_reason (None | str): `stop`, `length` or `abort` (also `tool_calls`, `content_filter`).
        logprobs (ChatCompletionLogprobs | None | Unset):
        matched_stop (int | None | str | Unset): The stop token id or string that ended the completion.
        token_ids (list[int] | Unset): The completion's token ids (with `return_token_ids`).
        prompt_token_ids (list[int] | Unset): The rendered prompt's token ids (with `return_prompt_token_ids`).
    """

    index: int
    message: ChatCompletionMessage
    finish_reason: None | str
    logprobs: ChatCompletionLogprobs | None | Unset = UNSET
    matched_stop: int | None | str | Unset = UNSET
    token_ids: list[int] | Unset = UNSET
    prompt_token_ids: list[int] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_completion_logprobs import ChatCompletionLogprobs  # noqa: PLC0415

        index = self.index

        message = self.message.to_dict()

        finish_reason: None | str
        finish_reason = self.finish_reason

        logprobs: dict[str, Any] | None | Unset
        if isinstance(self.logprobs, Unset):
            logprobs = UNSET
        elif isinstance(self.logprobs, ChatCompletionLogprobs):
            logprobs = self.logprobs.to_dict()
        else:
            logprobs = self.logprobs

        matched_stop: int | None | str | Unset
        if isinstance(self.matched_stop, Unset):
            matched_stop = UNSET
        else:
            matched_stop = self.matched_stop

        token_ids: list[int] | Unset = UNSET
        if not isinstance(self.token_ids, Unset):
            token_ids = self.token_ids

        prompt_token_ids: list[int] | Unset = UNSET
        if not isinstance(self.prompt_token_ids, Unset):
            prompt_token_ids = self.prompt_token_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "index": index,
                "message": message,
                "finish_reason": finish_reason,
            }
        )
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if matched_stop is not UNSET:
            field_dict["matched_stop"] = matched_stop
        if token_ids is not UNSET:
            field_dict["token_ids"] = token_ids
        if prompt_token_ids is not UNSET:
            field_dict["prompt_token_ids"] = prompt_token_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_completion_logprobs import ChatCompletionLogprobs  # noqa: PLC0415
        from ..models.chat_completion_message import ChatCompletionMessage  # noqa: PLC0415

        d = dict(src_dict)
        index = d.pop("index")

        message = ChatCompletionMessage.from_dict(d.pop("message"))

        def _parse_finish_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        finish_reason = _parse_finish_reason(d.pop("finish_reason"))

        def _parse_logprobs(data: object) -> ChatCompletionLogprobs | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                logprobs_type_0 = ChatCompletionLogprobs.from_dict(data)

                return logprobs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionLogprobs | None | Unset, data)

        logprobs = _parse_logprobs(d.pop("logprobs", UNSET))

        def _parse_matched_stop(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        matched_stop = _parse_matched_stop(d.pop("matched_stop", UNSET))

        token_ids = cast(list[int], d.pop("token_ids", UNSET))

        prompt_token_ids = cast(list[int], d.pop("prompt_token_ids", UNSET))

        chat_completion_choice = cls(
            index=index,
            message=message,
            finish_reason=finish_reason,
            logprobs=logprobs,
            matched_stop=matched_stop,
            token_ids=token_ids,
            prompt_token_ids=prompt_token_ids,
        )

        chat_completion_choice.additional_properties = d
        return chat_completion_choice

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
