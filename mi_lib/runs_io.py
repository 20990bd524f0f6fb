"""Atomic, checksummed artifact files: a crash never leaves a half-written file that looks valid.

Every artifact ``f`` is written to a temporary file, fsynced and renamed; its SHA256 goes to ``f.sha256``.
A file whose checksum does not match is reported and treated as missing, so it is recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch


class CorruptArtifact(UserWarning):
    """A cached artifact failed its checksum and will be recomputed."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, with a ``.sha256`` sidecar."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, payload in ((path, data), (path.with_name(path.name + ".sha256"), sha256_bytes(data).encode())):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; artifacts are meant to be shared and committed
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def verified_read(path: Path) -> bytes | None:
    """The bytes of ``path`` if it exists and matches its ``.sha256`` sidecar; else None (warns if corrupt)."""
    path = Path(path)
    sidecar = path.with_name(path.name + ".sha256")
    if not path.exists():
        return None
    data = path.read_bytes()
    expected = sidecar.read_text().strip() if sidecar.exists() else ""
    if sha256_bytes(data) != expected:
        warnings.warn(
            f"{path}: checksum mismatch, the artifact is corrupt; ignoring it and recomputing",
            CorruptArtifact,
            stacklevel=2,
        )
        return None
    return data


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write(path, buffer.getvalue())


def load_checkpoint(path: Path) -> dict[str, Any] | None:
    """The checkpoint at ``path``, loaded with ``weights_only=True``: tensors, numbers, strings and containers only,
    never code. A file that holds anything else (a pickle payload), or fails its checksum, is refused with a
    warning and treated as missing."""
    data = verified_read(path)
    if data is None:
        return None
    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as err:
        warnings.warn(
            f"{path}: refused, it holds objects other than weights ({str(err).splitlines()[0]}); "
            "ignoring it and recomputing",
            CorruptArtifact,
            stacklevel=2,
        )
        return None


def save_arrays(path: Path, arrays: dict[str, np.ndarray], *, compressed: bool = True) -> None:
    """``compressed=False`` for arrays that barely compress (decoded images), where zlib only costs time."""
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    atomic_write(path, buffer.getvalue())


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    data = verified_read(path)
    if data is None:
        return None
    with np.load(io.BytesIO(data)) as z:
        return {k: z[k] for k in z.files}


def save_json(path: Path, obj: Any) -> None:
    atomic_write(path, (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode())


def load_json(path: Path) -> Any | None:
    data = verified_read(path)
    return None if data is None else json.loads(data)
