"""Sessions by ``model_id``: registration, the two server modes, specs, activity (reference §6).

Full-weight mode (``lora=False``) is single-tenant like the real server: only ``default`` owns a
model; ``create_model`` for another id fails with the real text, per-session LoRA/optimizer
overrides are refused, and ``create_session`` merely registers an id at API level (training on
such an id then fails in the engine, as the real workers would).

LoRA mode (``lora=True``) is multi-tenant: every session owns an adapter (rank, alpha) and its
optimizer settings on top of the one shared base table. ``default`` is reserved: it cannot be
unloaded and ``kill_session`` on it is a successful no-op.

Messages that the real server produces are copied verbatim (they are part of the wire contract:
clients and tests match on them). This module holds state only; the engine work of creating a
``ModelSession`` happens on the scheduler thread, which is why the registry is lock-protected.
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xorl_client.local.config import LocalServerConfig
from xorl_client.local.engine import (
    BASE_MODEL_NAME,
    BaseWeights,
    EngineError,
    ModelSession,
    OptimizerConfig,
    SessionSpec,
)
from xorl_client.local.schemas import LoRAConfigRequest, OptimizerConfigRequest

__all__ = [
    "DEFAULT_MODEL_ID",
    "MODEL_ID_PATTERN",
    "Session",
    "SessionError",
    "SessionManager",
    "invalid_model_id_message",
    "not_registered_message",
    "valid_model_id",
]

DEFAULT_MODEL_ID = "default"
#: API-level id syntax; dots are NOT allowed (checkpoint names may have them).
MODEL_ID_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$")

#: Server-wide LoRA settings a session may repeat but not change (reference §9.6).
_SERVER_LORA_SETTINGS: dict[str, Any] = {"lora_target_modules": None, "lora_dropout": 0.0}
#: Tinker aliases that reach the normaliser as extra keys (sent next to their target).
_LORA_ALIASES = ("rank", "alpha")
#: optimizer_kwargs keys the real normaliser hoists into the config / drops.
_HOISTED_KWARGS = {
    "learning_rate": "learning_rate",
    "lr": "learning_rate",
    "weight_decay": "weight_decay",
    "betas": "betas",
    "adamw_betas": "betas",
    "eps": "eps",
    "adamw_eps": "eps",
}
_DROPPED_KWARGS = {"fused", "foreach"}


def valid_model_id(model_id: str) -> bool:
    """Whether ``model_id`` satisfies the API syntax.

    >>> valid_model_id("policy-1"), valid_model_id("bad/id"), valid_model_id("a.b")
    (True, False, False)
    """
    return MODEL_ID_PATTERN.fullmatch(model_id) is not None


def invalid_model_id_message(model_id: str) -> str:
    """The real 400 detail for a malformed id."""
    return (
        f"Invalid model_id '{model_id}'. model_id must start with an alphanumeric character and "
        "contain only alphanumeric characters, underscores (_), or hyphens (-). "
        "Length must be 1-128 characters."
    )


def not_registered_message(model_id: str) -> str:
    """The real 400 detail for an id that was never created."""
    return (
        f"model_id '{model_id}' has not been registered. You must call /api/v1/create_model or "
        "/api/v1/create_session first to register your model_id before calling other /api/v1/ "
        "endpoints. Try initializing the TrainingClient by calling create_lora_training_client "
        "on the ServiceClient."
    )


class SessionError(Exception):
    """A session-spec refusal. Stored in futures without a status prefix, like the real server."""


@dataclass
class Session:
    """One registered id.

    ``model`` is ``None`` for ids registered at API level only (full-weight ``create_session``
    ids other than ``default``). ``has_config`` marks ids registered through
    ``create_model``/``create_session``: the real ``optim_step`` falls back to lr 1e-4 for them.
    """

    model_id: str
    base_model: str
    model: ModelSession | None = None
    has_config: bool = False
    lora_metadata: dict[str, Any] | None = None
    last_activity: float | None = None

    @property
    def spec(self) -> SessionSpec | None:
        return None if self.model is None else self.model.spec


class SessionManager:
    """The registry of sessions plus the rules of the configured mode."""

    def __init__(self, config: LocalServerConfig, base: BaseWeights) -> None:
        self.config = config
        self.base = base
        self.lora = config.lora
        self._lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        default_optimizer = self._default_optimizer()
        if self.lora:
            self.default_spec = SessionSpec(
                base_model=BASE_MODEL_NAME,
                lora_rank=config.lora_rank,
                lora_alpha=config.lora_alpha,
                optimizer=default_optimizer,
            )
        else:
            self.default_spec = SessionSpec(base_model=BASE_MODEL_NAME, optimizer=default_optimizer)

    def _default_optimizer(self) -> OptimizerConfig:
        if self.config.learning_rate is None:
            return OptimizerConfig()
        return OptimizerConfig(learning_rate=self.config.learning_rate)

    # -- registry --------------------------------------------------------------------------

    def new_model(self, spec: SessionSpec, model_id: str) -> ModelSession:
        """A fresh engine session; the LoRA init seed depends on the server seed and the id."""
        seed = (self.config.seed * 1_000_003 + zlib.crc32(model_id.encode())) % (2**32)
        return ModelSession(self.base, spec, seed=seed)

    def register_default(self) -> Session:
        """Pre-register ``default`` with a model (done at startup, like the real launcher)."""
        session = Session(
            model_id=DEFAULT_MODEL_ID,
            base_model=BASE_MODEL_NAME,
            model=self.new_model(self.default_spec, DEFAULT_MODEL_ID),
        )
        with self._lock:
            self._sessions[DEFAULT_MODEL_ID] = session
        return session

    def get(self, model_id: str) -> Session | None:
        with self._lock:
            return self._sessions.get(model_id)

    def __contains__(self, model_id: object) -> bool:
        with self._lock:
            return model_id in self._sessions

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._sessions)

    def sessions(self) -> Iterator[Session]:
        with self._lock:
            return iter(list(self._sessions.values()))

    def touch(self, model_id: str) -> None:
        """Refresh the activity clock (submissions, create_*, heartbeat; never reads)."""
        with self._lock:
            session = self._sessions.get(model_id)
            if session is not None:
                session.last_activity = time.time()

    def remove(self, model_id: str) -> Session | None:
        """Forget ``model_id`` (LoRA unload/kill, idle cleanup); ``default`` only loses activity."""
        with self._lock:
            session = self._sessions.get(model_id)
            if session is None:
                return None
            if model_id == DEFAULT_MODEL_ID:
                session.last_activity = None
                return session
            return self._sessions.pop(model_id)

    def idle_sessions(self, now: float) -> list[str]:
        """Ids idle longer than ``idle_timeout`` (LoRA ``default`` is exempt)."""
        with self._lock:
            return [
                s.model_id
                for s in self._sessions.values()
                if s.last_activity is not None
                and now - s.last_activity > self.config.idle_timeout
                and not (self.lora and s.model_id == DEFAULT_MODEL_ID)
            ]

    def training_model(self, model_id: str) -> ModelSession:
        """The engine session that trains ``model_id`` (called on the scheduler thread)."""
        session = self.get(model_id)
        if session is None:
            raise EngineError(f"model_id '{model_id}' is not registered (it was unloaded)")
        if session.model is None:
            raise EngineError(
                "Full-weight server multi-tenancy is not supported yet. Use the reserved "
                f"model_id='default' session (model_id='{model_id}' was registered by "
                "create_session only and has no weights)."
            )
        return session.model

    # -- specs -----------------------------------------------------------------------------

    def check_base_model(self, requested: str) -> None:
        if requested != BASE_MODEL_NAME:
            raise SessionError(
                "create_model base_model must match the server base model. "
                f"requested='{requested}', server='{BASE_MODEL_NAME}'"
            )

    def lora_spec(
        self,
        lora_config: LoRAConfigRequest | None,
        optimizer_config: OptimizerConfigRequest | None,
    ) -> SessionSpec:
        """Normalise per-session overrides into a spec (LoRA mode), with the real messages."""
        rank, alpha = self.config.lora_rank, self.config.lora_alpha
        if lora_config is not None:
            if lora_config.lora_rank is not None:
                rank = lora_config.lora_rank
            if lora_config.lora_alpha is not None:
                alpha = lora_config.lora_alpha
            for key, value in (lora_config.model_extra or {}).items():
                if key in _LORA_ALIASES:
                    # Sent next to its target: like xorl, which renames the aliases after
                    # validation, the alias wins (and only now is its value checked).
                    try:
                        number = int(value)
                    except (TypeError, ValueError) as exc:
                        raise SessionError(str(exc)) from None
                    if key == "rank":
                        rank = number
                    else:
                        alpha = number
                    continue
                server_value = _SERVER_LORA_SETTINGS.get(key)
                if value != server_value:
                    raise SessionError(
                        "Per-session LoRA config may only override rank and alpha. Unsupported "
                        f"override for '{key}': {value!r} (server={server_value!r})."
                    )
        if rank <= 0:
            raise SessionError(f"Requested lora_rank={rank} must be a positive integer.")
        if alpha <= 0:
            raise SessionError(f"Requested lora_alpha={alpha} must be a positive integer.")
        if rank > self.config.max_lora_rank:
            raise SessionError(
                f"Requested lora_rank={rank} exceeds server max_lora_rank="
                f"{self.config.max_lora_rank}. Increase server.max_lora_rank to support this "
                "session."
            )
        optimizer = self._optimizer(optimizer_config)
        return SessionSpec(
            base_model=BASE_MODEL_NAME, lora_rank=rank, lora_alpha=alpha, optimizer=optimizer
        )

    def _optimizer(self, request: OptimizerConfigRequest | None) -> OptimizerConfig:
        default = self.default_spec.optimizer
        if request is None:
            return default
        values: dict[str, Any] = {
            "type": request.type,
            "learning_rate": request.learning_rate,
            "weight_decay": request.weight_decay,
            "betas": request.betas,
            "eps": request.eps,
        }
        for key, value in (request.model_extra or {}).items():
            if key == "lr":
                if values["learning_rate"] is None:
                    values["learning_rate"] = value
                continue
            raise SessionError(
                "Per-session optimizer config may only override type, learning_rate, "
                f"weight_decay, optimizer_dtype, betas, eps and optimizer_kwargs. Unsupported "
                f"override for '{key}': {value!r}."
            )
        for key, value in (request.optimizer_kwargs or {}).items():
            if key in _DROPPED_KWARGS:
                continue
            target = _HOISTED_KWARGS.get(key)
            if target is None:
                raise SessionError(
                    f"Unsupported optimizer_kwargs key '{key}' for the local server "
                    f"(supported: {', '.join(sorted(_HOISTED_KWARGS))})."
                )
            if values[target] is None:
                values[target] = value
        try:
            raw_betas = default.betas if values["betas"] is None else values["betas"]
            if len(raw_betas) != 2:
                raise ValueError(f"betas must have exactly 2 numbers, got {raw_betas!r}")
            return OptimizerConfig(
                type=values["type"] or default.type,
                learning_rate=float(
                    default.learning_rate
                    if values["learning_rate"] is None
                    else values["learning_rate"]
                ),
                weight_decay=float(
                    default.weight_decay
                    if values["weight_decay"] is None
                    else values["weight_decay"]
                ),
                betas=(float(raw_betas[0]), float(raw_betas[1])),
                eps=float(default.eps if values["eps"] is None else values["eps"]),
            )
        except (EngineError, TypeError, ValueError) as exc:
            raise SessionError(f"Invalid optimizer_config: {exc}") from exc

    # -- create_model (runs on the scheduler thread) -----------------------------------------

    def create_model(
        self,
        model_id: str,
        base_model: str,
        lora_config: LoRAConfigRequest | None,
        optimizer_config: OptimizerConfigRequest | None,
    ) -> tuple[Session, bool]:
        """Register or refresh ``model_id``; returns ``(session, created)``.

        Raises :class:`SessionError` with the real messages: base-model mismatch, full-weight
        multi-tenancy, overrides in full-weight mode, rank above the cap, spec conflicts.
        """
        if not self.lora:
            if model_id != DEFAULT_MODEL_ID:
                raise SessionError(
                    "Full-weight server multi-tenancy is not supported yet. Use the reserved "
                    "model_id='default' session."
                )
            if lora_config is not None or optimizer_config is not None:
                raise SessionError(
                    "Per-session LoRA or optimizer overrides are not supported in full-weight "
                    "server mode."
                )
            self.check_base_model(base_model)
            spec = self.default_spec
        else:
            self.check_base_model(base_model)
            spec = self.lora_spec(lora_config, optimizer_config)
        with self._lock:
            existing = self._sessions.get(model_id)
            if existing is not None and existing.model is not None:
                if existing.model.spec != spec:
                    raise SessionError(
                        f"model_id='{model_id}' already exists with a different session spec. "
                        "Call /api/v1/unload_model first before recreating it."
                    )
                existing.has_config = True
                existing.last_activity = time.time()
                return existing, False
        model = self.new_model(spec, model_id)
        with self._lock:
            session = self._sessions.get(model_id)
            if session is None:
                session = Session(model_id=model_id, base_model=base_model)
                self._sessions[model_id] = session
            session.model = model
            session.base_model = base_model
            session.has_config = True
            session.last_activity = time.time()
        return session, True

    # -- create_session --------------------------------------------------------------------

    def register_api_only(
        self, session_id: str, base_model: str | None, lora_config: LoRAConfigRequest | None
    ) -> bool:
        """Full-weight ``create_session``: register (or refresh) at API level; True if new."""
        with self._lock:
            existing = self._sessions.get(session_id)
            if existing is not None:
                existing.has_config = True
                existing.last_activity = time.time()
                return False
            self._sessions[session_id] = Session(
                model_id=session_id,
                base_model=base_model or BASE_MODEL_NAME,
                has_config=True,
                lora_metadata=None if lora_config is None else lora_config.model_dump(),
                last_activity=time.time(),
            )
            return True

    def lora_session_conflict(
        self, session_id: str, base_model: str | None, lora_config: LoRAConfigRequest | None
    ) -> str | None:
        """LoRA ``create_session`` pre-check: the real 400 text for a base-model clash."""
        existing = self.get(session_id)
        if (
            existing is not None
            and lora_config is None
            and base_model is not None
            and base_model != existing.base_model
        ):
            return (
                f"session_id='{session_id}' already exists with base_model="
                f"'{existing.base_model}'; requested base_model='{base_model}'."
            )
        return None

    # -- reporting -------------------------------------------------------------------------

    def activity(self) -> dict[str, float]:
        with self._lock:
            return {
                s.model_id: s.last_activity
                for s in self._sessions.values()
                if s.last_activity is not None
            }
