"""``tinker.lib.public_interfaces.rest_client``: :class:`~xorl_client.RestClient`."""

from xorl_client.rest import RestClient

__all__ = ["RestClient"]
