"""The store of record: notices.db grows one transaction per batch; the exports are derived from it.

A batch (``StoreWriter``) holds the store's lock, adds and replaces documents
inside one SQLite transaction and, before committing, exports the new state
into a private staging folder (``mkdtemp``: no predictable name to plant a
link on). The complete staging folder is renamed to ``.export-pending`` and
stamped with the batch number; then the transaction commits; then the files
are renamed into place. A run killed anywhere leaves either the old state
(an uncommitted transaction rolls back, a pending export of an uncommitted
batch is discarded) or the new one (the next run, or ``recover``, finishes
renaming the files of the committed batch), never a mix that stays.

After publishing, the batch notes where each document's rows are in each
JSONL and CSV file (SPANS_NAME): the next batch copies the rows of the
documents it leaves alone from the published files instead of writing them
again (``Reuse``), once it has checked that the notes still describe those
files and this notices.db.
"""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from pathlib import Path
from typing import IO, ContextManager, Iterator, Optional, Protocol

from pipeline import schema
from pipeline.errors import CannotOpen, StoreError, StoreLocked, TooLarge
from pipeline.exporters import EXPORTERS, Exporter
from pipeline.safeio import Target, read_target
from pipeline.model import ErrorRecord, Result
from pipeline import rules
from pipeline.schema import DATASETS, DOC_DATASETS, json_columns, layout, q
from pipeline.rendering import SPOOL_PREFIX, Held, Renderer, doc_files

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs into one store must not overlap
    fcntl = None

log = logging.getLogger("govnotice")
DB_NAME = "notices.db"
LOCK_NAME = ".govnotice.lock"
METADATA_NAME = "metadata.json"
PENDING = ".export-pending"
STAGING_PREFIX = ".export-"
BATCH_FILE = "BATCH"
ALWAYS = ("jsonl",)   # errors.jsonl is part of every store
FORMAT_MARKERS = {"jsonl": "documents.jsonl", "csv": "documents.csv", "xlsx": "notices.xlsx"}
WITHOUT_ERRORS = {"csv"}   # SPEC: errors are JSONL only; the workbook has them as a sheet
ORDER = {"documents": "x.source", "errors": "x.source"}
SPANS_NAME = ".govnotice-spans.json"   # where each document's rows are in the published export (Reuse)
SPANS_VERSION = 1
_NOTES_CHECK = "sha256 {}\n"           # the spans file's first line, a digest of the JSON after it
EXPORT_DOCS = "temp.export_docs"       # doc_ids of the batch, whose rows an export writes anew


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with foreign keys on."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _rows_sql(name: str, *leading: str, where: str = "") -> str:
    """SELECT of one dataset's columns (after ``leading`` expressions over its rows ``x``) in export order
    (by source, table, row), of the rows ``where`` allows (an SQL condition over ``x``)."""
    select = ", ".join([*leading, *(f"x.{q(c)}" for c in DATASETS[name].columns())])
    where = f" WHERE {where}" if where else ""
    if name in ORDER:
        return f"SELECT {select} FROM {q(name)} x{where} ORDER BY {ORDER[name]}"
    return (f"SELECT {select} FROM {q(name)} x JOIN documents d ON d.doc_id = x.doc_id{where} "
            f'ORDER BY d.source, x."table", x."row"')


def dataset_rows(db: sqlite3.Connection, name: str) -> Iterator[dict]:
    """Rows of one dataset in export order (by source, table, row), JSON fields decoded."""
    columns = DATASETS[name].columns()
    decode = set(json_columns(DATASETS[name]))
    for values in db.execute(_rows_sql(name)):
        yield {c: _decode(v) if c in decode else v for c, v in zip(columns, values)}


@lru_cache(maxsize=None)
def _stored_rows_sql(name: str, where: str = "") -> tuple[str, frozenset[int]]:
    """SELECT of each row's compact JSON line (SQLite's json_object, the list columns through json())
    followed by its columns; and the positions of the JSON text columns among those."""
    columns = DATASETS[name].columns()
    encoded = set(json_columns(DATASETS[name]))
    pairs = ", ".join(f"'{c}', " + (f"json(x.{q(c)})" if c in encoded else f"x.{q(c)}") for c in columns)
    return (_rows_sql(name, f"json_object({pairs})", where=where),
            frozenset(k for k, c in enumerate(columns) if c in encoded))


def _decode(text: Optional[str]):
    """A JSON column's value; the empty list, most units and flags, without calling the parser."""
    if text == "[]":
        return []
    return json.loads(text) if text is not None else None


class Store:
    """A store folder opened for reading: its records as dicts, and SQL over notices.db."""

    def __init__(self, folder):
        self.folder = Path(folder)
        path = self.folder / DB_NAME
        if not path.is_file():
            raise StoreError(f"no store in {self.folder} (no {DB_NAME})")
        self.db = connect(path)
        check_version(self.db, path)

    def rows(self, name: str) -> list[dict]:
        """Every row of a dataset (documents, tasks, catalog, domains, errors) as dicts."""
        return list(dataset_rows(self.db, name))

    def documents(self) -> list[dict]:
        """The documents of the store, by source."""
        return self.rows("documents")

    def tasks(self) -> list[dict]:
        """The tasks of the store, by source, table and row."""
        return self.rows("tasks")

    def search(self, text: str) -> list[dict]:
        """Tasks whose item, group or units hold the text (full-text index), by source, table and row."""
        if schema.jieba_fts(self.db):
            match = " ".join(f'"{w}"' for w in schema.words(text, for_query=True).split())
        else:
            match = '"' + text.replace('"', '""') + '"'
        keys = self.query('SELECT t.doc_id, t."table", t."row" FROM tasks_fts JOIN tasks t '
                          "ON t.rowid = tasks_fts.rowid WHERE tasks_fts MATCH ?", (match,))
        wanted = {(k["doc_id"], k["table"], k["row"]) for k in keys}
        # jieba words only narrow the search: the text itself must be there (trigram matches are exact)
        return [t for t in self.tasks() if (t["doc_id"], t["table"], t["row"]) in wanted
                and any(text in (" ".join(v) if isinstance(v, list) else v or "")
                        for v in (t[c] for c in schema.FTS_COLUMNS))]

    def query(self, sql: str, params=()) -> list[dict]:
        """Rows of any SQL query over notices.db as dicts."""
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor]

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_store(folder) -> dict[str, list[dict]]:
    """Every dataset of a store as lists of dicts: {"documents": [...], "tasks": [...], ...}."""
    with Store(folder) as store:
        return {name: store.rows(name) for name in DATASETS}


def check_version(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a notices.db that another version of the schema wrote."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != schema.SCHEMA_VERSION:
        raise StoreError(f"{path} has schema version {version}, this govnotice writes "
                         f"{schema.SCHEMA_VERSION}: extract into a new folder")


# --------------------------------------------------------------------------
# Files: lock, sync, staging, publishing, recovery
# --------------------------------------------------------------------------

def _lock(folder: Path) -> Optional[int]:
    """Take the store's lock, or raise StoreLocked at once.

    A POSIX record lock (lockf) belongs to this process alone: forked workers
    do not inherit it, so the lock goes as soon as the run is killed.
    """
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o644)
    if fcntl is None:
        return fd
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreLocked(f"another govnotice run is writing to {folder}; wait for it or use another folder")
    return fd


def _sync(path: Path) -> None:
    """Flush a file or folder to disk, so a rename never publishes data still in the page cache."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:  # folders cannot be opened on every platform; the rename stays atomic
        log.debug("cannot open %s to sync it: %s", path, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems do not support fsync
        log.debug("cannot sync %s: %s", path, exc)
    finally:
        os.close(fd)


def _publish(folder: Path) -> None:
    """Move the files of the pending export into place, then remove the pending folder."""
    pending = folder / PENDING
    for name in sorted(os.listdir(pending)):
        if name != BATCH_FILE:
            os.replace(pending / name, folder / name)
    (pending / BATCH_FILE).unlink()
    pending.rmdir()
    _sync(folder)


def _last_batch(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COALESCE(MAX(batch), 0) FROM batches").fetchone()[0]


def recover(folder: Path, db: sqlite3.Connection) -> None:
    """Finish or discard what a killed run left: publish a committed export, drop the rest (lock held)."""
    pending = folder / PENDING
    if pending.is_symlink() or (pending.exists() and not pending.is_dir()):
        pending.unlink()   # we never make it a link or a file: planted, not ours to follow
    if pending.is_dir():
        try:
            stamped = int((pending / BATCH_FILE).read_text())
        except (OSError, ValueError):
            stamped = -1
        if stamped == _last_batch(db):
            log.warning("finishing the export of batch %d that an interrupted run left", stamped)
            _publish(folder)
        else:
            shutil.rmtree(pending)
    for leftover in folder.glob(STAGING_PREFIX + "*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    for leftover in folder.glob(SPOOL_PREFIX + "*"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink()


def _renderable(formats) -> bool:
    """True when the rows of these formats can be rendered from the Results (_Renderer): no workbook,
    which takes every row from the store (and those rows serve the other formats in the same pass)."""
    return all(EXPORTERS[f].stored for f in formats)


def _formats(folder: Path, requested) -> list[str]:
    """Formats to export: those asked for, jsonl, and those already in the folder (so none goes stale)."""
    present = [f for f, marker in FORMAT_MARKERS.items() if (folder / marker).exists()]
    chosen = set(requested) | set(ALWAYS) | set(present)
    return [f for f in EXPORTERS if f in chosen]


class Copies(Protocol):
    """Rows written before that an export copies (rendering.Spool, Reuse)."""

    def holds(self, doc_id: str) -> bool:
        """True when the document's rows are to be copied from here."""

    def spans(self, name: str) -> dict[str, tuple[int, int]]:
        """doc_id -> (offset, length) of its rows in the copy of that export file."""

    def open(self, name: str) -> ContextManager[IO[bytes]]:
        """The copy of that export file, to read from."""


def export_to(db: sqlite3.Connection, target: Path, formats: list[str],
              copies: tuple[Copies, ...] = ()) -> tuple[list[str], dict]:
    """Write every dataset in every format into target (one pass over the rows); the file names and the
    spans of what was written (see ``Reuse``). ``copies``: where rows already written can be copied from
    (``rendering.Spool``, ``Reuse``), the first that holds a document's rows serving it; the rows of the other
    documents are written from the store. A workbook takes every row from the store."""
    exporters: list[Exporter] = [EXPORTERS[f](target) for f in formats]
    names = []
    order = [doc_id for (doc_id,) in db.execute("SELECT doc_id FROM documents ORDER BY source")]
    spans: dict = {"docs": order, "files": {}}
    plan = _plan_copies(db, order, copies) if copies and all(e.stored for e in exporters) else None
    try:
        for exporter in exporters:
            exporter.start_exporting()
        for name, cls in DATASETS.items():
            takers = [e for e, f in zip(exporters, formats) if name != "errors" or f not in WITHOUT_ERRORS]
            columns = cls.columns()
            for exporter in takers:
                exporter.start_dataset(name, columns)
            stored = [e for e in takers if e.stored]
            as_dicts = [e for e in takers if not e.stored]
            by_document = name in DOC_DATASETS and stored
            heads = [e.handle.pos for e in stored] if by_document else []
            if by_document and plan is not None:
                lengths = _splice(db, name, stored, order, plan, copies)
            else:
                lengths = _export_rows(db, name, columns, stored, as_dicts, order if by_document else None)
            for exporter, head, counts in zip(stored, heads, lengths):
                spans["files"][exporter.files([name])[0]] = {"head": head, "lengths": counts}
        for exporter, fmt in zip(exporters, formats):
            exporter.finish_exporting()
            names += exporter.files([n for n in DATASETS if n != "errors" or fmt not in WITHOUT_ERRORS])
    except BaseException:
        for exporter in exporters:
            exporter.abandon()
        raise
    finally:
        if plan is not None:
            db.execute(f"DELETE FROM {EXPORT_DOCS}")
    # `datasette OUTDIR` (or `datasette notices.db -m metadata.json`) shows the labelled tables
    with open(target / METADATA_NAME, "x", encoding="utf-8") as handle:
        json.dump(schema.datasette_metadata(), handle, ensure_ascii=False, indent=2)
    return names + [METADATA_NAME], spans


def _plan_copies(db: sqlite3.Connection, order: list[str], copies: tuple[Copies, ...]) -> dict[str, Optional[int]]:
    """doc_id -> the place in ``copies`` of what its rows are copied from, or None for documents whose rows
    are written from the store (those are listed in EXPORT_DOCS for the query that reads them)."""
    plan: dict[str, Optional[int]] = {}
    for doc_id in order:
        plan[doc_id] = next((k for k, source in enumerate(copies) if source.holds(doc_id)), None)
    db.execute(f"CREATE TABLE IF NOT EXISTS {EXPORT_DOCS} (doc_id TEXT PRIMARY KEY)")
    db.execute(f"DELETE FROM {EXPORT_DOCS}")
    db.executemany(f"INSERT INTO {EXPORT_DOCS} VALUES (?)", [(d,) for d, k in plan.items() if k is None])
    return plan


def _export_rows(db: sqlite3.Connection, name: str, columns: list[str], stored: list[Exporter],
                 as_dicts: list[Exporter], order: Optional[list[str]]) -> list[list[int]]:
    """Every row of a dataset to the exporters; with ``order`` (the documents in export order), the
    bytes each stored exporter wrote for each document."""
    sql, positions = _stored_rows_sql(name)
    key = columns.index("doc_id") if order is not None else None
    starts: dict[str, list[int]] = {}
    current = None
    for line, *values in db.execute(sql):
        if key is not None and values[key] != current:
            current = values[key]
            starts[current] = [e.handle.pos for e in stored]
        for exporter in stored:
            exporter.export_stored(line, values, positions)
        if as_dicts:
            row = {c: _decode(v) if k in positions else v for k, (c, v) in enumerate(zip(columns, values))}
            for exporter in as_dicts:
                exporter.export_item(row)
    if order is None:
        return []
    ends = {}
    mark = [e.handle.pos for e in stored]
    for doc_id in reversed(list(starts)):   # a document's rows end where the next one's begin
        ends[doc_id], mark = mark, starts[doc_id]
    return [[ends[d][k] - starts[d][k] if d in starts else 0 for d in order] for k in range(len(stored))]


def _splice(db: sqlite3.Connection, name: str, stored: list[Exporter], order: list[str],
            plan: dict[str, Optional[int]], copies: tuple[Copies, ...]) -> list[list[int]]:
    """A dataset's files from bytes written before (``copies``, as ``plan`` says) and the rows of the other
    documents from the store; the bytes written for each document. _Stale when a copy does not hold
    what its spans say."""
    sql, positions = _stored_rows_sql(name, f"x.doc_id IN (SELECT doc_id FROM {EXPORT_DOCS})")
    key = DATASETS[name].columns().index("doc_id") + 1   # after the JSON line
    rows = db.execute(sql)
    row = next(rows, None)
    files = [e.files([name])[0] for e in stored]
    spans = [[source.spans(f) for f in files] for source in copies]   # [source][exporter]
    lengths: list[list[int]] = [[] for _ in stored]
    with ExitStack() as stack:
        handles = [[stack.enter_context(source.open(f)) for f in files] for source in copies]
        # per file, the stretch to copy next: [source, start, end, (offset, doc_id) of each document in it]
        runs: list[Optional[list]] = [None] * len(stored)

        def copy_run(k: int) -> None:
            if runs[k] is not None:
                origin, start, end, firsts = runs[k]
                _copy_checked(stored[k], handles[origin][k], [start, end, firsts])
                runs[k] = None

        for doc_id in order:
            origin = plan[doc_id]
            if origin is None:
                for k in range(len(stored)):
                    copy_run(k)
                before = [e.handle.pos for e in stored]
                while row is not None and row[key] == doc_id:
                    for exporter in stored:
                        exporter.export_stored(row[0], row[1:], positions)
                    row = next(rows, None)
                for k, exporter in enumerate(stored):
                    lengths[k].append(exporter.handle.pos - before[k])
                continue
            for k in range(len(stored)):
                if doc_id not in spans[origin][k]:
                    raise _Stale(f"{files[k]} holds no rows of {doc_id}")
                start, length = spans[origin][k][doc_id]
                lengths[k].append(length)
                if length == 0:
                    continue
                run = runs[k]
                if run is not None and run[0] == origin and run[2] == start:
                    run[2] = start + length
                    run[3].append((start, doc_id))
                else:
                    copy_run(k)
                    runs[k] = [origin, start, start + length, [(start, doc_id)]]
        for k in range(len(stored)):
            copy_run(k)
        # the documents a copy holds but did not give (gone, or read again) begin where its spans say
        # too: a row of a copied document counted as one of theirs would otherwise be lost
        for origin, source in enumerate(copies):
            for k, exporter in enumerate(stored):
                for doc_id, (start, length) in spans[origin][k].items():
                    if length and plan.get(doc_id) != origin:
                        _check_begins(exporter, handles[origin][k], start, doc_id)
    if row is not None:
        raise _Stale(f"rows of {row[key]} come after the documents in export order")
    return lengths


def _check_begins(exporter: Exporter, source, offset: int, doc_id: str) -> None:
    """_Stale unless a document's rows begin at offset: after a line's end, with its doc_id."""
    prefix = exporter.row_prefix(doc_id)
    source.seek(offset - 1 if offset else 0)
    if source.read(len(prefix) + (1 if offset else 0)) != (b"\n" + prefix if offset else prefix):
        raise _Stale(f"{source.name} does not hold the rows of {doc_id} where its spans say")


def _copy_checked(exporter: Exporter, source, run: list) -> None:
    """Copy a stretch of an earlier export ([start, end, (offset, doc_id) of each document in it]) once
    each document's rows begin where the spans say and the stretch ends a line."""
    start, end, firsts = run
    for offset, doc_id in firsts:
        _check_begins(exporter, source, offset, doc_id)
    source.seek(end - 1)
    if source.read(1) != b"\n":
        raise _Stale(f"{source.name} does not end a row where its spans say")
    exporter.handle.copy(source, start, end - start)


class _Stale(Exception):
    """The earlier export does not hold what its spans say: the batch writes every row again."""


@dataclass(frozen=True)
class Reuse:
    """The published export of the store as the batch began, and where each document's rows are in it
    (SPANS_NAME, written after each batch): the rows of documents the batch leaves alone are copied from
    it, so that a batch costs what it adds, not what the store holds."""
    folder: Path
    added: frozenset      # doc_ids whose rows the batch (re)wrote
    docs: list            # doc_ids in export order
    files: dict           # file name -> {"head": bytes before the first row, "lengths": bytes per doc}

    def open(self, name: str) -> IO[bytes]:
        """The published file, if it is still the one the spans describe (links not followed)."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.folder / name, flags)
        except OSError as exc:
            raise _Stale(f"cannot open {name}: {exc}") from exc
        handle = os.fdopen(fd, "rb")
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or [info.st_size, info.st_mtime_ns, info.st_ino] != self.files[name]["stat"]:
            handle.close()
            raise _Stale(f"{name} changed while the batch ran")
        return handle

    @cached_property
    def _kept(self) -> frozenset:
        return frozenset(self.docs) - self.added

    def holds(self, doc_id: str) -> bool:
        """True when the document's rows are to be copied from here (it is in the export, the batch left it alone)."""
        return doc_id in self._kept

    def spans(self, name: str) -> dict[str, tuple[int, int]]:
        """doc_id -> (offset, length) of its rows in the file."""
        entry = self.files[name]
        offset, found = entry["head"], {}
        for doc_id, length in zip(self.docs, entry["lengths"]):
            found[doc_id] = (offset, length)
            offset += length
        return found


def _counts(values: list) -> bool:
    """True when every value is a byte count (an int, not negative)."""
    return all(type(v) is int and v >= 0 for v in values)


def _change_counter(fd: int) -> int:
    """The file change counter in the database header: each commit in rollback-journal mode adds one."""
    return int.from_bytes(os.pread(fd, 4, 24), "big")


def _state_digest(db: sqlite3.Connection) -> str:
    """A digest of the store's batches and documents (in export order, with what they were read from
    and by): a copy of another store's notices.db with as many commits differs in them unless it
    holds the same batches, at the same seconds, of the same documents read the same way."""
    h = hashlib.sha256()
    for sql in ("SELECT * FROM batches ORDER BY batch",
                "SELECT d.doc_id, d.source, p.rules_version, p.override, p.batch FROM documents d "
                "LEFT JOIN provenance p USING (doc_id) ORDER BY d.source"):
        for row in db.execute(sql):
            h.update("\0".join(map(str, row)).encode("utf-8", "surrogateescape") + b"\n")
        h.update(b"\0\n")
    return h.hexdigest()


def _read_notes(path: Path, most: int = 1 << 30) -> Optional[dict]:
    """The spans file as JSON, or None (none there, a link or not a regular file, too big, not JSON)."""
    try:
        data = read_target(Target(str(path)), most)   # as inputs are read: no link followed, no FIFO waited on
    except FileNotFoundError:
        return None
    except (OSError, CannotOpen, TooLarge) as exc:
        log.debug("%s not read (%s): every row exported", path, exc)
        return None
    # the first line: a digest of the rest (notes damaged or edited by hand are not trusted)
    check, _, text = data.partition(b"\n")
    if check != _NOTES_CHECK.format(hashlib.sha256(text).hexdigest()).encode().rstrip(b"\n"):
        log.debug("%s does not match its digest: every row exported", path)
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:   # RecursionError: nested too deep
        log.debug("%s not read (%s): every row exported", path, exc)
        return None


@lru_cache(maxsize=None)
def _render_key() -> str:
    """What the exported bytes depend on besides the rows: the code that writes them and SQLite's JSON."""
    h = hashlib.sha256(f"{sqlite3.sqlite_version}\0{sys.version}\0{unicodedata.unidata_version}\0"
                       f"{SPANS_VERSION}\0".encode())
    for module in ("store.py", "schema.py", "exporters.py", "model.py", "rendering.py"):   # the rows' columns and their text
        h.update(Path(__file__).with_name(module).read_bytes())
    return h.hexdigest()[:32]


# --------------------------------------------------------------------------
# Writing: one batch
# --------------------------------------------------------------------------

class StoreWriter:
    """One batch into a store: ``with StoreWriter(folder) as batch: batch.add(...); batch.commit()``.

    Leaving the block without ``commit()`` (an error, Ctrl-C, --strict) rolls
    the batch back: the store and its exports stay as they were.
    """

    def __init__(self, folder, formats=ALWAYS, rules_version: Optional[str] = None):
        self.folder = Path(folder)
        self.requested = tuple(formats)
        self.rules_version = rules_version or rules.current()
        self.counts = {"read": 0, "unchanged": 0, "removed": 0, "errors": 0}
        self.changed = False
        self.committed = False
        self.lock: Optional[int] = None
        self.db: Optional[sqlite3.Connection] = None
        self.jieba = False   # tasks_fts filled here with jieba words (a SQLite without trigram)
        self.deferred: list[str] = []       # triggers dropped for this batch (schema.DEFERRED_TRIGGERS)
        self.unindexed: set[str] = set()    # doc_ids added in this batch: task_units and tasks_fts to fill
        self.added: set[str] = set()        # doc_ids added in this batch: their export rows are written anew
        self.header: Optional[int] = None   # a descriptor of notices.db to read its header through
        self.counter: Optional[int] = None  # the change counter as the batch began (None: not kept)
        self.state: Optional[str] = None    # the documents and their provenance as the batch began
        self.holding: Optional[bool] = None  # whether the batch's rows are held for the renderer (see ``commit``)
        self.held: Optional[Held] = None
        self.renderer: Optional[Renderer] = None

    def __enter__(self) -> "StoreWriter":
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.lock = _lock(self.folder)
            _set_aside_old_export(self.folder / DB_NAME)
            fresh = not (self.folder / DB_NAME).exists()
            self.db = connect(self.folder / DB_NAME)
            # the header's change counter is read through this descriptor, closed only after the
            # connection: closing any descriptor of the file drops this process's POSIX locks on it,
            # SQLite's own included
            self.header = os.open(self.folder / DB_NAME, os.O_RDONLY)
            if fresh:
                self.db.execute("BEGIN IMMEDIATE")
                schema.create(self.db)
                self.db.execute("COMMIT")
            check_version(self.db, self.folder / DB_NAME)
            self.jieba = schema.jieba_fts(self.db)
            recover(self.folder, self.db)
            self.db.execute("BEGIN IMMEDIATE")
            self._note_start()
            self._defer_indexing()
        except (OSError, sqlite3.Error) as exc:
            self._close()
            raise _as_store_error(exc, self.folder, committed=False) from exc
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if exc is not None and not self.committed:
                self._discard()
        finally:
            self._close()
        if exc is not None and isinstance(exc, (OSError, sqlite3.Error)):
            raise _as_store_error(exc, self.folder, self.committed) from exc

    # -- what the store holds ------------------------------------------------

    def known(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (source, version) of every document in the store; see ``version``."""
        sql = ("SELECT d.doc_id, d.source, p.rules_version || '/' || p.override "
               "FROM documents d LEFT JOIN provenance p USING (doc_id)")
        return {doc_id: (source, version or "") for doc_id, source, version in self.db.execute(sql)}

    def version(self, override: Optional[dict]) -> str:
        """What a document was read under: the rules and the manifest row applied to it."""
        return f"{self.rules_version}/{override_digest(override)}"

    def is_current(self, doc_id: str, known: dict, override: Optional[dict] = None) -> bool:
        """True when the store holds these bytes read by the current rules with the same manifest row."""
        return doc_id in known and known[doc_id][1] == self.version(override)

    # -- changes -------------------------------------------------------------

    def _defer_indexing(self) -> None:
        """Drop the per-row index triggers for this batch (see schema.DEFERRED_TRIGGERS)."""
        present = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        self.deferred = [name for name in schema.DEFERRED_TRIGGERS if name in present]
        for name in self.deferred:
            self.db.execute(f"DROP TRIGGER {q(name)}")
        self.db.execute(schema.BATCH_DOCS_TABLE)
        self.db.execute(f"DELETE FROM {schema.BATCH_DOCS}")

    def _index_batch(self) -> None:
        """Fill task_units and tasks_fts for the documents of this batch, then restore the triggers."""
        if self.unindexed:
            self.db.executemany(f"INSERT INTO {schema.BATCH_DOCS} VALUES (?)", [(d,) for d in self.unindexed])
            lowest = self.db.execute(schema.LOWEST_ROWID).fetchone()[0]
            if lowest is not None:   # None: the batch's documents hold no tasks
                for trigger, bulk in (("tasks_units_ai", schema.BULK_UNITS), ("tasks_fts_ai", schema.BULK_FTS)):
                    if trigger in self.deferred:
                        self.db.execute(bulk, {"lo": lowest})
            self.db.execute(f"DELETE FROM {schema.BATCH_DOCS}")
            self.unindexed.clear()
        for name in self.deferred:
            self.db.execute(schema.DEFERRED_TRIGGERS[name])
        self.deferred = []

    def _delete_document(self, where: str, value: str) -> int:
        ids = [r[0] for r in self.db.execute(f"SELECT doc_id FROM documents WHERE {where} = ?", (value,))]
        for doc_id in ids:
            if self.held is not None:
                self.held.drop(doc_id)
            if self.jieba:
                self.db.execute("DELETE FROM tasks_fts WHERE rowid IN (SELECT rowid FROM tasks WHERE doc_id = ?)",
                                (doc_id,))
            elif doc_id in self.unindexed:   # added in this batch: nothing of it is indexed yet
                self.unindexed.discard(doc_id)
            elif "tasks_fts_ad" in self.deferred:
                self.db.execute(schema.FTS_DELETE, (doc_id,))
            # tasks, catalog, domains, provenance (and task_units) go by ON DELETE CASCADE and triggers
            self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return len(ids)

    def _insert(self, name: str, records: list) -> list[tuple]:
        """Insert records of one dataset (the fields read in place: as_dict()'s deep copy cost a third
        of the writer's time; lists and objects as JSON text); each record's field values, as read."""
        if not records:
            return []
        columns, encoded, fields_of = layout(type(records[0]))
        values = [fields_of(rec) for rec in records]
        rows = []
        for row in map(list, values):
            for k in encoded:
                row[k] = _as_json(row[k])
            rows.append(row)
        self.db.executemany(_insert_sql(name, columns), rows)
        if name == "tasks" and self.jieba:
            for rec, row in zip(records, rows):
                self._index_words(rec, row)
        return values

    def _index_words(self, rec, row: list) -> None:
        """tasks_fts row of one task as jieba words (a SQLite without trigram)."""
        rowid = self.db.execute('SELECT rowid FROM tasks WHERE doc_id = ? AND "table" = ? AND "row" = ?',
                                (rec.doc_id, rec.table, rec.row)).fetchone()[0]
        text = [schema.words(" ".join(v) if isinstance(v, list) else v or "")
                for v in (getattr(rec, c) for c in schema.FTS_COLUMNS)]
        self.db.execute(f"INSERT INTO tasks_fts (rowid, {', '.join(map(q, schema.FTS_COLUMNS))}) "
                        f"VALUES (?, {', '.join('?' for _ in text)})", [rowid, *text])

    def add(self, result: Result, override: Optional[dict] = None) -> None:
        """Add one document's records (read with this manifest row), replacing what the store held for
        its source or its bytes."""
        doc = result.document
        strays = {r.doc_id for records in (result.tasks, result.catalog, result.domains) for r in records} - {doc.doc_id}
        if strays:   # they would be filed under other documents
            raise ValueError(f"{doc.source}: records of other documents ({', '.join(sorted(strays))})")
        self._delete_document("source", doc.source)
        self._delete_document("doc_id", doc.doc_id)
        self.db.execute("DELETE FROM errors WHERE source = ?", (doc.source,))
        rows = {"documents": self._insert("documents", [doc])}
        for name, records in (("tasks", result.tasks), ("catalog", result.catalog), ("domains", result.domains)):
            rows[name] = self._insert(name, records)
        if self.holding is None:
            self.holding = _renderable(_formats(self.folder, self.requested))
        if self.holding:
            try:
                if self.held is None:
                    self.held = Held(self.folder)
                self.held.add(doc.doc_id, rows)
            except OSError as exc:   # no room: the commit writes every row from the store, as it can
                log.info("rows not kept for rendering beside the indexing (%s): every row written from the "
                         "store", exc.strerror or exc)
                self.holding = False
                if self.held is not None:
                    self.held.close()
                    self.held = None
        self.unindexed.add(doc.doc_id)
        self.added.add(doc.doc_id)
        self.db.execute("INSERT INTO provenance VALUES (?, ?, ?, ?)", (doc.doc_id, self.rules_version,
                                                                        override_digest(override),
                                                                        _last_batch(self.db) + 1))
        self.counts["read"] += 1
        self.changed = True

    def add_error(self, error: ErrorRecord) -> None:
        """Record an unreadable input; its old rows, if any, no longer describe the file and go."""
        self.counts["errors"] += 1
        old = self.db.execute("SELECT source, error, detail FROM errors WHERE source = ?", (error.source,)).fetchone()
        removed = self._delete_document("source", error.source)
        if old == (error.source, error.error, error.detail) and not removed:
            return  # the same error as last time: nothing changes
        self.db.execute("DELETE FROM errors WHERE source = ?", (error.source,))
        self._insert("errors", [error])
        self.changed = True

    def unchanged(self) -> None:
        """Count an input the store already holds (same bytes, same rules)."""
        self.counts["unchanged"] += 1

    def remove(self, source: str) -> bool:
        """Remove a document (by source or doc_id) or an error line (by source); False if none matched."""
        n = self._delete_document("source", source) + self._delete_document("doc_id", source)
        n += self.db.execute("DELETE FROM errors WHERE source = ?", (source,)).rowcount
        self.counts["removed"] += n
        self.changed = self.changed or n > 0
        return n > 0

    def totals(self) -> dict[str, int]:
        """Rows per dataset as the batch leaves them (committed or not)."""
        return {name: self.db.execute(f"SELECT COUNT(*) FROM {q(name)}").fetchone()[0] for name in DATASETS}

    # -- the end of a batch --------------------------------------------------

    def commit(self) -> None:
        """Export the new state, commit it, publish the exports (nothing to do when nothing changed)."""
        formats = _formats(self.folder, self.requested)
        missing = any(not (self.folder / n).exists() for f in formats for n in self._names(f))
        if not (self.changed or missing):
            self.db.execute("ROLLBACK")
            self.committed = True
            return
        if self.held is not None and self.held.at and _renderable(formats):
            try:
                self.renderer = Renderer(self.folder, self.held, tuple(formats))
            except Exception as exc:  # noqa: BLE001 - no room for its files, no thread: rows from the store
                log.info("rows not rendered beside the indexing (%s: %s): every row written from the store",
                         type(exc).__name__, exc)
        self._index_batch()
        batch = _last_batch(self.db) + 1
        self.db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (batch, datetime.now(timezone.utc).isoformat(timespec="seconds"), self.rules_version,
                         *(self.counts[k] for k in ("read", "unchanged", "removed", "errors"))))
        staging, (names, spans) = self._export(formats)
        for name in names:
            _sync(staging / name)
        # the files as they are renamed into place (a rename keeps size, times and inode), and the
        # documents they hold: what the next batch checks before it copies from them
        for name, entry in spans["files"].items():
            info = os.lstat(staging / name)
            entry["stat"] = [info.st_size, info.st_mtime_ns, info.st_ino]
        spans["state"] = _state_digest(self.db)
        (staging / BATCH_FILE).write_text(str(batch))
        _sync(staging / BATCH_FILE)
        _sync(staging)
        os.rename(staging, self.folder / PENDING)
        _sync(self.folder)
        self.db.execute("COMMIT")
        self.committed = True
        _publish(self.folder)
        self._keep_spans(spans)

    def _note_start(self) -> None:
        """What the spans of the published export are checked against, read under the write lock (no
        other writer commits until this batch ends): the change counter and, when there are spans to
        check, the state digest (a store copied over this one can have the same counter)."""
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return   # a commit in WAL mode leaves the header's counter as it was: nothing to go by
        self.counter = _change_counter(self.header)
        if (self.folder / SPANS_NAME).exists():
            self.state = _state_digest(self.db)

    def _export(self, formats: list[str]) -> tuple[Path, tuple[list[str], dict]]:
        """The new state exported into a fresh staging folder: the rows of documents the batch added
        copied from what the renderer made of them, those of documents it left alone from the published
        export when its spans can be trusted, the others written from the store."""
        spool = self.renderer.finish() if self.renderer is not None else None
        if self.held is not None:   # rendered: its disk space is wanted for the export
            self.held.close()
            self.held = None
        if spool is not None and not (spool.at and spool.covers(doc_files(formats))):
            spool = None
        reuse = self._reuse(formats) if self.state is not None else None
        copies = tuple(c for c in (spool, reuse) if c is not None)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.folder))
        try:
            if copies:
                try:
                    return staging, export_to(self.db, staging, formats, copies)
                except (_Stale, EOFError) as exc:   # EOFError: a file cut short since its size was checked
                    log.info("rows to copy are not where their spans say (%s): every row written again", exc)
                except OSError as exc:
                    if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or spool is None:
                        raise   # without a spool to give way, writing every row again needs the same room
                    # the spool and the staging files together did not fit: the spool gives way
                    log.info("no room for the export beside the rendered rows (%s): every row written "
                             "from the store", exc.strerror)
                shutil.rmtree(staging)
                self._drop_renderer()
                staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.folder))
            return staging, export_to(self.db, staging, formats)
        finally:
            self._drop_renderer()   # copied (or not wanted): its disk space goes back before the commit

    def _drop_renderer(self) -> None:
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None

    def _reuse(self, formats: list[str]) -> Optional[Reuse]:
        """The published export and its spans, when they describe the store as this batch found it."""
        if any(not EXPORTERS[f].stored for f in formats):
            return None   # a workbook is written whole: one pass over every row serves every format
        path = self.folder / SPANS_NAME
        kept = _read_notes(path)
        try:
            if (kept["version"], kept["render"], kept["db"], kept["state"]) != \
                    (SPANS_VERSION, _render_key(), self.counter, self.state):
                return None   # written by other code, or the store changed since (another writer, another file)
            docs, files = kept["docs"], {}
            if not all(type(d) is str for d in docs) or len(set(docs)) != len(docs):
                return None
            for name in doc_files(formats):
                entry = kept["files"][name]
                size, mtime, inode = entry["stat"]
                info = os.lstat(self.folder / name)
                head, lengths = entry["head"], entry["lengths"]
                if not stat.S_ISREG(info.st_mode) or (info.st_size, info.st_mtime_ns, info.st_ino) != (size, mtime, inode) \
                        or len(lengths) != len(docs) or not _counts([head, *lengths]) or head + sum(lengths) != size:
                    return None   # the file was edited, replaced or truncated
                files[name] = {"head": head, "lengths": lengths, "stat": [size, mtime, inode]}
        except (KeyError, TypeError, ValueError, OSError) as exc:   # None or another shape: not ours
            log.debug("%s does not describe the export (%s): every row exported", path, exc)
            return None
        return Reuse(self.folder, frozenset(self.added), docs, files)

    def _keep_spans(self, spans: dict) -> None:
        """After the commit: note where each document's rows are in the files just published, for the
        next batch. Only when this batch's commit is the one commit since it began (the counter went up
        by one): a write by another program right after it would otherwise pass for exported. A failure
        here costs the next batch a full export, never a wrong one."""
        path = self.folder / SPANS_NAME
        try:
            for left in self.folder.glob(SPANS_NAME + ".*"):   # of a run killed while writing them
                left.unlink()
            path.unlink(missing_ok=True)
            if self.counter is None or _change_counter(self.header) != self.counter + 1:
                return
            kept = {"version": SPANS_VERSION, "render": _render_key(), "db": self.counter + 1, **spans}
            text = json.dumps(kept, separators=(",", ":"))
            handle, tmp = tempfile.mkstemp(prefix=SPANS_NAME + ".", dir=self.folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(_NOTES_CHECK.format(hashlib.sha256(text.encode()).hexdigest()) + text)
            os.replace(tmp, path)
        except OSError as exc:
            log.debug("spans of the export not kept (%s): the next batch exports every row", exc)

    @staticmethod
    def _names(fmt: str) -> list[str]:
        datasets = [n for n in DATASETS if n != "errors" or fmt not in WITHOUT_ERRORS]
        return EXPORTERS[fmt](Path(".")).files(datasets)

    def _discard(self) -> None:
        """Roll back and remove this batch's staging files."""
        try:
            if self.db is not None and self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the journal rolls it back on the next open
            log.debug("rollback failed: %s", exc)
        for leftover in list(self.folder.glob(STAGING_PREFIX + "*")):
            # a pending export of a committed batch stays: an interrupt between COMMIT and the flag that
            # records it lands here with the batch committed, and the next writer publishes it
            if leftover.name == PENDING and self._pending_committed():
                continue
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)

    def _pending_committed(self) -> bool:
        """True when the pending export's batch is in the database (or that cannot be told)."""
        try:
            stamped = int((self.folder / PENDING / BATCH_FILE).read_text())
            return self.db is None or stamped <= _last_batch(self.db)
        except (OSError, ValueError, sqlite3.Error) as exc:
            log.debug("pending export kept for the next writer to judge: %s", exc)
            return True

    def _close(self) -> None:
        self._drop_renderer()
        if self.held is not None:
            self.held.close()
            self.held = None
        if self.db is not None:
            self.db.close()
            self.db = None
        if self.header is not None:   # after the connection: see __enter__
            os.close(self.header)
            self.header = None
        if self.lock is not None:
            os.close(self.lock)   # closing the descriptor releases the lock
            self.lock = None


_json = json.JSONEncoder(ensure_ascii=False).encode   # json.dumps(v, ensure_ascii=False), encoder built once


# a character that JSON writes escaped: a list of strings without any is written without the encoder
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _as_json(value):
    """A list or dict field as JSON text, as json.dumps(value, ensure_ascii=False) writes it.

    Most unit and flag lists are empty, and the others are plain strings: those are joined in C
    instead of going through the encoder (half the writer's time per task row went to it).
    """
    kind = value.__class__
    if kind is list:
        if not value:
            return "[]"
        try:
            plain = not _ESCAPED.search("".join(value))
        except TypeError:   # an item that is no string
            plain = False
        return ('["' + '", "'.join(value) + '"]') if plain else _json(value)
    if kind is dict:
        return _json(value) if value else "{}"
    return value   # None or a scalar: SQLite's NOT NULL and json_valid checks judge it


@lru_cache(maxsize=None)
def _insert_sql(name: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {q(name)} ({', '.join(map(q, columns))}) VALUES ({', '.join('?' for _ in columns)})"


def override_digest(override: Optional[dict]) -> str:
    """A short digest of a manifest row ('' for none): a new row for a file makes it read again."""
    if not override:
        return ""
    text = json.dumps(override, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _set_aside_old_export(path: Path) -> None:
    """Rename a notices.db that an older govnotice wrote as a mere export (no schema version) out of the way."""
    if not path.is_file() or path.is_symlink():
        return
    db = sqlite3.connect(path)
    try:
        old = db.execute("PRAGMA user_version").fetchone()[0] == 0 and not db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone()
    finally:
        db.close()
    if old:
        aside = path.with_name(path.name + ".before-store")
        os.replace(path, aside)
        log.warning("%s was written by an older govnotice (an export, not a store): kept as %s; "
                    "the inputs are read into a new store", path, aside.name)


def _as_store_error(exc: BaseException, folder: Path, committed: bool) -> BaseException:
    """A one-line StoreError for a failed write (full disk, no permission); other exceptions unchanged."""
    if isinstance(exc, StoreError) or not isinstance(exc, (OSError, sqlite3.Error)):
        return exc
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if committed:
        return StoreError(f"cannot finish the exports in {folder}: {reason}; the next run finishes them")
    return StoreError(f"cannot write the store {folder}: {reason}; it is unchanged")
