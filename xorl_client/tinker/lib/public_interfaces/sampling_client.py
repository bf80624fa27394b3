"""``tinker.lib.public_interfaces.sampling_client``: :class:`~xorl_client.SamplingClient`."""

from xorl_client.sampling import SamplingClient

__all__ = ["SamplingClient"]
