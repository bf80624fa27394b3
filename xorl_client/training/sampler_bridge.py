"""``save_weights_and_get_sampling_client``: the step every RL loop takes once per iteration.

It exports this session's current weights and returns a
:class:`~xorl_client.SamplingClient` that samples exactly those weights:

* **LoRA session**: ``save_weights_for_sampler(name)``, then ``create_sampling_session`` loads
  that adapter on the registered inference endpoints; the client is bound to the adapter
  (``lora_path``), so later training does not change what it samples.
* **Full-weight session**: ``save_weights_for_sampler(name)``, then ``sync_inference_weights``
  pushes the weights to every registered endpoint (a full-weight export is not an adapter the
  inference server can load); the client samples the endpoints' current weights, which the
  next sync replaces. (The official client calls ``create_sampling_session`` in both cases,
  which cannot load full weights.)

Both steps are barriers in this client's call order: the export holds the effect of every
call made before it and of none made after (Tinker's ``kind="snapshot"``).

Where the client samples (``inference_base_url``): the argument, else
``$XORL_INFERENCE_BASE_URL``, else the training server's own URL - right for the local
reference server, which serves the inference routes on its training port. (The official
default is ``http://localhost:30000``.) The client authenticates with
``$XORL_INFERENCE_API_KEY`` only: the training server's key is never sent to another server
(the official client passes it on).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from xorl_client import _runtime
from xorl_client._sessions import load_adapter
from xorl_client._twins import blocking_twin, value_twin
from xorl_client.compat.not_on_xorl import not_on_xorl
from xorl_client.errors import DataValidationError, XorlError
from xorl_client.futures import APIFuture
from xorl_client.sampling import ENV_INFERENCE_BASE_URL, SamplingClient
from xorl_client.sampling.settings import inherited_settings
from xorl_client.training.inference_endpoints import InferenceEndpointsMixin
from xorl_client.types import SaveWeightsForSamplerResponse
from xorl_client.validation import validate_checkpoint_name

__all__ = ["SamplerBridgeMixin", "fresh_sampler_name"]


def fresh_sampler_name() -> str:
    """A sampler export name no other call uses: ``sampler-<UTC time>-<random hex>``.

    (The official default ``step-<unix seconds>`` collides for two calls within a second.)
    """
    return f"sampler-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"


class SamplerBridgeMixin(InferenceEndpointsMixin):
    """``save_weights_and_get_sampling_client[_async]`` (see the module docstring)."""

    # Defined by TrainingClient; declared here for the type checker.
    save_weights_for_sampler: Callable[[str], APIFuture[SaveWeightsForSamplerResponse]]

    def _save_weights_and_get_sampling_client_future(
        self,
        name: str | None = None,
        inference_base_url: str | None = None,
        api_format: str | None = None,
        *,
        retry_config: Any = None,
        record_stability_info: bool = False,
        kind: str = "snapshot",
    ) -> APIFuture[SamplingClient]:
        """Export the current weights and get a SamplingClient that samples them.

        Args:
            name: the export's name (``xorl://<model_id>/sampler_weights/<name>``); a fresh
                unique name when omitted. Saving over an existing name fails.
            inference_base_url: the inference server to sample from (module docstring).
            api_format: the sampler's request format (``"generate"`` or
                ``"chat_completions"``; default ``$XORL_INFERENCE_API_FORMAT``).
            retry_config, record_stability_info, kind: Tinker's options. The defaults are
                what this call does; other values cannot be honoured on xorl and raise
                :class:`~xorl_client.NotSupportedOnXorlError` before anything is sent.

        Close the returned client when done with it (``with`` / ``close()``); a client that is
        garbage-collected closes its connections too.
        """
        if retry_config is not None:
            raise not_on_xorl("retry_config")
        if record_stability_info is not False:
            if record_stability_info is True:
                raise not_on_xorl("record_stability_info=True")
            raise _bad_option("record_stability_info", record_stability_info, "True or False")
        if kind != "snapshot":
            if kind == "inflight":
                raise not_on_xorl("kind='inflight'")
            raise _bad_option("kind", kind, "'snapshot'")
        export = fresh_sampler_name() if name is None else validate_checkpoint_name(name)
        if inference_base_url is not None and not isinstance(inference_base_url, str):
            raise _bad_option("inference_base_url", inference_base_url, "a URL string")
        url = (
            inference_base_url
            or os.environ.get(ENV_INFERENCE_BASE_URL)
            or self._transport.config.url
        )
        # Built now, so a bad URL or setting fails before anything is sent. No api_key: the
        # sampler reads $XORL_INFERENCE_API_KEY and never gets the training server's key.
        sampler = SamplingClient(
            url, "", api_format=api_format, **inherited_settings(self._transport.config)
        )
        saved = self.save_weights_for_sampler(export)
        if self.is_lora:

            async def bind_adapter() -> SamplingClient:
                path = (await saved).path
                body = {"model_path": path, "model_id": self.model_id}
                sampler._bind(path, await load_adapter(self._transport, body))
                return sampler

            coro = bind_adapter()
        else:
            synced = self.sync_inference_weights()  # right behind the export, in call order

            async def push_weights() -> SamplingClient:
                path = (await saved).path
                result = await synced
                if not result.success:
                    raise XorlError(
                        f"save_weights_and_get_sampling_client: exported {path} but no "
                        f"inference endpoint received the weights: {result.message}"
                    )
                return sampler

            coro = push_weights()
        operation = "save_weights_and_get_sampling_client"
        return APIFuture(_runtime.run_coroutine(coro), operation=operation)

    save_weights_and_get_sampling_client = blocking_twin(
        _save_weights_and_get_sampling_client_future, "save_weights_and_get_sampling_client"
    )
    save_weights_and_get_sampling_client_async = value_twin(
        _save_weights_and_get_sampling_client_future, "save_weights_and_get_sampling_client_async"
    )


def _bad_option(name: str, value: Any, allowed: str) -> DataValidationError:
    return DataValidationError(
        f"{name} must be {allowed}, not {value!r}", field=name, rule=f"{name} is {allowed}"
    )
