"""Our results and datums in Tinker's plain-dict shapes (for code that wants Tinker's dicts)."""

from __future__ import annotations

import math
from typing import Any

from xorl_client.types import Datum, ForwardBackwardOutput, TensorData

__all__ = ["datum_to_tinker_dict", "to_tinker_dict"]


def _tensor_dict(td: TensorData) -> dict[str, Any]:
    return {"data": list(td.data), "dtype": td.dtype, "shape": td.effective_shape()}


def to_tinker_dict(output: ForwardBackwardOutput) -> dict[str, Any]:
    """``output`` as a plain dict in Tinker's ``ForwardBackwardOutput`` shape.

    ``{"loss_fn_output_type", "loss_fn_outputs": [{name: {"data", "dtype", "shape"}}],
    "metrics": {name: float}}`` - feed it to ``tinker.ForwardBackwardOutput.model_validate``
    if needed. Only numeric metrics are kept (Tinker's metrics are ``dict[str, float]``).

    >>> out = ForwardBackwardOutput("single_loss", [{"loss": TensorData([0.5])}], {"loss:mean": 0.5, "x": {"a": 1}})
    >>> to_tinker_dict(out)
    {'loss_fn_output_type': 'single_loss', 'loss_fn_outputs': [{'loss': {'data': [0.5], 'dtype': 'float32', 'shape': [1]}}], 'metrics': {'loss:mean': 0.5}}
    """
    metrics = {
        k: float(v)
        for k, v in output.metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }
    return {
        "loss_fn_output_type": output.loss_fn_output_type,
        "loss_fn_outputs": [
            {k: _tensor_dict(v) for k, v in out.items()} for out in output.loss_fn_outputs
        ],
        "metrics": metrics,
    }


def datum_to_tinker_dict(d: Datum) -> dict[str, Any]:
    """``d`` in Tinker's wire form (``chunks`` + TensorData objects); :func:`coerce_datum` reads it back.

    >>> d = Datum([1, 2], {"target_tokens": [2, 3]})
    >>> from xorl_client.tinker_compat import coerce_datum
    >>> coerce_datum(datum_to_tinker_dict(d)) == d
    True
    """
    return {
        "model_input": {"chunks": [c.to_wire() for c in d.model_input.chunks]},
        "loss_fn_inputs": {k: _tensor_dict(v) for k, v in d.loss_fn_inputs.items()},
    }
