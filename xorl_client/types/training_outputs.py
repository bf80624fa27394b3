"""What ``forward``, ``forward_backward``, ``optim_step`` and the weight operations return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from xorl_client.errors import XorlError
from xorl_client.types._base import XorlModel
from xorl_client.types.loss_output import LossFnOutput
from xorl_client.types.tensor_data import TensorData

__all__ = [
    "AbortGradientEpochOutput",
    "CreateModelResponse",
    "ForwardBackwardOutput",
    "LoadWeightsResponse",
    "LossFnOutput",
    "OptimStepOutput",
    "OptimStepResponse",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsResponse",
    "UnloadModelResponse",
]


def _parse_loss_fn_output(raw: Mapping[str, Any]) -> tuple[LossFnOutput, dict[str, Any]]:
    tensors: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, TensorData) or (isinstance(value, Mapping) and "data" in value):
            tensors[key] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            # Per-sample scalars such as ``k3`` become 1-element tensors (Tinker's shape).
            tensors[key] = value
        elif value is not None:
            extra[key] = value
    return LossFnOutput.from_wire(tensors), extra


@dataclass(slots=True)
class ForwardBackwardOutput(XorlModel):
    """The result of ``forward`` and ``forward_backward`` (Tinker-shaped).

    Attributes:
        loss_fn_output_type: ``"CrossEntropyLossReturn"`` (per-token outputs, one dict per
            kept datum) or ``"single_loss"`` (one dict for the whole request holding ``loss``).
        loss_fn_outputs: per-datum :class:`LossFnOutput` dicts of :class:`TensorData`
            (``logprobs``, ``elementwise_loss``, ``loss``, ``k3`` as a 1-element tensor).
        metrics: server metrics by ``name:reduction`` (numbers, plus a few nested objects).
        info: extra information (e.g. ``auto_loaded``).
        extras: non-tensor members of each output dict (e.g. ``token_diagnostics``),
            aligned with ``loss_fn_outputs`` when present, else empty.

    >>> out = ForwardBackwardOutput.from_wire({
    ...     "loss_fn_output_type": "CrossEntropyLossReturn",
    ...     "loss_fn_outputs": [{"logprobs": {"data": [-0.5, -1.5], "dtype": "float32", "shape": [2]}}],
    ...     "metrics": {"loss:sum": 2.0, "loss:mean": 1.0, "valid_tokens:sum": 2},
    ... })
    >>> out.loss, out.per_datum_logprobs()
    (1.0, [[-0.5, -1.5]])
    """

    loss_fn_output_type: str = ""
    loss_fn_outputs: list[LossFnOutput] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    extras: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> ForwardBackwardOutput:
        """Parse a ``ForwardBackwardResponse`` / ``ForwardResponse`` body."""
        outputs: list[LossFnOutput] = []
        extras: list[dict[str, Any]] = []
        for raw in d.get("loss_fn_outputs") or []:
            tensors, extra = _parse_loss_fn_output(raw)
            outputs.append(tensors)
            extras.append(extra)
        if not any(extras):
            extras = []
        return cls(
            loss_fn_output_type=str(d.get("loss_fn_output_type") or "CrossEntropyLossReturn"),
            loss_fn_outputs=outputs,
            metrics=dict(d.get("metrics") or {}),
            info=dict(d.get("info") or {}),
            extras=extras,
        )

    @property
    def is_single_loss(self) -> bool:
        """True when the server returned one loss for the whole request, not per-datum tensors."""
        return self.loss_fn_output_type == "single_loss"

    @property
    def loss(self) -> float:
        """THE way to read the loss, whatever the output shape.

        ``metrics["loss:mean"]`` (mean loss per valid token) when present - it is in both
        shapes; otherwise the ``single_loss`` value ``loss_fn_outputs[0]["loss"][0]``.
        """
        value = self.metrics.get("loss:mean")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        first: Any = self.loss_fn_outputs[0] if self.loss_fn_outputs else None
        if first is not None and first.get("loss") is not None:
            value = first["loss"]  # a tensor, or a number in a hand-built plain dict
            if isinstance(value, int | float):
                return float(value)
            if len(value):
                return float(value[0])
        raise XorlError(
            "this result carries no loss: neither metrics['loss:mean'] nor a 'loss' output "
            f"is present (loss_fn_output_type={self.loss_fn_output_type!r}, "
            f"metrics keys: {sorted(self.metrics)[:10]})"
        )

    def per_datum_logprobs(self) -> list[list[float]]:
        """One list of target logprobs per (kept) datum, in input order.

        Lengths follow the shift rule: ``len(input_ids) - 1`` for ``labels``,
        ``len(input_ids)`` for ``target_tokens``. Raises :class:`XorlError` for
        ``single_loss`` results, which have no per-token outputs.
        """
        if self.is_single_loss:
            raise XorlError(
                "per-datum logprobs are not available: the server returned a 'single_loss' "
                "result (one loss for the whole request, no per-token tensors). Ask for "
                "per-token outputs with loss_fn_params={'return_per_token': True} and a loss "
                "that produces them (e.g. causallm_loss, importance_sampling, policy_loss)."
            )
        result: list[list[float]] = []
        for i, out in enumerate(self.loss_fn_outputs):
            tensor = out.get("logprobs")
            if tensor is None:
                raise XorlError(
                    f"loss_fn_outputs[{i}] has no 'logprobs' (keys: {sorted(out)}); this loss "
                    "did not return per-token logprobs"
                )
            result.append([float(x) for x in tensor.data])
        return result


@dataclass(slots=True)
class OptimStepOutput(XorlModel):
    """The result of ``optim_step``: ``metrics`` (``grad_norm``, ``learning_rate``, ``step``, ...).

    ``OptimStepResponse`` (the official name) is the same class.
    """

    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> OptimStepOutput:
        """Parse an ``OptimStepResponse`` body."""
        return cls(metrics=dict(d.get("metrics") or {}), info=dict(d.get("info") or {}))

    def _number(self, key: str) -> float | None:
        value = self.metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    @property
    def grad_norm(self) -> float | None:
        """Gradient L2 norm before clipping, if the server reported it."""
        return self._number("grad_norm")

    @property
    def learning_rate(self) -> float | None:
        """The learning rate that was applied, if reported."""
        return self._number("learning_rate")

    @property
    def step(self) -> int | None:
        """The session's optimizer step count after this step, if reported."""
        value = self._number("step")
        return None if value is None else int(value)


OptimStepResponse = OptimStepOutput


@dataclass(slots=True)
class _CheckpointPath(XorlModel):
    """A ``{"path": ...}`` result; the three subclasses keep Tinker's names apart."""

    path: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Self:
        """Parse ``{"path": ...}``."""
        return cls(path=str(d["path"]))


@dataclass(slots=True)
class SaveWeightsResponse(_CheckpointPath):
    """Result of ``save_weights``: ``path`` is ``xorl://<model_id>/weights/<name>``."""


@dataclass(slots=True)
class LoadWeightsResponse(_CheckpointPath):
    """Result of ``load_weights``: ``path`` echoes the path exactly as it was sent."""


@dataclass(slots=True)
class SaveWeightsForSamplerResponse(_CheckpointPath):
    """Result of ``save_weights_for_sampler``: ``xorl://<model_id>/sampler_weights/<name>``.

    ``model_path`` is the official client's optional second field; the xorl server does not
    send it, so it stays ``None`` unless given.
    """

    model_path: str | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Self:
        """Parse ``{"path": ..., "model_path"?: ...}``."""
        model_path = d.get("model_path")
        return cls(path=str(d["path"]), model_path=None if model_path is None else str(model_path))


@dataclass(slots=True)
class CreateModelResponse(XorlModel):
    """The result of ``create_model`` (the session id that was created or refreshed)."""

    model_id: str
    type: Literal["create_model"] = "create_model"

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CreateModelResponse:
        """Parse ``{"model_id", "type"}``."""
        return cls(model_id=str(d["model_id"]))


@dataclass(slots=True)
class UnloadModelResponse(XorlModel):
    """The result of ``unload``: the session that was ended."""

    model_id: str
    type: Literal["unload_model"] | None = None

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> UnloadModelResponse:
        """Parse ``{"model_id", "type"?}``."""
        kind = d.get("type")
        return cls(model_id=str(d["model_id"]), type="unload_model" if kind else None)


@dataclass(slots=True)
class AbortGradientEpochOutput(XorlModel):
    """Result of ``abort_gradient_epoch``: gradients since the last optim_step were dropped."""

    success: bool
    model_id: str
    step: int
    forward_backward_step: int
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> AbortGradientEpochOutput:
        """Parse an ``AbortGradientEpochResponse`` body."""
        return cls(
            success=bool(d.get("success")),
            model_id=str(d.get("model_id", "")),
            step=int(d.get("step") or 0),
            forward_backward_step=int(d.get("forward_backward_step") or 0),
            info=dict(d.get("info") or {}),
        )
