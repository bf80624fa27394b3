"""The pip command that adds an extra to *this* installation (named in MissingDependencyError)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["install_command"]


def install_command(extra: str, direct_url: Mapping[str, Any] | None = None) -> str:
    """The pip command that adds ``extra`` to this installation of xorl-client.

    ``direct_url`` is pip's record of where the package came from (PEP 610, read from the
    installed metadata when not given); without one it came from an index.

    >>> install_command("local", {"url": "file:///src/xorl-client", "dir_info": {"editable": True}})
    'pip install -e "/src/xorl-client[local]"'
    >>> install_command("local", {"url": "file:///dist/xorl_client-1.0-py3-none-any.whl"})
    'pip install "/dist/xorl_client-1.0-py3-none-any.whl[local]"'
    """
    source = _direct_url() if direct_url is None else direct_url
    url = str(source.get("url", "")) if source else ""
    if url.startswith("file://"):
        from urllib.parse import urlsplit
        from urllib.request import url2pathname

        path = url2pathname(urlsplit(url).path)
        editable = bool(source.get("dir_info", {}).get("editable")) if source else False
        return f'pip install {"-e " if editable else ""}"{path}[{extra}]"'
    if url:
        vcs = source.get("vcs_info", {}).get("vcs") if source else None
        return f'pip install "xorl-client[{extra}] @ {vcs + "+" if vcs else ""}{url}"'
    return f'pip install "xorl-client[{extra}]"'


def _direct_url() -> Mapping[str, Any] | None:
    # Only read when an extra is missing: importlib.metadata costs import time nobody else pays.
    import json
    from importlib import metadata

    try:
        text = metadata.distribution("xorl-client").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        loaded = json.loads(text) if text else None
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None
