"""``Datum``: one training example (input tokens plus per-token loss inputs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel
from xorl_client.types._common import FLOAT32_KEYS, INT64_KEYS
from xorl_client.types.model_input import ModelInput
from xorl_client.types.tensor_data import TensorData

__all__ = ["Datum"]


@dataclass(slots=True, init=False)
class Datum(XorlModel):
    """One training example: input tokens plus per-token loss inputs.

    Lists, tuples and arrays in ``loss_fn_inputs`` are coerced to :class:`TensorData` by
    key, like Tinker: ``target_tokens``, ``labels``, ``teacher_ids`` → ``int64``;
    ``weights``, ``advantages`` and the ``*logprobs`` keys → ``float32``; other keys keep
    the given dtype or get one inferred. ``model_input`` may be a plain list of ints.

    Nothing is checked here beyond the types; :func:`xorl_client.validation.validate_batch`
    checks lengths (the shift rule), values and required inputs for the whole batch at once.

    ``routed_experts`` / ``routed_expert_logits`` carry MoE routing replay (R3) data: a
    ``[tokens][layers][top_k]`` nested list (an array is turned into one), SGLang's base64 string
    as sampled (``SampledSequence.routed_experts``), a ``{"data", "shape"}`` object or an
    xorl-sglang descriptor (:mod:`xorl_client.types.routing` checks them when the batch is
    sent). They are not part of the datum on the wire: the training client sends them per
    request (``forward_backward_input.routed_experts``), which needs every datum of the batch
    to have them.

    >>> Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], "logprobs": [0.0, -0.5, -0.7]}).to_wire()
    {'model_input': {'input_ids': [1, 2, 3, 4]}, 'loss_fn_inputs': {'labels': [1, 2, 3, 4], 'logprobs': [0.0, -0.5, -0.7]}}
    """

    model_input: ModelInput
    loss_fn_inputs: dict[str, TensorData]
    routed_experts: Any
    routed_expert_logits: Any

    def __init__(
        self,
        model_input: ModelInput | Sequence[int] | Any,
        loss_fn_inputs: Mapping[str, TensorData | Sequence[Any] | Any] | None = None,
        routed_experts: Any = None,
        routed_expert_logits: Any = None,
    ) -> None:
        # Typed loosely on purpose: lists, tuples and arrays are accepted (and converted),
        # while the attributes are always ModelInput / dict[str, TensorData].
        self.model_input = (
            model_input
            if isinstance(model_input, ModelInput)
            else ModelInput.from_ints(model_input)
        )
        lfi: Any = {} if loss_fn_inputs is None else loss_fn_inputs
        if not isinstance(lfi, Mapping):
            raise DataValidationError(
                f"loss_fn_inputs must be a dict of name -> tensor, not {type(lfi).__name__}",
                field="loss_fn_inputs",
                rule="loss_fn_inputs is a dict",
            )
        coerced: dict[str, TensorData] = {}
        for key, value in lfi.items():
            if not isinstance(key, str):
                raise DataValidationError(
                    f"loss_fn_inputs keys must be strings, got {key!r}",
                    field="loss_fn_inputs",
                    rule="loss_fn_inputs is a dict",
                )
            if isinstance(value, TensorData):
                coerced[key] = value
                continue
            hint = "int64" if key in INT64_KEYS else "float32" if key in FLOAT32_KEYS else None
            coerced[key] = TensorData.coerce(value, hint, field=f"loss_fn_inputs.{key}")
        self.loss_fn_inputs = coerced
        self.routed_experts = _plain(routed_experts)
        self.routed_expert_logits = _plain(routed_expert_logits)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Datum:
        """Parse the wire form, the :meth:`to_dict` form or a :meth:`model_dump` (chunks) form."""
        raw = d.get("model_input")
        if not isinstance(raw, Mapping | ModelInput):
            raise DataValidationError(
                f"a datum dict needs a 'model_input' dict, got {type(raw).__name__}",
                field="model_input",
                rule="a datum has model_input",
            )
        model_input = raw if isinstance(raw, ModelInput) else ModelInput.from_wire(raw)
        return cls(
            model_input,
            d.get("loss_fn_inputs") or {},
            routed_experts=d.get("routed_experts"),
            routed_expert_logits=d.get("routed_expert_logits"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The official client's form: ``input_ids`` plus every loss input as a TensorData dict.

        >>> Datum([1, 2], {"target_tokens": [2, 3]}).to_dict()["loss_fn_inputs"]
        {'target_tokens': {'data': [2, 3], 'dtype': 'int64', 'shape': [2]}}
        """
        out: dict[str, Any] = {
            "model_input": {"input_ids": self.model_input.to_ints()},
            "loss_fn_inputs": {k: v.to_dict() for k, v in self.loss_fn_inputs.items()},
        }
        if self.routed_experts is not None:
            out["routed_experts"] = self.routed_experts
        if self.routed_expert_logits is not None:
            out["routed_expert_logits"] = self.routed_expert_logits
        return out

    def _dump_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "model_input": self.model_input,
            "loss_fn_inputs": self.loss_fn_inputs,
        }
        if self.routed_experts is not None:
            fields["routed_experts"] = self.routed_experts
        if self.routed_expert_logits is not None:
            fields["routed_expert_logits"] = self.routed_expert_logits
        return fields

    def to_wire(self) -> dict[str, Any]:
        """The server's Datum: rank-1 lists as plain lists (smallest); numpy-backed tensors
        and higher ranks as TensorData objects (their ``data`` is encoded from the array)."""
        return {
            "model_input": {"input_ids": self.model_input.wire_ids()},
            "loss_fn_inputs": {
                k: (
                    v.data
                    if v.array is None and (v.shape is None or len(v.shape) == 1)
                    else v.to_wire()
                )
                for k, v in self.loss_fn_inputs.items()
            },
        }


def _plain(routing: Any) -> Any:
    """Routing data as JSON-ready values: an array (numpy, torch) becomes nested lists."""
    tolist = getattr(routing, "tolist", None)
    return tolist() if callable(tolist) and not isinstance(routing, list | str | dict) else routing
