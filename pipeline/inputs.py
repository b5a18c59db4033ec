"""Walking the inputs: which files a run reads, and a note or an error line for everything else.

Folders are walked without recursion (an explicit stack), so a tree 1,100
folders deep or a path longer than the system allows costs only that branch.
A file name that is not UTF-8 (a GBK name from a zip made on Chinese Windows)
is read under its bytes and written out decoded as GB18030.

A file's source is its path relative to the folder given, or the base name of
a file given on the command line (however the path was typed). Two inputs of
one run with the same source are told apart by the name of the folder they
came from (``d1/plan.txt``, ``d2/plan.txt``); if that is still the same, the
later one gets a ``duplicate_source`` error line instead of replacing the first.
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
from pipeline.errors import CannotOpen, DuplicateSource
from pipeline.model import ErrorRecord
from pipeline.store import LOCK_NAME

log = logging.getLogger("govnotice")
LINK_OUT = "link to a file outside the folder"
NOT_A_FILE = "not a regular file"
STORE_FOLDER = "a govnotice store folder"
# What sits at the top of an input folder without being a notice: the folder's manifest and the state
# `govnotice fetch` keeps there (pipeline/fetch.py, crawl.py, client.py). Passed over without a count.
FOLDER_FILES = frozenset({"manifest.csv", "fetch-errors.jsonl", ".fetch-state.json", ".fetch-cache"})


@dataclass(slots=True)
class Listing:
    """What walking the inputs found: files to read, inputs that are errors, and skipped files by reason."""
    # (path, source, folder): the folder a file was found in (None for a file named directly), so the
    # worker can refuse a file that became a link out of it after the listing
    files: list[tuple[Path, str, Optional[Path]]] = field(default_factory=list)
    # per file: the name of the folder it came from, which tells apart two files with the same source
    origins: list[str] = field(default_factory=list)
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
    origin = source_text(root.resolve().name)
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
            if not rel and entry.name in FOLDER_FILES:
                log.debug("passed over %s: the folder's manifest or fetch state", source_text(name))
                continue
            if entry.is_dir(follow_symlinks=False):
                subfolders.append((path, name))
                continue
            reason = _classify(entry, path, root)
            source = source_text(name)
            if reason is None:
                listing.files.append((path, source, root))
                listing.origins.append(origin)
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
        source = source_text(path.name)   # the same source however the path was typed
        if path.exists() and not path.is_file():
            listing.errors.append(_error(source, NOT_A_FILE))
        else:
            listing.files.append((path, source, None))   # a file named directly is always tried
            listing.origins.append(source_text(path.resolve().parent.name))
    _distinct_sources(listing)
    if listing.skipped:
        kinds = ", ".join(f"{reason} ({n})" for reason, n in sorted(listing.skipped.items()))
        n = sum(listing.skipped.values())
        log.warning("skipped %d file%s: %s", n, "" if n == 1 else "s", kinds)
    return listing


def _distinct_sources(listing: Listing) -> None:
    """One source per stored document: a file given twice is read once; two files with one source get
    their folder's name in front; a clash that remains is an error line for the later file."""
    unique: dict[Path, tuple[tuple, str]] = {}   # entries are (path, source, ...): the rest is kept as it is
    for entry, origin in zip(listing.files, listing.origins):
        first = unique.setdefault(entry[0].resolve(), (entry, origin))
        if first[0] is not entry:
            log.info("%s: given twice, read once as %s", entry[0], first[0][1])
    shared = Counter(entry[1] for entry, _ in unique.values())
    files, taken = [], {}
    for entry, origin in unique.values():
        path, source = entry[0], entry[1]
        if shared[source] > 1 and origin:
            source = f"{origin}/{source}"
        if source in taken:   # the error line's source is the path: the stored document keeps its own
            listing.errors.append(ErrorRecord(source_text(str(path)), DuplicateSource.code,
                                              f"same source {source} as {taken[source]}; not read"))
            continue
        taken[source] = source_text(str(path))
        files.append((path, source, *entry[2:]))
    listing.files, listing.origins = files, []
