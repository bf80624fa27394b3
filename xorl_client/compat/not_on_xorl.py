"""Official client calls and options the xorl server cannot serve: one table, one error.

The official xorl-client (and Tinker) have calls that need a route the xorl server does not
have (recorded against the real server: each answers ``404 {"detail": "Not Found"}``, see
``tests/fixtures/transcript/peer_exchanges.json``), and options whose behaviour xorl cannot
give. This SDK keeps those names so ported code fails clearly: calling one raises
:class:`~xorl_client.errors.NotSupportedOnXorlError` *before anything is sent*, saying why
and what does the job on xorl. It is never a silent no-op and never a different operation.

>>> error = not_on_xorl("save_full_weights_safetensors")
>>> type(error).__name__, error.use_instead
('NotSupportedOnXorlError', 'TrainingClient.save_weights_for_sampler(name)')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from xorl_client.errors import NotSupportedOnXorlError

__all__ = ["NOT_ON_XORL", "Unsupported", "not_on_xorl"]


@dataclass(frozen=True)
class Unsupported:
    """Why a call cannot work on xorl, and what to use instead (``None``: nothing does)."""

    why: str
    use_instead: str | None


_NO_ROUTE = "the xorl server has no {route} route (it answers 404 Not Found)"

#: call or option -> why xorl cannot serve it. One row per official name.
NOT_ON_XORL: Final[Mapping[str, Unsupported]] = {
    # -- TrainingClient calls whose route the xorl server does not have --------------------
    "connect_inference_endpoint": Unsupported(
        _NO_ROUTE.format(route="POST /connect_inference_endpoint")
        + "; register the endpoint instead: the weight-sync group is set up by the first sync",
        "TrainingClient.add_inference_endpoint(host, port)",
    ),
    "disconnect_inference_endpoint": Unsupported(
        _NO_ROUTE.format(route="POST /disconnect_inference_endpoint"),
        "TrainingClient.remove_inference_endpoint(host, port)",
    ),
    "save_full_weights_safetensors": Unsupported(
        _NO_ROUTE.format(route="POST /api/v1/save_full_weights_safetensors")
        + "; a full-weight session exports its full weights with save_weights_for_sampler",
        "TrainingClient.save_weights_for_sampler(name)",
    ),
    "update_dedicated_endpoint": Unsupported(
        _NO_ROUTE.format(route="POST /api/v1/update_dedicated_endpoint")
        + " (hosting on a provider's dedicated endpoint is outside xorl)",
        None,
    ),
    "update_serverless_weights": Unsupported(
        _NO_ROUTE.format(route="POST /api/v1/update_serverless_weights")
        + " (uploading to a provider's serverless service is outside xorl)",
        None,
    ),
    # -- SamplingClient calls outside this SDK's inference-server contract ------------------
    "pause_generation": Unsupported(
        "SGLang's /pause_generation is not part of this SDK's inference-server contract "
        "(openapi.yaml): no available source documents its answer, so the SDK could not check "
        "it; a weight sync pauses generation on the server's side",
        "TrainingClient.sync_inference_weights(pause_mode=...)",
    ),
    "continue_generation": Unsupported(
        "SGLang's /continue_generation is not part of this SDK's inference-server contract "
        "(openapi.yaml): no available source documents its answer, so the SDK could not check "
        "it; a weight sync resumes generation on the server's side",
        "TrainingClient.sync_inference_weights(pause_mode=...)",
    ),
    # -- Tinker options of save_weights_and_get_sampling_client -----------------------------
    "kind='inflight'": Unsupported(
        "xorl exports a snapshot of the weights at this point in the call order; it has no "
        "in-flight (still-training) sampler weights",
        "kind='snapshot' (the default)",
    ),
    "retry_config": Unsupported(
        "Tinker's RetryConfig is not read by this SDK; passing one would silently change nothing",
        "max_retries / operation_timeout on ServiceClient(...) or SamplingClient(...)",
    ),
    "record_stability_info=True": Unsupported(
        "the xorl server records no sampler stability information",
        None,
    ),
}


def not_on_xorl(feature: str) -> NotSupportedOnXorlError:
    """The error to raise for ``feature`` (a key of :data:`NOT_ON_XORL`)."""
    row = NOT_ON_XORL[feature]
    instead = f" Use {row.use_instead} instead." if row.use_instead else ""
    return NotSupportedOnXorlError(
        f"{feature} is not available on xorl: {row.why}.{instead}",
        feature=feature,
        use_instead=row.use_instead,
    )
