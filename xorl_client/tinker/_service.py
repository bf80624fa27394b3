"""Tinker's ``ServiceClient``: xorl-client's, with runs isolated and capabilities answered.

It is :class:`xorl_client.ServiceClient` (same signature, same factories) with two Tinker
meanings where the official client's differ:

* ``isolate_runs`` defaults to ``True``: each training client is its own run, names it saves
  are prefixed with its ``run_id``, and resuming from a state starts a new run.
* ``get_server_capabilities()`` returns the server's model (the official client raises
  ``NotImplementedError``).
"""

from __future__ import annotations

import inspect
from typing import Any

from xorl_client.compat.tinker_options import refused_call
from xorl_client.service import ServiceClient as _OfficialServiceClient
from xorl_client.tinker_compat.server_model import capabilities, server_model
from xorl_client.types import GetServerCapabilitiesResponse

__all__ = ["ServiceClient"]


class ServiceClient(_OfficialServiceClient):
    """:class:`xorl_client.ServiceClient` with Tinker's defaults (see the module docstring)."""

    def __init__(self, *args: Any, isolate_runs: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, isolate_runs=isolate_runs, **kwargs)

    def get_server_capabilities(self) -> GetServerCapabilitiesResponse:
        """The server's one model, trainable and sampleable (one ``training_runs`` request)."""
        return server_model(self.create_rest_client()).map(capabilities).result()

    async def get_server_capabilities_async(self) -> GetServerCapabilitiesResponse:
        """Async twin of ``get_server_capabilities``: its value is the result."""
        return await server_model(self.create_rest_client()).map(capabilities)

    create_custom_loss = refused_call("create_custom_loss")
    copy_weights = refused_call("copy_weights")


# The official parameters, with Tinker's default for isolate_runs.
ServiceClient.__init__.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    _OfficialServiceClient.__init__
).replace(
    parameters=[
        p.replace(default=True) if p.name == "isolate_runs" else p
        for p in inspect.signature(_OfficialServiceClient.__init__).parameters.values()
    ]
)
