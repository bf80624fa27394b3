from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.request_failed_response_category import (
    RequestFailedResponseCategory,
    check_request_failed_response_category,
)

T = TypeVar("T", bound="RequestFailedResponse")


@_attrs_define
class RequestFailedResponse:
    """The operation failed inside its future, or the future expired (`"Request <id> expired"`).
    When the background handler raised an HTTP error the message is `"<status>: <detail>"`, e.g.
    `"409: Checkpoint already exists: ..."`, `"404: Checkpoint not found: ..."`,
    `"500: Engine error: ..."`, `"504: Forward-backward timeout after 120.0s"`.

        Attributes:
            error (str):
            category (RequestFailedResponseCategory): Heuristic - `user` when the message mentions invalid/bad
                request/validation/missing.
    """

    error: str
    category: RequestFailedResponseCategory
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        category: str = self.category

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "category": category,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        category = check_request_failed_response_category(d.pop("category"))

        request_failed_response = cls(
            error=error,
            category=category,
        )

        request_failed_response.additional_properties = d
        return request_failed_response

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
