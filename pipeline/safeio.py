"""Open an input file safely: no link followed, still the file that was listed, size checked before reading."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.errors import CannotOpen, TooLarge

# O_NONBLOCK: a FIFO swapped in for a file must not hang the worker in open().
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Target:
    """What to open for one input: the resolved path, the folder it must stay in, its identity when listed."""
    path: str
    folder: Optional[str] = None           # resolved input folder (None: a file named on the command line)
    identity: Optional[tuple[int, int]] = None   # (st_dev, st_ino) seen when the input was dispatched
    size: int = 0                          # bytes when dispatched: the pool hands out large files first


def target_of(file: Path, folder: Optional[Path]) -> Target:
    """Resolve an input once, in the parent: a link that now leads out of its folder is refused here."""
    real = os.path.realpath(file)
    root = os.path.realpath(folder) if folder is not None else None
    if root is not None and not _inside(real, root):
        raise CannotOpen("now a link to outside the input folder (changed after the folder was listed)")
    try:
        st = os.stat(real)
        identity: Optional[tuple[int, int]] = (st.st_dev, st.st_ino)
        size = st.st_size
    except OSError:
        identity, size = None, 0   # vanished: the open in the worker gives the io_error line
    return Target(real, root, identity, size)


def read_target(target: Target, max_bytes: int) -> bytes:
    """The file's bytes; raises CannotOpen or TooLarge without reading a byte when it is not the listed file."""
    try:
        fd = os.open(target.path, _FLAGS)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):
            raise CannotOpen("became a link after the folder was listed; not followed") from None
        raise
    with os.fdopen(fd, "rb", buffering=0) as handle:
        _check_opened(fd, target, max_bytes)
        return _read_at_most(handle, max_bytes)


def _check_opened(fd: int, target: Target, max_bytes: int) -> None:
    """Refuse what was opened when it is not a regular file, not the dispatched one, outside its folder or too big."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise CannotOpen("not a regular file (a FIFO, device or folder)")
    if target.identity is not None and (st.st_dev, st.st_ino) != target.identity:
        raise CannotOpen("replaced by another file after it was listed; not read")
    if target.folder is not None:
        opened = _opened_path(fd, target.path)
        if not _inside(opened, target.folder):
            raise CannotOpen("resolves to outside the input folder (a folder on its path became a link)")
    if st.st_size > max_bytes:
        raise TooLarge(f"{st.st_size} bytes (limit {max_bytes})")


def _opened_path(fd: int, fallback: str) -> str:
    """The path the kernel says the descriptor refers to (Linux); elsewhere the path resolved now."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(fallback)


def _read_at_most(handle, max_bytes: int) -> bytes:
    """Read up to the limit; a file that grew past it since fstat is refused, not read whole."""
    chunks, total = [], 0
    while True:
        chunk = handle.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(f"more than {max_bytes} bytes (limit {max_bytes}); the file grew while read")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
