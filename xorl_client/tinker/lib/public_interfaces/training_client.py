"""``tinker.lib.public_interfaces.training_client``: :class:`~xorl_client.TrainingClient`."""

from xorl_client.training import TrainingClient

__all__ = ["TrainingClient"]
