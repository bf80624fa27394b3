"""The local server's routes, one module per concern.

Each ``add_*_routes(router, server)`` registers the real server's routes of one concern on the
app's router; :func:`create_sglang_router` builds the inference server's routes served on the
same port.
"""

from __future__ import annotations

from xorl_client.local.routes.endpoints import add_endpoint_routes
from xorl_client.local.routes.sessions import add_session_routes
from xorl_client.local.routes.sglang import create_sglang_router
from xorl_client.local.routes.system import add_health_routes, add_system_routes
from xorl_client.local.routes.training import add_training_routes
from xorl_client.local.routes.weights import add_weights_routes

__all__ = [
    "add_endpoint_routes",
    "add_health_routes",
    "add_session_routes",
    "add_system_routes",
    "add_training_routes",
    "add_weights_routes",
    "create_sglang_router",
]
