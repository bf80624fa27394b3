"""``SamplingClient``: the client object (see the package docstring for what it takes care of)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Final

import httpx

from xorl_client import _runtime
from xorl_client._config import ClientConfig
from xorl_client._retry import RetryPolicy
from xorl_client._transport import Transport
from xorl_client._twins import value_twin
from xorl_client.compat.official import SAMPLING_CLIENT_SETTINGS, lora_name_from_model_path
from xorl_client.compat.tinker_options import check_tinker_options
from xorl_client.compat.tinker_orders import tinker_order
from xorl_client.errors import ConfigurationError, DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.sampling.adapters import AdaptersMixin
from xorl_client.sampling.attributes import OfficialAttributesMixin
from xorl_client.sampling.batch import BatchSampleResult, batch_limits, check_prompts, run_batch
from xorl_client.sampling.chat import ChatRequest, prepare_chat, send_chat
from xorl_client.sampling.native import NativeBatchMixin, lora_name
from xorl_client.sampling.parse import call_inference, parse_response
from xorl_client.sampling.request import (
    Prompt,
    SampleRequest,
    coerce_params,
    per_prompt_params,
    prepare_request,
)
from xorl_client.sampling.retry import SamplingRetryPolicy
from xorl_client.sampling.scoring import ScoringMixin
from xorl_client.sampling.settings import api_format_from, http_settings_from
from xorl_client.sampling.tinker_methods import TinkerSamplingMixin
from xorl_client.types import SampleResponse, SamplingParams

__all__ = [
    "DEFAULT_SAMPLING_TIMEOUT",
    "ENV_INFERENCE_API_KEY",
    "ENV_INFERENCE_BASE_URL",
    "SamplingClient",
]

logger = logging.getLogger("xorl_client")

ENV_INFERENCE_BASE_URL: Final = "XORL_INFERENCE_BASE_URL"
ENV_INFERENCE_API_KEY: Final = "XORL_INFERENCE_API_KEY"

#: Per-HTTP-request limits for ``/generate``. A generation is one long request (no long-poll),
#: so ``read`` must cover the slowest completion; the call's deadline bounds everything anyway.
DEFAULT_SAMPLING_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=600.0, write=120.0, pool=600.0)


class SamplingClient(
    OfficialAttributesMixin, TinkerSamplingMixin, NativeBatchMixin, ScoringMixin, AdaptersMixin
):
    """Samples completions from an SGLang-compatible inference server.

    The positional order is the official client's: ``SamplingClient(base_url, model_path,
    model, api_key, timeout, max_retries, retry_delay, api_format, http_client_mode,
    http_max_connections, http_max_keepalive_connections, http_keepalive_expiry, http2)``.
    Besides :meth:`sample` / :meth:`sample_batch` it has native batch generation
    (:meth:`generate_batch_native`), prompt scoring (:meth:`score_prompt_logprobs_batch`) and
    adapter calls (:meth:`load_lora_adapter`, :meth:`unload_lora_adapter`,
    :meth:`swap_lora_adapter`, :meth:`flush_cache`).

    Args:
        base_url: the inference server, e.g. ``http://127.0.0.1:30000``; defaults to
            ``$XORL_INFERENCE_BASE_URL``. (:meth:`ServiceClient.create_sampling_client
            <xorl_client.ServiceClient.create_sampling_client>` falls back to the training
            server's URL, which is right for the local server.)
        model_path: the LoRA adapter to sample from, as the official client names it: a
            sampler export path (``xorl://M/sampler_weights/N`` or ``sampler_weights/N``: the
            adapter ``N``) or an adapter name. ``""`` samples the server's current weights.
            This does not load the adapter; :meth:`ServiceClient.create_sampling_client
            <xorl_client.ServiceClient.create_sampling_client>` does.
        model: SGLang's optional ``model`` routing field (for routers in front of several
            servers).
        api_key: sent as ``Authorization: Bearer <key>``; defaults to
            ``$XORL_INFERENCE_API_KEY``. ``$XORL_API_KEY`` (the training server's key) is never
            used: it must not leak to another server.
        timeout: per-HTTP-request timeout (seconds or an ``httpx.Timeout``); defaults to
            :data:`DEFAULT_SAMPLING_TIMEOUT`. The whole call is bounded by
            ``operation_timeout`` or by ``sample(..., timeout=...)``.
        max_retries: resends after the first attempt of a request that failed transiently.
        retry_delay: base of the exponential backoff between resends, in seconds.
        api_format: ``"generate"`` (SGLang's ``/generate``, the default) or
            ``"chat_completions"`` (``/v1/chat/completions``: prompts are text or chat
            messages); official aliases accepted; defaults to ``$XORL_INFERENCE_API_FORMAT``.
            Native batches and scoring always use ``/generate``.
        http_client_mode, http_max_connections, http_max_keepalive_connections,
            http_keepalive_expiry, http2: the connection pool (defaults from the
            ``$XORL_SAMPLING_HTTP_*`` variables; see :mod:`xorl_client.sampling.settings`).
            ``"pooled"`` (the default) reuses connections; ``"request"`` opens one per
            request. ``http2=True`` needs the ``http2`` extra.
        lora_path: the adapter name directly (the ``lora_name`` that
            ``create_sampling_session`` returned); an alternative to ``model_path``.
        retry_policy: a :class:`SamplingRetryPolicy` (tests inject one whose ``sleep`` does not
            sleep); defaults to one built from the settings. The batch deadline also waits
            through ``retry_policy.sleep``.
        **settings: other :class:`~xorl_client.ClientConfig` fields (``operation_timeout``,
            ``httpx_transport``, ...).

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
        model_path: str | None = "",
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 3,
        retry_delay: float = 1.0,
        api_format: str | None = None,
        http_client_mode: str | None = None,
        http_max_connections: int | None = None,
        http_max_keepalive_connections: int | None = None,
        http_keepalive_expiry: float | None = None,
        http2: bool | None = None,
        *,
        lora_path: str | None = None,
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
                f"base_url {url!r} looks like a model path, not a server URL; pass it as "
                "model_path=... (the second argument)"
            )
        key = api_key if api_key is not None else os.environ.get(ENV_INFERENCE_API_KEY)
        named = {"timeout": timeout, "max_retries": max_retries, "retry_delay": retry_delay}
        for name in ("api_key", "base_url", "config", *SAMPLING_CLIENT_SETTINGS.values()):
            if name in settings:
                raise ConfigurationError(f"pass {name} as its own argument, not in **settings")
        for official, field_name in SAMPLING_CLIENT_SETTINGS.items():
            if named[official] is not None:
                settings[field_name] = named[official]
        settings.setdefault("timeout", DEFAULT_SAMPLING_TIMEOUT)
        self._api_format = api_format_from(api_format)
        # A transport given by the caller belongs to this process: such a client cannot pickle.
        self._transport_injected = settings.get("httpx_transport") is not None
        self._http = http_settings_from(
            settings,
            mode=http_client_mode,
            max_connections=http_max_connections,
            max_keepalive_connections=http_max_keepalive_connections,
            keepalive_expiry=http_keepalive_expiry,
            http2=http2,
        )
        # api_key "" (not None) stops ClientConfig from falling back to $XORL_API_KEY.
        config = ClientConfig.from_env(base_url=url, api_key=key or "", **settings)
        if lora_path is not None and (not isinstance(lora_path, str) or not lora_path.strip()):
            raise ConfigurationError(f"lora_path must be a non-empty string, not {lora_path!r}")
        if model_path is None:  # the official client's "no adapter" is "", accept None too
            model_path = ""
        if not isinstance(model_path, str):
            raise ConfigurationError(f"model_path must be a string, not {model_path!r}")
        try:
            from_path = lora_name_from_model_path(model_path)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if from_path is not None and lora_path is not None and from_path != lora_path:
            raise ConfigurationError(
                f"model_path {model_path!r} (adapter {from_path!r}) and lora_path "
                f"{lora_path!r} name different adapters; give one"
            )
        if model is not None and (not isinstance(model, str) or not model):
            raise ConfigurationError(f"model must be a non-empty string, not {model!r}")
        policy = (
            retry_policy if retry_policy is not None else SamplingRetryPolicy.from_config(config)
        )
        self.config = config
        self.model_path = model_path
        self.lora_path = lora_path if lora_path is not None else from_path
        self.model = model
        self._transport = Transport(config, policy)
        self._closed = False
        # A client dropped without close() (one per RL iteration, say) still frees its pool.
        weakref.finalize(self, _close_later, self._transport).atexit = False

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

    async def close_async(self) -> None:
        """:meth:`close` for async code (does not block the event loop)."""
        if self._closed:
            return
        self._closed = True
        await asyncio.wrap_future(_runtime.run_coroutine(self._transport.aclose()))

    async def __aenter__(self) -> SamplingClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close_async()

    # -- sampling -------------------------------------------------------------------------------

    @tinker_order("sample")
    def sample(
        self,
        prompt: Prompt | Any,
        sampling_params: SamplingParams | Mapping[str, Any] | Any | None = None,
        num_samples: int = 1,
        return_logprobs: bool = True,
        lora_path: str | None = None,
        logprob_start_len: int | None = None,
        *,
        include_prompt_logprobs: bool = False,
        timeout: float | None = None,
        topk_prompt_logprobs: int = 0,
        prompt_logprobs_last_n: int | None = None,
        topk_sample_logprobs: int = 0,
        target_prompt_logprobs: Any = None,
        prompt_alt_tokens_k: int = 0,
    ) -> APIFuture[SampleResponse]:
        """Generate ``num_samples`` completions of ``prompt``; returns at once.

        Args:
            prompt: text (sent as ``text``; the server tokenizes it), a
                :class:`~xorl_client.ModelInput`, or a list of token ids (``input_ids``). For
                RL, pass token ids: the datum needs the exact prompt tokens. With
                ``api_format="chat_completions"``: text or a list of chat messages.
            sampling_params: :class:`~xorl_client.SamplingParams` (Tinker names; a dict of
                them or Tinker's object also work). ``None`` = server defaults.
            num_samples: completions to generate for this prompt.
            return_logprobs: fill each sequence's ``logprobs`` (log-probabilities of the
                sampled tokens under the sampling weights); ``False`` leaves them ``None``.
            lora_path: sample from this loaded adapter instead of the client's.
            logprob_start_len: also fill ``prompt_logprobs`` from this prompt position on:
                ``prompt_logprobs[j]`` is position ``j``'s logprob, ``None`` before the start
                and at it (the server keeps no logit predicting it).
            include_prompt_logprobs: the same as ``logprob_start_len=0``.
            timeout: seconds for the whole call, retries included; defaults to
                ``operation_timeout``.
            topk_prompt_logprobs: fill ``topk_prompt_logprobs`` with the K most likely
                ``(token_id, logprob)`` at every prompt position (entry 0 ``None``).
            prompt_logprobs_last_n: score only the last N prompt positions (the others are
                ``None``); needs ``include_prompt_logprobs`` and a tokenized prompt.
            topk_sample_logprobs, target_prompt_logprobs, prompt_alt_tokens_k: Tinker's;
                only their defaults are accepted (the inference server has no counterpart).

        Tinker's positional order ``sample(prompt, num_samples, sampling_params,
        include_prompt_logprobs, topk_prompt_logprobs, ...)`` is recognised by the int in the
        second position.

        Raises (from ``result()``): :class:`~xorl_client.BadRequestError` (never retried; the
        message carries SGLang's), :class:`~xorl_client.RequestFailedError` (the server aborted
        the generation), :class:`~xorl_client.XorlError` (an answer that cannot be trusted,
        e.g. a null logprob), transport errors. Bad arguments raise
        :class:`~xorl_client.DataValidationError` here, before anything is sent.
        """
        check_tinker_options(
            "sample",
            topk_sample_logprobs=topk_sample_logprobs,
            target_prompt_logprobs=target_prompt_logprobs,
            prompt_alt_tokens_k=prompt_alt_tokens_k,
        )
        if include_prompt_logprobs and logprob_start_len not in (None, 0):
            raise DataValidationError(
                f"include_prompt_logprobs=True means logprob_start_len=0, but "
                f"logprob_start_len={logprob_start_len!r} was given; give one",
                field="logprob_start_len",
                rule="one prompt-logprob start",
            )
        request = self._prepare(
            prompt,
            coerce_params(sampling_params),
            num_samples,
            return_logprobs=return_logprobs,
            logprob_start=0 if include_prompt_logprobs else logprob_start_len,
            lora_path=lora_name(lora_path, None),
            topk_prompt_logprobs=topk_prompt_logprobs,
            prompt_logprobs_last_n=prompt_logprobs_last_n,
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
        num_samples: int = 1,
        return_logprobs: bool = True,
        timeout: float | None = None,
        *,
        max_concurrency: int | None = None,
    ) -> APIFuture[BatchSampleResult]:
        """Sample every prompt concurrently, for at most ``timeout`` seconds; returns at once.

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

        Returns an :class:`~xorl_client.APIFuture` of the :class:`BatchSampleResult`
        (``.result()`` blocks, ``await`` waits); cancelling it cancels the batch. Invalid
        prompts raise :class:`~xorl_client.DataValidationError` (naming the index) here,
        before anything is sent.
        """
        future = self._submit_batch(
            prompts, sampling_params, num_samples, return_logprobs, timeout, max_concurrency
        )
        return APIFuture(future, operation="sample_batch")

    sample_async = value_twin(sample, cancel_with_caller=True)
    sample_batch_async = value_twin(sample_batch, cancel_with_caller=True)

    # -- machinery --------------------------------------------------------------------------

    def _prepare(
        self,
        prompt: Any,
        params: SamplingParams,
        num_samples: int,
        *,
        return_logprobs: bool,
        logprob_start: int | None,
        lora_path: str | None = None,
        topk_prompt_logprobs: int = 0,
        prompt_logprobs_last_n: int | None = None,
    ) -> SampleRequest | ChatRequest:
        common: dict[str, Any] = {
            "return_logprobs": return_logprobs,
            "logprob_start": logprob_start,
            "lora_path": lora_path or self.lora_path,
            "model": self.model,
        }
        if self._api_format != "chat_completions":
            return prepare_request(
                prompt,
                params,
                num_samples,
                topk_prompt_logprobs=topk_prompt_logprobs,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
                **common,
            )
        if topk_prompt_logprobs or prompt_logprobs_last_n is not None:
            raise DataValidationError(
                "topk_prompt_logprobs and prompt_logprobs_last_n need the /generate format: the "
                "chat-completions answer has no prompt logprobs (create the client with "
                "api_format='generate')",
                field="topk_prompt_logprobs" if topk_prompt_logprobs else "prompt_logprobs_last_n",
                rule="prompt scoring needs api_format='generate'",
            )
        return prepare_chat(prompt, params, num_samples, **common)

    async def _send(
        self, request: SampleRequest | ChatRequest, deadline: float | None
    ) -> SampleResponse:
        from xorl_openapi.api.sampling import generate
        from xorl_openapi.models import GenerateRequest

        if isinstance(request, ChatRequest):
            return await send_chat(self._transport, request, deadline)
        parsed = await call_inference(
            self._transport,
            generate,
            operation="sample",
            deadline=deadline,
            body=GenerateRequest.from_dict(request.body),
        )
        return parse_response(parsed, request)

    def _bind(self, model_path: str, lora_path: str | None) -> None:
        """Point the client at an adapter loaded after it was made (the training client's export)."""
        self.model_path = model_path
        self.lora_path = lora_path

    def _submit_batch(
        self,
        prompts: Sequence[Any],
        sampling_params: Any,
        num_samples: int,
        return_logprobs: bool,
        timeout: float | None,
        max_concurrency: int | None,
    ) -> concurrent.futures.Future[BatchSampleResult]:
        check_prompts(prompts)
        params = per_prompt_params(sampling_params, len(prompts))
        requests: list[SampleRequest | ChatRequest] = []
        for index, (prompt, p) in enumerate(zip(prompts, params, strict=True)):
            try:
                requests.append(
                    self._prepare(
                        prompt, p, num_samples, return_logprobs=return_logprobs, logprob_start=None
                    )
                )
            except DataValidationError as exc:
                raise DataValidationError(
                    f"prompts[{index}]: {exc}", field=exc.field, datum_index=index, rule=exc.rule
                ) from None
        seconds, limit = batch_limits(
            len(requests),
            timeout,
            max_concurrency,
            default_seconds=self.config.operation_timeout,
            max_connections=self.config.max_connections,
        )
        return _runtime.run_coroutine(
            run_batch(
                lambda request: self._send(request, None),
                requests,
                seconds,
                limit,
                self._transport.policy.sleep,
            )
        )


def _close_later(transport: Transport) -> None:
    """Close a garbage-collected client's connections on the SDK loop (when it still runs)."""
    with contextlib.suppress(RuntimeError):
        _runtime.run_coroutine(transport.aclose())
