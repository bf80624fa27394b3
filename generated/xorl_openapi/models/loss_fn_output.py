from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.output_tensor import OutputTensor
    from ..models.token_diagnostics import TokenDiagnostics


T = TypeVar("T", bound="LossFnOutput")


@_attrs_define
class LossFnOutput:
    """Per-datum (or, for `single_loss`, per-request) loss outputs; null members are omitted.

    Attributes:
        loss (OutputTensor | Unset): A TensorData the server returns (loss, logprobs, elementwise_loss): always numbers.
            Kept apart
            from the request-side TensorData, whose items may also be strings, so that the generated
            parser can take the list as it is instead of checking every element of large results.
        logprobs (OutputTensor | Unset): A TensorData the server returns (loss, logprobs, elementwise_loss): always
            numbers. Kept apart
            from the request-side TensorData, whose items may also be strings, so that the generated
            parser can take the list as it is instead of checking every element of large results.
        elementwise_loss (OutputTensor | Unset): A TensorData the server returns (loss, logprobs, elementwise_loss):
            always numbers. Kept apart
            from the request-side TensorData, whose items may also be strings, so that the generated
            parser can take the list as it is instead of checking every element of large results.
        k3 (float | Unset): Per-sample K3 KL estimate (with `compute_per_sample_k3`).
        token_diagnostics (TokenDiagnostics | Unset): Per-sample diagnostics when `loss_fn_params.diagnostic_topk` > 0
            (`valid_positions`,
            `target_ids`, `target_logprobs`, `target_ranks`, `topk_ids`, `topk_logprobs`, ...).
    """

    loss: OutputTensor | Unset = UNSET
    logprobs: OutputTensor | Unset = UNSET
    elementwise_loss: OutputTensor | Unset = UNSET
    k3: float | Unset = UNSET
    token_diagnostics: TokenDiagnostics | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        loss: dict[str, Any] | Unset = UNSET
        if not isinstance(self.loss, Unset):
            loss = self.loss.to_dict()

        logprobs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.logprobs, Unset):
            logprobs = self.logprobs.to_dict()

        elementwise_loss: dict[str, Any] | Unset = UNSET
        if not isinstance(self.elementwise_loss, Unset):
            elementwise_loss = self.elementwise_loss.to_dict()

        k3 = self.k3

        token_diagnostics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.token_diagnostics, Unset):
            token_diagnostics = self.token_diagnostics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if loss is not UNSET:
            field_dict["loss"] = loss
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if elementwise_loss is not UNSET:
            field_dict["elementwise_loss"] = elementwise_loss
        if k3 is not UNSET:
            field_dict["k3"] = k3
        if token_diagnostics is not UNSET:
            field_dict["token_diagnostics"] = token_diagnostics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.output_tensor import OutputTensor  # noqa: PLC0415
        from ..models.token_diagnostics import TokenDiagnostics  # noqa: PLC0415

        d = dict(src_dict)
        _loss = d.pop("loss", UNSET)
        loss: OutputTensor | Unset
        if isinstance(_loss, Unset):
            loss = UNSET
        else:
            loss = OutputTensor.from_dict(_loss)

        _logprobs = d.pop("logprobs", UNSET)
        logprobs: OutputTensor | Unset
        if isinstance(_logprobs, Unset):
            logprobs = UNSET
        else:
            logprobs = OutputTensor.from_dict(_logprobs)

        _elementwise_loss = d.pop("elementwise_loss", UNSET)
        elementwise_loss: OutputTensor | Unset
        if isinstance(_elementwise_loss, Unset):
            elementwise_loss = UNSET
        else:
            elementwise_loss = OutputTensor.from_dict(_elementwise_loss)

        k3 = d.pop("k3", UNSET)

        _token_diagnostics = d.pop("token_diagnostics", UNSET)
        token_diagnostics: TokenDiagnostics | Unset
        if isinstance(_token_diagnostics, Unset):
            token_diagnostics = UNSET
        else:
            token_diagnostics = TokenDiagnostics.from_dict(_token_diagnostics)

        loss_fn_output = cls(
            loss=loss,
            logprobs=logprobs,
            elementwise_loss=elementwise_loss,
            k3=k3,
            token_diagnostics=token_diagnostics,
        )

        loss_fn_output.additional_properties = d
        return loss_fn_output

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
