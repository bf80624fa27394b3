"""Result and configuration types of the official client's hosting-provider hooks.

The xorl server's open-source routes do not include the provider uploads these describe; the
types exist so code that names them (``xorl_client.DedicatedEndpointConfig``, ...) imports and
round-trips them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from xorl_client.types._base import XorlModel

__all__ = [
    "DedicatedEndpointConfig",
    "UpdateDedicatedEndpointResponse",
    "UpdateServerlessWeightsResponse",
]


@dataclass(slots=True)
class UpdateDedicatedEndpointResponse(XorlModel):
    """The outcome of uploading a checkpoint to a dedicated inference endpoint."""

    success: bool = False
    checkpoint_path: str = ""
    hf_path: str = ""
    provider_model_id: str = ""
    upload_time: float = 0.0
    provider_upload_time: float = 0.0
    probe_time: float = 0.0
    error: str | None = None


@dataclass(slots=True)
class DedicatedEndpointConfig(XorlModel):
    """Where a dedicated inference endpoint lives and the credentials to update it.

    The keys are secrets: the ``repr`` hides them.
    """

    endpoint_id: str
    provider_api_key: str
    hf_token: str
    hf_org: str = "xorl-ai"

    def __repr__(self) -> str:
        return (
            f"DedicatedEndpointConfig(endpoint_id={self.endpoint_id!r}, provider_api_key=***, "
            f"hf_token=***, hf_org={self.hf_org!r})"
        )


@dataclass(slots=True)
class UpdateServerlessWeightsResponse(XorlModel):
    """The outcome of publishing an adapter for serverless inference."""

    provider_model_id: str = ""
    hf_repo_url: str = ""
    checkpoint_path: str = ""
    status: str = "Complete"
