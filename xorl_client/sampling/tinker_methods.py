"""``SamplingClient``'s Tinker surface: ``compute_logprobs``, ``get_base_model``,
``get_tokenizer``, pickling for worker processes and sampler handles.

* ``compute_logprobs(prompt)`` is Tinker's: one ``sample`` of one token at temperature 1 with
  prompt logprobs, whose ``prompt_logprobs`` it returns (``len(prompt)`` entries, the first
  ``None``). The inference server scores a prompt with the same numbers as the trainer's
  ``forward``.
* A pickled client carries its configuration, API key included (as a
  :class:`~xorl_client._config.Secret`, so it never shows in a ``repr``), and unpickles in
  another process as a working client with fresh connections. A setting that cannot travel (an
  injected ``httpx_transport``) makes pickling fail instead of being dropped.
* ``get_sampler_handle()`` is the same without credentials, as text; ``from_sampler_handle``
  takes the key separately.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xorl_client._own_future import OwnFuture
from xorl_client._twins import value_twin
from xorl_client.errors import ConfigurationError, DataValidationError
from xorl_client.futures import APIFuture
from xorl_client.types import SampleResponse, SamplingParams

if TYPE_CHECKING:
    from xorl_client._config import ClientConfig
    from xorl_client.sampling.client import SamplingClient

__all__ = ["TinkerSamplingMixin"]

#: ClientConfig fields the constructor takes as its own arguments (or rebuilds: the pool).
_PASSED_SEPARATELY = frozenset(
    {
        "base_url",
        "api_key",
        "timeout",
        "max_retries",
        "retry_backoff_base",
        "httpx_transport",
        "max_connections",
    }
)

#: What a sampler handle holds (never credentials).
_HANDLE_FIELDS = ("base_url", "model_path", "lora_path", "model", "base_model")


def _prompt_logprobs(response: SampleResponse) -> list[float | None]:
    assert response.prompt_logprobs is not None  # asked for with include_prompt_logprobs
    return response.prompt_logprobs


class TinkerSamplingMixin(OwnFuture):
    """Tinker's ``SamplingClient`` methods on xorl (mixed into :class:`SamplingClient`)."""

    _base_model: str | None = None
    _base_model_lookup: Callable[[], APIFuture[str]] | None = None
    _tinker_tokenizer: Any = None

    config: ClientConfig
    model_path: str
    lora_path: str | None
    model: str | None

    # -- scoring ------------------------------------------------------------------------------

    def compute_logprobs(
        self, prompt: Any, prompt_logprobs_last_n: int | None = None
    ) -> APIFuture[list[float | None]]:
        """``log p(prompt[i] | prompt[:i])`` for every position, at temperature 1; returns at once.

        A list of ``len(prompt)`` entries whose first is ``None`` (nothing predicts it); with
        ``prompt_logprobs_last_n`` only the last N entries are filled. ``compute_logprobs(full)[1:]``
        lines up with the training logprobs of a datum built from ``full``.
        """
        sample: Callable[..., APIFuture[SampleResponse]] = self.sample  # type: ignore[attr-defined]
        future = sample(
            prompt,
            SamplingParams(max_tokens=1, temperature=1.0),
            1,
            return_logprobs=False,
            include_prompt_logprobs=True,
            prompt_logprobs_last_n=prompt_logprobs_last_n,
        )
        return future.map(_prompt_logprobs)

    compute_logprobs_async = value_twin(compute_logprobs, cancel_with_caller=True)

    # -- model and tokenizer ------------------------------------------------------------------

    def _base_model_future(self) -> APIFuture[str]:
        if self._base_model is not None:
            return APIFuture.from_value(self._base_model, operation="get_base_model")
        if self._base_model_lookup is None:
            raise ConfigurationError(
                "this SamplingClient does not know its base model: create it with "
                "ServiceClient.create_sampling_client(...) or "
                "TrainingClient.create_sampling_client(...), or pass base_model=... to "
                "create_sampling_client"
            )

        def remember(name: str) -> str:
            self._base_model = name
            return name

        return self._base_model_lookup().map(remember)

    def get_base_model(self) -> str:
        """The base model the sampled weights belong to (the server's one model)."""
        return self._base_model_future().result()

    async def get_base_model_async(self) -> str:
        """Async twin of ``get_base_model``: its value is the result."""
        return await self._base_model_future()

    def get_tokenizer(self) -> Any:
        """The tokenizer of :meth:`get_base_model` (loaded locally, never downloaded)."""
        if self._tinker_tokenizer is None:
            from xorl_client.training.tokenizer import load_tokenizer

            self._tinker_tokenizer = load_tokenizer(self.get_base_model())
        return self._tinker_tokenizer

    # -- pickling and handles -----------------------------------------------------------------

    def _portable_settings(self) -> dict[str, Any]:
        """The configuration as constructor keywords, or a PicklingError for what cannot travel."""
        config = self.config
        if getattr(self, "_transport_injected", False):
            raise pickle.PicklingError(
                "a SamplingClient with a custom httpx_transport cannot be pickled (the transport "
                "belongs to this process); create the client in the worker instead"
            )
        settings = {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(config)
            if f.name not in _PASSED_SEPARATELY
        }
        settings["extra_headers"] = dict(config.extra_headers)
        http = getattr(self, "_http", None)
        if http is not None:  # the connection pool, rebuilt from its settings in the worker
            settings.update(
                http_client_mode=http.mode,
                http_max_connections=http.max_connections,
                http_max_keepalive_connections=http.max_keepalive_connections,
                http_keepalive_expiry=http.keepalive_expiry,
                http2=http.http2,
            )
        settings["api_format"] = getattr(self, "_api_format", None)
        return settings

    def __reduce__(self) -> tuple[Any, ...]:
        state = {
            "base_url": self.config.url,
            "model_path": self.model_path,
            "lora_path": self.lora_path,
            "model": self.model,
            "base_model": self._base_model,
            "api_key": self.config.api_key,  # a Secret: pickled, never printed
            "timeout": self.config.timeout,
            "max_retries": self.config.max_retries,
            "retry_delay": self.config.retry_backoff_base,
            "settings": self._portable_settings(),
        }
        return (_unpickle, (type(self), state))

    def get_sampler_handle(self) -> str:
        """Text naming this sampler (server, adapter, model) without credentials."""
        values = {
            "base_url": self.config.url,
            "model_path": self.model_path,
            "lora_path": self.lora_path,
            "model": self.model,
            "base_model": self._base_model,
        }
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode("ascii")

    @classmethod
    def from_sampler_handle(cls, handle: str, *, api_key: str | None = None) -> SamplingClient:
        """A client for the sampler :meth:`get_sampler_handle` named (``api_key`` separately)."""
        try:
            values = json.loads(base64.urlsafe_b64decode(handle.encode("ascii")))
        except (ValueError, UnicodeError, AttributeError) as exc:
            raise DataValidationError(
                f"not a sampler handle: {exc}", field="handle", rule="a get_sampler_handle() text"
            ) from None
        if not isinstance(values, dict) or set(values) != set(_HANDLE_FIELDS):
            raise DataValidationError(
                "not a sampler handle (unexpected fields)",
                field="handle",
                rule="a get_sampler_handle() text",
            )
        from xorl_client.sampling.client import SamplingClient

        client = SamplingClient(
            values["base_url"],
            values["model_path"],
            values["model"],
            api_key=api_key,
            lora_path=values["lora_path"],
        )
        client._base_model = values["base_model"]
        return client


def _unpickle(cls: type[SamplingClient], state: dict[str, Any]) -> SamplingClient:
    key = state["api_key"]
    client = cls(
        state["base_url"],
        state["model_path"],
        state["model"],
        api_key=key.get_secret_value() if key is not None else "",
        timeout=state["timeout"],
        max_retries=state["max_retries"],
        retry_delay=state["retry_delay"],
        lora_path=state["lora_path"],
        **state["settings"],
    )
    client._base_model = state["base_model"]
    return client
