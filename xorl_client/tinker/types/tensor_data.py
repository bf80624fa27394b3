"""``tinker.types.tensor_data``: :class:`~xorl_client.TensorData`."""

from xorl_client.types import TensorData, TensorDtype

__all__ = ["TensorData", "TensorDtype"]
