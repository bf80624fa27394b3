"""Tinker-shaped inputs to our types, by duck typing: datums, batches, ``AdamParams``.

Users porting Tinker code pass ``tinker.Datum`` objects and ``tinker.AdamParams``. Everything
here works by attributes (``.model_input.chunks[].tokens``, ``.loss_fn_inputs[k].data/.dtype/
.shape``), so the ``tinker`` package is never needed, and dicts in either wire form work too.

>>> coerce_datum({"model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]},
...               "loss_fn_inputs": {"target_tokens": [2, 3]}}, 0).to_wire()
{'model_input': {'input_ids': [1, 2]}, 'loss_fn_inputs': {'target_tokens': [2, 3]}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xorl_client.errors import DataValidationError
from xorl_client.types import AdamParams, Datum, EncodedTextChunk, ModelInput

__all__ = ["check_weight_decay", "coerce_adam_params", "coerce_batch", "coerce_datum"]

#: MoE routing replay data a datum may carry (kept from dicts and objects alike).
_ROUTING = ("routed_experts", "routed_expert_logits")


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

    ``routed_experts`` / ``routed_expert_logits`` (MoE routing replay) are kept from either.
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
            routing = [obj.get(name) for name in _ROUTING]
        elif hasattr(obj, "model_input"):
            raw_mi, raw_lfi = obj.model_input, getattr(obj, "loss_fn_inputs", None)
            routing = [getattr(obj, name, None) for name in _ROUTING]
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
        return Datum(_model_input(raw_mi, index), lfi, *routing)
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
    otherwise be silently ignored). A non-zero ``weight_decay`` is refused: the xorl server
    ignores it in ``optim_step`` (see :func:`check_weight_decay`).

    >>> coerce_adam_params({"learning_rate": 1e-5}).learning_rate
    1e-05
    """
    if isinstance(obj, AdamParams):
        return check_weight_decay(obj)
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
    return check_weight_decay(AdamParams(**values))


def check_weight_decay(params: AdamParams) -> AdamParams:
    """``params`` if its ``weight_decay`` is 0; a typed refusal otherwise.

    The xorl server takes the learning rate, betas, eps and clip of every ``optim_step`` but
    never its ``weight_decay``: the decay is the session's, fixed when the session is created
    (``create_model``'s ``optimizer_config`` on a LoRA server, the server's ``weight_decay``
    setting on a full-weight server). A per-step value would be silently ignored, so it is
    refused before anything is sent.

    >>> check_weight_decay(AdamParams(weight_decay=0.5))
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: adam_params.weight_decay=0.5 cannot be applied per step: the xorl server ignores the weight_decay of optim_step and applies the session's weight decay, which is fixed when the session is created. Leave AdamParams.weight_decay at 0.0 and set the decay once: create_lora_training_client(..., optimizer_config={'weight_decay': 0.5}) on a LoRA server, or the server's weight_decay setting on a full-weight server
    """
    decay = params.weight_decay
    if decay == 0:
        return params
    raise DataValidationError(
        f"adam_params.weight_decay={decay!r} cannot be applied per step: the xorl server "
        "ignores the weight_decay of optim_step and applies the session's weight decay, which "
        "is fixed when the session is created. Leave AdamParams.weight_decay at 0.0 and set the "
        f"decay once: create_lora_training_client(..., optimizer_config={{'weight_decay': "
        f"{decay!r}}}) on a LoRA server, or the server's weight_decay setting on a full-weight "
        "server",
        field="adam_params.weight_decay",
        rule="weight_decay is set per session, not per optim_step",
    )
