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


T = TypeVar("T", bound="OptimizerConfigRequest")


@_attrs_define
class OptimizerConfigRequest:
    """Per-session optimizer (LoRA mode). Unset fields come from the server train config (adamw,
    lr 1e-5, weight_decay 0.01, bf16, betas [0.9, 0.95], eps 1e-8). Extra keys are kept
    (`lr` is accepted as an alias of `learning_rate`). The bounds below (`learning_rate` > 0,
    `weight_decay` >= 0, two `betas`) are checked when the session is built: create_model
    answers 200 and the request fails inside the create_model future.

        Attributes:
            type_ (None | OptimizerType | Unset):
            learning_rate (float | None | Unset):
            weight_decay (float | None | Unset):
            optimizer_dtype (None | OptimizerDtype | Unset):
            betas (list[float] | None | Unset):
            eps (float | None | Unset):
            optimizer_kwargs (None | OptimizerKwargs | Unset):
    """

    type_: None | OptimizerType | Unset = UNSET
    learning_rate: float | None | Unset = UNSET
    weight_decay: float | None | Unset = UNSET
    optimizer_dtype: None | OptimizerDtype | Unset = UNSET
    betas: list[float] | None | Unset = UNSET
    eps: float | None | Unset = UNSET
    optimizer_kwargs: None | OptimizerKwargs | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.optimizer_kwargs import OptimizerKwargs  # noqa: PLC0415

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, str):
            type_ = self.type_
        else:
            type_ = self.type_

        learning_rate: float | None | Unset
        if isinstance(self.learning_rate, Unset):
            learning_rate = UNSET
        else:
            learning_rate = self.learning_rate

        weight_decay: float | None | Unset
        if isinstance(self.weight_decay, Unset):
            weight_decay = UNSET
        else:
            weight_decay = self.weight_decay

        optimizer_dtype: None | str | Unset
        if isinstance(self.optimizer_dtype, Unset):
            optimizer_dtype = UNSET
        elif isinstance(self.optimizer_dtype, str):
            optimizer_dtype = self.optimizer_dtype
        else:
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

        optimizer_kwargs: dict[str, Any] | None | Unset
        if isinstance(self.optimizer_kwargs, Unset):
            optimizer_kwargs = UNSET
        elif isinstance(self.optimizer_kwargs, OptimizerKwargs):
            optimizer_kwargs = self.optimizer_kwargs.to_dict()
        else:
            optimizer_kwargs = self.optimizer_kwargs

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

        def _parse_type_(data: object) -> None | OptimizerType | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = check_optimizer_type(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OptimizerType | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_learning_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        learning_rate = _parse_learning_rate(d.pop("learning_rate", UNSET))

        def _parse_weight_decay(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        weight_decay = _parse_weight_decay(d.pop("weight_decay", UNSET))

        def _parse_optimizer_dtype(data: object) -> None | OptimizerDtype | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                optimizer_dtype_type_0 = check_optimizer_dtype(data)

                return optimizer_dtype_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OptimizerDtype | Unset, data)

        optimizer_dtype = _parse_optimizer_dtype(d.pop("optimizer_dtype", UNSET))

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

        def _parse_optimizer_kwargs(data: object) -> None | OptimizerKwargs | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                optimizer_kwargs_type_0 = OptimizerKwargs.from_dict(data)

                return optimizer_kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OptimizerKwargs | Unset, data)

        optimizer_kwargs = _parse_optimizer_kwargs(d.pop("optimizer_kwargs", UNSET))

        optimizer_config_request = cls(
            type_=type_,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            optimizer_dtype=optimizer_dtype,
            betas=betas,
            eps=eps,
            optimizer_kwargs=optimizer_kwargs,
        )

        optimizer_config_request.additional_properties = d
        return optimizer_config_request

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
