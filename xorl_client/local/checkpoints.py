"""Checkpoint storage under ``output_dir`` and the real server's path forms (reference §7).

Layout (same as the real server)::

    <output_dir>/weights/<model_id>/<name>/   training checkpoints (model + optimizer + session_spec.json)
    <output_dir>/sampler_weights/<name>/       sampler exports, flat: shared by every session

``000000`` is the reserved initial checkpoint of a session: written for ``default`` at startup
and by ``create_model`` for new sessions; it cannot be deleted (403) and ``save_weights`` to it
re-saves instead of answering 409.

Safety, stricter than the real server on purpose: the real server joins ``save_weights.path``,
``save_weights_for_sampler.name`` and ``load_weights.path`` onto its directories unsanitised.
Here every model id must match ``^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$``, every checkpoint name
``^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`` (no separators, cannot start with a dot), and every
resolved path must stay inside ``output_dir`` with no symlinked component. A refusal is a
``400`` ``HTTPException`` *before* the filesystem is touched, so a traversal attempt fails in its
future as ``"400: Invalid checkpoint name ..."`` and writes nothing anywhere.

Writes are atomic: a checkpoint is written into a hidden temporary directory beside its final
place and renamed, so a listing never shows half a checkpoint and a crash leaves none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from xorl_client.local.engine import BASE_MODEL_NAME, SESSION_SPEC_FILE, ModelSession
from xorl_client.local.sessions import invalid_model_id_message, valid_model_id

__all__ = ["NAME_PATTERN", "RESERVED_CHECKPOINT", "CheckpointStore", "valid_name"]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
RESERVED_CHECKPOINT = "000000"


def valid_name(name: str) -> bool:
    """Whether ``name`` is an acceptable checkpoint name.

    >>> valid_name("ckpt-001.v2"), valid_name("../etc"), valid_name(".hidden"), valid_name("a/b")
    (True, False, False, False)
    """
    return NAME_PATTERN.fullmatch(name) is not None


def _invalid_name(name: str) -> HTTPException:
    return HTTPException(
        400,
        f"Invalid checkpoint name '{name}': names must match "
        "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ (no path separators, no leading dot)",
    )


def _dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path, followlinks=False):
        for file in files:
            try:
                stat = os.lstat(os.path.join(root, file))
            except OSError:
                continue
            total += stat.st_size
    return total


class CheckpointStore:
    """Every filesystem operation of the server, confined to ``output_dir``."""

    def __init__(self, output_dir: str | Path) -> None:
        #: As configured: used in messages, so they read like the real server's
        #: ``(resolved to outputs/weights/default/x)``.
        self.display_root = Path(output_dir)
        self.root = Path(output_dir).resolve()
        (self.root / "weights").mkdir(parents=True, exist_ok=True)
        (self.root / "sampler_weights").mkdir(parents=True, exist_ok=True)

    # -- path building ---------------------------------------------------------------------

    def _inside(self, path: Path) -> Path:
        """Refuse anything that resolves outside the root or passes through a symlink."""
        current = self.root
        for part in path.relative_to(self.root).parts:
            current = current / part
            if current.is_symlink():
                raise HTTPException(400, f"Invalid checkpoint path: {current} is a symlink")
        resolved = path.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise HTTPException(
                400, f"Invalid checkpoint path: {path} escapes the output directory"
            )
        return path

    def training_dir(self, model_id: str, name: str) -> Path:
        if not valid_model_id(model_id):
            raise HTTPException(400, invalid_model_id_message(model_id))
        if not valid_name(name):
            raise _invalid_name(name)
        return self._inside(self.root / "weights" / model_id / name)

    def sampler_dir(self, name: str) -> Path:
        if not valid_name(name):
            raise _invalid_name(name)
        return self._inside(self.root / "sampler_weights" / name)

    def _display(self, *parts: str) -> str:
        return str(self.display_root.joinpath(*parts))

    # -- writing ---------------------------------------------------------------------------

    def _write_atomically(self, final: Path, write: Callable[[Path], None]) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
        try:
            write(tmp)
            if final.exists():  # only the reserved 000000 is ever overwritten
                shutil.rmtree(final)
            os.rename(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def save_training(self, model: ModelSession, model_id: str, name: str | None) -> str:
        """``save_weights``: returns ``xorl://M/weights/N``; 409 text if N exists (not 000000)."""
        if name is None or name == "":
            name = f"checkpoint-{int(time.time())}"
        directory = self.training_dir(model_id, name)
        if directory.exists() and name != RESERVED_CHECKPOINT:
            raise HTTPException(
                409,
                f"Checkpoint already exists: xorl://{model_id}/weights/{name}. To overwrite, "
                "delete it first using /api/v1/delete_checkpoint with "
                f"checkpoint_id='weights/{model_id}/{name}'.",
            )
        self._write_atomically(directory, lambda tmp: model.save(tmp, include_optimizer=True))
        return f"xorl://{model_id}/weights/{name}"

    def save_initial(self, model: ModelSession, model_id: str, *, overwrite: bool) -> None:
        """The reserved ``000000`` (startup re-saves it; ``create_model`` only if missing)."""
        directory = self.training_dir(model_id, RESERVED_CHECKPOINT)
        if directory.exists() and not overwrite:
            return
        self._write_atomically(directory, lambda tmp: model.save(tmp, include_optimizer=True))

    def save_sampler(self, model: ModelSession, model_id: str, name: str) -> str:
        """``save_weights_for_sampler``: flat ``sampler_weights/N``; 409 text if it exists."""
        directory = self.sampler_dir(name)
        if directory.exists():
            raise HTTPException(
                409,
                f"Sampler weights with name '{name}' already exist. Use a unique name or "
                "delete it first.",
            )
        self._write_atomically(directory, model.export_for_sampler)
        return f"xorl://{model_id}/sampler_weights/{name}"

    def unique_training_name(self, model_id: str, prefix: str) -> str:
        """A fresh ``<prefix>-<unix>`` name (suffixed if that second is taken)."""
        stem = f"{prefix}-{int(time.time())}"
        name, counter = stem, 1
        while self.training_dir(model_id, name).exists():
            name, counter = f"{stem}-{counter}", counter + 1
        return name

    # -- load ------------------------------------------------------------------------------

    def resolve_load(self, path: str, model_id: str) -> Path:
        """``load_weights.path`` forms of §7 → an existing checkpoint directory.

        ``xorl://M/weights/N``, ``weights/M/N``, ``weights/N`` and ``N`` (request model id),
        ``M/N``. Malformed or unsafe → 400; missing → the real 404 text.
        """
        target: tuple[str, str] | None = None
        if path.startswith("xorl://"):
            parts = path[len("xorl://") :].split("/")
            if len(parts) == 3 and parts[1] == "weights":
                target = (parts[0], parts[2])
        else:
            parts = path.split("/")
            if len(parts) == 3 and parts[0] == "weights":
                target = (parts[1], parts[2])
            elif len(parts) == 2 and parts[0] == "weights":
                target = (model_id, parts[1])
            elif len(parts) == 2:
                target = (parts[0], parts[1])
            elif len(parts) == 1:
                target = (model_id, parts[0])
        if target is None:
            raise HTTPException(
                400,
                f"Invalid checkpoint path: {path}. Expected xorl://model_id/weights/name, "
                "weights/model_id/name, weights/name, model_id/name or name",
            )
        owner, name = target
        directory = self.training_dir(owner, name)
        if not directory.is_dir():
            raise HTTPException(
                404,
                f"Checkpoint not found: {path} (resolved to "
                f"{self._display('weights', owner, name)}). Use /api/v1/list_checkpoints to see "
                "available checkpoints.",
            )
        return directory

    # -- listing ---------------------------------------------------------------------------

    def _entries(self, directory: Path) -> list[tuple[str, Path, os.stat_result]]:
        if not directory.is_dir() or directory.is_symlink():
            return []
        found: list[tuple[str, Path, os.stat_result]] = []
        for child in sorted(directory.iterdir()):
            if not valid_name(child.name) or child.is_symlink() or not child.is_dir():
                continue
            found.append((child.name, child, child.stat()))
        return found

    @staticmethod
    def _info(
        checkpoint_id: str, kind: str, path: str, directory: Path, stat: os.stat_result
    ) -> dict[str, Any]:
        return {
            "checkpoint_id": checkpoint_id,
            "checkpoint_type": kind,
            "time": datetime.fromtimestamp(stat.st_mtime).isoformat(),
            "path": path,
            "size_bytes": _dir_size(directory),
        }

    def _training(self, model_id: str) -> list[tuple[float, dict[str, Any]]]:
        return [
            (
                stat.st_mtime,
                self._info(
                    f"weights/{model_id}/{name}",
                    "training",
                    f"xorl://{model_id}/weights/{name}",
                    path,
                    stat,
                ),
            )
            for name, path, stat in self._entries(self.root / "weights" / model_id)
        ]

    def _sampler(self) -> list[tuple[float, dict[str, Any]]]:
        return [
            (
                stat.st_mtime,
                self._info(
                    f"sampler_weights/{name}", "sampler", f"sampler_weights/{name}", path, stat
                ),
            )
            for name, path, stat in self._entries(self.root / "sampler_weights")
        ]

    @staticmethod
    def _newest_first(items: list[tuple[float, dict[str, Any]]]) -> list[dict[str, Any]]:
        # Stable: ties keep their order (training before sampler, each by name).
        return [info for _, info in sorted(items, key=lambda item: -item[0])]

    def training_checkpoints(self, model_id: str) -> list[dict[str, Any]]:
        """Training checkpoints of a (syntax-checked) ``model_id``, newest first."""
        return self._newest_first(self._training(model_id))

    def sampler_checkpoints(self) -> list[dict[str, Any]]:
        """Every sampler export, newest first."""
        return self._newest_first(self._sampler())

    def list_checkpoints(self, model_id: str) -> list[dict[str, Any]]:
        """Training checkpoints of ``model_id`` plus every sampler export, newest first.

        An invalid id is the real server's 500 wrapping the 400 text.
        """
        if not valid_model_id(model_id):
            raise HTTPException(
                500, f"Failed to list checkpoints: 400: {invalid_model_id_message(model_id)}"
            )
        return self._newest_first(self._training(model_id) + self._sampler())

    # -- delete ----------------------------------------------------------------------------

    def delete(self, checkpoint_id: str) -> dict[str, Any]:
        """``delete_checkpoint`` with the real 400/403/404 texts and success body."""
        bad_format = HTTPException(
            400,
            f"Invalid checkpoint_id format: {checkpoint_id}. Expected "
            "'weights/{model_id}/{name}' or 'sampler_weights/{name}'",
        )
        parts = checkpoint_id.split("/")
        if len(parts) == 3 and parts[0] == "weights":
            model_id, name = parts[1], parts[2]
            if not (valid_model_id(model_id) and valid_name(name)):
                raise bad_format
            if name == RESERVED_CHECKPOINT:
                raise HTTPException(
                    403,
                    "Cannot delete checkpoint '000000': This is the reserved initial checkpoint "
                    "that preserves the original model state. It cannot be deleted.",
                )
            directory = self.training_dir(model_id, name)
            deleted_path = f"xorl://{model_id}/weights/{name}"
        elif len(parts) == 2 and parts[0] == "sampler_weights":
            if not valid_name(parts[1]):
                raise bad_format
            directory = self.sampler_dir(parts[1])
            deleted_path = f"sampler_weights/{parts[1]}"
        else:
            raise bad_format
        if not directory.is_dir():
            raise HTTPException(404, f"Checkpoint not found: {checkpoint_id}")
        try:
            shutil.rmtree(directory)
        except OSError as exc:
            return {"success": False, "deleted_path": None, "error": str(exc)}
        return {"success": True, "deleted_path": deleted_path, "error": None}

    # -- weights_info ----------------------------------------------------------------------

    def weights_info(self, xorl_path: str, fallback: dict[str, Any] | None) -> dict[str, Any]:
        """``session_spec.json`` of ``xorl://M/weights/N`` in ``WeightsInfoResponse`` shape.

        ``fallback`` (the live session's spec) answers for checkpoints without the file, like
        the real server's upgrade path; without either it reports a non-LoRA checkpoint.
        """
        parts = xorl_path[len("xorl://") :].split("/") if xorl_path.startswith("xorl://") else []
        if len(parts) != 3 or parts[1] != "weights" or not parts[0] or not parts[2]:
            raise HTTPException(
                400,
                f"Invalid xorl_path format: {xorl_path}. Expected "
                "xorl://model_id/weights/checkpoint_name",
            )
        model_id, name = parts[0], parts[2]
        if not valid_model_id(model_id):
            raise HTTPException(400, invalid_model_id_message(model_id))
        if not valid_name(name):
            raise HTTPException(400, f"Invalid checkpoint name: {name}")
        directory = self.training_dir(model_id, name)
        if not directory.is_dir():
            raise HTTPException(404, f"Checkpoint not found: {xorl_path}")
        spec_file = directory / SESSION_SPEC_FILE
        if spec_file.is_symlink():
            raise HTTPException(400, f"Invalid checkpoint path: {spec_file} is a symlink")
        if spec_file.is_file():
            try:
                raw = json.loads(spec_file.read_text())
                if not isinstance(raw, dict):
                    raise ValueError("session_spec.json is not an object")
            except (OSError, ValueError) as exc:
                raise HTTPException(
                    500, "Failed to read checkpoint metadata; see server logs for the request ID"
                ) from exc
        elif fallback is not None:
            raw = fallback
        else:
            raw = {"base_model": BASE_MODEL_NAME, "is_lora": False}
        lora_config = raw.get("lora_config")
        return {
            "base_model": raw.get("base_model", BASE_MODEL_NAME),
            "is_lora": bool(raw.get("is_lora", lora_config is not None)),
            "lora_rank": raw.get("lora_rank"),
            "lora_config": lora_config,
            "optimizer_config": raw.get("optimizer_config"),
        }

    # -- sampler adapters (create_sampling_session) ------------------------------------------

    def resolve_sampler(self, model_path: str) -> tuple[str, Path, str | None]:
        """``xorl://M/sampler_weights/N`` | ``sampler_weights/N`` | ``N`` → (N, dir, M)."""
        owner: str | None = None
        if model_path.startswith("xorl://"):
            parts = model_path[len("xorl://") :].split("/")
            if len(parts) != 3 or parts[1] != "sampler_weights" or not parts[0] or not parts[2]:
                raise HTTPException(
                    400,
                    f"Invalid xorl:// URI format for sampler weights: {model_path}. Expected: "
                    "xorl://model_id/sampler_weights/adapter_name",
                )
            owner, name = parts[0], parts[2]
        elif model_path.startswith("sampler_weights/"):
            name = model_path[len("sampler_weights/") :]
        else:
            name = model_path
        if not valid_name(name):
            raise HTTPException(
                400,
                f"Invalid model_path: {model_path}. The adapter must be a directory directly "
                "under the server's sampler_weights/ (name pattern "
                "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$)",
            )
        directory = self.sampler_dir(name)
        if not directory.is_dir():
            raise HTTPException(404, "Model path does not exist")
        return name, directory, owner
