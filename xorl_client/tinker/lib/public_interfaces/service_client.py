"""``tinker.lib.public_interfaces.service_client``: Tinker's ``ServiceClient`` on xorl."""

from xorl_client.tinker._service import ServiceClient

__all__ = ["ServiceClient"]
