"""Alias tables for the official xorl-client's spellings, one table per concern.

The facade reads these tables instead of branching on official names in its methods. Nothing
here imports more of the SDK than its errors (``_config`` reads the environment table).

Concerns:

* :data:`ENV_ALIASES` - environment variables: the SDK's name and the official names for the
  same setting (:func:`env_value` / :func:`env_int` read them and refuse two different values).
* :data:`ENV_FALLBACKS` - Tinker's variables for the server URL and key, read only when the
  SDK's are unset (:func:`env_setting`).
* :data:`SAMPLING_CLIENT_SETTINGS` - ``SamplingClient`` constructor parameters the official
  client names differently from :class:`~xorl_client.ClientConfig`.
* :func:`lora_name_from_model_path` - the official ``SamplingClient(model_path=...)`` rule for
  the adapter name sent as ``lora_path``.
* :data:`DEFAULT_MODEL_ID` - the session id the official client defaults to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from xorl_client.errors import ConfigurationError

__all__ = [
    "DEFAULT_MODEL_ID",
    "ENV_ALIASES",
    "ENV_FALLBACKS",
    "SAMPLING_CLIENT_SETTINGS",
    "env_int",
    "env_setting",
    "env_value",
    "lora_name_from_model_path",
]

#: The official client's default ``model_id`` (the server's reserved session).
DEFAULT_MODEL_ID: Final = "default"

#: Setting (the SDK's variable name) -> every variable that sets it, the SDK's name first.
ENV_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    # most datums per forward/forward_backward request
    "XORL_CLIENT_MAX_CHUNK_ITEMS": ("XORL_CLIENT_MAX_CHUNK_ITEMS", "XORL_CLIENT_MAX_CHUNK_LEN"),
    # estimated bytes per request ("..._BYTES" is also the official client's older name)
    "XORL_CLIENT_MAX_CHUNK_BYTES": (
        "XORL_CLIENT_MAX_CHUNK_BYTES",
        "XORL_CLIENT_MAX_CHUNK_BYTES_COUNT",
    ),
    # quantization sent with sync_inference_weights when none is passed
    "XORL_WEIGHT_SYNC_QUANTIZATION": ("XORL_WEIGHT_SYNC_QUANTIZATION", "XORL_SYNC_QUANTIZATION"),
    # connection pool size of a SamplingClient
    "XORL_SAMPLING_HTTP_MAX_CONNECTIONS": ("XORL_SAMPLING_HTTP_MAX_CONNECTIONS",),
}

#: Setting -> Tinker's variable for it, read only when the SDK's own variable is unset. The two
#: are one source: the key variable is read only when the URL came from the URL variable, so a
#: Tinker key is never sent to a server it was not configured for.
ENV_FALLBACKS: Final[Mapping[str, str]] = {
    "XORL_BASE_URL": "TINKER_BASE_URL",
    "XORL_API_KEY": "TINKER_API_KEY",
}

#: Official ``SamplingClient`` parameter -> the :class:`~xorl_client.ClientConfig` field it sets.
SAMPLING_CLIENT_SETTINGS: Final[Mapping[str, str]] = {
    "timeout": "timeout",
    "max_retries": "max_retries",
    "retry_delay": "retry_backoff_base",
}


def env_value(setting: str, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(variable name, value)`` of the first non-empty alias of ``setting``, or ``None``.

    Raises :class:`~xorl_client.ConfigurationError` when two aliases are set to different values
    (which one was meant cannot be known).

    >>> env_value("XORL_CLIENT_MAX_CHUNK_ITEMS", {"XORL_CLIENT_MAX_CHUNK_LEN": "256"})
    ('XORL_CLIENT_MAX_CHUNK_LEN', '256')
    """
    env = os.environ if environ is None else environ
    found = [
        (name, env[name].strip())
        for name in ENV_ALIASES.get(setting, (setting,))
        if env.get(name, "").strip()
    ]
    if len({value for _, value in found}) > 1:
        listed = ", ".join(f"{name}={value!r}" for name, value in found)
        raise ConfigurationError(
            f"environment variables {listed} set the same setting to different values; "
            "unset all but one"
        )
    return found[0] if found else None


def env_setting(
    setting: str, *, fallback: bool = True, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """:func:`env_value` of ``setting``, else (with ``fallback``) its :data:`ENV_FALLBACKS` variable.

    >>> env_setting("XORL_BASE_URL", environ={"TINKER_BASE_URL": "http://h:1"})
    ('TINKER_BASE_URL', 'http://h:1')
    >>> env_setting("XORL_BASE_URL", environ={"XORL_BASE_URL": "http://a:1", "TINKER_BASE_URL": "x"})
    ('XORL_BASE_URL', 'http://a:1')
    """
    found = env_value(setting, environ)
    if found is not None or not fallback or setting not in ENV_FALLBACKS:
        return found
    name = ENV_FALLBACKS[setting]
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return (name, value) if value else None


def env_int(setting: str, environ: Mapping[str, str] | None = None) -> int | None:
    """:func:`env_value` as an integer (``_`` separators allowed); ``None`` when unset.

    A value that is not a whole number raises :class:`~xorl_client.ConfigurationError` (it is
    not silently ignored).

    >>> env_int("XORL_CLIENT_MAX_CHUNK_BYTES", {"XORL_CLIENT_MAX_CHUNK_BYTES_COUNT": "5_000_000"})
    5000000
    """
    found = env_value(setting, environ)
    if found is None:
        return None
    name, raw = found
    try:
        return int(raw.replace("_", ""))
    except ValueError:
        raise ConfigurationError(
            f"environment variable {name}={raw!r} is not an integer; unset it or give a whole number"
        ) from None


def lora_name_from_model_path(model_path: str) -> str | None:
    """The adapter name the official ``SamplingClient(model_path=...)`` samples from.

    ``xorl://<model_id>/<dir>/<rest...>`` gives ``<rest>``; ``sampler_weights/<name>`` gives
    ``<name>``; any other non-empty text is the name itself; ``""`` means the server's current
    weights (no adapter). A malformed ``xorl://`` path raises ``ValueError`` (the official
    client samples the base weights instead, silently).

    >>> [lora_name_from_model_path(p) for p in
    ...  ("xorl://d/sampler_weights/a/b", "sampler_weights/n", "plain", "")]
    ['a/b', 'n', 'plain', None]
    """
    path = model_path.strip()
    if path.startswith("xorl://"):
        parts = path[len("xorl://") :].split("/")
        if len(parts) < 3 or not all(parts):
            raise ValueError(
                f"model_path {model_path!r} is not of the form "
                "xorl://<model_id>/sampler_weights/<name>"
            )
        return "/".join(parts[2:])
    if path.startswith("sampler_weights/"):
        name = path[len("sampler_weights/") :]
        if not name:
            raise ValueError(f"model_path {model_path!r} names no adapter")
        return name
    return path or None
