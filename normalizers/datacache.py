"""Load-once values kept between runs (the gazetteer, the rules version): a pickle in a package's
__pycache__, named by a digest of what built it.

Building the gazetteer costs every process tens of milliseconds (OpenCC over thousands of names,
then the indexes); loading it back costs a fraction of that. The file name holds a digest of the
source files' bytes (the data and the modules that turn it into the table), of this module, of
the Python version and of anything else the caller names (a library version), so a changed input
is a different file and a stale table is never read. Like a .pyc file the cache is a convenience
of the installation, trusted as its code is: a folder that cannot be written, or a file that does
not load, means building the table again, never a failed run.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


# this module's own bytes as imported: a later edit on disk does not describe the code that runs
_SELF = hashlib.sha256(Path(__file__).read_bytes()).digest()


def digest(sources: list, extra: str = "") -> str:
    """32 hex digits naming the sources' bytes (paths or package resources), this module's, the Python version and `extra`."""
    h = hashlib.sha256(f"{sys.version_info[0]}.{sys.version_info[1]}\0{extra}\0".encode() + _SELF)
    for path in sources:   # the whole path: files of one name in two packages are two sources
        h.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def cached(name: str, sources: list, build: Callable[[], T], kind: type, folder: Path,
           extra: str = "") -> T:
    """build(), or the table an earlier run built from the same sources (kept in folder when it can be)."""
    key = digest(sources, extra)
    path = folder / f"{name}-{key}.pickle"
    value = _load(path, kind)
    if value is not None:
        return value
    value = build()
    if digest(sources, extra) == key:   # not edited while it was being built
        _keep(path, value, name)
    return value


def _load(path: Path, kind: type) -> object:
    """The table kept at path, or None when there is none (or it does not load as a `kind`)."""
    try:
        if not path.is_file():   # a folder this user may not enter raises here (PermissionError)
            return None
        with open(path, "rb") as handle:
            value = pickle.load(handle)
    # a damaged or truncated file can fail to unpickle in many ways; each means building again
    except Exception as exc:  # noqa: BLE001
        log.debug("cached table %s not loaded (%s): built again", path, exc)
        return None
    if not isinstance(value, kind):
        log.debug("cached table %s holds a %s, not a %s: built again", path, type(value).__name__, kind.__name__)
        return None
    return value


def _keep(path: Path, value: object, name: str) -> None:
    """Write the table (replacing those of older sources); a failure only costs the next run the build."""
    try:
        path.parent.mkdir(exist_ok=True)
        for old in path.parent.glob(f"{name}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)   # mkstemp makes it private; every user of an installation reads it
            os.replace(tmp, path)   # whole or not at all: a reader never sees half a file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, pickle.PicklingError) as exc:
        log.debug("table %s not cached in %s: %s", name, path.parent, exc)
