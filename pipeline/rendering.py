"""The rows a batch adds, rendered beside its indexing (pipeline/store.py, ``StoreWriter.commit``).

While a batch stores its documents, the writer also keeps their records' field values (``Held``). As the
commit begins, a thread (``Renderer``) turns them into the JSONL and CSV text the export writes for
them, into temporary files (``Spool``), while SQLite fills the batch's full-text and unit indexes
without holding the GIL; the export then copies that text instead of writing the rows from the store.
The text must be byte for byte what the export writes from notices.db: ``render_rows`` renders only
values SQLite keeps as given, and the exporters' ``render`` methods match their ``export_stored``.
"""
from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
from contextlib import nullcontext
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import IO, Iterator, Optional

from pipeline.exporters import EXPORTERS
from pipeline.schema import DATASETS, DOC_DATASETS, column_kind, layout

log = logging.getLogger("govnotice")
# A batch's temporary files (Held, Spool): unnamed where the system allows, else named so and unlinked
# at once; one a crash left with a name is removed by the next writer (store.recover)
SPOOL_PREFIX = ".govnotice-spool-"


class Spool:
    """The rows of the batch's documents as the renderer wrote them (see ``Renderer``): an unnamed
    temporary file per export file; the export copies from it instead of writing the rows from the store."""

    def __init__(self, folder: Path, names: tuple[str, ...]):
        self.names = names
        self.files: dict[str, IO[bytes]] = {}
        self.ends = dict.fromkeys(names, 0)
        self.at: dict[str, tuple[int, ...]] = {}   # doc_id -> its offset in each file, then its length in each
        try:
            for name in names:
                self.files[name] = _temporary(folder)
        except BaseException:
            self.close()
            raise

    def add(self, doc_id: str, files: dict[str, bytes]) -> None:
        """Keep a document's rendered rows (those of an earlier add of it no longer count)."""
        if any(name not in files for name in self.names):
            self.at.pop(doc_id, None)
            return
        offsets, lengths = [], []
        for name in self.names:
            data = files[name]
            self.files[name].write(data)
            offsets.append(self.ends[name])
            lengths.append(len(data))
            self.ends[name] += len(data)
        self.at[doc_id] = (*offsets, *lengths)

    def holds(self, doc_id: str) -> bool:
        """True when the document's rows were rendered (they are copied from here)."""
        return doc_id in self.at

    def covers(self, names) -> bool:
        """True when the spool has a file for each of these export files."""
        return all(name in self.files for name in names)

    def spans(self, name: str) -> dict[str, tuple[int, int]]:
        """doc_id -> (offset, length) of its rows in the spool of that export file."""
        k, n = self.names.index(name), len(self.names)
        return {doc_id: (place[k], place[n + k]) for doc_id, place in self.at.items()}

    def open(self, name: str):
        """The spool of that export file, to read from (it stays open until ``close``)."""
        handle = self.files[name]
        handle.flush()
        return nullcontext(handle)

    def close(self) -> None:
        for handle in self.files.values():
            _discard(handle)


def render_rows(rows: dict[str, list[tuple]], formats: tuple[str, ...]) -> Optional[dict[str, bytes]]:
    """A document's rows (dataset -> its records' field values, as StoreWriter.add read them) as the files
    of ``formats`` (JSONL, CSV) hold them once the store exports them (export file name -> bytes); None
    when a value is not of the type its column keeps as given (the store would convert it: the
    document's rows are then written from the store)."""
    files = {}
    for name in DOC_DATASETS:
        columns, encoded, _ = layout(DATASETS[name])
        values = list(rows.get(name, ()))
        if not _kept_as_given(values, DATASETS[name]):
            return None
        if name != "documents":   # the export's order within a document
            table, row = columns.index("table"), columns.index("row")
            values.sort(key=lambda fields: (fields[table], fields[row]))
        for fmt in formats:
            files[_file_name(fmt, name)] = EXPORTERS[fmt].render(values, columns, encoded)
    return files


class Held:
    """The rows of the batch's documents (their records' field values), pickled into an unnamed temporary
    file as they are added: what the renderer reads at the commit (the store holds them too, but only
    this connection sees them before the commit, and it is busy indexing them)."""

    def __init__(self, folder: Path):
        self.file = _temporary(folder)
        self.end = 0
        self.at: dict[str, tuple[int, int]] = {}   # doc_id -> (offset, length) of its pickled rows

    def add(self, doc_id: str, rows: dict[str, list[tuple]]) -> None:
        data = pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)
        self.file.write(data)
        self.at[doc_id] = (self.end, len(data))
        self.end += len(data)

    def drop(self, doc_id: str) -> None:
        self.at.pop(doc_id, None)

    def rows(self) -> Iterator[tuple[str, dict[str, list[tuple]]]]:
        """(doc_id, rows) of each document held, in the order they were added."""
        self.file.flush()
        fd = self.file.fileno()
        for doc_id, (offset, length) in sorted(self.at.items(), key=lambda entry: entry[1][0]):
            yield doc_id, pickle.loads(os.pread(fd, length, offset))

    def close(self) -> None:
        _discard(self.file)


def _temporary(folder: Path) -> IO[bytes]:
    """A temporary file on the store's disk, gone with its last descriptor (even after a crash)."""
    return tempfile.TemporaryFile(prefix=SPOOL_PREFIX, dir=folder)


def _discard(handle: IO[bytes]) -> None:
    """Close a temporary file whose rows are no longer wanted (copied, or given up).

    After a write found the disk full, the bytes left in the file's buffer fail again as it closes (the
    descriptor is closed all the same). Nothing reads the file after this, so such a failure costs
    nothing and goes to the debug log; the write that failed first was reported where it happened
    (the rows are then written from the store), and a file copied from was flushed before.
    """
    try:
        handle.close()
    except OSError as exc:
        log.debug("temporary rows file closed without its last bytes: %s", exc.strerror or exc)


class Renderer:
    """Renders the rows of the documents held into a Spool on a thread of its own, started as the commit
    begins: SQLite builds the batch's indexes meanwhile without holding the GIL, so the two take about
    the time of the longer one (for 200 sample notices the commit took 0.16-0.18 s instead of 0.23-0.25).
    ``finish()`` gives the spool, or None when rendering failed (every row is then written from the store).

    After each document the thread lets go of the GIL (``time.sleep(0)``): the indexing thread, back from
    one of its dozen SQLite statements, would otherwise wait up to Python's switch interval (5 ms) for
    it, about 40 ms in all.
    """

    def __init__(self, folder: Path, held: Held, formats: tuple[str, ...]):
        self.held, self.formats = held, formats
        self.spool: Optional[Spool] = Spool(folder, doc_files(formats))
        self.failure: Optional[BaseException] = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="govnotice-render", daemon=True)
        try:
            self.thread.start()
        except BaseException:   # no thread to be had: nothing was rendered
            self.close()
            raise

    def _run(self) -> None:
        try:
            for doc_id, rows in self.held.rows():
                if self.stopped.is_set():
                    return
                files = render_rows(rows, self.formats)
                if files is not None:
                    self.spool.add(doc_id, files)
                time.sleep(0)   # see the class's comment
        except BaseException as exc:  # noqa: BLE001 - reported by finish(); the rows come from the store then
            self.failure = exc

    def finish(self) -> Optional[Spool]:
        self.thread.join()
        if self.failure is not None:
            log.info("rows not rendered beside the indexing (%s: %s): every row written from the store",
                     type(self.failure).__name__, self.failure)
            self.close()
            return None
        return self.spool

    def close(self) -> None:
        """Stop rendering (if it still runs) and let go of the spool."""
        self.stopped.set()
        if self.thread.ident is not None:   # started
            self.thread.join()
        if self.spool is not None:
            self.spool.close()
            self.spool = None


@lru_cache(maxsize=None)
def _file_name(fmt: str, dataset: str) -> str:
    """The file of a dataset in a format (tasks, csv: tasks.csv)."""
    return EXPORTERS[fmt](Path(".")).files([dataset])[0]


def doc_files(formats) -> tuple[str, ...]:
    """The files of the datasets grouped by document (DOC_DATASETS) in these formats."""
    return tuple(_file_name(f, d) for f in formats for d in DOC_DATASETS)


@lru_cache(maxsize=None)
def _kinds(cls) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Positions of a record class's text, integer and JSON columns."""
    kinds = [column_kind(f) for f in fields(cls)]
    return tuple(tuple(k for k, kind in enumerate(kinds) if kind == wanted) for wanted in ("text", "integer", "json"))


def _kept_as_given(rows: list[tuple], cls) -> bool:
    """True when SQLite keeps every value as it is: text as str, integers as int (not bool), lists of str
    and objects of str; anything else it converts (an int in a text column becomes text)."""
    text, integers, encoded = _kinds(cls)
    for row in rows:
        for k in text:
            if row[k] is not None and type(row[k]) is not str:
                return False
        for k in integers:
            if row[k] is not None and type(row[k]) is not int:
                return False
        for k in encoded:
            value = row[k]
            if type(value) is list:
                if not all(type(item) is str for item in value):
                    return False
            elif type(value) is not dict or not all(type(a) is str and type(b) is str for a, b in value.items()):
                return False
    return True
