"""The FastAPI application: the real xorl server's 29 routes (+ hidden alias) on a tiny CPU model.

Route table, statuses and bodies follow the reference (§9, §10) and the recorded wire
transcript: async operations answer ``{"request_id", "model_id"}`` and report their outcome via
``retrieve_future``; synchronous checks (body validation → 422, ``model_id`` syntax → 400, an
unregistered ``model_id`` → 400 with the real text) happen before any future exists; everything
else fails *inside* the future as ``"<status>: <detail>"`` with the real texts (409 checkpoint
exists, 404 checkpoint not found, ``500: Engine error: ...``).

Concurrency model: handlers run on the event loop; every operation that touches engine state
runs on the single scheduler thread (:mod:`xorl_client.local.scheduler`) in the real server's
``seq_id`` order; ``/generate`` runs in a thread pool on immutable sampler snapshots.

:class:`LocalServer` is reachable as ``app.state.local`` for tests (scheduler pause/resume and
history, future store sweep/clock, sessions).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response

from xorl_client.local.checkpoints import CheckpointStore
from xorl_client.local.config import LocalServerConfig
from xorl_client.local.engine import (
    BASE_MODEL_NAME,
    BaseWeights,
    EngineError,
    ModelSession,
    SamplerWeights,
)
from xorl_client.local.futures import (
    EncodedResult,
    FutureNotFoundError,
    FutureStore,
    encode_result,
)
from xorl_client.local.inference import (
    Endpoint,
    InferenceManager,
    LoadedAdapter,
    create_inference_router,
    normalize_quantization,
    quantization_message,
    resolve_loopback,
)
from xorl_client.local.scheduler import EngineScheduler
from xorl_client.local.schemas import (
    AbortGradientEpochRequest,
    AddInferenceEndpointRequest,
    CreateModelRequest,
    CreateSamplingSessionRequest,
    CreateSessionRequest,
    DeleteCheckpointRequest,
    ForwardBackwardRequest,
    ForwardRequest,
    FutureRetrieveRequest,
    KillSessionRequest,
    ListCheckpointsRequest,
    LoadWeightsRequest,
    OptimStepRequest,
    RemoveInferenceEndpointRequest,
    SaveWeightsForSamplerRequest,
    SaveWeightsRequest,
    SessionHeartbeatRequest,
    SetSyncQuantizationRequest,
    SyncInferenceWeightsRequest,
    UnloadModelRequest,
    WeightsInfoRequest,
)
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
    "create_app",
    "describe_error",
    "limit_blas_threads",
]

logger = logging.getLogger("xorl_client.local")
T = TypeVar("T")


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


def create_app(config: LocalServerConfig | None = None) -> FastAPI:
    """Build the app (state is created now; the engine thread starts with the lifespan)."""
    config = config or LocalServerConfig()
    server = LocalServer(config)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    app = FastAPI(title="Unified Training API", version="2.0.0", lifespan=lifespan)
    app.state.local = server
    ready = [Depends(server.require_ready)]
    router = APIRouter(dependencies=ready)
    _training_routes(router, server)
    _session_routes(router, server)
    _weights_routes(router, server)
    _inference_routes(router, server)
    _system_routes(router, server)
    app.include_router(router)
    _health_routes(app, server)
    app.include_router(create_inference_router(server.inference, JSONBytesResponse))
    return app


# ----------------------------------------------------------------------------- training


def _training_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/api/v1/retrieve_future", tags=["Async Operations"])
    async def retrieve_future(body: FutureRetrieveRequest) -> Response:
        try:
            result = await server.futures.retrieve(body.request_id)
        except FutureNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        return JSONBytesResponse(result)

    @router.post("/api/v1/forward_backward", tags=["Training Operations"])
    async def forward_backward(body: ForwardBackwardRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)
        batch = body.forward_backward_input

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            data = [datum.model_dump() for datum in batch.data]
            return model.forward_backward(data, batch.loss_fn, batch.loss_fn_params)

        return server.submit(model_id, job, name="Forward-backward", seq_id=body.seq_id)

    @router.post("/api/v1/forward", tags=["Training Operations"])
    async def forward(body: ForwardRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)
        batch = body.forward_input

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            data = [datum.model_dump() for datum in batch.data]
            return model.forward(data, batch.loss_fn, batch.loss_fn_params)

        return server.submit(model_id, job, name="Forward", seq_id=body.seq_id)

    @router.post("/api/v1/optim_step", tags=["Training Operations"])
    async def optim_step(body: OptimStepRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            learning_rate = server.resolve_learning_rate(body, model_id)
            model = server.training_model(model_id)
            optimizer = model.spec.optimizer
            beta1, beta2 = optimizer.betas
            eps = optimizer.eps
            if body.adam_params is not None:
                # The real server pushes adam_params' betas/eps (defaults included).
                beta1, beta2 = body.adam_params.beta1, body.adam_params.beta2
                eps = body.adam_params.eps
            clip = (
                body.gradient_clip
                if body.gradient_clip is not None
                else server.config.max_grad_norm
            )
            return model.optim_step(
                learning_rate=learning_rate,
                beta1=beta1,
                beta2=beta2,
                eps=eps,
                weight_decay=optimizer.weight_decay,
                grad_clip=clip,
            )

        return server.submit(model_id, job, name="Optim-step", seq_id=body.seq_id)

    @router.post("/api/v1/abort_gradient_epoch", tags=["Training Operations"])
    async def abort_gradient_epoch(body: AbortGradientEpochRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            outcome = server.training_model(model_id).abort_gradient_epoch()
            return {
                "success": outcome["success"],
                "model_id": model_id,
                "step": outcome["step"],
                "forward_backward_step": outcome["forward_backward_step"],
                "info": outcome.get("info", {}),
            }

        return server.submit(model_id, job, name="Abort-gradient-epoch", seq_id=body.seq_id)


# ----------------------------------------------------------------------------- sessions


def _session_routes(router: APIRouter, server: LocalServer) -> None:
    config = server.config

    @router.post("/api/v1/create_model", tags=["Model Management"])
    async def create_model(body: CreateModelRequest) -> dict[str, str]:
        model_id = server.checked_id(body.model_id)

        def job() -> dict[str, Any]:
            session, created = server.sessions.create_model(
                model_id, body.base_model, body.lora_config, body.optimizer_config
            )
            assert session.model is not None
            try:
                # A new (or recreated) session's 000000 is its own initial state; a refresh of
                # a live session keeps the one it has.
                server.checkpoints.save_initial(session.model, model_id, overwrite=created)
            except Exception:  # the real server ignores a failed initial save
                logger.exception("initial checkpoint of %s failed", model_id)
            return {"model_id": model_id, "type": "create_model"}

        return server.submit(model_id, job, name="Create-model")

    @router.post("/api/v1/unload_model", tags=["Session Management"])
    async def unload_model(body: UnloadModelRequest) -> dict[str, str]:
        model_id = body.model_id
        if config.lora and model_id == DEFAULT_MODEL_ID:
            raise HTTPException(400, "The default LoRA session is reserved and cannot be unloaded.")
        if model_id not in server.sessions:
            raise HTTPException(404, f"Model {model_id} not found")

        # The futures that exist now (and this unload's own) go; a session recreated by a
        # create_model queued right after this unload keeps its future.
        doomed = server.futures.ids_of(model_id)

        async def run() -> dict[str, Any]:
            # Deregister on the engine thread, in queue order: after the session's queued
            # work, before anything queued behind the unload (such as a new create_model).
            await server.scheduler.run(
                lambda: server.sessions.remove(model_id), name="Unload-model", model_id=model_id
            )
            server.forget_session(model_id, futures=doomed)  # this future too (→ 404 on poll)
            return {"model_id": model_id, "type": "unload_model"}

        handle = server.submit_async(model_id, run, touch=False)
        doomed.add(handle["request_id"])
        return handle

    @router.post("/api/v1/kill_session", tags=["Session Management"])
    async def kill_session(body: KillSessionRequest) -> dict[str, Any]:
        model_id = body.model_id
        if config.lora and model_id == DEFAULT_MODEL_ID:
            return {
                "success": True,
                "message": "Default LoRA session is reserved and was not removed.",
                "checkpoint_path": None,
            }
        session = server.sessions.get(model_id)
        if session is None:
            raise HTTPException(500, f"Failed to kill session: Session {model_id} not found")
        model = session.model

        doomed = server.futures.ids_of(model_id)

        def job() -> str | None:
            path = None
            if body.save_checkpoint and model is not None:
                name = server.checkpoints.unique_training_name(model_id, "session-end")
                path = server.checkpoints.save_training(model, model_id, name)
            if config.lora:  # deregister in queue order (see unload_model)
                server.sessions.remove(model_id)
            return path

        try:
            checkpoint_path = await server.scheduler.run(
                job, name="Kill-session", model_id=model_id
            )
        except Exception as exc:
            raise HTTPException(500, f"Failed to kill session: {describe_error(exc)}") from exc
        if config.lora:
            server.forget_session(model_id, futures=doomed)
            message = f"Session '{model_id}' killed"
        else:
            message = (
                f"Session '{model_id}' killed (full-weight mode: the id stays registered and "
                "the weights stay loaded)"
            )
        return {"success": True, "message": message, "checkpoint_path": checkpoint_path}

    @router.get("/api/v1/session_info", tags=["Session Management"])
    async def session_info() -> dict[str, Any]:
        activity = server.sessions.activity()
        loaded = (
            [s.model_id for s in server.sessions.sessions() if s.model is not None]
            if config.lora
            else []
        )
        return {
            "registered_models": server.sessions.ids(),
            "active_sessions": len(activity),
            "session_activity": activity,
            "idle_timeout_seconds": float(config.idle_timeout),
            "loaded_sampling_adapters": server.inference.adapter_counts(),
            "loaded_training_adapters": loaded,
            "max_training_adapters": 0,
            "current_training_adapter": server.current_training_adapter,
        }

    @router.post("/api/v1/create_session", tags=["Tinker Compatibility"])
    async def create_session(body: CreateSessionRequest | None = None) -> dict[str, Any]:
        body = body or CreateSessionRequest()
        session_id = body.session_id or str(uuid.uuid4())
        if not valid_model_id(session_id):
            raise HTTPException(400, invalid_model_id_message(session_id))
        existed = session_id in server.sessions
        if not config.lora:
            existed = not server.sessions.register_api_only(
                session_id, body.base_model, body.lora_config
            )
        else:
            conflict = server.sessions.lora_session_conflict(
                session_id, body.base_model, body.lora_config
            )
            if conflict is not None:
                raise HTTPException(400, conflict)
            if existed and body.lora_config is None:
                server.sessions.touch(session_id)
            else:
                lora_config = body.lora_config
                base_model = body.base_model or BASE_MODEL_NAME

                def job() -> None:
                    server.sessions.create_model(session_id, base_model, lora_config, None)

                try:
                    await server.scheduler.run(job, name="Create-session", model_id=session_id)
                except SessionError as exc:
                    raise HTTPException(400, str(exc)) from exc
                except EngineError as exc:
                    raise HTTPException(500, f"Engine error: {exc}") from exc
        if existed:
            return {
                "type": "create_session",
                "session_id": session_id,
                "info_message": f"Session '{session_id}' refreshed successfully.",
                "warning_message": (
                    f"Session '{session_id}' already existed; refreshed activity timestamp."
                ),
                "error_message": None,
            }
        return {
            "type": "create_session",
            "session_id": session_id,
            "info_message": f"Session '{session_id}' registered successfully.",
            "warning_message": None,
            "error_message": None,
        }

    @router.post("/api/v1/session_heartbeat", tags=["Tinker Compatibility"])
    async def session_heartbeat(body: SessionHeartbeatRequest) -> dict[str, Any]:
        if not valid_model_id(body.session_id):
            raise HTTPException(400, invalid_model_id_message(body.session_id))
        if body.session_id not in server.sessions:
            raise HTTPException(404, f"Session {body.session_id} not found")
        server.sessions.touch(body.session_id)
        return {"type": "session_heartbeat", "session_id": body.session_id}

    @router.get("/api/v1/training_runs", tags=["Training Runs"])
    def training_runs(limit: int = 20, offset: int = 0) -> dict[str, Any]:
        sessions = list(server.sessions.sessions())
        runs = [server.training_run(s) for s in sessions[offset : offset + limit]]
        return {
            "training_runs": runs,
            "cursor": {"offset": offset, "limit": limit, "total_count": len(sessions)},
        }


# ----------------------------------------------------------------------------- weights


def _weights_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/api/v1/save_weights", tags=["Weights Management"])
    async def save_weights(body: SaveWeightsRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            return {"path": server.checkpoints.save_training(model, model_id, body.path)}

        # seq_id is accepted and ignored for save/load, like the real server.
        return server.submit(model_id, job, name="Save-weights")

    @router.post("/api/v1/load_weights", tags=["Weights Management"])
    async def load_weights(body: LoadWeightsRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            directory = server.checkpoints.resolve_load(body.path, model_id)
            try:
                model.load(directory, include_optimizer=body.optimizer)
            except EngineError as exc:
                raise HTTPException(500, f"Failed to load checkpoint: {exc}") from exc
            return {"path": body.path}

        return server.submit(model_id, job, name="Load-weights")

    @router.post("/api/v1/save_weights_for_sampler", tags=["State Management"])
    async def save_weights_for_sampler(body: SaveWeightsForSamplerRequest) -> dict[str, str]:
        model_id = server.registered_id(body.model_id)

        def job() -> dict[str, Any]:
            model = server.training_model(model_id)
            return {"path": server.checkpoints.save_sampler(model, model_id, body.name)}

        return server.submit(model_id, job, name="Save-weights-for-sampler")

    @router.post("/api/v1/list_checkpoints", tags=["Weights Management"])
    def list_checkpoints(body: ListCheckpointsRequest) -> dict[str, Any]:
        return {
            "checkpoints": server.checkpoints.list_checkpoints(body.model_id or DEFAULT_MODEL_ID)
        }

    @router.post("/api/v1/delete_checkpoint", tags=["Weights Management"])
    def delete_checkpoint(body: DeleteCheckpointRequest) -> dict[str, Any]:
        return server.checkpoints.delete(body.checkpoint_id)

    @router.post("/api/v1/weights_info", tags=["Weights Management"])
    def weights_info(body: WeightsInfoRequest) -> dict[str, Any]:
        fallback: dict[str, Any] | None = None
        if body.xorl_path.startswith("xorl://"):
            owner = body.xorl_path[len("xorl://") :].split("/")[0]
            session = server.sessions.get(owner)
            if session is not None and session.spec is not None:
                fallback = session.spec.to_json()
        return server.checkpoints.weights_info(body.xorl_path, fallback)


# ----------------------------------------------------------------------------- inference


def _inference_routes(router: APIRouter, server: LocalServer) -> None:
    inference = server.inference

    async def sync_weights(body: SyncInferenceWeightsRequest, request: Request) -> dict[str, Any]:
        inference.note_request(request)
        if "quantization" in body.model_fields_set:
            normalize_quantization(body.quantization, "sync_inference_weights.quantization")
        mode = body.cache_invalidation_mode
        # The real rule: `flush` forces a flush, `none` keeps the request's flag, `auto`
        # flushes when a receiver has (or may have) a radix cache. The local sampler has none,
        # so only registered external endpoints can turn an `auto` flush on.
        radix = any(
            (e.server_info or {}).get("radix_cache_enabled") is not False
            for e in inference.endpoints.values()
            if not inference.is_self(e.host, e.port)
        )
        flush = mode == "flush" or body.flush_cache or (mode == "auto" and radix)
        pools = body.pools
        if (
            pools is not None
            and "default" not in pools
            and not any(e.pool in pools for e in inference.endpoints.values())
        ):
            return server.sync_response(
                success=False,
                message=f"No registered endpoints match pools={pools!r}.",
                mode=mode,
                flush=False,
                synced=[],
            )
        model_id = body.model_id or DEFAULT_MODEL_ID
        started = time.perf_counter()

        def job() -> SamplerWeights:
            server.check_awake()
            return server.sessions.training_model(model_id).sampler_weights()

        try:
            weights = await server.scheduler.run(
                job, name="Sync-inference-weights", model_id=model_id
            )
        except EngineError as exc:
            raise HTTPException(500, f"Engine error: {exc}") from exc
        synced: list[dict[str, Any]] = []
        local_included = pools is None or "default" in pools
        if local_included:
            inference.active = weights
            inference.active_model_id = model_id
            inference.weight_version = body.weight_version
            synced.append(
                _synced(
                    request.url.hostname or server.config.host,
                    inference.self_port or server.config.port,
                    True,
                    "",
                )
            )
        for endpoint in inference.endpoints.values():
            if pools is not None and endpoint.pool not in pools:
                continue
            if inference.is_self(endpoint.host, endpoint.port):
                if not local_included:
                    inference.active = weights
                    inference.active_model_id = model_id
                    synced.append(_synced(endpoint.host, endpoint.port, True, ""))
                continue
            synced.append(
                _synced(
                    endpoint.host,
                    endpoint.port,
                    False,
                    "the local server cannot push weights into another process; only its own "
                    "/generate was updated",
                )
            )
        elapsed = time.perf_counter() - started
        return server.sync_response(
            success=any(item["success"] for item in synced),
            message=f"Synced weights of model_id='{model_id}' to the local sampler",
            mode=mode,
            flush=flush,
            synced=synced,
            transfer_time=elapsed,
        )

    router.add_api_route(
        "/api/v1/sync_inference_weights",
        sync_weights,
        methods=["POST"],
        tags=["Inference Endpoint Management"],
    )
    router.add_api_route(
        "/sync_inference_weights", sync_weights, methods=["POST"], include_in_schema=False
    )

    @router.post("/add_inference_endpoint", tags=["Inference Endpoint Management"])
    async def add_inference_endpoint(
        body: AddInferenceEndpointRequest, request: Request
    ) -> dict[str, Any]:
        inference.note_request(request)
        host = resolve_loopback(body.host)
        if host is None:
            raise HTTPException(
                400,
                f"Endpoint host '{body.host}' is not allowed; the local server only accepts "
                "loopback inference endpoints (127.0.0.0/8, localhost, ::1)",
            )
        url = f"http://{host}:{body.port}"
        existing = inference.endpoints.get((host, body.port))
        if existing is not None:
            return _add_response(False, f"Endpoint {url} already registered", existing)
        healthy, reason, info = await inference.probe(host, body.port, body.worker_port)
        if not healthy:
            return _add_response(False, f"Endpoint {url} failed its health check: {reason}", None)
        if body.receiver_kv_cache_dtype in ("fp8", "fp8_e4m3"):
            kv = (info or {}).get("kv_cache_dtype")
            fp8 = bool((info or {}).get("fp8_kv_cache_enabled"))
            if not fp8:
                return _add_response(
                    False,
                    f"Endpoint {url} does not match receiver_kv_cache_dtype="
                    f"'{body.receiver_kv_cache_dtype}': /server_info kv_cache_dtype={kv!r}, "
                    f"fp8_kv_cache_enabled={fp8}.",
                    None,
                )
        world_size = body.world_size
        if info is not None and isinstance(info.get("tp_size"), int) and info["tp_size"] > 1:
            world_size = info["tp_size"]
        endpoint = Endpoint(
            host=host,
            port=body.port,
            worker_port=body.worker_port if body.worker_port is not None else body.port,
            world_size=world_size,
            pool=body.pool,
            server_info=info,
        )
        inference.endpoints[(host, body.port)] = endpoint
        response = _add_response(True, f"Successfully added endpoint {url}", endpoint)
        if body.sync_weights:
            sync = await sync_weights(SyncInferenceWeightsRequest(pools=[body.pool]), request)
            response["weights_synced"] = bool(sync["success"])
            response["sync_message"] = sync["message"]
        return response

    @router.get("/list_inference_endpoints", tags=["Inference Endpoint Management"])
    async def list_inference_endpoints(request: Request) -> dict[str, Any]:
        inference.note_request(request)
        for key, endpoint in list(inference.endpoints.items()):
            healthy, _reason, _info = await inference.probe(
                endpoint.host, endpoint.port, endpoint.worker_port
            )
            if not healthy:  # the real route drops unhealthy endpoints as a side effect
                inference.endpoints.pop(key, None)
        endpoints = [e.to_json() for e in inference.endpoints.values()]
        return {"endpoints": endpoints, "count": len(endpoints)}

    @router.post("/remove_inference_endpoint", tags=["Inference Endpoint Management"])
    async def remove_inference_endpoint(body: RemoveInferenceEndpointRequest) -> dict[str, Any]:
        host = resolve_loopback(body.host) or body.host
        removed = inference.endpoints.pop((host, body.port), None) or inference.endpoints.pop(
            (body.host, body.port), None
        )
        if removed is None:
            return {
                "success": False,
                "message": f"Endpoint http://{body.host}:{body.port} not found in registry",
            }
        return {
            "success": True,
            "message": f"Successfully removed endpoint http://{removed.host}:{removed.port}",
        }

    @router.post("/api/v1/set_sync_quantization", tags=["Inference Endpoint Management"])
    async def set_sync_quantization(body: SetSyncQuantizationRequest) -> dict[str, Any]:
        quantization = normalize_quantization(
            body.quantization, "set_sync_quantization.quantization"
        )
        inference.quantization = quantization
        return {"quantization": quantization, "message": quantization_message(quantization)}

    @router.post("/api/v1/create_sampling_session", tags=["Sampling Session Management"])
    async def create_sampling_session(body: CreateSamplingSessionRequest) -> dict[str, Any]:
        name, directory, owner = server.checkpoints.resolve_sampler(body.model_path)
        owner = body.model_id or owner or DEFAULT_MODEL_ID
        existing = inference.adapters.get(name)
        mtime = directory.stat().st_mtime
        # Like SGLang, an adapter already loaded is not reloaded, unless the export on disk
        # was replaced since (deleted and saved again under the same name).
        if existing is None or existing.directory != directory or existing.mtime != mtime:
            try:
                weights = await asyncio.to_thread(
                    SamplerWeights.load_export, directory, server.base
                )
            except EngineError as exc:
                raise HTTPException(
                    500, f"Failed to load LoRA adapter on some endpoints: {exc}"
                ) from exc
            inference.add_adapter(
                LoadedAdapter(
                    name=name, owner=owner, weights=weights, directory=directory, mtime=mtime
                )
            )
        else:
            inference.adapters.move_to_end(name)
        return {
            "success": True,
            "model_path": body.model_path,
            "lora_name": name,
            "message": f"LoRA adapter '{name}' loaded successfully",
        }


def _synced(host: str, port: int, success: bool, message: str) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "success": success,
        "message": message,
        "cache_epoch": None,
        "fp8_kv_cache_postprocess_ran": None,
        "fp8_kv_cache_static_scales_updated": None,
    }


def _add_response(success: bool, message: str, endpoint: Endpoint | None) -> dict[str, Any]:
    return {
        "success": success,
        "message": message,
        "endpoint": None if endpoint is None else endpoint.to_json(),
        "weights_synced": False,
        "sync_message": None,
    }


# ----------------------------------------------------------------------------- system


def _system_routes(router: APIRouter, server: LocalServer) -> None:
    @router.post("/sleep", tags=["System"])
    async def sleep() -> dict[str, Any]:
        started = time.perf_counter()

        def job() -> None:
            server.asleep = True

        await server.scheduler.run(job, name="Sleep", model_id=DEFAULT_MODEL_ID)
        elapsed = time.perf_counter() - started
        return {
            "success": True,
            "result": {"status": "sleeping", "offload_time": elapsed, "execution_time": elapsed},
        }

    @router.post("/wake_up", tags=["System"])
    async def wake_up() -> dict[str, Any]:
        started = time.perf_counter()

        def job() -> None:
            server.asleep = False

        await server.scheduler.run(job, name="Wake-up", model_id=DEFAULT_MODEL_ID)
        elapsed = time.perf_counter() - started
        return {
            "success": True,
            "result": {"status": "awake", "load_time": elapsed, "execution_time": elapsed},
        }


def _health_routes(app: FastAPI, server: LocalServer) -> None:
    @app.get("/health", tags=["System"])
    async def health() -> dict[str, Any]:
        running = server.ready and server.scheduler.alive
        return {
            "status": "healthy"
            if running
            else ("not_initialized" if not server.ready else "stopped"),
            "engine_running": running,
            "active_requests": server.futures.active_requests,
            "total_requests": server.futures.total_requests,
        }

    @app.get("/api/v1/healthz", tags=["Tinker Compatibility"])
    async def healthz() -> dict[str, str]:
        if not server.ready:
            return {"status": "not_initialized"}
        return {"status": "ok" if server.scheduler.alive else "not_ready"}

    @app.get("/", tags=["System"])
    async def root() -> dict[str, Any]:
        return {
            "name": "Unified Training API",
            "version": "2.0.0",
            "architecture": "FastAPI + OrchestratorClient",
            "docs": "/docs",
            "health": "/health",
            "endpoints": {
                "forward_backward": "/api/v1/forward_backward",
                "optim_step": "/api/v1/optim_step",
                "abort_gradient_epoch": "/api/v1/abort_gradient_epoch",
                "save_weights": "/api/v1/save_weights",
                "load_weights": "/api/v1/load_weights",
                "save_weights_for_sampler": "/api/v1/save_weights_for_sampler",
                "sleep": "/sleep",
                "wake_up": "/wake_up",
            },
        }
