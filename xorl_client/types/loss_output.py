"""``LossFnOutput``: one output of ``forward`` / ``forward_backward``, usable two ways.

Tinker code treats an output as ``dict[str, TensorData]`` (``out["logprobs"]``, ``for key in
out``, ``out.items()``); official xorl-client code reads attributes (``out.loss``,
``out.logprobs``, ``out.elementwise_loss``, ``out.state_values``) and expects ``out[name]`` of a
known-but-absent output to be ``None``. :class:`LossFnOutput` is a ``dict`` subclass that does
both:

* item access, iteration, ``in``, ``keys()``/``items()``, ``len()`` are the dict's (only the
  outputs the server sent are keys; ``None`` is never stored);
* ``out["loss"]``-style access of a known output name that is absent gives ``None`` instead of
  ``KeyError``; any other missing key still raises ``KeyError``;
* ``.loss`` is a ``float`` (or ``None``); ``.logprobs``, ``.elementwise_loss``,
  ``.state_values`` are :class:`TensorData` (or ``None``).

The server sends ``loss`` as a one-element tensor (Tinker's shape), so ``out["loss"]`` is a
``TensorData``; ``out.loss`` is its value.

>>> out = LossFnOutput(loss=0.5, logprobs=[-1.0, -2.0])
>>> out.loss, out["loss"].data, out.logprobs.data, sorted(out), out["state_values"]
(0.5, [0.5], [-1.0, -2.0], ['logprobs', 'loss'], None)
>>> LossFnOutput.from_dict({"loss": 0.7, "logprobs": {"data": [-1.5]}}).to_dict()
{'loss': {'data': [0.7], 'dtype': 'float32', 'shape': [1]}, 'logprobs': {'data': [-1.5], 'dtype': 'float32', 'shape': [1]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Self

from xorl_client.errors import DataValidationError
from xorl_client.types._base import XorlModel
from xorl_client.types.tensor_data import TensorData

__all__ = ["KNOWN_OUTPUTS", "LossFnOutput"]

#: Output names the official client declares as fields; absent ones read as ``None``.
KNOWN_OUTPUTS: Final = frozenset({"loss", "logprobs", "elementwise_loss", "state_values"})


def _tensor(name: str, value: Any) -> TensorData:
    if isinstance(value, TensorData):
        return value
    if isinstance(value, bool):
        raise DataValidationError(
            f"loss_fn_outputs value {name!r} is a bool; give a number or a tensor",
            field=name,
            rule="loss outputs are numbers or tensors",
        )
    if isinstance(value, int | float):
        return TensorData([value], "float32", None)  # a scalar, as the server wraps it
    return TensorData.coerce(value, "float32", field=name)


class LossFnOutput(dict[str, TensorData], XorlModel):
    """One output dict of a forward / forward_backward result (see the module docstring)."""

    def __init__(
        self,
        loss: float | TensorData | Any = None,
        logprobs: TensorData | Any = None,
        elementwise_loss: TensorData | Any = None,
        state_values: TensorData | Any = None,
        **tensors: TensorData | Any,
    ) -> None:
        super().__init__()
        named = {
            "loss": loss,
            "logprobs": logprobs,
            "elementwise_loss": elementwise_loss,
            "state_values": state_values,
            **tensors,
        }
        for key, value in named.items():
            if value is not None:
                self[key] = _tensor(key, value)

    def __missing__(self, key: str) -> None:
        if key in KNOWN_OUTPUTS:
            return None
        raise KeyError(key)

    @property
    def loss(self) -> float | None:
        """The loss as a float (the server sends it as a one-element tensor), or ``None``."""
        tensor = self.get("loss")
        if tensor is None or not len(tensor):
            return None
        return float(tensor[0])

    @property
    def logprobs(self) -> TensorData | None:
        """Per-token target logprobs, or ``None``."""
        return self.get("logprobs")

    @property
    def elementwise_loss(self) -> TensorData | None:
        """Per-token loss, or ``None`` (empty for RL losses, which produce logprobs only)."""
        return self.get("elementwise_loss")

    @property
    def state_values(self) -> TensorData | None:
        """Per-token value predictions (value-head forwards), or ``None``."""
        return self.get("state_values")

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Self:
        """Parse one output dict: tensor dicts and bare numbers become :class:`TensorData`."""
        return cls(**{str(k): v for k, v in d.items()})

    def to_dict(self) -> dict[str, Any]:
        """Every output as a TensorData dict (absent outputs are left out)."""
        return {k: v.to_dict() for k, v in self.items()}

    def _dump_fields(self) -> dict[str, Any]:
        return dict(self)

    def __repr__(self) -> str:
        return f"LossFnOutput({dict.__repr__(self)})"
