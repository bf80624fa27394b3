"""``tinker.lib`` on xorl: only :mod:`.public_interfaces` (the client classes)."""

from xorl_client.tinker.lib import public_interfaces

__all__ = ["public_interfaces"]
