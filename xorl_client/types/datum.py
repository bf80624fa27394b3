"""``Datum``: one training example (input tokens plus per-token loss inputs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types._common import FLOAT32_KEYS, INT64_KEYS
from xorl_client.types.model_input import ModelInput
from xorl_client.types.tensor_data import TensorData

__all__ = ["Datum"]


@dataclass(slots=True, init=False)
class Datum:
    """One training example: input tokens plus per-token loss inputs.

    Lists, tuples and arrays in ``loss_fn_inputs`` are coerced to :class:`TensorData` by
    key, like Tinker: ``target_tokens``, ``labels``, ``teacher_ids`` → ``int64``;
    ``weights``, ``advantages`` and the ``*logprobs`` keys → ``float32``; other keys keep
    the given dtype or get one inferred. ``model_input`` may be a plain list of ints.

    Nothing is checked here beyond the types; :func:`xorl_client.validation.validate_batch`
    checks lengths (the shift rule), values and required inputs for the whole batch at once.

    >>> Datum([1, 2, 3, 4], {"labels": [1, 2, 3, 4], "logprobs": [0.0, -0.5, -0.7]}).to_wire()
    {'model_input': {'input_ids': [1, 2, 3, 4]}, 'loss_fn_inputs': {'labels': [1, 2, 3, 4], 'logprobs': [0.0, -0.5, -0.7]}}
    """

    model_input: ModelInput
    loss_fn_inputs: dict[str, TensorData]

    def __init__(
        self,
        model_input: ModelInput | Sequence[int] | Any,
        loss_fn_inputs: Mapping[str, TensorData | Sequence[Any] | Any] | None = None,
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

    def to_wire(self) -> dict[str, Any]:
        """The server's Datum: rank-1 tensors as plain lists (smallest), others as objects."""
        return {
            "model_input": {"input_ids": self.model_input.ids()},
            "loss_fn_inputs": {
                k: (v.data if v.shape is None or len(v.shape) == 1 else v.to_wire())
                for k, v in self.loss_fn_inputs.items()
            },
        }
