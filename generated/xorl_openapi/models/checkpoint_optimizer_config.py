from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.optimizer_dtype import OptimizerDtype, check_optimizer_dtype
from ..models.optimizer_type import OptimizerType, check_optimizer_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.optimizer_kwargs import OptimizerKwargs


T = TypeVar("T", bound="CheckpointOptimizerConfig")


@_attrs_define
class CheckpointOptimizerConfig:
    """
    Attributes:
        type_ (OptimizerType | Unset):
        learning_rate (float | Unset):
        weight_decay (float | Unset):
        optimizer_dtype (OptimizerDtype | Unset):
        betas (list[float] | None | Unset):
        eps (float | None | Unset):
        optimizer_kwargs (OptimizerKwargs | Unset): Extra optimizer keyword arguments.
            `learning_rate`/`lr`/`weight_decay`/`betas`/`adamw_betas`/
            `eps`/`adamw_eps` are hoisted into the config; `fused`/`foreach` are dropped.
    """

    type_: OptimizerType | Unset = UNSET
    learning_rate: float | Unset = UNSET
    weight_decay: float | Unset = UNSET
    optimizer_dtype: OptimizerDtype | Unset = UNSET
    betas: list[float] | None | Unset = UNSET
    eps: float | None | Unset = UNSET
    optimizer_kwargs: OptimizerKwargs | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_

        learning_rate = self.learning_rate

        weight_decay = self.weight_decay

        optimizer_dtype: str | Unset = UNSET
        if not isinstance(self.optimizer_dtype, Unset):
            optimizer_dtype = self.optimizer_dtype

        betas: list[float] | None | Unset
        if isinstance(self.betas, Unset):
            betas = UNSET
        elif isinstance(self.betas, list):
            betas = self.betas

        else:
            betas = self.betas

        eps: float | None | Unset
        if isinstance(self.eps, Unset):
            eps = UNSET
        else:
            eps = self.eps

        optimizer_kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.optimizer_kwargs, Unset):
            optimizer_kwargs = self.optimizer_kwargs.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if weight_decay is not UNSET:
            field_dict["weight_decay"] = weight_decay
        if optimizer_dtype is not UNSET:
            field_dict["optimizer_dtype"] = optimizer_dtype
        if betas is not UNSET:
            field_dict["betas"] = betas
        if eps is not UNSET:
            field_dict["eps"] = eps
        if optimizer_kwargs is not UNSET:
            field_dict["optimizer_kwargs"] = optimizer_kwargs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.optimizer_kwargs import OptimizerKwargs  # noqa: PLC0415

        d = dict(src_dict)
        _type_ = d.pop("type", UNSET)
        type_: OptimizerType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = check_optimizer_type(_type_)

        learning_rate = d.pop("learning_rate", UNSET)

        weight_decay = d.pop("weight_decay", UNSET)

        _optimizer_dtype = d.pop("optimizer_dtype", UNSET)
        optimizer_dtype: OptimizerDtype | Unset
        if isinstance(_optimizer_dtype, Unset):
            optimizer_dtype = UNSET
        else:
            optimizer_dtype = check_optimizer_dtype(_optimizer_dtype)

        def _parse_betas(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                betas_type_0 = cast(list[float], data)

                return betas_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        betas = _parse_betas(d.pop("betas", UNSET))

        def _parse_eps(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        eps = _parse_eps(d.pop("eps", UNSET))

        _optimizer_kwargs = d.pop("optimizer_kwargs", UNSET)
        optimizer_kwargs: OptimizerKwargs | Unset
        if isinstance(_optimizer_kwargs, Unset):
            optimizer_kwargs = UNSET
        else:
            optimizer_kwargs = OptimizerKwargs.from_dict(_optimizer_kwargs)

        checkpoint_optimizer_config = cls(
            type_=type_,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            optimizer_dtype=optimizer_dtype,
            betas=betas,
            eps=eps,
            optimizer_kwargs=optimizer_kwargs,
        )

        checkpoint_optimizer_config.additional_properties = d
        return checkpoint_optimizer_config

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
