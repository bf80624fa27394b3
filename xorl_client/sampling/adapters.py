"""LoRA adapters on the inference server itself: load, unload, swap, and its cache flush.

Usually the training server loads adapters for you (``create_sampling_session``, called by
``ServiceClient.create_sampling_client`` and ``TrainingClient.save_weights_and_get_sampling_client``).
These calls talk to the inference server directly, as the official client's do, for servers the
training server does not manage:

* ``load_lora_adapter(lora_name=, lora_path=)``: SGLang refuses a name that is already loaded.
  That refusal counts as success only when the server shows the name loaded **from the same
  path** (then the answer has ``already_loaded: True``); the same name from another path is a
  name clash and raises. On success the adapter becomes the client's default ``lora_path``.
* ``unload_lora_adapter(lora_name=)``: flushes the cache first (``flush_before``) so no prefix
  computed with the adapter is reused; clears the client's default if it was that adapter.
* ``swap_lora_adapter(current_lora_name=, lora_name=, lora_path=)``: flush, unload the current
  one (if any), load the new one. The official client also pauses and resumes generation
  around it with SGLang's ``/pause_generation`` / ``/continue_generation``, which are outside
  this SDK's contract (:mod:`xorl_client.compat.not_on_xorl`); requests still running with the
  old adapter may fail while it is unloaded.
* ``flush_cache(timeout=)``: SGLang's radix-cache flush (plain-text answer, returned as
  ``{"success": True, "message": text}``).

Failures are typed: SGLang's refusal is a :class:`~xorl_client.BadRequestError` carrying its
``error_message``. The ``timeout`` arguments bound the whole call (retries included).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from xorl_client import _runtime
from xorl_client._twins import value_twin
from xorl_client.compat.not_on_xorl import not_on_xorl
from xorl_client.errors import APIStatusError, DataValidationError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.sampling.parse import call_inference

if TYPE_CHECKING:
    from xorl_client._transport import Transport

__all__ = ["AdaptersMixin", "loaded_from"]


def loaded_from(answer: Mapping[str, Any], lora_name: str) -> str | None:
    """Where ``answer["loaded_adapters"]`` says ``lora_name`` is loaded from (path or object)."""
    loaded = answer.get("loaded_adapters")
    entry = loaded.get(lora_name) if isinstance(loaded, Mapping) else None
    if isinstance(entry, Mapping):
        entry = entry.get("lora_path")
    return entry if isinstance(entry, str) else None


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataValidationError(
            f"{field} must be a non-empty string, not {value!r}",
            field=field,
            rule=f"{field} is a non-empty string",
        )
    return value


def _same_path(a: str, b: str) -> bool:
    # Both are paths on the inference server's file system: compare them lexically only.
    return os.path.normpath(a) == os.path.normpath(b)


class AdaptersMixin:
    """Adapter and cache calls of :class:`~xorl_client.SamplingClient` (module docstring)."""

    _transport: Transport
    lora_path: str | None

    def load_lora_adapter(
        self, *, lora_name: str, lora_path: str, pinned: bool = False, timeout: float = 300.0
    ) -> APIFuture[dict[str, Any]]:
        """Load the adapter at ``lora_path`` (the server's path) under ``lora_name``."""
        from xorl_openapi.api.sampling import load_lora_adapter
        from xorl_openapi.models import LoadLoraAdapterRequest

        name = _name(lora_name, "lora_name")
        path = _name(lora_path, "lora_path")
        body = LoadLoraAdapterRequest(lora_name=name, lora_path=path, pinned=bool(pinned))
        deadline = self._transport.deadline(timeout)

        async def run() -> dict[str, Any]:
            try:
                parsed = await call_inference(
                    self._transport,
                    load_lora_adapter,
                    operation="load_lora_adapter",
                    deadline=deadline,
                    body=body,
                )
            except APIStatusError as exc:
                answer = exc.detail if isinstance(exc.detail, Mapping) else {}
                message = str(answer.get("error_message") or "")
                source = loaded_from(answer, name)
                if "already loaded" not in message.lower() or source is None:
                    raise
                if not _same_path(source, path):
                    exc.add_note(
                        f"{name!r} is loaded from {source!r}, not {path!r}: a different adapter "
                        "under the same name. Unload it first (or use swap_lora_adapter)."
                    )
                    raise
                self.lora_path = name
                return {**answer, "success": True, "already_loaded": True}
            self.lora_path = name
            result: dict[str, Any] = parsed.to_dict()
            return result

        return APIFuture(_runtime.run_coroutine(run()), operation="load_lora_adapter")

    def unload_lora_adapter(
        self, *, lora_name: str, flush_before: bool = True, timeout: float = 60.0
    ) -> APIFuture[dict[str, Any]]:
        """Unload ``lora_name`` (after a cache flush unless ``flush_before=False``)."""
        name = _name(lora_name, "lora_name")
        deadline = self._transport.deadline(timeout)

        async def run() -> dict[str, Any]:
            if flush_before:
                await self._flush(deadline, 0.0)
            return await self._unload(name, deadline)

        return APIFuture(_runtime.run_coroutine(run()), operation="unload_lora_adapter")

    def swap_lora_adapter(
        self,
        *,
        current_lora_name: str | None,
        lora_name: str,
        lora_path: str,
        pinned: bool = False,
    ) -> APIFuture[dict[str, Any]]:
        """Replace ``current_lora_name`` (``None``: nothing loaded yet) by a new adapter.

        Flush the cache, unload the current adapter, load the new one; the value is the
        load's answer. Not paused: see the module docstring.
        """
        current = (
            None if current_lora_name is None else _name(current_lora_name, "current_lora_name")
        )
        name = _name(lora_name, "lora_name")
        path = _name(lora_path, "lora_path")
        deadline = self._transport.deadline()

        async def run() -> dict[str, Any]:
            await self._flush(deadline, 0.0)
            if current is not None:
                await self._unload(current, deadline)
            return await self.load_lora_adapter(lora_name=name, lora_path=path, pinned=pinned)

        return APIFuture(_runtime.run_coroutine(run()), operation="swap_lora_adapter")

    def flush_cache(self, *, timeout: float = 0.0) -> APIFuture[dict[str, Any]]:
        """Flush the server's prefix cache, waiting up to ``timeout`` s for running requests."""
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise DataValidationError(
                f"timeout must be a number of seconds >= 0, not {timeout!r}",
                field="timeout",
                rule="timeout >= 0",
            )
        deadline = self._transport.deadline(max(30.0, float(timeout)))
        coro = self._flush(deadline, float(timeout))
        return APIFuture(_runtime.run_coroutine(coro), operation="flush_cache")

    def pause_generation(self, mode: str = "in_place") -> NoReturn:
        """Not available: see :data:`~xorl_client.compat.not_on_xorl.NOT_ON_XORL`.

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("pause_generation")

    def continue_generation(self, *, torch_empty_cache: bool = True) -> NoReturn:
        """Not available: see :data:`~xorl_client.compat.not_on_xorl.NOT_ON_XORL`.

        Raises:
            NotSupportedOnXorlError: always, before anything is sent.
        """
        raise not_on_xorl("continue_generation")

    async def pause_generation_async(self, mode: str = "in_place") -> NoReturn:
        """Not available (see :meth:`pause_generation`)."""
        raise not_on_xorl("pause_generation")

    async def continue_generation_async(self, *, torch_empty_cache: bool = True) -> NoReturn:
        """Not available (see :meth:`continue_generation`)."""
        raise not_on_xorl("continue_generation")

    load_lora_adapter_async = value_twin(load_lora_adapter)
    unload_lora_adapter_async = value_twin(unload_lora_adapter)
    swap_lora_adapter_async = value_twin(swap_lora_adapter)
    flush_cache_async = value_twin(flush_cache)

    async def _flush(self, deadline: float | None, wait: float) -> dict[str, Any]:
        from xorl_openapi.api.sampling import flush_cache

        text = await call_inference(
            self._transport, flush_cache, operation="flush_cache", deadline=deadline, timeout=wait
        )
        if not isinstance(text, str):
            raise XorlError(f"flush_cache: expected a text answer, got {text!r}"[:300])
        return {"success": True, "message": text.strip()}

    async def _unload(self, name: str, deadline: float | None) -> dict[str, Any]:
        from xorl_openapi.api.sampling import unload_lora_adapter
        from xorl_openapi.models import UnloadLoraAdapterRequest

        parsed = await call_inference(
            self._transport,
            unload_lora_adapter,
            operation="unload_lora_adapter",
            deadline=deadline,
            idempotent=False,
            body=UnloadLoraAdapterRequest(lora_name=name),
        )
        if self.lora_path == name:
            self.lora_path = None
        result: dict[str, Any] = parsed.to_dict()
        return result
