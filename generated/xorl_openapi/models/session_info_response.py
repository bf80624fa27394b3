from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.loaded_sampling_adapters import LoadedSamplingAdapters
    from ..models.session_activity import SessionActivity


T = TypeVar("T", bound="SessionInfoResponse")


@_attrs_define
class SessionInfoResponse:
    """
    Attributes:
        registered_models (list[str]): Registered ids (unordered).
        active_sessions (int): Sessions with an activity timestamp.
        session_activity (SessionActivity): Last activity per session id (unix seconds).
        idle_timeout_seconds (float):
        loaded_sampling_adapters (LoadedSamplingAdapters): Number of sampling adapters loaded per model id.
        loaded_training_adapters (list[str]):
        max_training_adapters (int):
        current_training_adapter (None | str):
    """

    registered_models: list[str]
    active_sessions: int
    session_activity: SessionActivity
    idle_timeout_seconds: float
    loaded_sampling_adapters: LoadedSamplingAdapters
    loaded_training_adapters: list[str]
    max_training_adapters: int
    current_training_adapter: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        registered_models = self.registered_models

        active_sessions = self.active_sessions

        session_activity = self.session_activity.to_dict()

        idle_timeout_seconds = self.idle_timeout_seconds

        loaded_sampling_adapters = self.loaded_sampling_adapters.to_dict()

        loaded_training_adapters = self.loaded_training_adapters

        max_training_adapters = self.max_training_adapters

        current_training_adapter: None | str
        current_training_adapter = self.current_training_adapter

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "registered_models": registered_models,
                "active_sessions": active_sessions,
                "session_activity": session_activity,
                "idle_timeout_seconds": idle_timeout_seconds,
                "loaded_sampling_adapters": loaded_sampling_adapters,
                "loaded_training_adapters": loaded_training_adapters,
                "max_training_adapters": max_training_adapters,
                "current_training_adapter": current_training_adapter,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.loaded_sampling_adapters import LoadedSamplingAdapters  # noqa: PLC0415
        from ..models.session_activity import SessionActivity  # noqa: PLC0415

        d = dict(src_dict)
        registered_models = cast(list[str], d.pop("registered_models"))

        active_sessions = d.pop("active_sessions")

        session_activity = SessionActivity.from_dict(d.pop("session_activity"))

        idle_timeout_seconds = d.pop("idle_timeout_seconds")

        loaded_sampling_adapters = LoadedSamplingAdapters.from_dict(d.pop("loaded_sampling_adapters"))

        loaded_training_adapters = cast(list[str], d.pop("loaded_training_adapters"))

        max_training_adapters = d.pop("max_training_adapters")

        def _parse_current_training_adapter(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        current_training_adapter = _parse_current_training_adapter(d.pop("current_training_adapter"))

        session_info_response = cls(
            registered_models=registered_models,
            active_sessions=active_sessions,
            session_activity=session_activity,
            idle_timeout_seconds=idle_timeout_seconds,
            loaded_sampling_adapters=loaded_sampling_adapters,
            loaded_training_adapters=loaded_training_adapters,
            max_training_adapters=max_training_adapters,
            current_training_adapter=current_training_adapter,
        )

        session_info_response.additional_properties = d
        return session_info_response

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
