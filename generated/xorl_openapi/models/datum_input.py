from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.datum import Datum
    from ..models.loss_fn_params import LossFnParams


T = TypeVar("T", bound="DatumInput")


@_attrs_define
class DatumInput:
    """A batch of datums and the loss to apply.

    Attributes:
        data (list[Datum]): The datums (an empty list fails inside the future).
        loss_fn (str | Unset): `causallm_loss` (alias `cross_entropy`), `importance_sampling`, `cispo`, `policy_loss`,
            `drgrpo`, `opd_loss`. Not validated by the API; unknown names fail in the worker.
             Default: 'causallm_loss'.
        loss_fn_params (LossFnParams | None | Unset):
        loss_fn_config (LossFnParams | None | Unset): Tinker alias of `loss_fn_params`, used only when `loss_fn_params`
            is absent.
        routed_experts (list[Any] | None | Unset): MoE rollout routing replay (R3): the expert ids the inference server
            chose, one entry
            per datum in `data` order. The count is checked inside the future: a different count
            fails the operation with `"500: Engine error: R3 routed_experts count mismatch for
            input data: expected <len(data)>, got <n>"`. The token axis need not match the datum:
            the server pads or truncates each entry to the packed micro-batch.
        routed_expert_logits (list[Any] | None | Unset): R3 routing weights (float32 softmax weights of the chosen
            experts), same layout and
            count rule as `routed_experts` (`"... R3 routed_expert_logits count mismatch ..."`,
            and `"R3 routed_experts and routed_expert_logits count mismatch: <a> != <b>"`). With
            them, training replays these exact weights instead of recomputing the router softmax.
    """

    data: list[Datum]
    loss_fn: str | Unset = "causallm_loss"
    loss_fn_params: LossFnParams | None | Unset = UNSET
    loss_fn_config: LossFnParams | None | Unset = UNSET
    routed_experts: list[Any] | None | Unset = UNSET
    routed_expert_logits: list[Any] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.loss_fn_params import LossFnParams  # noqa: PLC0415

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        loss_fn = self.loss_fn

        loss_fn_params: dict[str, Any] | None | Unset
        if isinstance(self.loss_fn_params, Unset):
            loss_fn_params = UNSET
        elif isinstance(self.loss_fn_params, LossFnParams):
            loss_fn_params = self.loss_fn_params.to_dict()
        else:
            loss_fn_params = self.loss_fn_params

        loss_fn_config: dict[str, Any] | None | Unset
        if isinstance(self.loss_fn_config, Unset):
            loss_fn_config = UNSET
        elif isinstance(self.loss_fn_config, LossFnParams):
            loss_fn_config = self.loss_fn_config.to_dict()
        else:
            loss_fn_config = self.loss_fn_config

        routed_experts: list[Any] | None | Unset
        if isinstance(self.routed_experts, Unset):
            routed_experts = UNSET
        elif isinstance(self.routed_experts, list):
            routed_experts = self.routed_experts

        else:
            routed_experts = self.routed_experts

        routed_expert_logits: list[Any] | None | Unset
        if isinstance(self.routed_expert_logits, Unset):
            routed_expert_logits = UNSET
        elif isinstance(self.routed_expert_logits, list):
            routed_expert_logits = self.routed_expert_logits

        else:
            routed_expert_logits = self.routed_expert_logits

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )
        if loss_fn is not UNSET:
            field_dict["loss_fn"] = loss_fn
        if loss_fn_params is not UNSET:
            field_dict["loss_fn_params"] = loss_fn_params
        if loss_fn_config is not UNSET:
            field_dict["loss_fn_config"] = loss_fn_config
        if routed_experts is not UNSET:
            field_dict["routed_experts"] = routed_experts
        if routed_expert_logits is not UNSET:
            field_dict["routed_expert_logits"] = routed_expert_logits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.datum import Datum  # noqa: PLC0415
        from ..models.loss_fn_params import LossFnParams  # noqa: PLC0415

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = Datum.from_dict(data_item_data)

            data.append(data_item)

        loss_fn = d.pop("loss_fn", UNSET)

        def _parse_loss_fn_params(data: object) -> LossFnParams | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                loss_fn_params_type_0 = LossFnParams.from_dict(data)

                return loss_fn_params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LossFnParams | None | Unset, data)

        loss_fn_params = _parse_loss_fn_params(d.pop("loss_fn_params", UNSET))

        def _parse_loss_fn_config(data: object) -> LossFnParams | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                loss_fn_config_type_0 = LossFnParams.from_dict(data)

                return loss_fn_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LossFnParams | None | Unset, data)

        loss_fn_config = _parse_loss_fn_config(d.pop("loss_fn_config", UNSET))

        def _parse_routed_experts(data: object) -> list[Any] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                routed_experts_type_0 = cast(list[Any], data)

                return routed_experts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Any] | None | Unset, data)

        routed_experts = _parse_routed_experts(d.pop("routed_experts", UNSET))

        def _parse_routed_expert_logits(data: object) -> list[Any] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                routed_expert_logits_type_0 = cast(list[Any], data)

                return routed_expert_logits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Any] | None | Unset, data)

        routed_expert_logits = _parse_routed_expert_logits(d.pop("routed_expert_logits", UNSET))

        datum_input = cls(
            data=data,
            loss_fn=loss_fn,
            loss_fn_params=loss_fn_params,
            loss_fn_config=loss_fn_config,
            routed_experts=routed_experts,
            routed_expert_logits=routed_expert_logits,
        )

        datum_input.additional_properties = d
        return datum_input

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
