"""``tinker.lib.public_interfaces``: the client classes and ``APIFuture``."""

from xorl_client.futures import APIFuture
from xorl_client.rest import RestClient
from xorl_client.sampling import SamplingClient
from xorl_client.tinker._service import ServiceClient
from xorl_client.tinker.lib.public_interfaces import (
    rest_client,
    sampling_client,
    service_client,
    training_client,
)
from xorl_client.training import TrainingClient

__all__ = [
    "APIFuture",
    "RestClient",
    "SamplingClient",
    "ServiceClient",
    "TrainingClient",
    "rest_client",
    "sampling_client",
    "service_client",
    "training_client",
]
