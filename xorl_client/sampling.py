"""``SamplingClient``: rollouts from an SGLang (xorl-sglang) inference server's ``POST /generate``.

Why a client of its own: sampling is served by the *inference* server, not by the training
server (see the sampling notes §1). It has its own URL (``XORL_INFERENCE_BASE_URL``), its own
credentials (``XORL_INFERENCE_API_KEY``; the training server's ``XORL_API_KEY`` is never sent
to it), its own retry rule and its own wire shapes. Every HTTP call still goes through the
generated client (``xorl_openapi.api.sampling.generate``) and a :class:`~xorl_client._transport.Transport`.

What it takes care of, so a training loop does not have to:

* **Prompts** as text (sent as ``text``), a :class:`~xorl_client.ModelInput` or a list of token
  ids (sent as ``input_ids``). Completions always come back as token ids (``output_ids``).
* **Three response shapes**: one object, a list, or a dict keyed ``"0"``, ``"1"``, ... are all
  turned into one :class:`~xorl_client.SampleResponse` with ``num_samples`` sequences.
* **finish_reason**: read from ``finish_reason["type"]`` (object form) or the plain string of
  older builds, so a length stop is reported as ``"length"``, not ``"stop"``. An ``"abort"``
  raises :class:`~xorl_client.RequestFailedError` instead of passing a cut-off sequence off as
  a normal one.
* **Logprobs**: with ``return_logprobs=False`` a sequence's ``logprobs`` is ``None``. With
  ``True``, a ``null`` logprob from the server, a missing list, or a list whose token ids do not
  match ``output_ids`` raises :class:`~xorl_client.XorlError`; a null is never turned into
  ``0.0`` (that would be a silently wrong importance ratio in RL).
* **Seeds with several samples**: SGLang gives every copy of an ``n > 1`` request the same
  ``sampling_seed``, which makes all copies identical. With a seed and ``num_samples > 1`` the
  client therefore sends ``num_samples`` rows seeded ``seed, seed + 1, ...`` (so sample 0 is
  the sample ``num_samples=1`` would give); without a seed it sends ``n``.
* **Retries** (:class:`SamplingRetryPolicy`): ``/generate`` has no side effects, so it is
  resent on 502/503/504 and when the connection failed before an answer (refused, reset,
  dropped keep-alive), within the call's deadline. A 4xx is never resent (a 400 is SGLang
  saying the request is wrong, e.g. a prompt longer than the context; the error carries SGLang's
  message); neither is a 500 or a read timeout (the same request would fail the same way).
* **Batches with a deadline** (:meth:`SamplingClient.sample_batch`): requests that have not
  finished when the deadline passes are cancelled and reported in ``cancelled``; nothing (task,
  connection) is left running afterwards. Cancelling closes the HTTP connection, which SGLang
  treats as an abort of that request; the SDK does not call SGLang's ``/abort_request`` (the
  route is not part of ``openapi.yaml``).

Example (the local reference server serves ``/generate`` on the training port)::

    with SamplingClient("http://127.0.0.1:6000") as sampler:
        resp = sampler.sample([256, 104, 105], SamplingParams(max_tokens=8, seed=1)).result()
        seq = resp.sequences[0]
        seq.tokens, seq.logprobs, seq.stop_reason

>>> SamplingClient("http://127.0.0.1:30000", api_key="sk-inference", lora_path="my-adapter")
SamplingClient(base_url='http://127.0.0.1:30000', api_key=***, lora_path='my-adapter')
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import httpx

from . import _runtime
from ._config import ClientConfig
from ._retry import RetryPolicy, parse_retry_after
from ._transport import Transport
from .errors import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    DataValidationError,
    RequestFailedError,
    XorlError,
)
from .futures import APIFuture
from .types import (
    ModelInput,
    SampledSequence,
    SampleResponse,
    SamplingParams,
    StopReason,
    token_ids_of,
)

if TYPE_CHECKING:
    from ._retry import ResponseLike

__all__ = [
    "DEFAULT_SAMPLING_TIMEOUT",
    "ENV_INFERENCE_API_KEY",
    "ENV_INFERENCE_BASE_URL",
    "BatchSampleResult",
    "Prompt",
    "SamplingClient",
    "SamplingRetryPolicy",
]

logger = logging.getLogger("xorl_client")

ENV_INFERENCE_BASE_URL: Final = "XORL_INFERENCE_BASE_URL"
ENV_INFERENCE_API_KEY: Final = "XORL_INFERENCE_API_KEY"

#: Per-HTTP-request limits for ``/generate``. A generation is one long request (no long-poll),
#: so ``read`` must cover the slowest completion; the call's deadline bounds everything anyway.
DEFAULT_SAMPLING_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=600.0, write=120.0, pool=600.0)

#: What a prompt may be: text, a ModelInput, or token ids.
Prompt = str | ModelInput | Sequence[int]

_RETRY_STATUSES: Final = frozenset({502, 503, 504})
# The request never reached the server, or the connection broke before any answer. /generate
# has no side effects, so resending is harmless. Timeouts are deliberately absent: the same
# request would most likely time out again, doubling the server's work for nothing.
_RETRY_EXCEPTIONS: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
_SEED_MODULUS: Final = 2**63


class SamplingRetryPolicy(RetryPolicy):
    """The retry rule for ``/generate`` (see the module docstring).

    Unlike the training server's rule, 429 is not retried (no 4xx is: a 4xx from SGLang is
    its final word on the request) and any connection failure before an answer is, because a
    generation changes nothing on the server.

    >>> import httpx
    >>> p = SamplingRetryPolicy(jitter=False)
    >>> p.classify(httpx.Response(503), idempotent=True).retry
    True
    >>> p.classify(httpx.Response(400), idempotent=True).retry
    False
    >>> p.classify(httpx.ConnectError("refused"), idempotent=True).retry
    True
    >>> p.classify(httpx.ReadTimeout("slow"), idempotent=True).retry
    False
    """

    def _retryable(
        self, outcome: BaseException | ResponseLike, *, idempotent: bool
    ) -> tuple[bool, str, float | None]:
        if isinstance(outcome, BaseException):
            name = type(outcome).__name__
            if isinstance(outcome, _RETRY_EXCEPTIONS):
                return True, f"{name}: no answer came back; /generate is safe to resend", None
            return False, f"{name} is not retried for /generate", None
        status = int(outcome.status_code)
        if status in _RETRY_STATUSES:
            delay = parse_retry_after(outcome.headers, now=self.wall_clock())
            return True, f"inference server answered {status} (warming up or overloaded)", delay
        return False, f"inference server answered {status}", None


@dataclass(slots=True)
class BatchSampleResult:
    """What :meth:`SamplingClient.sample_batch` returns: every prompt lands in exactly one list.

    Attributes:
        completed: ``(prompt index, response)``, sorted by index.
        failed: ``(prompt index, error)``, sorted by index: the server refused or failed that
            prompt (e.g. a 400 for a prompt longer than the context, retries exhausted).
        cancelled: prompt indices still running (or not yet started) when the deadline
            passed; they were cancelled.

    >>> r = BatchSampleResult(cancelled=[2])
    >>> r.ok, len(r)
    (False, 1)
    """

    completed: list[tuple[int, SampleResponse]] = field(default_factory=list)
    failed: list[tuple[int, XorlError]] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every prompt completed."""
        return not self.failed and not self.cancelled

    def __len__(self) -> int:
        return len(self.completed) + len(self.failed) + len(self.cancelled)


@dataclass(frozen=True, slots=True)
class _Request:
    """One prepared ``/generate`` call (validated at call time, sent on the SDK loop)."""

    body: dict[str, Any]
    num_samples: int
    return_logprobs: bool
    prompt_logprobs: bool


class SamplingClient:
    """Samples completions from an SGLang-compatible inference server.

    Args:
        base_url: the inference server, e.g. ``http://127.0.0.1:30000``; defaults to
            ``$XORL_INFERENCE_BASE_URL``. (:meth:`ServiceClient.create_sampling_client
            <xorl_client.ServiceClient.create_sampling_client>` falls back to the training
            server's URL, which is right for the local server.)
        api_key: sent as ``Authorization: Bearer <key>``; defaults to
            ``$XORL_INFERENCE_API_KEY``. ``$XORL_API_KEY`` (the training server's key) is never
            used: it must not leak to another server.
        lora_path: adapter name to sample from (the ``lora_name`` that
            ``create_sampling_session`` returned); ``None`` samples the server's current
            weights.
        model: SGLang's optional ``model`` routing field (for routers in front of several
            servers).
        retry_policy: a :class:`SamplingRetryPolicy` (tests inject one whose ``sleep`` does not
            sleep); defaults to one built from the settings. The batch deadline also waits
            through ``retry_policy.sleep``.
        **settings: other :class:`~xorl_client.ClientConfig` fields (``timeout``,
            ``operation_timeout``, ``max_retries``, ``max_connections``, ``httpx_transport``,
            ...). ``timeout`` defaults to :data:`DEFAULT_SAMPLING_TIMEOUT`.

    Raises:
        ConfigurationError: no base URL, or a bad setting.

    >>> import xorl_client as xc
    >>> url = start_local_server()          # the local server also serves /generate
    >>> with xc.SamplingClient(url) as sampler:
    ...     params = xc.SamplingParams(max_tokens=8, temperature=1.0, seed=7)
    ...     first = sampler.sample("the cat", params).result().sequences[0]
    ...     again = sampler.sample("the cat", params).result().sequences[0]
    >>> first.tokens == again.tokens, len(first.tokens) == len(first.logprobs)
    (True, True)
    >>> first.stop_reason in ("length", "stop")
    True
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        lora_path: str | None = None,
        model: str | None = None,
        retry_policy: RetryPolicy | None = None,
        **settings: Any,
    ) -> None:
        url = base_url if base_url is not None else os.environ.get(ENV_INFERENCE_BASE_URL)
        if url is None or not url.strip():
            raise ConfigurationError(
                "no inference server URL configured: pass base_url='http://HOST:PORT' to "
                f"SamplingClient or set {ENV_INFERENCE_BASE_URL}=http://HOST:PORT "
                "(ServiceClient.create_sampling_client() defaults to the training server's URL, "
                "which is where the local server serves /generate)"
            )
        if url.strip().startswith(("xorl://", "tinker://")):
            raise ConfigurationError(
                f"base_url {url!r} looks like a model path, not a server URL; load an adapter "
                "with ServiceClient.create_sampling_client(model_path=...)"
            )
        key = api_key if api_key is not None else os.environ.get(ENV_INFERENCE_API_KEY)
        for name in ("api_key", "base_url", "config"):
            if name in settings:
                raise ConfigurationError(f"pass {name} as its own argument, not in **settings")
        settings.setdefault("timeout", DEFAULT_SAMPLING_TIMEOUT)
        # api_key "" (not None) stops ClientConfig from falling back to $XORL_API_KEY.
        config = ClientConfig.from_env(base_url=url, api_key=key or "", **settings)
        if lora_path is not None and (not isinstance(lora_path, str) or not lora_path.strip()):
            raise ConfigurationError(f"lora_path must be a non-empty string, not {lora_path!r}")
        if model is not None and (not isinstance(model, str) or not model):
            raise ConfigurationError(f"model must be a non-empty string, not {model!r}")
        policy = (
            retry_policy if retry_policy is not None else SamplingRetryPolicy.from_config(config)
        )
        self.config = config
        self.lora_path = lora_path
        self.model = model
        self._transport = Transport(config, policy)
        self._closed = False

    def __repr__(self) -> str:
        key = "***" if self.config.api_key_value() else "None"
        lora = f", lora_path={self.lora_path!r}" if self.lora_path else ""
        return f"SamplingClient(base_url={self.config.display_url!r}, api_key={key}{lora})"

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections; calls still running, and later calls, fail with a connection error."""
        if self._closed:
            return
        self._closed = True
        _runtime.run_coroutine(self._transport.aclose()).result()

    def __enter__(self) -> SamplingClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sampling -------------------------------------------------------------------------------

    def sample(
        self,
        prompt: Prompt | Any,
        sampling_params: SamplingParams | Mapping[str, Any] | Any | None = None,
        num_samples: int = 1,
        return_logprobs: bool = True,
        *,
        include_prompt_logprobs: bool = False,
        timeout: float | None = None,
    ) -> APIFuture[SampleResponse]:
        """Generate ``num_samples`` completions of ``prompt``; returns at once.

        Args:
            prompt: text (sent as ``text``; the server tokenizes it), a
                :class:`~xorl_client.ModelInput`, or a list of token ids (``input_ids``). For
                RL, pass token ids: the datum needs the exact prompt tokens.
            sampling_params: :class:`~xorl_client.SamplingParams` (Tinker names; a dict of
                them or Tinker's object also work). ``None`` = server defaults.
            num_samples: completions to generate for this prompt.
            return_logprobs: fill each sequence's ``logprobs`` (log-probabilities of the
                sampled tokens under the sampling weights); ``False`` leaves them ``None``.
            include_prompt_logprobs: also fill ``prompt_logprobs`` (entry 0 is ``None``).
            timeout: seconds for the whole call, retries included; defaults to
                ``operation_timeout``.

        Tinker's positional order ``sample(prompt, num_samples, sampling_params)`` is also
        understood.

        Raises (from ``result()``): :class:`~xorl_client.BadRequestError` (never retried; the
        message carries SGLang's), :class:`~xorl_client.RequestFailedError` (the server aborted
        the generation), :class:`~xorl_client.XorlError` (an answer that cannot be trusted,
        e.g. a null logprob), transport errors. Bad arguments raise
        :class:`~xorl_client.DataValidationError` here, before anything is sent.
        """
        params: Any = sampling_params
        count: Any = num_samples
        if isinstance(params, int) and not isinstance(params, bool):
            # Tinker's order: sample(prompt, num_samples, sampling_params).
            params, count = (None if isinstance(count, int) else count), params
        request = self._prepare(
            prompt,
            _coerce_params(params),
            count,
            return_logprobs=return_logprobs,
            prompt_logprobs=include_prompt_logprobs,
        )
        deadline = self._transport.deadline(timeout)
        return APIFuture(_runtime.run_coroutine(self._send(request, deadline)), operation="sample")

    def sample_batch(
        self,
        prompts: Sequence[Prompt | Any],
        sampling_params: SamplingParams
        | Mapping[str, Any]
        | Sequence[SamplingParams | Mapping[str, Any]]
        | Any
        | None = None,
        *,
        num_samples: int = 1,
        return_logprobs: bool = True,
        timeout: float | None = None,
        max_concurrency: int | None = None,
    ) -> BatchSampleResult:
        """Sample every prompt concurrently and wait, at most ``timeout`` seconds.

        Args:
            prompts: a list of prompts (each like :meth:`sample`'s).
            sampling_params: one setting for all prompts, or a list with one per prompt
                (e.g. to give each prompt its own seed).
            num_samples: completions per prompt.
            return_logprobs: as in :meth:`sample`.
            timeout: the batch deadline in seconds; ``None`` uses ``operation_timeout``.
                Prompts not finished by then are cancelled (listed in ``cancelled``).
            max_concurrency: requests in flight at once; defaults to
                ``min(len(prompts), max_connections)``.

        Blocks the calling thread; from async code use :meth:`sample_batch_async`.
        Invalid prompts raise :class:`~xorl_client.DataValidationError` (naming the index)
        before anything is sent.
        """
        future = self._submit_batch(
            prompts, sampling_params, num_samples, return_logprobs, timeout, max_concurrency
        )
        try:
            return APIFuture(future, operation="sample_batch").result()
        except BaseException:
            # KeyboardInterrupt or similar while waiting: stop the batch, leave nothing behind.
            future.cancel()
            raise

    async def sample_batch_async(
        self,
        prompts: Sequence[Prompt | Any],
        sampling_params: SamplingParams
        | Mapping[str, Any]
        | Sequence[SamplingParams | Mapping[str, Any]]
        | Any
        | None = None,
        *,
        num_samples: int = 1,
        return_logprobs: bool = True,
        timeout: float | None = None,
        max_concurrency: int | None = None,
    ) -> BatchSampleResult:
        """:meth:`sample_batch` for async code (works on any event loop).

        Cancelling the awaiting task cancels the whole batch.
        """
        future = self._submit_batch(
            prompts, sampling_params, num_samples, return_logprobs, timeout, max_concurrency
        )
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise

    # -- machinery --------------------------------------------------------------------------

    def _prepare(
        self,
        prompt: Any,
        params: SamplingParams,
        num_samples: int,
        *,
        return_logprobs: bool,
        prompt_logprobs: bool,
    ) -> _Request:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
            raise DataValidationError(
                f"num_samples must be a positive integer, not {num_samples!r}",
                field="num_samples",
                rule="num_samples >= 1",
            )
        key, value = _prompt_field(prompt)
        sglang = params.to_sglang()
        body: dict[str, Any] = {}
        if num_samples == 1:
            body[key] = value
            body["sampling_params"] = sglang
        elif params.seed is None:
            body[key] = value
            body["sampling_params"] = {**sglang, "n": num_samples}
        else:
            # One row per sample with seeds seed, seed+1, ...: SGLang would give every copy of
            # an n > 1 request the same seed, i.e. num_samples identical completions.
            body[key] = [value] * num_samples
            body["sampling_params"] = [
                {**sglang, "sampling_seed": (params.seed + i) % _SEED_MODULUS}
                for i in range(num_samples)
            ]
        if return_logprobs or prompt_logprobs:
            body["return_logprob"] = True
        if prompt_logprobs:
            body["logprob_start_len"] = 0
        if self.lora_path:
            body["lora_path"] = self.lora_path
        if self.model:
            body["model"] = self.model
        return _Request(body, num_samples, return_logprobs, prompt_logprobs)

    async def _send(self, request: _Request, deadline: float | None) -> SampleResponse:
        from xorl_openapi.api.sampling import generate
        from xorl_openapi.models import GenerateRequest

        try:
            parsed = await self._transport.call(
                generate,
                operation="sample",
                idempotent=True,
                deadline=deadline,
                body=GenerateRequest.from_dict(request.body),
            )
        except APIStatusError as exc:
            raise _sglang_status_error(exc) from None
        except APIConnectionError as exc:
            exc.add_note(
                f"The inference server is set by SamplingClient(base_url=...) or "
                f"{ENV_INFERENCE_BASE_URL}; it is currently {self.config.display_url}."
            )
            raise
        return _parse_response(parsed, request)

    def _submit_batch(
        self,
        prompts: Sequence[Any],
        sampling_params: Any,
        num_samples: int,
        return_logprobs: bool,
        timeout: float | None,
        max_concurrency: int | None,
    ) -> concurrent.futures.Future[BatchSampleResult]:
        if isinstance(prompts, str | bytes | ModelInput) or not isinstance(prompts, Sequence):
            raise DataValidationError(
                f"prompts must be a list of prompts, not {type(prompts).__name__}; for one "
                "prompt use sample()",
                field="prompts",
                rule="prompts is a list",
            )
        if prompts and all(isinstance(p, int) and not isinstance(p, bool) for p in prompts):
            raise DataValidationError(
                "prompts is a list of ints, i.e. one tokenized prompt; wrap it: [tokens]",
                field="prompts",
                rule="prompts is a list",
            )
        params = _per_prompt_params(sampling_params, len(prompts))
        requests: list[_Request] = []
        for index, (prompt, p) in enumerate(zip(prompts, params, strict=True)):
            try:
                requests.append(
                    self._prepare(
                        prompt,
                        p,
                        num_samples,
                        return_logprobs=return_logprobs,
                        prompt_logprobs=False,
                    )
                )
            except DataValidationError as exc:
                raise DataValidationError(
                    f"prompts[{index}]: {exc}", field=exc.field, datum_index=index, rule=exc.rule
                ) from None
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
        ):
            raise DataValidationError(
                f"timeout must be a positive number of seconds or None, not {timeout!r}",
                field="timeout",
                rule="timeout > 0",
            )
        seconds = timeout if timeout is not None else self.config.operation_timeout
        limit = (
            max_concurrency
            if max_concurrency is not None
            else min(max(len(requests), 1), self.config.max_connections)
        )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise DataValidationError(
                f"max_concurrency must be a positive integer, not {max_concurrency!r}",
                field="max_concurrency",
                rule="max_concurrency >= 1",
            )
        return _runtime.run_coroutine(self._run_batch(requests, seconds, limit))

    async def _run_batch(
        self, requests: list[_Request], seconds: float | None, limit: int
    ) -> BatchSampleResult:
        result = BatchSampleResult()
        if not requests:
            return result
        gate = asyncio.Semaphore(limit)

        async def one(request: _Request) -> SampleResponse:
            async with gate:
                # No per-request deadline: the batch deadline below cancels stragglers, so a
                # request is never reported "failed" merely because the deadline passed.
                return await self._send(request, None)

        tasks = [
            asyncio.create_task(one(request), name=f"xorl-sample-batch-{index}")
            for index, request in enumerate(requests)
        ]
        all_done = asyncio.Event()
        remaining = len(tasks)

        def finished(_: asyncio.Task[SampleResponse]) -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                all_done.set()

        for task in tasks:
            task.add_done_callback(finished)
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(all_done.wait())]
        if seconds is not None:
            waiters.append(
                asyncio.create_task(_as_coroutine(self._transport.policy.sleep(seconds)))
            )
        stragglers: list[asyncio.Task[SampleResponse]] = []
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stragglers = [t for t in tasks if not t.done()]
            for pending in (*stragglers, *waiters):
                pending.cancel()
            await asyncio.gather(*stragglers, *waiters, return_exceptions=True)
        cancelled = {id(t) for t in stragglers}
        for index, task in enumerate(tasks):
            if id(task) in cancelled or task.cancelled():
                result.cancelled.append(index)
                continue
            exc = task.exception()
            if exc is None:
                result.completed.append((index, task.result()))
            elif isinstance(exc, XorlError):
                result.failed.append((index, exc))
            else:
                wrapped = XorlError(f"sample of prompt {index} failed: {type(exc).__name__}: {exc}")
                wrapped.__cause__ = exc
                result.failed.append((index, wrapped))
        if result.cancelled:
            logger.info(
                "sample_batch: deadline of %.3gs passed; cancelled %d of %d prompts",
                seconds or 0.0,
                len(result.cancelled),
                len(tasks),
            )
        return result


async def _as_coroutine(awaitable: Any) -> None:
    await awaitable


# -- request helpers ----------------------------------------------------------------------------


def _coerce_params(params: Any) -> SamplingParams:
    """``SamplingParams`` from ours, a dict of Tinker names, or Tinker's object."""
    if params is None:
        return SamplingParams()
    if isinstance(params, SamplingParams):
        return params
    names = ("max_tokens", "temperature", "top_p", "top_k", "min_p", "stop", "seed")
    if isinstance(params, Mapping):
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise DataValidationError(
                f"sampling_params has unknown key(s) {unknown}; valid: {list(names)} (Tinker "
                "names; the SDK maps them to SGLang's)",
                field="sampling_params",
                rule="sampling params use Tinker names",
            )
        return SamplingParams(**dict(params))
    if hasattr(params, "max_tokens") or hasattr(params, "temperature"):
        found = {n: getattr(params, n) for n in names if getattr(params, n, None) is not None}
        return SamplingParams(**found)
    raise DataValidationError(
        f"sampling_params must be a SamplingParams or a dict, not {type(params).__name__}",
        field="sampling_params",
        rule="sampling params use Tinker names",
    )


def _per_prompt_params(params: Any, count: int) -> list[SamplingParams]:
    if isinstance(params, Sequence) and not isinstance(params, str | bytes):
        if len(params) != count:
            raise DataValidationError(
                f"sampling_params has {len(params)} entries for {count} prompts; give one "
                "setting for all prompts or exactly one per prompt",
                field="sampling_params",
                rule="one sampling_params per prompt",
            )
        return [_coerce_params(p) for p in params]
    one = _coerce_params(params)
    return [one] * count


def _prompt_field(prompt: Any) -> tuple[str, str | list[int]]:
    """``("text", str)`` or ``("input_ids", ids)``, validated."""
    if isinstance(prompt, str):
        return "text", prompt
    try:
        ids = token_ids_of(prompt, "prompt")
    except DataValidationError:
        raise DataValidationError(
            f"a prompt must be text, a ModelInput or a list of token ids, not "
            f"{type(prompt).__name__}",
            field="prompt",
            rule="prompt is text or token ids",
        ) from None
    if not ids:
        raise DataValidationError(
            "the prompt has no tokens; give at least one token id",
            field="prompt",
            rule="prompt is not empty",
        )
    if not set(map(type, ids)) <= {int} or min(ids) < 0:
        pos = next(i for i, t in enumerate(ids) if type(t) is not int or t < 0)
        raise DataValidationError(
            f"prompt token {pos} is {ids[pos]!r}; token ids must be non-negative Python ints",
            field="prompt",
            rule="token ids are non-negative integers",
        )
    return "input_ids", ids


# -- response helpers ---------------------------------------------------------------------------


def _outputs(parsed: Any) -> list[Any]:
    """The three response shapes as one list of ``GenerateOutput`` in index order."""
    from xorl_openapi.models import GenerateOutput, GenerateOutputMap

    if isinstance(parsed, GenerateOutput):
        return [parsed]
    if isinstance(parsed, list):
        return parsed
    if isinstance(parsed, GenerateOutputMap):
        items = parsed.additional_properties
        try:
            order = sorted(items, key=int)
        except ValueError:
            raise XorlError(
                f"sample: the inference server answered an object with keys {sorted(items)[:5]}; "
                'expected outputs keyed "0", "1", ...'
            ) from None
        if [int(k) for k in order] != list(range(len(order))):
            raise XorlError(
                f"sample: the inference server's outputs are keyed {order[:8]}; expected "
                f"consecutive indices 0..{len(order) - 1}"
            )
        return [items[k] for k in order]
    raise XorlError(f"sample: unexpected /generate answer of type {type(parsed).__name__}")


def _parse_response(parsed: Any, request: _Request) -> SampleResponse:
    outputs = _outputs(parsed)
    if len(outputs) != request.num_samples:
        raise XorlError(
            f"sample: asked for {request.num_samples} completion(s) but the inference server "
            f"returned {len(outputs)}"
        )
    sequences = [
        _sequence(out, i, want_logprobs=request.return_logprobs) for i, out in enumerate(outputs)
    ]
    prompt_logprobs = _prompt_logprobs(outputs[0]) if request.prompt_logprobs else None
    return SampleResponse(sequences=sequences, prompt_logprobs=prompt_logprobs)


def _stop_reason(raw: Any, index: int) -> StopReason:
    """``finish_reason`` (object, dict or plain string) → ``"length"`` / ``"stop"``."""
    from xorl_openapi.models import FinishReason

    message: Any = None
    if isinstance(raw, FinishReason):
        kind: Any = raw.type_
        message = raw.message if isinstance(raw.message, str) else None
    elif isinstance(raw, Mapping):
        kind, message = raw.get("type"), raw.get("message")
    else:
        kind = raw
    if not isinstance(kind, str):
        raise XorlError(
            f"sample: sequence {index} has no usable finish_reason ({raw!r}); the inference "
            "server did not say whether the completion ended or was cut off"
        )
    lowered = kind.lower()
    if lowered == "length":
        return "length"
    if lowered == "stop":
        return "stop"
    if lowered == "abort":
        why = f": {message}" if message else ""
        raise RequestFailedError(
            f"the inference server aborted the generation of sequence {index}{why} (overload, "
            "a weight update or an explicit /abort_request); its tokens are incomplete, sample "
            "again",
            category="server",
            operation="sample",
        )
    raise XorlError(
        f"sample: sequence {index} has finish_reason {kind!r}; expected 'length', 'stop' or 'abort'"
    )


def _sequence(out: Any, index: int, *, want_logprobs: bool) -> SampledSequence:
    meta = out.meta_info
    stop = _stop_reason(meta.finish_reason, index)
    entries = meta.output_token_logprobs if isinstance(meta.output_token_logprobs, list) else None
    tokens: list[int]
    if isinstance(out.output_ids, list):
        tokens = [int(t) for t in out.output_ids]
    elif entries is not None:
        tokens = [int(e[1]) for e in entries]  # older builds: ids only in the logprob entries
    else:
        raise XorlError(
            f"sample: sequence {index} has neither output_ids nor output_token_logprobs; the "
            "completion's token ids cannot be recovered (a text-only answer is not enough to "
            "train on)"
        )
    logprobs: list[float] | None = None
    if want_logprobs:
        if entries is None:
            raise XorlError(
                f"sample: logprobs were requested but sequence {index} came back without "
                "meta_info.output_token_logprobs; the inference server ignored return_logprob"
            )
        if len(entries) != len(tokens):
            raise XorlError(
                f"sample: sequence {index} has {len(tokens)} output_ids but "
                f"{len(entries)} output_token_logprobs; they must align one to one"
            )
        logprobs = []
        for pos, (entry, token) in enumerate(zip(entries, tokens, strict=True)):
            value = entry[0] if isinstance(entry, list) and entry else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise XorlError(
                    f"sample: the inference server returned logprob {value!r} for output token "
                    f"{pos} (id {token}) of sequence {index}. It is not replaced by 0.0: that "
                    "would be a silently wrong importance ratio. Sample again, or pass "
                    "return_logprobs=False if you do not need logprobs."
                )
            if len(entry) > 1 and entry[1] is not None and int(entry[1]) != token:
                raise XorlError(
                    f"sample: output_token_logprobs[{pos}] of sequence {index} is for token "
                    f"{entry[1]} but output_ids[{pos}] is {token}; the logprobs are misaligned"
                )
            if not math.isfinite(value):
                raise XorlError(
                    f"sample: logprob of output token {pos} of sequence {index} is {value!r}"
                )
            logprobs.append(float(value))
    text = out.text if isinstance(out.text, str) else None
    return SampledSequence(tokens=tokens, logprobs=logprobs, stop_reason=stop, text=text)


def _prompt_logprobs(out: Any) -> list[float | None]:
    entries = out.meta_info.input_token_logprobs
    if not isinstance(entries, list):
        raise XorlError(
            "sample: prompt logprobs were requested but the inference server returned no "
            "meta_info.input_token_logprobs"
        )
    values: list[float | None] = []
    for entry in entries:
        value = entry[0] if isinstance(entry, list) and entry else None
        # Kept as None (the first prompt token has no prediction); never turned into 0.0.
        values.append(float(value) if isinstance(value, int | float) else None)
    return values


def _sglang_status_error(exc: APIStatusError) -> APIStatusError:
    """The same error class with SGLang's own message up front (its body has no ``detail``)."""
    detail = exc.detail
    message: Any = None
    if isinstance(detail, Mapping):
        inner = detail.get("error")
        message = inner.get("message") if isinstance(inner, Mapping) else None
        message = message or detail.get("message") or (inner if isinstance(inner, str) else None)
    if not isinstance(message, str) or not message:
        return exc
    hint = (
        " Not retried: a 4xx means the request itself is wrong (e.g. a prompt longer than the "
        "context, an adapter that is not loaded)."
        if 400 <= exc.status_code < 500
        else ""
    )
    where = f" ({exc.method} {exc.url})" if exc.method and exc.url else ""
    return type(exc)(
        f"sample failed: the inference server answered {exc.status_code}{where}: {message}.{hint}",
        status_code=exc.status_code,
        detail=detail,
        method=exc.method,
        url=exc.url,
    )
