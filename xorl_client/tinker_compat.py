"""Accept Tinker-shaped inputs and hand back Tinker-shaped results, without depending on tinker.

Users porting Tinker code pass ``tinker.Datum`` objects, ``tinker.AdamParams``, Tinker loss
names and ``loss_fn_config``. Everything here works by duck typing (attributes such as
``.model_input.chunks[].tokens`` and ``.loss_fn_inputs[k].data/.dtype/.shape``), so the
``tinker`` package (hundreds of MB) is never needed, and dicts in either wire form work too.

>>> coerce_datum({"model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]},
...               "loss_fn_inputs": {"target_tokens": [2, 3]}}, 0).to_wire()
{'model_input': {'input_ids': [1, 2]}, 'loss_fn_inputs': {'target_tokens': [2, 3]}}
>>> resolve_loss_fn("ppo")
'policy_loss'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types import (
    AdamParams,
    Datum,
    EncodedTextChunk,
    ForwardBackwardOutput,
    ModelInput,
    TensorData,
)

__all__ = [
    "LOSS_FN_ALIASES",
    "coerce_adam_params",
    "coerce_batch",
    "coerce_datum",
    "datum_to_tinker_dict",
    "resolve_loss_fn",
    "resolve_loss_fn_params",
    "to_tinker_dict",
]

#: Tinker / xorl loss names → the name sent to the server. Server names map to themselves;
#: ``cross_entropy`` is kept (the server treats it as ``causallm_loss``); Tinker's ``ppo``
#: becomes ``policy_loss`` (PPO clip). Names not listed are sent unchanged - the server
#: decides (e.g. Tinker's ``dro`` has no xorl counterpart and will fail there).
LOSS_FN_ALIASES: dict[str, str] = {
    "causallm_loss": "causallm_loss",
    "cross_entropy": "cross_entropy",
    "importance_sampling": "importance_sampling",
    "policy_loss": "policy_loss",
    "ppo": "policy_loss",
    "cispo": "cispo",
    "drgrpo": "drgrpo",
    "opd_loss": "opd_loss",
}


def _with_index(exc: DataValidationError, index: int) -> DataValidationError:
    text = str(exc)
    prefix = f"datum {index}: "
    return DataValidationError(
        text if text.startswith(prefix) else prefix + text,
        field=exc.field,
        datum_index=index,
        rule=exc.rule,
    )


def _chunk_tokens(chunk: Any, index: int, position: int) -> list[int]:
    """Tokens of one Tinker chunk (object or dict); non-text chunks are refused."""
    field = f"model_input.chunks[{position}]"
    if isinstance(chunk, EncodedTextChunk):
        return chunk.tokens
    if isinstance(chunk, Mapping):
        kind = chunk.get("type", "encoded_text")
        tokens = chunk.get("tokens")
    else:
        kind = getattr(chunk, "type", "encoded_text")
        tokens = getattr(chunk, "tokens", None)
    if kind != "encoded_text" or tokens is None:
        raise DataValidationError(
            f"datum {index}: {field} is a {kind!r} chunk; xorl trains on text only "
            "(encoded_text chunks). Remove image chunks before sending",
            field=field,
            datum_index=index,
            rule="model_input chunks are encoded_text",
        )
    return tokens if type(tokens) is list else list(tokens)


def _model_input(obj: Any, index: int) -> ModelInput:
    if isinstance(obj, ModelInput):
        return obj
    if isinstance(obj, Mapping):
        if "input_ids" in obj:
            return ModelInput.from_ints(obj["input_ids"])
        if "chunks" in obj:
            chunks = obj["chunks"]
        else:
            raise DataValidationError(
                f"datum {index}: model_input needs 'input_ids' or 'chunks', got keys {sorted(obj)}",
                field="model_input",
                datum_index=index,
                rule="model_input has tokens",
            )
    elif hasattr(obj, "chunks"):
        chunks = obj.chunks
    elif hasattr(obj, "to_ints"):
        return ModelInput.from_ints(obj.to_ints())
    else:
        return ModelInput.from_ints(obj)
    tokens = [_chunk_tokens(chunk, index, j) for j, chunk in enumerate(chunks)]
    return ModelInput([EncodedTextChunk(t) for t in tokens])


def coerce_datum(obj: Any, index: int = 0) -> Datum:
    """Our :class:`Datum` from a Datum, a Tinker-like object, or a dict in wire form.

    * our ``Datum`` → returned as is;
    * objects with ``.model_input`` (``.chunks[].tokens`` or ``.to_ints()``) and
      ``.loss_fn_inputs`` (values with ``.data/.dtype/.shape``, arrays, lists);
    * dicts ``{"model_input": {"input_ids": [...]}}`` or ``{"model_input": {"chunks":
      [{"type": "encoded_text", "tokens": [...]}]}}`` with ``loss_fn_inputs`` values as
      lists or TensorData dicts.

    Errors name ``index`` (the datum's position in the batch). Image chunks are refused.
    """
    if isinstance(obj, Datum):
        return obj
    try:
        if isinstance(obj, Mapping):
            if "model_input" not in obj:
                raise DataValidationError(
                    f"datum {index}: a datum dict needs 'model_input' (and 'loss_fn_inputs'); "
                    f"got keys {sorted(map(str, obj))}",
                    field="model_input",
                    datum_index=index,
                    rule="a datum has model_input",
                )
            raw_mi, raw_lfi = obj["model_input"], obj.get("loss_fn_inputs")
        elif hasattr(obj, "model_input"):
            raw_mi, raw_lfi = obj.model_input, getattr(obj, "loss_fn_inputs", None)
        else:
            raise DataValidationError(
                f"datum {index} is a {type(obj).__name__}; expected a Datum, a Tinker Datum or a "
                "dict with 'model_input' and 'loss_fn_inputs'",
                field="data",
                datum_index=index,
                rule="every item is a Datum holding TensorData values",
            )
        lfi: dict[str, Any] = {}
        if raw_lfi is not None:
            if not isinstance(raw_lfi, Mapping):
                raise DataValidationError(
                    f"datum {index}: loss_fn_inputs must be a dict, not {type(raw_lfi).__name__}",
                    field="loss_fn_inputs",
                    datum_index=index,
                    rule="loss_fn_inputs is a dict",
                )
            lfi = dict(raw_lfi)
        return Datum(_model_input(raw_mi, index), lfi)
    except DataValidationError as exc:
        raise _with_index(exc, index) from None


def coerce_batch(data: Any) -> list[Datum]:
    """A list of our :class:`Datum` from any iterable of datum-like items (see :func:`coerce_datum`).

    >>> len(coerce_batch([{"model_input": {"input_ids": [1, 2]}, "loss_fn_inputs": {}}]))
    1
    """
    if isinstance(data, Datum | Mapping | str | bytes) or hasattr(data, "model_input"):
        raise DataValidationError(
            f"data must be a list of datums, not a single {type(data).__name__}; wrap it in a list",
            field="data",
            rule="every item is a Datum holding TensorData values",
        )
    if not isinstance(data, Iterable):
        raise DataValidationError(
            f"data must be a list of datums, not {type(data).__name__}",
            field="data",
            rule="every item is a Datum holding TensorData values",
        )
    return [d if isinstance(d, Datum) else coerce_datum(d, i) for i, d in enumerate(data)]


_ADAM_FIELDS = ("learning_rate", "beta1", "beta2", "eps", "weight_decay", "grad_clip_norm")


def coerce_adam_params(obj: Any) -> AdamParams:
    """Our :class:`AdamParams` from ours, a Tinker ``AdamParams`` (by attributes) or a dict.

    Missing fields take the server defaults; unknown dict keys are refused (a typo would
    otherwise be silently ignored).

    >>> coerce_adam_params({"learning_rate": 1e-5}).learning_rate
    1e-05
    """
    if isinstance(obj, AdamParams):
        return obj
    if isinstance(obj, Mapping):
        unknown = sorted(set(map(str, obj)) - set(_ADAM_FIELDS))
        if unknown:
            raise DataValidationError(
                f"adam_params has unknown keys {unknown}; allowed: {list(_ADAM_FIELDS)}",
                field=f"adam_params.{unknown[0]}",
                rule="adam_params keys are known",
            )
        values = {k: obj[k] for k in _ADAM_FIELDS if k in obj and obj[k] is not None}
    elif any(hasattr(obj, k) for k in _ADAM_FIELDS):
        values = {k: getattr(obj, k) for k in _ADAM_FIELDS if getattr(obj, k, None) is not None}
    else:
        raise DataValidationError(
            f"adam_params must be an AdamParams, a Tinker AdamParams or a dict, not "
            f"{type(obj).__name__}",
            field="adam_params",
            rule="adam_params is an AdamParams",
        )
    return AdamParams(**values)


def resolve_loss_fn(name: str) -> str:
    """The server's loss name for ``name`` (Tinker aliases mapped, unknown names kept).

    >>> resolve_loss_fn("cross_entropy"), resolve_loss_fn("my_custom_loss")
    ('cross_entropy', 'my_custom_loss')
    """
    if not isinstance(name, str) or not name.strip():
        raise DataValidationError(
            f"loss_fn must be a non-empty string, not {name!r}",
            field="loss_fn",
            rule="loss_fn is a non-empty string",
        )
    return LOSS_FN_ALIASES.get(name, name)


def resolve_loss_fn_params(
    loss_fn_params: Mapping[str, Any] | None, loss_fn_config: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """One ``loss_fn_params`` dict from xorl's name or Tinker's ``loss_fn_config`` alias.

    Giving both is refused rather than silently preferring one.

    >>> resolve_loss_fn_params(None, {"clip_low_threshold": 0.5})
    {'clip_low_threshold': 0.5}
    """
    if loss_fn_params is not None and loss_fn_config is not None:
        raise DataValidationError(
            "give loss_fn_params or loss_fn_config (Tinker's name for the same thing), not both",
            field="loss_fn_config",
            rule="loss_fn_params and loss_fn_config are exclusive",
        )
    chosen = loss_fn_params if loss_fn_params is not None else loss_fn_config
    if chosen is None:
        return None
    name = "loss_fn_params" if loss_fn_params is not None else "loss_fn_config"
    if not isinstance(chosen, Mapping) or not all(isinstance(k, str) for k in chosen):
        raise DataValidationError(
            f"{name} must be a dict with string keys, not {chosen!r:.80}",
            field=name,
            rule="loss_fn_params is a dict",
        )
    return dict(chosen)


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
    >>> coerce_datum(datum_to_tinker_dict(d)) == d
    True
    """
    return {
        "model_input": {"chunks": [c.to_wire() for c in d.model_input.chunks]},
        "loss_fn_inputs": {k: _tensor_dict(v) for k, v in d.loss_fn_inputs.items()},
    }
