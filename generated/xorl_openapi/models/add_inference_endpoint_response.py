from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.inference_endpoint import InferenceEndpoint


T = TypeVar("T", bound="AddInferenceEndpointResponse")


@_attrs_define
class AddInferenceEndpointResponse:
    """
    Attributes:
        success (bool):
        message (str):
        endpoint (InferenceEndpoint | None): The registered (or already registered) endpoint; null on failure.
        weights_synced (bool):
        sync_message (None | str):
    """

    success: bool
    message: str
    endpoint: InferenceEndpoint | None
    weights_synced: bool
    sync_message: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.inference_endpoint import InferenceEndpoint  # noqa: PLC0415

        success = self.success

        message = self.message

        endpoint: dict[str, Any] | None
        if isinstance(self.endpoint, InferenceEndpoint):
            endpoint = self.endpoint.to_dict()
        else:
            endpoint = self.endpoint

        weights_synced = self.weights_synced

        sync_message: None | str
        sync_message = self.sync_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "success": success,
                "message": message,
                "endpoint": endpoint,
                "weights_synced": weights_synced,
                "sync_message": sync_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inference_endpoint import InferenceEndpoint  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        message = d.pop("message")

        def _parse_endpoint(data: object) -> InferenceEndpoint | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                endpoint_type_0 = InferenceEndpoint.from_dict(data)

                return endpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InferenceEndpoint | None, data)

        endpoint = _parse_endpoint(d.pop("endpoint"))

        weights_synced = d.pop("weights_synced")

        def _parse_sync_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sync_message = _parse_sync_message(d.pop("sync_message"))

        add_inference_endpoint_response = cls(
            success=success,
            message=message,
            endpoint=endpoint,
            weights_synced=weights_synced,
            sync_message=sync_message,
        )

        add_inference_endpoint_response.additional_properties = d
        return add_inference_endpoint_response

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
