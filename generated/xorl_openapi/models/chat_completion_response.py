from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_completion_choice import ChatCompletionChoice
    from ..models.chat_completion_metadata import ChatCompletionMetadata
    from ..models.chat_completion_usage import ChatCompletionUsage
    from ..models.sgl_ext import SglExt


T = TypeVar("T", bound="ChatCompletionResponse")


@_attrs_define
class ChatCompletionResponse:
    """
    Attributes:
        id (str):
        object_ (Literal['chat.completion']):
        created (int):
        model (str):
        choices (list[ChatCompletionChoice]):
        usage (ChatCompletionUsage):
        metadata (ChatCompletionMetadata | None | Unset):
        sglext (SglExt | Unset): SGLang's extension fields of an OpenAI-compatible response.
    """

    id: str
    object_: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: ChatCompletionUsage
    metadata: ChatCompletionMetadata | None | Unset = UNSET
    sglext: SglExt | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_completion_metadata import ChatCompletionMetadata  # noqa: PLC0415

        id = self.id

        object_ = self.object_

        created = self.created

        model = self.model

        choices = []
        for choices_item_data in self.choices:
            choices_item = choices_item_data.to_dict()
            choices.append(choices_item)

        usage = self.usage.to_dict()

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ChatCompletionMetadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        sglext: dict[str, Any] | Unset = UNSET
        if not isinstance(self.sglext, Unset):
            sglext = self.sglext.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "created": created,
                "model": model,
                "choices": choices,
                "usage": usage,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if sglext is not UNSET:
            field_dict["sglext"] = sglext

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_completion_choice import ChatCompletionChoice  # noqa: PLC0415
        from ..models.chat_completion_metadata import ChatCompletionMetadata  # noqa: PLC0415
        from ..models.chat_completion_usage import ChatCompletionUsage  # noqa: PLC0415
        from ..models.sgl_ext import SglExt  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["chat.completion"], d.pop("object"))
        if object_ != "chat.completion":
            raise ValueError(f"object must match const 'chat.completion', got '{object_}'")

        created = d.pop("created")

        model = d.pop("model")

        choices = []
        _choices = d.pop("choices")
        for choices_item_data in _choices:
            choices_item = ChatCompletionChoice.from_dict(choices_item_data)

            choices.append(choices_item)

        usage = ChatCompletionUsage.from_dict(d.pop("usage"))

        def _parse_metadata(data: object) -> ChatCompletionMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = ChatCompletionMetadata.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionMetadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        _sglext = d.pop("sglext", UNSET)
        sglext: SglExt | Unset
        if isinstance(_sglext, Unset):
            sglext = UNSET
        else:
            sglext = SglExt.from_dict(_sglext)

        chat_completion_response = cls(
            id=id,
            object_=object_,
            created=created,
            model=model,
            choices=choices,
            usage=usage,
            metadata=metadata,
            sglext=sglext,
        )

        chat_completion_response.additional_properties = d
        return chat_completion_response

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
