"""The maths engine of the local reference server: sessions that train, checkpoint and sample.

The HTTP layer (:mod:`xorl_client.local.app`) owns futures, ordering, sessions by id and
checkpoint paths; it calls this module for everything numeric and gets back dicts already in
the real server's wire shapes (§8.6, §8.7, §4.4 of the server notes), so it can serialise them
unchanged.

Contract with the HTTP layer:

* Every refusal is an :class:`EngineError`; its message is meant to be shown as
  ``"500: Engine error: <message>"`` in the failed future, like the real server. Anything else
  escaping from here is a bug.
* A call that raises leaves the session unchanged (the whole request is validated before any
  gradient is accumulated or any parameter moves).
* Methods are thread-safe per session, but the real server executes one request at a time and
  so should the caller, in ``seq_id`` order.

Gradients accumulate as raw sums over ``forward_backward`` calls; ``optim_step`` divides once by
the valid tokens accumulated since the previous step, so splitting a batch into chunks is
exactly equivalent to sending it whole (§8.5).

Trainer/sampler agreement: :meth:`SamplerWeights.generate` reports, for every chosen token, the
log-softmax of the *raw* logits (temperature 1, no top-k/top-p/min-p filtering), which is exactly
what :meth:`ModelSession.forward` computes for the same token — so an on-policy importance ratio
is 1.0 up to floating point, whatever sampling parameters produced the token.

>>> base = BaseWeights(seed=0, vocab_size=8)
>>> session = ModelSession(base, SessionSpec())
>>> datum = {"model_input": {"input_ids": [1, 2, 3]},
...          "loss_fn_inputs": {"target_tokens": [2, 3, 4]}}
>>> out = session.forward_backward([datum])
>>> out["loss_fn_output_type"], out["loss_fn_outputs"][0]["logprobs"]["shape"]
('CrossEntropyLossReturn', [3])
>>> out["metrics"]["valid_tokens:sum"]
3
>>> session.optim_step(learning_rate=0.1, beta1=0.9, beta2=0.95, eps=1e-8,
...                    weight_decay=0.0, grad_clip=None)["metrics"]["step"]
1
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xorl_client.byte_tokenizer import EOS_ID
from xorl_client.local.losses import (
    DEFAULT_MAX_SEQ_LEN,
    LossEvaluation,
    LossSpec,
    PreparedBatch,
    evaluate_loss,
    get_loss,
    prepare_batch,
)
from xorl_client.local.model import (
    BASE_MODEL_NAME,
    IGNORE_INDEX,
    VOCAB_SIZE,
    EngineError,
    FloatArray,
    IntArray,
    base_table,
    coefficient_gradient,
    log_softmax,
    lora_gradients,
    lora_init,
    lora_table,
    target_logprobs,
)
from xorl_client.local.optim import AdamW

__all__ = [
    "ADAPTER_CONFIG_FILE",
    "BASE_MODEL_NAME",
    "DEFAULT_LORA_ALPHA",
    "MODEL_FILE",
    "OPTIMIZER_FILE",
    "SAMPLER_ADAPTER_FILE",
    "SAMPLER_WEIGHTS_FILE",
    "SESSION_SPEC_FILE",
    "BaseWeights",
    "EngineError",
    "Generation",
    "ModelSession",
    "OptimizerConfig",
    "SamplerWeights",
    "SessionSpec",
    "datum_digest",
    "loss_and_gradients",
]

#: Files of a training checkpoint directory (``save_weights``).
MODEL_FILE = "model.npz"
OPTIMIZER_FILE = "optimizer.npz"
SESSION_SPEC_FILE = "session_spec.json"
#: Files of a sampler export (``save_weights_for_sampler``): one of the two ``.npz`` files.
SAMPLER_WEIGHTS_FILE = "weights.npz"
SAMPLER_ADAPTER_FILE = "adapter.npz"
ADAPTER_CONFIG_FILE = "adapter_config.json"

#: The real server's default ``lora_alpha`` when a session gives a rank but no alpha.
DEFAULT_LORA_ALPHA = 16
#: Optimizer types the local engine can run; both mean plain fp32 AdamW here.
_ADAMW_TYPES = ("adamw", "anyprecision_adamw")


# ----------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class OptimizerConfig:
    """A session's default optimizer settings (``create_model``'s ``optimizer_config``).

    ``optim_step`` receives its hyperparameters explicitly; the HTTP layer falls back to these
    when a request leaves them out, and ``weights_info`` reports them.
    """

    type: str = "adamw"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.type not in _ADAMW_TYPES:
            raise EngineError(
                f"optimizer type {self.type!r} is not supported by the local server "
                f"(supported: {', '.join(_ADAMW_TYPES)})"
            )
        betas = tuple(float(b) for b in self.betas)
        if len(betas) != 2:
            raise EngineError(f"optimizer betas must have exactly 2 numbers, got {self.betas!r}")
        object.__setattr__(self, "betas", betas)
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise EngineError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise EngineError(f"weight_decay must be >= 0, got {self.weight_decay}")


@dataclass(frozen=True)
class SessionSpec:
    """What a session is: base model, full-weight or LoRA (rank, alpha), optimizer defaults.

    ``lora_rank=None`` means a full-weight session. A LoRA rank without an alpha gets the real
    server's default alpha (16), so two specs that train identically compare equal.
    """

    base_model: str = BASE_MODEL_NAME
    lora_rank: int | None = None
    lora_alpha: int | None = None
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)

    def __post_init__(self) -> None:
        if self.lora_rank is None:
            if self.lora_alpha is not None:
                raise EngineError("lora_alpha was given without lora_rank")
            return
        if isinstance(self.lora_rank, bool) or int(self.lora_rank) <= 0:
            raise EngineError(f"lora_rank must be a positive integer, got {self.lora_rank}")
        alpha = DEFAULT_LORA_ALPHA if self.lora_alpha is None else self.lora_alpha
        if isinstance(alpha, bool) or int(alpha) <= 0:
            raise EngineError(f"lora_alpha must be a positive integer, got {alpha}")
        object.__setattr__(self, "lora_rank", int(self.lora_rank))
        object.__setattr__(self, "lora_alpha", int(alpha))

    @property
    def is_lora(self) -> bool:
        """Whether the session trains a LoRA adapter instead of the full table."""
        return self.lora_rank is not None

    @property
    def lora_scale(self) -> float:
        """``alpha / rank``, the factor on ``A @ B`` (0.0 for full-weight sessions)."""
        if self.lora_rank is None or self.lora_alpha is None:
            return 0.0
        return self.lora_alpha / self.lora_rank

    def to_json(self) -> dict[str, Any]:
        """``session_spec.json``: the fields of the server's ``WeightsInfoResponse``."""
        opt = self.optimizer
        return {
            "base_model": self.base_model,
            "is_lora": self.is_lora,
            "lora_rank": self.lora_rank,
            "lora_config": (
                {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha}
                if self.is_lora
                else None
            ),
            "optimizer_config": {
                "type": opt.type,
                "learning_rate": opt.learning_rate,
                "weight_decay": opt.weight_decay,
                "optimizer_dtype": "fp32",
                "betas": list(opt.betas),
                "eps": opt.eps,
                "optimizer_kwargs": {},
            },
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SessionSpec:
        """Inverse of :meth:`to_json`; tolerant of missing optional members (older files)."""
        lora = d.get("lora_config") or {}
        rank = lora.get("lora_rank", d.get("lora_rank"))
        is_lora = d.get("is_lora", rank is not None)
        opt = d.get("optimizer_config") or {}
        defaults = OptimizerConfig()
        betas = opt.get("betas") or defaults.betas
        return cls(
            base_model=str(d.get("base_model", BASE_MODEL_NAME)),
            lora_rank=int(rank) if is_lora and rank is not None else None,
            lora_alpha=(
                int(lora["lora_alpha"]) if is_lora and lora.get("lora_alpha") is not None else None
            ),
            optimizer=OptimizerConfig(
                type=str(opt.get("type", defaults.type)),
                learning_rate=float(opt.get("learning_rate", defaults.learning_rate)),
                weight_decay=float(opt.get("weight_decay", defaults.weight_decay)),
                betas=(float(betas[0]), float(betas[1])),
                eps=float(opt["eps"]) if opt.get("eps") is not None else defaults.eps,
            ),
        )


class BaseWeights:
    """The seeded base table shared (read-only) by every session and sampler of one server.

    Checkpoints and sampler exports record ``(seed, vocab_size)`` and refuse to load onto a
    different base: a LoRA adapter applied to another base would silently be another model.
    """

    def __init__(self, seed: int = 0, vocab_size: int = VOCAB_SIZE) -> None:
        self.seed = int(seed)
        self.vocab_size = int(vocab_size)
        table = base_table(self.seed, self.vocab_size)
        table.flags.writeable = False
        self.table: FloatArray = table

    def __repr__(self) -> str:
        return f"BaseWeights(seed={self.seed}, vocab_size={self.vocab_size})"

    def fingerprint(self) -> dict[str, FloatArray]:
        """Arrays stored beside saved weights to identify this base."""
        return {
            "base_seed": np.array(float(self.seed)),
            "vocab_size": np.array(float(self.vocab_size)),
        }

    def check_fingerprint(self, arrays: Mapping[str, Any], where: Path) -> None:
        """Refuse weights that were saved against another base table."""
        try:
            seed = int(arrays["base_seed"])
            vocab = int(arrays["vocab_size"])
        except (KeyError, ValueError, TypeError) as exc:
            raise EngineError(
                f"{where} does not record its base model (base_seed/vocab_size)"
            ) from exc
        if (seed, vocab) != (self.seed, self.vocab_size):
            raise EngineError(
                f"{where} was saved against base seed={seed}, vocab_size={vocab}, but this "
                f"server's base is seed={self.seed}, vocab_size={self.vocab_size}"
            )


# ----------------------------------------------------------------------------- helpers


def _finite_list(values: FloatArray) -> list[float]:
    """Python floats for JSON, with NaN/Inf replaced by 0.0 as the real server does."""
    clean = np.where(np.isfinite(values), values, 0.0)
    return [float(x) for x in clean.tolist()]


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def _tensor(values: FloatArray) -> dict[str, Any]:
    return {"data": _finite_list(values), "dtype": "float32", "shape": [int(values.shape[0])]}


def _write_atomic(path: Path, write: Any) -> None:
    """Write through a temporary file + rename so a crash never leaves a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save_npz(path: Path, arrays: Mapping[str, FloatArray]) -> None:
    savez: Any = np.savez  # numpy's stub types **kwds like its keyword options
    _write_atomic(path, lambda f: savez(f, **arrays))


def _save_json(path: Path, obj: Any) -> None:
    _write_atomic(path, lambda f: f.write((json.dumps(obj, indent=2) + "\n").encode()))


def _load_npz(path: Path) -> dict[str, FloatArray]:
    if not path.is_file():
        raise EngineError(f"checkpoint file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: np.array(npz[key], dtype=np.float64) for key in npz.files}
    except (OSError, ValueError) as exc:
        raise EngineError(f"cannot read {path}: {exc}") from exc


def loss_and_gradients(
    base: FloatArray,
    params: Mapping[str, FloatArray],
    lora_scale: float | None,
    batch: PreparedBatch,
    loss: LossSpec,
    loss_fn_params: Mapping[str, Any] | None = None,
    *,
    with_gradients: bool = True,
) -> tuple[LossEvaluation, dict[str, FloatArray]]:
    """The loss of ``batch`` and its raw (unnormalised) gradient wrt ``params``.

    ``params`` is ``{"W"}`` for a full-weight model (``lora_scale`` None) or ``{"A", "B"}`` for
    LoRA on top of ``base``. Pure function of its inputs: sessions use it for every
    ``forward``/``forward_backward``, and the tests differentiate it numerically.
    """
    if lora_scale is None:
        table = params["W"]
    else:
        table = lora_table(base, params["A"], params["B"], lora_scale)
    # Ignored targets are scored against token 0 and zeroed by the loss: one gather for all.
    safe_targets: IntArray = np.where(batch.targets == IGNORE_INDEX, 0, batch.targets)
    # Overflow (e.g. exp of a huge log-ratio) is not an accident to warn about: outputs are
    # sanitised like the server's, and non-finite gradients are refused by the caller.
    with np.errstate(over="ignore", invalid="ignore"):
        logprobs = target_logprobs(table, batch.inputs, safe_targets)
        evaluation = evaluate_loss(batch, loss, logprobs, loss_fn_params)
        if not with_gradients:
            return evaluation, {}
        table_grad = coefficient_gradient(table, batch.inputs, safe_targets, evaluation.coeff)
    if lora_scale is None:
        return evaluation, {"W": table_grad}
    grad_a, grad_b = lora_gradients(table_grad, params["A"], params["B"], lora_scale)
    return evaluation, {"A": grad_a, "B": grad_b}


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
            _save_npz(directory / MODEL_FILE, model)
            if include_optimizer:
                _save_npz(directory / OPTIMIZER_FILE, self._optimizer.state_dict())
            else:
                (directory / OPTIMIZER_FILE).unlink(missing_ok=True)
            _save_json(directory / SESSION_SPEC_FILE, self._spec.to_json())

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
        arrays = _load_npz(directory / MODEL_FILE)
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
            optimizer.load_state_dict(_load_npz(opt_path), {k: v.shape for k, v in params.items()})
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
                _save_npz(directory / SAMPLER_WEIGHTS_FILE, arrays)
                return
            arrays["A"] = self._params["A"].copy()
            arrays["B"] = self._params["B"].copy()
            arrays["rank"] = np.array(float(self._spec.lora_rank))
            arrays["alpha"] = np.array(float(self._spec.lora_alpha))
            _save_npz(directory / SAMPLER_ADAPTER_FILE, arrays)
            _save_json(
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


# ----------------------------------------------------------------------------- sampling


@dataclass
class Generation:
    """One completion: ids, their logprobs (raw logits, temperature 1), why it ended.

    ``finish_reason`` is SGLang's object form: ``{"type": "length"}`` or
    ``{"type": "stop", "matched": <token id>}``.
    """

    output_ids: list[int]
    output_logprobs: list[float]
    finish_reason: dict[str, Any]


class SamplerWeights:
    """Immutable model weights for sampling and scoring (the local ``/generate``)."""

    def __init__(self, table: FloatArray) -> None:
        table = np.array(table, dtype=np.float64, copy=True)
        if table.ndim != 2 or table.shape[0] != table.shape[1]:
            raise EngineError(f"sampler table must be square, got shape {table.shape}")
        table.flags.writeable = False
        logp = log_softmax(table)
        logp.flags.writeable = False
        self._table = table
        self._logp = logp

    @property
    def vocab_size(self) -> int:
        """Size of the vocabulary the weights score."""
        return int(self._table.shape[0])

    @classmethod
    def from_base(cls, base: BaseWeights) -> SamplerWeights:
        """The untrained base model (what ``/generate`` serves without a ``lora_path``)."""
        return cls(base.table)

    @classmethod
    def load_export(cls, directory: Path, base: BaseWeights) -> SamplerWeights:
        """Read an :meth:`ModelSession.export_for_sampler` directory (adapters go onto ``base``)."""
        directory = Path(directory)
        adapter = directory / SAMPLER_ADAPTER_FILE
        full = directory / SAMPLER_WEIGHTS_FILE
        if adapter.is_file():
            arrays = _load_npz(adapter)
            base.check_fingerprint(arrays, adapter)
            try:
                a, b = arrays["A"], arrays["B"]
                rank, alpha = int(arrays["rank"]), int(arrays["alpha"])
            except (KeyError, TypeError, ValueError) as exc:
                raise EngineError(f"{adapter} is not a LoRA adapter export") from exc
            v = base.vocab_size
            if a.shape != (v, rank) or b.shape != (rank, v):
                raise EngineError(
                    f"{adapter} has shapes {a.shape}/{b.shape}, not a rank-{rank} adapter"
                )
            return cls(lora_table(base.table, a, b, alpha / rank))
        if full.is_file():
            arrays = _load_npz(full)
            base.check_fingerprint(arrays, full)
            w = arrays.get("W")
            if w is None or w.shape != base.table.shape:
                raise EngineError(f"{full} does not hold a {base.table.shape} table")
            return cls(w)
        raise EngineError(f"no sampler weights in {directory}")

    def _check_ids(self, ids: Sequence[int], name: str) -> IntArray:
        arr = np.asarray(list(ids), dtype=np.int64)
        bad = (arr < 0) | (arr >= self.vocab_size)
        if bool(np.any(bad)):
            j = int(np.argmax(bad))
            raise EngineError(
                f"{name}[{j}]={int(arr[j])} is outside the vocabulary [0, {self.vocab_size})"
            )
        return arr

    def logprobs(self, input_ids: list[int], targets: list[int]) -> list[float]:
        """``log p(targets[t] | input_ids[t])``: prompt scoring, same numbers as ``forward``.

        For SGLang-style ``input_token_logprobs`` of a prompt ``p``, call
        ``logprobs(p[:-1], p[1:])``.
        """
        if len(input_ids) != len(targets):
            raise EngineError(
                f"input_ids has {len(input_ids)} entries but targets has {len(targets)}"
            )
        x = self._check_ids(input_ids, "input_ids")
        y = self._check_ids(targets, "targets")
        return [float(v) for v in self._logp[x, y].tolist()]

    def top_logprobs(self, input_ids: list[int], k: int) -> list[list[tuple[float, int]]]:
        """The ``k`` most likely next tokens after each of ``input_ids``: ``(logprob, id)``,
        most likely first (ties by lower id), like SGLang's ``input_top_logprobs``."""
        x = self._check_ids(input_ids, "input_ids")
        rows = self._logp[x]
        # stable sort of -logp: equal logprobs keep id order
        order = np.argsort(-rows, axis=1, kind="stable")[:, :k]
        return [[(float(rows[i, j]), int(j)) for j in order[i]] for i in range(len(input_ids))]

    def generate(
        self,
        input_ids: list[int],
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int = -1,
        top_p: float = 1.0,
        min_p: float = 0.0,
        stop_token_ids: list[int] | None = None,
        ignore_eos: bool = False,
        rng: np.random.Generator,
        should_stop: Callable[[], bool] | None = None,
    ) -> Generation:
        """Sample a completion of ``input_ids``; greedy at temperature 0.

        ``should_stop`` is checked before every token: when it turns true (the client went
        away, or ``/abort_request`` named this request) generation ends with
        ``finish_reason {"type": "abort"}``, as SGLang reports an aborted request.

        Sampling draws from ``softmax(logits / temperature)`` after top-k, then top-p, then
        min-p filtering; the reported logprobs are of the raw distribution (see the module
        docstring). A stop token is included in ``output_ids``. All randomness comes from
        ``rng``, so the same generator state gives the same completion.
        """
        if len(input_ids) == 0:
            raise EngineError("input_ids must not be empty")
        if isinstance(max_new_tokens, bool) or int(max_new_tokens) < 0:
            raise EngineError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
        if not (math.isfinite(temperature) and temperature >= 0):
            raise EngineError(f"temperature must be >= 0, got {temperature}")
        if not (0.0 < top_p <= 1.0):
            raise EngineError(f"top_p must be in (0, 1], got {top_p}")
        if not (0.0 <= min_p <= 1.0):
            raise EngineError(f"min_p must be in [0, 1], got {min_p}")
        prompt = self._check_ids(input_ids, "input_ids")
        stops = {int(t) for t in (stop_token_ids or [])}
        last = int(prompt[-1])
        output_ids: list[int] = []
        output_logprobs: list[float] = []
        for _ in range(int(max_new_tokens)):
            if should_stop is not None and should_stop():
                return Generation(output_ids, output_logprobs, {"type": "abort"})
            logits = self._table[last]
            if temperature == 0:
                token = int(np.argmax(logits))
            else:
                probs = _filtered_probs(logits, temperature, top_k, top_p, min_p)
                token = _draw(probs, rng)
            output_ids.append(token)
            output_logprobs.append(float(self._logp[last, token]))
            if token in stops or (token == EOS_ID and not ignore_eos):
                return Generation(output_ids, output_logprobs, {"type": "stop", "matched": token})
            last = token
        return Generation(output_ids, output_logprobs, {"type": "length"})


def _filtered_probs(
    logits: FloatArray, temperature: float, top_k: int, top_p: float, min_p: float
) -> FloatArray:
    """``softmax(logits / T)`` restricted by top-k, top-p and min-p, renormalised."""
    z = logits / temperature
    probs = np.exp(z - np.max(z))
    probs /= np.sum(probs)
    vocab = probs.shape[0]
    order = np.argsort(-probs, kind="stable")
    keep = np.ones(vocab, dtype=bool)
    if 0 < top_k < vocab:
        keep[order[top_k:]] = False
    if top_p < 1.0:
        sorted_probs = np.where(keep[order], probs[order], 0.0)
        sorted_probs = sorted_probs / np.sum(sorted_probs)
        before = np.cumsum(sorted_probs) - sorted_probs  # mass strictly above each token
        keep[order[before >= top_p]] = False
    if min_p > 0.0:
        keep &= probs >= min_p * np.max(probs)
    keep[order[0]] = True  # the most likely token always survives
    filtered = np.where(keep, probs, 0.0)
    out: FloatArray = filtered / np.sum(filtered)
    return out


def _draw(probs: FloatArray, rng: np.random.Generator) -> int:
    """Inverse-CDF draw with one uniform number: deterministic given the generator state."""
    cdf = np.cumsum(probs)
    u = float(rng.random()) * float(cdf[-1])
    index = min(int(np.searchsorted(cdf, u, side="right")), int(probs.shape[0]) - 1)
    if probs[index] <= 0.0:  # rounding at the top of the CDF: fall back to the last live token
        index = int(np.flatnonzero(probs > 0.0)[-1])
    return index
