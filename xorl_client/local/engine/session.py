"""``ModelSession``: one session that trains (forward, forward_backward, optim_step) and checkpoints."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.local.engine.files import load_npz, save_json, save_npz
from xorl_client.local.engine.gradients import loss_and_gradients
from xorl_client.local.engine.sampler import SamplerWeights
from xorl_client.local.engine.specs import (
    ADAPTER_CONFIG_FILE,
    MODEL_FILE,
    OPTIMIZER_FILE,
    SAMPLER_ADAPTER_FILE,
    SAMPLER_WEIGHTS_FILE,
    SESSION_SPEC_FILE,
    BaseWeights,
    SessionSpec,
)
from xorl_client.local.losses import (
    DEFAULT_MAX_SEQ_LEN,
    LossEvaluation,
    LossSpec,
    PreparedBatch,
    get_loss,
    prepare_batch,
)
from xorl_client.local.model import (
    BASE_MODEL_NAME,
    EngineError,
    FloatArray,
    lora_init,
    lora_table,
)
from xorl_client.local.optim import AdamW

__all__ = ["ModelSession", "datum_digest"]


def _finite_list(values: FloatArray) -> list[float]:
    """Python floats for JSON, with NaN/Inf replaced by 0.0 as the real server does."""
    clean = np.where(np.isfinite(values), values, 0.0)
    return [float(x) for x in clean.tolist()]


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def _tensor(values: FloatArray) -> dict[str, Any]:
    return {"data": _finite_list(values), "dtype": "float32", "shape": [int(values.shape[0])]}


# ----------------------------------------------------------------------------- sessions

_DIGEST_MOD = 1 << 64


def datum_digest(datum: Mapping[str, Any]) -> int:
    """A 64-bit digest of one datum's input tokens (wire form), for the applied-batch counter.

    >>> datum_digest({"model_input": {"input_ids": [1, 2, 3]}}) == datum_digest(
    ...     {"model_input": {"input_ids": [1, 2, 3]}, "loss_fn_inputs": {}})
    True
    """
    model_input = datum.get("model_input")
    ids = model_input.get("input_ids") if isinstance(model_input, Mapping) else None
    text = json.dumps(ids if ids is not None else datum, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


class ModelSession:
    """One training session (one ``model_id``): parameters, gradient accumulator, optimizer.

    Full-weight sessions train a private copy of the base table; LoRA sessions train ``A``
    (random) and ``B`` (zeros) on top of the shared base, so a fresh LoRA session computes
    exactly the base model.
    """

    def __init__(
        self,
        base: BaseWeights,
        spec: SessionSpec,
        *,
        seed: int = 0,
        max_seq_len: int = DEFAULT_MAX_SEQ_LEN,
    ) -> None:
        if spec.base_model != BASE_MODEL_NAME:
            raise EngineError(
                f"base_model {spec.base_model!r} does not match the local server's model "
                f"{BASE_MODEL_NAME!r}"
            )
        self._base = base
        self._spec = spec
        self._max_seq_len = int(max_seq_len)
        self._lock = threading.RLock()
        self._params: dict[str, FloatArray]
        if spec.lora_rank is None:
            self._params = {"W": base.table.copy()}
        else:
            a, b = lora_init(seed, base.vocab_size, spec.lora_rank)
            self._params = {"A": a, "B": b}
        self._grads = {k: np.zeros_like(v) for k, v in self._params.items()}
        self._accumulated_tokens = 0
        # Gradients added already divided by their request's valid tokens
        # (loss_fn_params.normalize_loss_before_backward) count no tokens of their own.
        self._prenormalized_grads = False
        self._forward_backward_calls = 0
        self._step = 0
        self._optimizer = AdamW()
        # Which batches the applied steps used (local only): the datums accumulated since the
        # last step, and the count and order-free digest of every datum a step has applied.
        self._epoch_digests: list[int] = []
        self._applied_datums = 0
        self._applied_digest = 0

    # -- introspection -------------------------------------------------------------------

    @property
    def spec(self) -> SessionSpec:
        """The session's spec (what ``session_spec.json`` records)."""
        return self._spec

    @property
    def step(self) -> int:
        """Number of optimizer steps applied (restored by :meth:`load`)."""
        return self._step

    @property
    def forward_backward_step(self) -> int:
        """Number of ``forward_backward`` calls this session object has executed."""
        return self._forward_backward_calls

    @property
    def accumulated_valid_tokens(self) -> int:
        """Valid tokens accumulated since the last ``optim_step`` (the divisor it will use)."""
        return self._accumulated_tokens

    def parameters(self) -> dict[str, FloatArray]:
        """Copies of the trainable arrays (``W``, or ``A`` and ``B``)."""
        with self._lock:
            return {k: v.copy() for k, v in self._params.items()}

    def accumulated_gradients(self) -> dict[str, FloatArray]:
        """Copies of the raw gradient sums accumulated since the last ``optim_step``."""
        with self._lock:
            return {k: v.copy() for k, v in self._grads.items()}

    def _lora_scale(self) -> float | None:
        return self._spec.lora_scale if self._spec.is_lora else None

    def _effective_table(self) -> FloatArray:
        if self._spec.is_lora:
            return lora_table(
                self._base.table, self._params["A"], self._params["B"], self._spec.lora_scale
            )
        return self._params["W"]

    # -- training --------------------------------------------------------------------------

    def forward(
        self,
        data: list[dict[str, Any]],
        loss_fn: str = "causallm_loss",
        loss_fn_params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Loss and logprobs without touching gradients (eval, reference logprobs)."""
        return self._run(data, loss_fn, loss_fn_params, backward=False)

    def forward_backward(
        self,
        data: list[dict[str, Any]],
        loss_fn: str = "causallm_loss",
        loss_fn_params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Loss, logprobs, and gradient sums added to the accumulator for the next step."""
        return self._run(data, loss_fn, loss_fn_params, backward=True)

    def _run(
        self,
        data: Sequence[Mapping[str, Any]],
        loss_fn: str,
        loss_fn_params: Mapping[str, Any] | None,
        *,
        backward: bool,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        if loss_fn_params is not None and not isinstance(loss_fn_params, Mapping):
            raise EngineError("loss_fn_params must be an object")
        params = loss_fn_params or {}
        per_token = params.get("return_per_token")
        if per_token is None:
            per_token = True
        if not isinstance(per_token, bool):
            raise EngineError(
                f"loss_fn_params.return_per_token must be a boolean, got {per_token!r}"
            )
        loss = get_loss(loss_fn)
        normalize = backward and bool(params.get("normalize_loss_before_backward", False))
        if normalize and self._spec.is_lora:
            # The real LoRA (multi-adapter) server only accepts raw sums (adapters/manager.py).
            raise EngineError(
                "ADAPTER_GRADIENT_PRENORMALIZED_LOSS: authoritative ownership requires "
                "unnormalized raw numerator losses"
            )
        batch = prepare_batch(
            data, loss, vocab_size=self._base.vocab_size, max_seq_len=self._max_seq_len
        )
        with self._lock:
            evaluation, grads = loss_and_gradients(
                self._base.table,
                self._params,
                self._lora_scale(),
                batch,
                loss,
                params,
                with_gradients=backward,
            )
            if backward:
                if not all(bool(np.all(np.isfinite(g))) for g in grads.values()):
                    raise EngineError(
                        "forward_backward produced a non-finite gradient (check logprobs and "
                        "advantages); nothing was accumulated"
                    )
                if normalize:
                    # The real server divides this request's loss by its own valid tokens
                    # (clamped at 1) before backward and leaves the step's divisor alone.
                    scale = 1.0 / max(evaluation.valid_tokens, 1)
                    for name, grad in grads.items():
                        self._grads[name] += grad * scale
                    self._prenormalized_grads = True
                else:
                    for name, grad in grads.items():
                        self._grads[name] += grad
                    self._accumulated_tokens += evaluation.valid_tokens
                self._forward_backward_calls += 1
                self._epoch_digests.extend(datum_digest(d) for d in data)
        elapsed = time.perf_counter() - started
        return self._result(batch, loss, evaluation, per_token, backward, elapsed)

    @staticmethod
    def _result(
        batch: PreparedBatch,
        loss: LossSpec,
        evaluation: LossEvaluation,
        per_token: bool,
        backward: bool,
        elapsed: float,
    ) -> dict[str, Any]:
        valid = evaluation.valid_tokens
        loss_sum = evaluation.loss_sum
        loss_mean = loss_sum / valid if valid else 0.0
        outputs: list[dict[str, Any]]
        if per_token:
            output_type = "CrossEntropyLossReturn"
            outputs = []
            for k in range(len(batch.samples)):
                lo, hi = int(batch.offsets[k]), int(batch.offsets[k + 1])
                item: dict[str, Any] = {"logprobs": _tensor(evaluation.logprobs[lo:hi])}
                if loss.returns_elementwise_loss:
                    item["elementwise_loss"] = _tensor(evaluation.elementwise_loss[lo:hi])
                else:
                    item["elementwise_loss"] = {"data": [], "dtype": "float32", "shape": [0]}
                outputs.append(item)
        else:
            output_type = "single_loss"
            outputs = [{"loss": {"data": [_finite(loss_mean)], "dtype": "float32", "shape": [1]}}]
        suffix = ":sum" if backward else ""
        metrics: dict[str, Any] = {
            "loss:sum": _finite(loss_sum),
            "loss:mean": _finite(loss_mean),
            f"valid_tokens{suffix}": valid,
            f"execution_time{suffix}": elapsed,
        }
        metrics.update({k: _finite(v) for k, v in evaluation.metrics.items()})
        return {
            "loss_fn_output_type": output_type,
            "loss_fn_outputs": outputs,
            "metrics": metrics,
            "info": {},
        }

    def optim_step(
        self,
        *,
        learning_rate: float,
        beta1: float,
        beta2: float,
        eps: float,
        weight_decay: float,
        grad_clip: float | None,
    ) -> dict[str, Any]:
        """Normalise the accumulated gradient by its valid tokens, clip, AdamW, clear.

        Like the real server, the divisor is the valid-token count of every raw-sum
        ``forward_backward`` since the last step (the whole gradient epoch, not one request);
        pre-normalised contributions (``normalize_loss_before_backward``) are divided by it
        too when it is non-zero, and left as they are when it is zero.

        ``grad_clip`` ``None`` or ``<= 0`` disables clipping (the HTTP layer resolves the
        request's null to the server default before calling). The reported ``grad_norm`` is
        the pre-clip norm of the normalised gradient, like ``clip_grad_norm_``'s return value.
        """
        with self._lock:
            if self._accumulated_tokens <= 0 and not self._prenormalized_grads:
                raise EngineError(
                    "optim_step: no valid tokens accumulated since the last optim_step"
                )
            scale = 1.0 / self._accumulated_tokens if self._accumulated_tokens > 0 else 1.0
            grads = {k: g * scale for k, g in self._grads.items()}
            grad_norm = self._optimizer.step(
                self._params,
                grads,
                learning_rate=float(learning_rate),
                beta1=float(beta1),
                beta2=float(beta2),
                eps=float(eps),
                weight_decay=float(weight_decay),
                grad_clip=None if grad_clip is None else float(grad_clip),
            )
            self._applied_datums += len(self._epoch_digests)
            self._applied_digest = (self._applied_digest + sum(self._epoch_digests)) % _DIGEST_MOD
            self._clear_gradients()
            self._step += 1
            return {
                "metrics": {
                    "grad_norm": _finite(grad_norm),
                    "learning_rate": float(learning_rate),
                    "step": self._step,
                },
                "info": {},
            }

    def _clear_gradients(self) -> None:
        for grad in self._grads.values():
            grad.fill(0.0)
        self._accumulated_tokens = 0
        self._prenormalized_grads = False
        self._epoch_digests = []

    def abort_gradient_epoch(self) -> dict[str, Any]:
        """Discard everything accumulated since the last ``optim_step``; idempotent.

        ``forward_backward_step`` is the number of ``forward_backward`` calls the session has
        executed in total (aborted ones included). The server adds ``model_id``.
        """
        with self._lock:
            self._clear_gradients()
            return {
                "success": True,
                "step": self._step,
                "forward_backward_step": self._forward_backward_calls,
                "info": {},
            }

    @property
    def applied(self) -> tuple[int, int]:
        """``(datums, digest)``: how many datums the applied steps used, and the sum of their
        :func:`datum_digest` s modulo 2**64. Local only; saved in ``model.npz`` (as
        ``applied_datums`` and ``applied_digest`` in 16-bit pieces) so that a test can check,
        from the server's own record, that every batch was applied exactly once."""
        return self._applied_datums, self._applied_digest

    # -- checkpoints -----------------------------------------------------------------------

    def save(self, directory: Path, *, include_optimizer: bool = True) -> None:
        """Write ``model.npz`` (+ ``optimizer.npz``) and ``session_spec.json`` into ``directory``.

        The gradient accumulator is not saved (the real server saves weights and optimizer
        only). A stale ``optimizer.npz`` from an earlier save into the same directory is
        removed when ``include_optimizer`` is false, so a later load cannot pick it up.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            model = {k: v.copy() for k, v in self._params.items()}
            model.update(self._base.fingerprint())
            model["step"] = np.array(float(self._step))
            model["applied_datums"] = np.array(float(self._applied_datums))
            # in 16-bit pieces: checkpoints hold float64 arrays, exact only up to 2**53
            model["applied_digest"] = np.array(
                [float((self._applied_digest >> shift) & 0xFFFF) for shift in (48, 32, 16, 0)]
            )
            save_npz(directory / MODEL_FILE, model)
            if include_optimizer:
                save_npz(directory / OPTIMIZER_FILE, self._optimizer.state_dict())
            else:
                (directory / OPTIMIZER_FILE).unlink(missing_ok=True)
            save_json(directory / SESSION_SPEC_FILE, self._spec.to_json())

    def load(self, directory: Path, *, include_optimizer: bool) -> None:
        """Restore weights (and optionally optimizer state) saved by :meth:`save`.

        Without the optimizer the moments restart from zero (Tinker's ``load_state``); the
        step counter is restored either way. The accumulator is cleared. Refused when the
        checkpoint's kind, rank, alpha or base differ from this session's: loading them would
        silently produce a different model.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise EngineError(f"checkpoint directory not found: {directory}")
        arrays = load_npz(directory / MODEL_FILE)
        self._base.check_fingerprint(arrays, directory / MODEL_FILE)
        spec_path = directory / SESSION_SPEC_FILE
        if spec_path.is_file():
            try:
                saved = SessionSpec.from_json(json.loads(spec_path.read_text()))
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise EngineError(f"cannot read {spec_path}: {exc}") from exc
            if (saved.lora_rank, saved.lora_alpha) != (self._spec.lora_rank, self._spec.lora_alpha):
                raise EngineError(
                    f"checkpoint {directory} is "
                    f"{_describe(saved)} but this session is {_describe(self._spec)}"
                )
        params: dict[str, FloatArray] = {}
        for name, current in self._params.items():
            value = arrays.get(name)
            if value is None or value.shape != current.shape:
                found = "missing" if value is None else f"shape {value.shape}"
                raise EngineError(
                    f"checkpoint {directory} does not fit this session: '{name}' is {found}, "
                    f"expected shape {current.shape} ({_describe(self._spec)})"
                )
            params[name] = value
        optimizer = AdamW()
        if include_optimizer:
            opt_path = directory / OPTIMIZER_FILE
            if not opt_path.is_file():
                raise EngineError(
                    f"checkpoint {directory} has no optimizer state (it was saved without it); "
                    "load it without the optimizer"
                )
            optimizer.load_state_dict(load_npz(opt_path), {k: v.shape for k, v in params.items()})
        with self._lock:
            self._params = params
            self._optimizer = optimizer
            self._grads = {k: np.zeros_like(v) for k, v in params.items()}
            self._accumulated_tokens = 0
            self._prenormalized_grads = False
            self._epoch_digests = []
            self._step = int(arrays.get("step", np.array(0.0)))
            self._applied_datums = int(arrays.get("applied_datums", np.array(0.0)))
            pieces = arrays.get("applied_digest", np.zeros(4))
            self._applied_digest = sum(
                int(p) << s for p, s in zip(pieces, (48, 32, 16, 0), strict=True)
            )

    def export_for_sampler(self, directory: Path) -> None:
        """Write what a sampler needs: the full table, or the LoRA adapter + its config.

        A LoRA export holds only ``A``, ``B``, rank and alpha (like a PEFT adapter directory);
        :meth:`SamplerWeights.load_export` applies it to the base.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            arrays = self._base.fingerprint()
            if self._spec.lora_rank is None or self._spec.lora_alpha is None:
                arrays["W"] = self._params["W"].copy()
                save_npz(directory / SAMPLER_WEIGHTS_FILE, arrays)
                return
            arrays["A"] = self._params["A"].copy()
            arrays["B"] = self._params["B"].copy()
            arrays["rank"] = np.array(float(self._spec.lora_rank))
            arrays["alpha"] = np.array(float(self._spec.lora_alpha))
            save_npz(directory / SAMPLER_ADAPTER_FILE, arrays)
            save_json(
                directory / ADAPTER_CONFIG_FILE,
                {
                    "base_model_name_or_path": self._spec.base_model,
                    "peft_type": "LORA",
                    "r": self._spec.lora_rank,
                    "lora_alpha": self._spec.lora_alpha,
                    "target_modules": ["bigram_table"],
                },
            )

    def sampler_weights(self) -> SamplerWeights:
        """A frozen snapshot of the current model for sampling; later training won't move it."""
        with self._lock:
            return SamplerWeights(self._effective_table())


def _describe(spec: SessionSpec) -> str:
    if spec.is_lora:
        return f"LoRA rank {spec.lora_rank}, alpha {spec.lora_alpha}"
    return "full-weight"
