"""Files replaced whole: written beside their target under an unguessable name, flushed, then renamed.

The store's rule for its exports (pipeline/store.py): a temporary name made
with O_EXCL (``mkstemp``), so no link can be planted on it, synced before the
rename, so a crash leaves the old file or the new one, never half of one.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace path with data (text as UTF-8) atomically; the temporary file never outlives a failure."""
    from pipeline.store import _sync  # the store's flush; loaded only when a file is written

    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the files are for everyone who reads the folder
        _sync(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync(path.parent)
