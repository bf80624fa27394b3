from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.loss_fn_inputs import LossFnInputs
    from ..models.model_input import ModelInput


T = TypeVar("T", bound="Datum")


@_attrs_define
class Datum:
    """One training example. `model_input` and `loss_fn_inputs` are merged into one flat dict per
    sample, so a key must not appear in both. Extra keys are ignored. Shift rule: HF `labels` of
    length N are shifted by the server (N-1 trained positions; unshifted fields such as `logprobs`
    must have N-1 entries); pre-shifted `target_tokens` of length N are not (every per-token
    field has N entries).

        Attributes:
            model_input (ModelInput): Model inputs. `input_ids` is the xorl form; Tinker's `chunks` form is accepted too:
                when `chunks`
                is present the server replaces the whole `model_input` with `{"input_ids": <tokens of every chunk
                that has them, concatenated>}` (any `input_ids` and other keys are discarded; image chunks are
                dropped). Send one form, not both. Other keys map a per-token field name to an `InputType`.
            loss_fn_inputs (LossFnInputs): Loss inputs by name (`labels` or `target_tokens`, `weights` (0/1 only),
                `advantages`,
                `logprobs`, `rollout_logprobs`, `ref_logprobs`, teacher fields, ...). May be empty.
    """

    model_input: ModelInput
    loss_fn_inputs: LossFnInputs
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_input = self.model_input.to_dict()

        loss_fn_inputs = self.loss_fn_inputs.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model_input": model_input,
                "loss_fn_inputs": loss_fn_inputs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.loss_fn_inputs import LossFnInputs  # noqa: PLC0415
        from ..models.model_input import ModelInput  # noqa: PLC0415

        d = dict(src_dict)
        model_input = ModelInput.from_dict(d.pop("model_input"))

        loss_fn_inputs = LossFnInputs.from_dict(d.pop("loss_fn_inputs"))

        datum = cls(
            model_input=model_input,
            loss_fn_inputs=loss_fn_inputs,
        )

        datum.additional_properties = d
        return datum

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
