"""Model ids, checkpoint names and checkpoint paths: checked before they reach the server.

Re-exported by :mod:`xorl_client.validation`.
"""

from __future__ import annotations

import re

from xorl_client._validation_rules import Rule
from xorl_client.errors import DataValidationError

__all__ = ["validate_checkpoint_name", "validate_checkpoint_path", "validate_model_id"]

_MODEL_ID_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def validate_model_id(model_id: str, *, field: str = "model_id") -> str:
    """Return ``model_id`` if it matches the server's pattern (letters, digits, ``_``, ``-``).

    >>> validate_model_id("run-7")
    'run-7'
    >>> validate_model_id("my.run")
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: invalid model_id 'my.run': use 1-128 characters from letters, digits, '_' and '-', starting with a letter or digit (dots are not allowed)
    """
    if not isinstance(model_id, str) or _MODEL_ID_RE.fullmatch(model_id) is None:
        raise DataValidationError(
            f"invalid {field} {model_id!r}: use 1-128 characters from letters, digits, '_' and "
            "'-', starting with a letter or digit (dots are not allowed)",
            field=field,
            rule=Rule.MODEL_ID,
        )
    return model_id


def validate_checkpoint_name(name: str, *, field: str = "name") -> str:
    """Return ``name`` if it is a safe checkpoint name (no ``/``, no ``..``).

    The server joins names onto its output directory without sanitising them, so the SDK
    only sends names matching ``^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`` without ``..``.

    >>> validate_checkpoint_name("step-000100")
    'step-000100'
    """
    if not isinstance(name, str) or _NAME_RE.fullmatch(name) is None or ".." in name:
        raise DataValidationError(
            f"invalid checkpoint {field} {name!r}: use 1-128 characters from letters, digits, "
            "'_', '.' and '-', starting with a letter or digit, without '/' or '..'",
            field=field,
            rule=Rule.CHECKPOINT_NAME,
        )
    return name


_PATH_FORMS = (
    "xorl://<model_id>/weights/<name>, xorl://<model_id>/sampler_weights/<name>, "
    "weights/<model_id>/<name>, weights/<name>, sampler_weights/<name>, <model_id>/<name> "
    "or <name>"
)


def validate_checkpoint_path(path: str, *, field: str = "path") -> str:
    """Return ``path`` if it is one of the checkpoint forms of API notes §7, every segment checked.

    Forms: ``xorl://M/weights/N``, ``xorl://M/sampler_weights/N``, ``weights/M/N``,
    ``weights/N``, ``sampler_weights/N``, ``M/N`` and ``N`` (``M`` a model id, ``N`` a
    checkpoint name).

    >>> validate_checkpoint_path("xorl://run-7/weights/step-10")
    'xorl://run-7/weights/step-10'
    >>> validate_checkpoint_path("xorl://run-7/weights/../../etc")
    Traceback (most recent call last):
    ...
    xorl_client.errors.DataValidationError: invalid checkpoint path 'xorl://run-7/weights/../../etc': expected one of xorl://<model_id>/weights/<name>, xorl://<model_id>/sampler_weights/<name>, weights/<model_id>/<name>, weights/<name>, sampler_weights/<name>, <model_id>/<name> or <name>
    """

    def bad(detail: str = "") -> DataValidationError:
        return DataValidationError(
            f"invalid checkpoint {field} {path!r}: {detail or 'expected one of ' + _PATH_FORMS}",
            field=field,
            rule=Rule.CHECKPOINT_PATH,
        )

    def segment(value: str, kind: str) -> None:
        ok = (
            _MODEL_ID_RE.fullmatch(value) is not None
            if kind == "model id"
            else _NAME_RE.fullmatch(value) is not None and ".." not in value
        )
        if not ok:
            raise bad(
                f"the {kind} segment {value!r} is not allowed"
                + (
                    " (model ids: letters, digits, '_', '-')"
                    if kind == "model id"
                    else " (names: letters, digits, '_', '.', '-'; no '..')"
                )
            )

    if not isinstance(path, str) or not path:
        raise bad()
    if "://" in path:
        scheme, _, rest = path.partition("://")
        if scheme != "xorl":
            hint = (
                " (translate tinker:// paths to xorl://<model_id>/...)"
                if scheme == "tinker"
                else ""
            )
            raise bad(f"unknown scheme {scheme + '://'!r}{hint}; expected one of {_PATH_FORMS}")
        parts = rest.split("/")
        if len(parts) != 3 or parts[1] not in ("weights", "sampler_weights"):
            raise bad()
        segment(parts[0], "model id")
        segment(parts[2], "name")
        return path
    if path.startswith(("/", "~")):
        raise bad(f"filesystem paths are not accepted; expected one of {_PATH_FORMS}")
    parts = path.split("/")
    if len(parts) == 1:
        segment(parts[0], "name")
    elif len(parts) == 2:
        if parts[0] not in ("weights", "sampler_weights"):
            segment(parts[0], "model id")
        segment(parts[1], "name")
    elif len(parts) == 3 and parts[0] == "weights":
        segment(parts[1], "model id")
        segment(parts[2], "name")
    else:
        raise bad()
    return path
