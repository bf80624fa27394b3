"""Split big batches into requests and merge the per-chunk results back into one.

Why chunk at all when the server has no body limit (API notes §13)? Very large JSON bodies
cost memory and parse time on both sides and make one slow request block everything
queued behind it. Splitting one logical batch into several ``forward_backward`` calls
before a single ``optim_step`` is numerically equivalent, because the server sums losses
and divides once by the total valid-token count at ``optim_step`` (§8.5).

Merging follows the server's ``name:reduction`` metric convention (§8.6):

* ``:sum`` sums, ``:mean`` is the mean weighted by each chunk's datum count, ``:min`` and
  ``:max`` take the min / max (any other suffix is treated as ``:mean``);
* keys without a suffix: names ending ``_min`` / ``_max`` → min / max, ``valid_tokens``,
  ``is_valid_tokens`` and ``execution_time`` (counts and times) → sum, anything else →
  weighted mean;
* non-numeric values (nested objects such as ``expert_load_summary``) → the last chunk's.

>>> merge_metrics([{"loss:sum": 2.0, "n:max": 3}, {"loss:sum": 4.0, "n:max": 5}], [1, 3])
{'loss:sum': 6.0, 'n:max': 5}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xorl_client.errors import ConfigurationError
from xorl_client.types import Datum, ForwardBackwardOutput, LossFnOutput, TensorData

__all__ = [
    "DEFAULT_MAX_CHUNK_BYTES",
    "DEFAULT_MAX_CHUNK_ITEMS",
    "estimate_datum_bytes",
    "merge_metrics",
    "merge_outputs",
    "split_batch",
]

#: At most this many datums per request (Tinker's SDK uses the same number).
DEFAULT_MAX_CHUNK_ITEMS = 1024
#: At most about this many encoded JSON bytes per request (Tinker's cap; 5 MB).
DEFAULT_MAX_CHUNK_BYTES = 5_000_000

# Per-element byte estimates for JSON: a token id of up to 6 digits plus a comma is
# <= 7 bytes; a float as Python prints it ("-2.7912", "0.10000000149011612" for float32
# values) averages well under 20, short ones ("0.0") take 4. Rounded up so chunks err on
# the small side.
_INT_BYTES = 7
_FLOAT_BYTES = 12
_FIELD_OVERHEAD = 48  # key, quotes, brackets; a TensorData object's dtype/shape
_DATUM_OVERHEAD = 64  # {"model_input":{"input_ids":[...]},"loss_fn_inputs":{...}}


def estimate_datum_bytes(d: Datum) -> int:
    """Roughly how many bytes ``d`` takes as JSON, in O(number of fields).

    ``7 * tokens + (7 or 12) * elements per loss input (by dtype) + overheads``. It only
    reads lengths (never the values), so it is cheap for any batch size; it is meant for
    deciding chunk boundaries, not for exact accounting (it tends to overestimate).

    >>> estimate_datum_bytes(Datum([1, 2, 3], {"target_tokens": [2, 3, 4]}))
    154
    """
    total = _DATUM_OVERHEAD + _INT_BYTES * len(d.model_input.wire_ids())
    for td in d.loss_fn_inputs.values():
        per = _INT_BYTES if td.dtype.startswith(("int", "uint")) else _FLOAT_BYTES
        total += _FIELD_OVERHEAD + per * len(td)
    return total


def split_batch(
    data: Sequence[Datum],
    *,
    max_items: int = DEFAULT_MAX_CHUNK_ITEMS,
    max_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
) -> list[list[Datum]]:
    """Split ``data`` into consecutive chunks of at most ``max_items`` datums and ~``max_bytes``.

    Order is preserved (concatenating the chunks gives ``data`` back). A datum larger than
    ``max_bytes`` on its own becomes a chunk by itself rather than an error: the server has
    no body limit, the cap is only a client convention.

    >>> batch = [Datum([i, i + 1], {"target_tokens": [1, 2]}) for i in range(5)]
    >>> [len(c) for c in split_batch(batch, max_items=2)]
    [2, 2, 1]
    """
    if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise ConfigurationError(f"max_items must be a positive integer, not {max_items!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ConfigurationError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    chunks: list[list[Datum]] = []
    current: list[Datum] = []
    current_bytes = 0
    for datum in data:
        size = estimate_datum_bytes(datum)
        if current and (len(current) >= max_items or current_bytes + size > max_bytes):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(datum)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


# Un-suffixed keys that are counts or times (the official client sums these three too).
_SUMMED_KEYS = frozenset({"valid_tokens", "is_valid_tokens", "execution_time"})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reduction(key: str) -> str:
    """``sum``, ``mean`` (weighted), ``min`` or ``max`` for a metric key."""
    _, sep, suffix = key.rpartition(":")
    if sep:
        return suffix if suffix in ("sum", "mean", "min", "max") else "mean"
    if key.endswith("_min"):
        return "min"
    if key.endswith("_max"):
        return "max"
    if key in _SUMMED_KEYS:
        return "sum"
    return "mean"


def merge_metrics(metrics: Sequence[dict[str, Any]], weights: Sequence[int]) -> dict[str, Any]:
    """Merge per-chunk metric dicts by each key's ``name:reduction`` suffix.

    ``weights`` are the chunks' datum counts (used by means). A key missing from some
    chunks is merged over the chunks that have it. Sums of ints stay ints.

    >>> merge_metrics([{"a:mean": 1.0, "t_max": 2, "valid_tokens": 3},
    ...                {"a:mean": 4.0, "t_max": 1, "valid_tokens": 5}], [1, 2])
    {'a:mean': 3.0, 't_max': 2, 'valid_tokens': 8}
    """
    if len(metrics) != len(weights):
        raise ValueError(f"got {len(metrics)} metric dicts but {len(weights)} weights")
    keys: dict[str, None] = {}
    for m in metrics:
        keys.update(dict.fromkeys(m))
    merged: dict[str, Any] = {}
    for key in keys:
        pairs = [(m[key], w) for m, w in zip(metrics, weights, strict=True) if key in m]
        values = [v for v, _ in pairs]
        if not all(map(_is_number, values)):
            merged[key] = values[-1]
            continue
        how = _reduction(key)
        if how == "sum":
            merged[key] = sum(values)
        elif how == "min":
            merged[key] = min(values)
        elif how == "max":
            merged[key] = max(values)
        else:
            total_w = sum(w for _, w in pairs)
            if total_w > 0:
                merged[key] = sum(v * w for v, w in pairs) / total_w
            else:
                merged[key] = sum(values) / len(values)
    return merged


def _valid_tokens(metrics: dict[str, Any]) -> Any:
    return metrics.get("valid_tokens:sum", metrics.get("valid_tokens"))


def _token_weighted_loss(
    outputs: Sequence[ForwardBackwardOutput], chunk_sizes: Sequence[int]
) -> float:
    """Mean loss per valid token over all chunks.

    Exact when every chunk reports ``loss:sum`` and ``valid_tokens(:sum)``; otherwise the
    chunk losses weighted by valid tokens, or by datum count when those are missing.
    """
    sums: list[Any] = [o.metrics.get("loss:sum") for o in outputs]
    counts: list[Any] = [_valid_tokens(o.metrics) for o in outputs]
    if all(map(_is_number, sums)) and all(map(_is_number, counts)):
        total = sum(counts)
        if total > 0:
            return float(sum(sums)) / float(total)
    losses = [o.loss for o in outputs]
    weights: Sequence[Any] = (
        counts if all(map(_is_number, counts)) and sum(counts) > 0 else chunk_sizes
    )
    total_w = sum(weights)
    if total_w <= 0:
        return sum(losses) / len(losses)
    return float(sum(v * w for v, w in zip(losses, weights, strict=True))) / float(total_w)


def merge_outputs(
    outputs: Sequence[ForwardBackwardOutput], chunk_sizes: Sequence[int]
) -> ForwardBackwardOutput:
    """Combine the results of one batch sent as several chunks into one result.

    * ``CrossEntropyLossReturn``: ``loss_fn_outputs`` concatenated in chunk order (one per
      datum, as if the batch had been sent at once).
    * ``single_loss``: one ``{"loss": [L]}`` element whose ``L`` is the mean loss per valid
      token, ``sum(loss:sum) / sum(valid_tokens)`` when the chunks report those (per-sample
      ``k3`` results keep one element per sample, each carrying the combined loss).
    * ``metrics`` merged with :func:`merge_metrics`; ``loss:mean`` is then recomputed as
      ``loss:sum / valid_tokens`` when both are present, so it is exact rather than a
      datum-weighted average; ``info`` dicts merged (later chunks win).

    >>> a = ForwardBackwardOutput("single_loss", [{"loss": TensorData([2.0])}],
    ...                           {"loss:sum": 2.0, "loss:mean": 2.0, "valid_tokens:sum": 1})
    >>> b = ForwardBackwardOutput("single_loss", [{"loss": TensorData([1.0])}],
    ...                           {"loss:sum": 3.0, "loss:mean": 1.0, "valid_tokens:sum": 3})
    >>> m = merge_outputs([a, b], [1, 1])
    >>> m.loss, m.loss_fn_outputs[0]["loss"].data, m.metrics["valid_tokens:sum"]
    (1.25, [1.25], 4)
    """
    if not outputs:
        raise ValueError("merge_outputs needs at least one output")
    if len(outputs) != len(chunk_sizes):
        raise ValueError(f"got {len(outputs)} outputs but {len(chunk_sizes)} chunk sizes")
    if len(outputs) == 1:
        return outputs[0]
    kinds = {o.loss_fn_output_type for o in outputs}
    single = "single_loss" in kinds
    metrics = merge_metrics([o.metrics for o in outputs], chunk_sizes)
    valid = _valid_tokens(metrics)
    loss_sum: Any = metrics.get("loss:sum")
    if "loss:mean" in metrics and _is_number(loss_sum) and _is_number(valid) and valid > 0:
        metrics["loss:mean"] = float(loss_sum) / float(valid)
    info: dict[str, Any] = {}
    for o in outputs:
        info.update(o.info)
    keep_extras = any(o.extras for o in outputs)
    if single:
        combined = _token_weighted_loss(outputs, chunk_sizes)
        per_sample = any(
            len(o.loss_fn_outputs) != 1 or "k3" in o.loss_fn_outputs[0] for o in outputs
        )
        if per_sample:
            merged_outs: list[LossFnOutput] = []
            for o in outputs:
                for out in o.loss_fn_outputs:
                    merged_outs.append(
                        LossFnOutput.from_wire({**out, "loss": TensorData([combined], "float32")})
                    )
        else:
            merged_outs = [LossFnOutput(loss=TensorData([combined], "float32"))]
            keep_extras = False
        output_type = "single_loss"
    else:
        merged_outs = [out for o in outputs for out in o.loss_fn_outputs]
        output_type = outputs[0].loss_fn_output_type
    extras: list[dict[str, Any]] = []
    if keep_extras:
        for o in outputs:
            extras.extend(o.extras if o.extras else [{} for _ in o.loss_fn_outputs])
    return ForwardBackwardOutput(
        loss_fn_output_type=output_type,
        loss_fn_outputs=merged_outs,
        metrics=metrics,
        info=info,
        extras=extras,
    )
