"""The local server's state and the helpers every route module shares.

:class:`LocalServer` holds everything a route touches (sessions, checkpoints, futures, the
engine scheduler, the inference side) and the request checks the real server makes before a
future exists (``model_id`` syntax → 400, an unregistered id → 400 with the real text). The
route modules in :mod:`xorl_client.local.routes` are thin wrappers around its methods.

Concurrency model: handlers run on the event loop; every operation that touches engine state
runs on the single scheduler thread (:mod:`xorl_client.local.scheduler`) in the real server's
``seq_id`` order; ``/generate`` runs in a thread pool on immutable sampler snapshots.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi import HTTPException, Response

from xorl_client.local.checkpoints import CheckpointStore
from xorl_client.local.config import LocalServerConfig
from xorl_client.local.engine import BaseWeights, EngineError, ModelSession
from xorl_client.local.futures import EncodedResult, FutureStore, encode_result
from xorl_client.local.inference import InferenceManager
from xorl_client.local.scheduler import EngineScheduler
from xorl_client.local.schemas import OptimStepRequest
from xorl_client.local.sessions import (
    DEFAULT_MODEL_ID,
    Session,
    SessionError,
    SessionManager,
    invalid_model_id_message,
    not_registered_message,
    valid_model_id,
)

__all__ = [
    "JSONBytesResponse",
    "LocalServer",
    "describe_error",
    "limit_blas_threads",
]

logger = logging.getLogger("xorl_client.local")


class JSONBytesResponse(Response):
    """JSON via orjson: results can hold millions of floats and FastAPI's encoder is slow."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):  # an EncodedResult: serialised once, where it was made
            return content
        return orjson.dumps(content)


def describe_error(exc: BaseException) -> str:
    """The stored failure text of a future, exactly as the real server builds it (§3)."""
    if isinstance(exc, HTTPException):
        return f"{exc.status_code}: {exc.detail}"
    if isinstance(exc, EngineError):
        return f"500: Engine error: {exc}"
    if isinstance(exc, SessionError):
        return str(exc)
    logger.error("unexpected error in a background operation", exc_info=exc)
    return f"500: Engine error: {type(exc).__name__}: {exc}"


def limit_blas_threads(threads: int = 1) -> bool:
    """Cap OpenBLAS's thread pool of this process; ``True`` if a pool was found and capped.

    Why: the model's matrices are 260x260, far too small to gain from BLAS threads, but
    OpenBLAS workers busy-wait after each call. On a 2-CPU machine they starve the event loop
    and every HTTP answer takes ~40 ms instead of ~2 ms. Environment variables would have to be
    set before numpy is imported, which the server cannot guarantee, so the running library is
    asked directly (the approach of ``threadpoolctl``, without the dependency). Best effort:
    platforms without ``/proc/self/maps`` or other BLAS builds are left alone.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return False
    capped = False
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (
            "scipy_openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            setter = getattr(library, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                capped = True
                break
    return capped


def _now_iso() -> str:
    return datetime.now().isoformat()


class LocalServer:
    """All server state; the routes are thin wrappers around its methods."""

    def __init__(self, config: LocalServerConfig) -> None:
        self.config = config
        self.base = BaseWeights(seed=config.seed)
        self.sessions = SessionManager(config, self.base)
        self.sessions.register_default()
        self.checkpoints = CheckpointStore(config.output_dir)
        self.inference = InferenceManager(config, self.base)
        self.scheduler = EngineScheduler()
        self.futures = FutureStore(
            long_poll_timeout=config.long_poll_timeout,
            ttl=config.future_ttl,
            max_concurrent=config.max_concurrent_futures,
            describe_error=describe_error,
        )
        self.asleep = False
        self.current_training_adapter: str | None = None
        self.ready = False
        self._sweeper: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        limit_blas_threads(1)
        default = self.sessions.get(DEFAULT_MODEL_ID)
        assert default is not None and default.model is not None
        # The launcher saves the reserved initial checkpoint of `default` at startup.
        self.checkpoints.save_initial(default.model, DEFAULT_MODEL_ID, overwrite=True)
        self.scheduler.start()
        self._sweeper = asyncio.create_task(self._sweep_forever())
        self.ready = True

    async def stop(self) -> None:
        self.ready = False
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await asyncio.to_thread(self.scheduler.stop)
        await self.futures.aclose()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.sweep_interval)
            try:
                self.sweep()
            except Exception:  # keep sweeping whatever happens
                logger.exception("sweep failed")

    def sweep(self) -> None:
        """Delete expired finished futures and clean up idle sessions (call on the loop)."""
        self.futures.sweep()
        for model_id in self.sessions.idle_sessions(time.time()):
            logger.info("cleaning up idle session %s", model_id)
            self.cleanup_session(model_id)

    def cleanup_session(self, model_id: str, *, futures: set[str] | None = None) -> None:
        """Deregister (``default`` stays), delete its futures, unload its sampling adapters.

        ``futures`` limits which futures go (see :meth:`FutureStore.delete_model`).
        """
        self.sessions.remove(model_id)
        self.forget_session(model_id, futures=futures)

    def forget_session(self, model_id: str, *, futures: set[str] | None = None) -> None:
        """The event-loop half of a cleanup whose deregistration already ran on the engine."""
        self.futures.delete_model(model_id, only=futures)
        self.inference.drop_owner(model_id)

    # -- request helpers -------------------------------------------------------------------

    def require_ready(self) -> None:
        if not self.ready:
            raise HTTPException(503, "API server not initialized")

    @staticmethod
    def checked_id(model_id: str | None) -> str:
        """``model_id`` syntax (400); empty/absent means ``default``."""
        model_id = model_id or DEFAULT_MODEL_ID
        if not valid_model_id(model_id):
            raise HTTPException(400, invalid_model_id_message(model_id))
        return model_id

    def registered_id(self, model_id: str | None) -> str:
        """Syntax + registration, both synchronous 400s before a future exists."""
        model_id = self.checked_id(model_id)
        if model_id not in self.sessions:
            raise HTTPException(400, not_registered_message(model_id))
        return model_id

    def check_awake(self) -> None:
        if self.asleep:
            raise EngineError(
                "Server is in sleep mode (model and optimizer offloaded by /sleep); call "
                "/wake_up before training operations"
            )

    def submit(
        self,
        model_id: str,
        fn: Callable[[], dict[str, Any]],
        *,
        name: str,
        seq_id: int | None = None,
    ) -> dict[str, str]:
        """Queue ``fn`` on the engine thread behind a new future; answer the phase-1 body."""
        self.sessions.touch(model_id)

        def cleaned() -> EncodedResult:
            # Clean and serialise here, on the engine thread: a result with millions of
            # floats then never blocks the event loop, however often it is polled.
            return encode_result(fn())

        def start() -> asyncio.Future[EncodedResult]:
            # Called synchronously by the store: the job is queued before the client hears
            # back, so the engine sees submissions in order.
            return asyncio.wrap_future(
                self.scheduler.submit(cleaned, name=name, model_id=model_id, seq_id=seq_id)
            )

        request_id = self.futures.submit(model_id, start)
        return {"request_id": request_id, "model_id": model_id}

    def submit_async(
        self, model_id: str, coro_fn: Callable[[], Any], *, touch: bool = True
    ) -> dict[str, str]:
        """Like :meth:`submit` for operations that also need work on the event loop."""
        if touch:
            self.sessions.touch(model_id)

        async def cleaned() -> EncodedResult:
            return encode_result(await coro_fn())

        request_id = self.futures.submit(model_id, cleaned)
        return {"request_id": request_id, "model_id": model_id}

    def training_model(self, model_id: str) -> ModelSession:
        """On the engine thread: the model of ``model_id`` (sleep mode and tenancy checked)."""
        self.check_awake()
        model = self.sessions.training_model(model_id)
        if self.config.lora:
            self.current_training_adapter = model_id
        return model

    # -- optim_step learning rate (reference §9.3) -------------------------------------------

    def resolve_learning_rate(self, body: OptimStepRequest, model_id: str) -> float:
        if body.learning_rate is not None:
            return body.learning_rate
        if body.adam_params is not None:
            return body.adam_params.learning_rate
        session = self.sessions.get(model_id)
        if self.config.lora and session is not None and session.spec is not None:
            return session.spec.optimizer.learning_rate
        if self.config.learning_rate is not None:
            return self.config.learning_rate
        if session is not None and session.has_config:
            return 1e-4
        raise HTTPException(
            400,
            "optim_step: no learning_rate in request, no default optimizer_config registered for "
            f"model_id='{model_id}', and no server train_config lr",
        )

    # -- reporting -------------------------------------------------------------------------

    def training_run(self, session: Session) -> dict[str, Any]:
        spec = session.spec
        training = self.checkpoints.training_checkpoints(session.model_id)
        sampler = self.checkpoints.sampler_checkpoints()
        return {
            "training_run_id": session.model_id,
            "base_model": session.base_model,
            "model_owner": "local",
            "is_lora": bool(spec is not None and spec.is_lora),
            "corrupted": False,
            "lora_rank": None if spec is None else spec.lora_rank,
            "last_request_time": _now_iso(),
            "last_checkpoint": training[0] if training else None,
            "last_sampler_checkpoint": sampler[0] if sampler else None,
            "user_metadata": None,
        }

    def sync_response(
        self,
        *,
        success: bool,
        message: str,
        mode: str,
        flush: bool,
        synced: list[dict[str, Any]],
        transfer_time: float = 0.0,
    ) -> dict[str, Any]:
        return {
            "success": success,
            "message": message,
            "transfer_time": transfer_time,
            "total_bytes": 0,
            "num_parameters": 0,
            "num_buckets": 0,
            "timing_breakdown": {},
            "p2p_rank_summaries": [],
            "cache_invalidation_mode": mode,
            "flush_cache": flush,
            "fp8_kv_cache_enabled": False,
            "fp8_kv_cache_postprocess_requested": False,
            "fp8_kv_cache_static_scales": False,
            "cache_epoch": None,
            "endpoints_synced": synced,
        }
