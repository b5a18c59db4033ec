"""Walking the inputs: which files a run reads, and a note or an error line for everything else.

Folders are walked without recursion (an explicit stack), so a tree 1,100
folders deep or a path longer than the system allows costs only that branch.
A file name that is not UTF-8 (a GBK name from a zip made on Chinese Windows)
is read under its bytes and written out decoded as GB18030.
"""
from __future__ import annotations

import logging
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from extractors import NOTICE_EXTENSIONS
from pipeline.errors import CannotOpen
from pipeline.model import ErrorRecord
from pipeline.store import LOCK_NAME

log = logging.getLogger("govnotice")
LINK_OUT = "link to a file outside the folder"
NOT_A_FILE = "not a regular file"
STORE_FOLDER = "a govnotice store folder"


@dataclass(slots=True)
class Listing:
    """What walking the inputs found: files to read, inputs that are errors, and skipped files by reason."""
    # (path, source, folder): the folder a file was found in (None for a file named directly), so the
    # worker can refuse a file that became a link out of it after the listing
    files: list[tuple[Path, str, Optional[Path]]] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def source_text(name: str) -> str:
    """A path as text that can be written anywhere: undecodable bytes (surrogate escapes) read as GB18030."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _error(source: str, detail: str) -> ErrorRecord:
    return ErrorRecord(source, CannotOpen.code, detail)


def _entries(folder: Path, rel: str, listing: Listing) -> list[os.DirEntry]:
    """The entries of one folder in name order; an unreadable folder is an error line."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        listing.errors.append(_error(source_text(rel + "/"), f"cannot list folder: {exc.strerror or exc}"))
        return []


def _classify(entry: os.DirEntry, path: Path, root: Path) -> Optional[str]:
    """Why an entry that is not a folder is not read (None: read it)."""
    if entry.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "broken link"
        # A link planted by an unpacked archive must not pull in files from elsewhere.
        if not target.is_relative_to(root.resolve()):
            return LINK_OUT
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot stat: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return NOT_A_FILE
    if path.suffix.lower() not in NOTICE_EXTENSIONS:
        return path.suffix.lower() or "no extension"
    return None


def _is_store(folder: Path) -> bool:
    """True for a govnotice store folder (an overlong path is not one: listing it reports the error)."""
    try:
        return os.path.lexists(folder / LOCK_NAME)
    except (OSError, ValueError):
        return False


def _walk(root: Path, listing: Listing) -> None:
    """Add the files under one folder, depth first in name order, without recursion."""
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, rel = stack.pop()
        if _is_store(folder):   # our own exports (an XLSX, say) are not notices
            listing.skipped[STORE_FOLDER] += 1
            log.warning("skipped %s: %s", source_text(rel or str(folder)), STORE_FOLDER)
            continue
        subfolders = []
        for entry in _entries(folder, rel, listing):
            path, name = folder / entry.name, f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                subfolders.append((path, name))
                continue
            reason = _classify(entry, path, root)
            source = source_text(name)
            if reason is None:
                listing.files.append((path, source, root))
            elif reason == "broken link" or reason.startswith("cannot stat"):
                # a notice that was meant to be there: an error line, not a silent skip
                listing.errors.append(_error(source, reason))
            else:
                listing.skipped[reason] += 1
                (log.warning if reason in (LINK_OUT, NOT_A_FILE) else log.info)("skipped %s: %s", source, reason)
        stack.extend(reversed(subfolders))


def list_inputs(paths: Iterable[str]) -> Listing:
    """Files to read (path, source, folder) from files and folders; folders walked in name order."""
    listing = Listing()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            _walk(path, listing)
            continue
        source = source_text(path.name if path.is_absolute() else path.as_posix())
        if path.exists() and not path.is_file():
            listing.errors.append(_error(source, NOT_A_FILE))
        else:
            listing.files.append((path, source, None))   # a file named directly is always tried
    if listing.skipped:
        kinds = ", ".join(f"{reason} ({n})" for reason, n in sorted(listing.skipped.items()))
        log.warning("skipped %d files: %s", sum(listing.skipped.values()), kinds)
    return listing
