"""Types of the two-phase (submit, then ``retrieve_future``) protocol."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["QueueState"]


class QueueState(StrEnum):
    """Where a pending future stands (``try_again.queue_state``)."""

    ACTIVE = "active"
    """Being processed."""
    PAUSED_CAPACITY = "paused_capacity"
    """Not started yet: more than 128 futures are in flight on the server."""
    PAUSED_RATE_LIMIT = "paused_rate_limit"
    """Declared by the server, never set by the current version."""
