"""The official SamplingClient's read-only attributes (``base_url``, ``timeout``, the HTTP pool
settings, ...), read from the client's resolved configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from xorl_client._config import ClientConfig
    from xorl_client.sampling.settings import HttpSettings

__all__ = ["OfficialAttributesMixin"]


class OfficialAttributesMixin:
    """Mixed into :class:`~xorl_client.sampling.client.SamplingClient`."""

    config: ClientConfig
    _api_format: str
    _http: HttpSettings

    @property
    def base_url(self) -> str:
        """The inference server's URL (without a trailing ``/``)."""
        return self.config.url

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-HTTP-request timeout."""
        return self.config.http_timeout

    @property
    def max_retries(self) -> int:
        """Resends after the first attempt of a transiently failed request."""
        return self.config.max_retries

    @property
    def retry_delay(self) -> float:
        """Base of the exponential backoff between resends, in seconds."""
        return self.config.retry_backoff_base

    @property
    def api_format(self) -> str:
        """``"generate"`` or ``"chat_completions"``: how :meth:`sample` talks to the server."""
        return self._api_format

    @property
    def http_client_mode(self) -> str:
        """``"pooled"`` (connections reused) or ``"request"`` (a new connection per request)."""
        return self._http.mode

    @property
    def http_max_connections(self) -> int:
        """Most connections open at once (also the default ``sample_batch`` concurrency)."""
        return self._http.max_connections

    @property
    def http_max_keepalive_connections(self) -> int:
        """Most idle connections kept for reuse (0 in ``"request"`` mode)."""
        return self._http.max_keepalive_connections

    @property
    def http_keepalive_expiry(self) -> float:
        """Seconds an idle connection is kept."""
        return self._http.keepalive_expiry

    @property
    def http2(self) -> bool:
        """Whether connections use HTTP/2."""
        return self._http.http2
