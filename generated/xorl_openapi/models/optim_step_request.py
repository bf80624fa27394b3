from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_params import AdamParams


T = TypeVar("T", bound="OptimStepRequest")


@_attrs_define
class OptimStepRequest:
    """`learning_rate`, `gradient_clip` and `adam_params` are left out unless given - their absence
    selects the session / server defaults.

        Attributes:
            model_id (str | Unset): Session id (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`, no dots); an empty string is replaced
                by
                `default`. Violations -> 400. Must be registered (`default` always is).
                 Default: 'default'.
            session_id (str | Unset): Tinker alias of `model_id`, used only when `model_id` is absent. Clients generated
                from
                this spec always send `model_id` when it has a default, which then wins: set `model_id`.
            seq_id (int | None | Unset): Use a higher seq_id than the step's forward_backward calls.
            learning_rate (float | None | Unset): Learning rate for this step (absent -> session / server default).
            lr (float | None | Unset): Alias of `learning_rate`.
            gradient_clip (float | None | Unset): L2 max-norm; <= 0 disables clipping; absent/null -> server
                `max_grad_norm`.
            adam_params (AdamParams | None | Unset): Tinker legacy; when present its beta1/beta2/eps (including defaults)
                are pushed into the optimizer.
    """

    model_id: str | Unset = "default"
    session_id: str | Unset = UNSET
    seq_id: int | None | Unset = UNSET
    learning_rate: float | None | Unset = UNSET
    lr: float | None | Unset = UNSET
    gradient_clip: float | None | Unset = UNSET
    adam_params: AdamParams | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.adam_params import AdamParams  # noqa: PLC0415

        model_id = self.model_id

        session_id = self.session_id

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        learning_rate: float | None | Unset
        if isinstance(self.learning_rate, Unset):
            learning_rate = UNSET
        else:
            learning_rate = self.learning_rate

        lr: float | None | Unset
        if isinstance(self.lr, Unset):
            lr = UNSET
        else:
            lr = self.lr

        gradient_clip: float | None | Unset
        if isinstance(self.gradient_clip, Unset):
            gradient_clip = UNSET
        else:
            gradient_clip = self.gradient_clip

        adam_params: dict[str, Any] | None | Unset
        if isinstance(self.adam_params, Unset):
            adam_params = UNSET
        elif isinstance(self.adam_params, AdamParams):
            adam_params = self.adam_params.to_dict()
        else:
            adam_params = self.adam_params

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if lr is not UNSET:
            field_dict["lr"] = lr
        if gradient_clip is not UNSET:
            field_dict["gradient_clip"] = gradient_clip
        if adam_params is not UNSET:
            field_dict["adam_params"] = adam_params

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_params import AdamParams  # noqa: PLC0415

        d = dict(src_dict)
        model_id = d.pop("model_id", UNSET)

        session_id = d.pop("session_id", UNSET)

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        def _parse_learning_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        learning_rate = _parse_learning_rate(d.pop("learning_rate", UNSET))

        def _parse_lr(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        lr = _parse_lr(d.pop("lr", UNSET))

        def _parse_gradient_clip(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        gradient_clip = _parse_gradient_clip(d.pop("gradient_clip", UNSET))

        def _parse_adam_params(data: object) -> AdamParams | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                adam_params_type_0 = AdamParams.from_dict(data)

                return adam_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AdamParams | None | Unset, data)

        adam_params = _parse_adam_params(d.pop("adam_params", UNSET))

        optim_step_request = cls(
            model_id=model_id,
            session_id=session_id,
            seq_id=seq_id,
            learning_rate=learning_rate,
            lr=lr,
            gradient_clip=gradient_clip,
            adam_params=adam_params,
        )

        optim_step_request.additional_properties = d
        return optim_step_request

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
