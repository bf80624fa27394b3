from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.root_endpoints import RootEndpoints


T = TypeVar("T", bound="RootResponse")


@_attrs_define
class RootResponse:
    """
    Attributes:
        name (str):
        version (str):
        architecture (str | Unset):
        docs (str | Unset):
        health (str | Unset):
        endpoints (RootEndpoints | Unset): Operation name -> path.
    """

    name: str
    version: str
    architecture: str | Unset = UNSET
    docs: str | Unset = UNSET
    health: str | Unset = UNSET
    endpoints: RootEndpoints | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        architecture = self.architecture

        docs = self.docs

        health = self.health

        endpoints: dict[str, Any] | Unset = UNSET
        if not isinstance(self.endpoints, Unset):
            endpoints = self.endpoints.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
            }
        )
        if architecture is not UNSET:
            field_dict["architecture"] = architecture
        if docs is not UNSET:
            field_dict["docs"] = docs
        if health is not UNSET:
            field_dict["health"] = health
        if endpoints is not UNSET:
            field_dict["endpoints"] = endpoints

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.root_endpoints import RootEndpoints  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        architecture = d.pop("architecture", UNSET)

        docs = d.pop("docs", UNSET)

        health = d.pop("health", UNSET)

        _endpoints = d.pop("endpoints", UNSET)
        endpoints: RootEndpoints | Unset
        if isinstance(_endpoints, Unset):
            endpoints = UNSET
        else:
            endpoints = RootEndpoints.from_dict(_endpoints)

        root_response = cls(
            name=name,
            version=version,
            architecture=architecture,
            docs=docs,
            health=health,
            endpoints=endpoints,
        )

        root_response.additional_properties = d
        return root_response

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
