"""Writers for the datasets: JSONL, CSV and SQLite, one class each behind one interface.

Every file is written under a temporary name in the output folder and renamed
over the old one only in ``finish``, so an interrupted run leaves the previous
outputs whole. Temporary files are named after the writing process
(``.tasks.jsonl.tmp<pid>``): those of a run that was killed outright are
swept away by the next run into the same folder.
"""
from __future__ import annotations

import csv
import json
import logging
import os
import re
import sqlite3
from pathlib import Path
from typing import IO, Optional

from pipeline.model import CatalogRecord, DocumentRecord, DomainRecord, ErrorRecord, Record, Result, TaskRecord

log = logging.getLogger("govnotice")
DATASETS: dict[str, type[Record]] = {
    "documents": DocumentRecord,
    "tasks": TaskRecord,
    "catalog": CatalogRecord,
    "domains": DomainRecord,
}


_TMP_PID = re.compile(r"\.tmp(\d+)")


def _alive(pid: int) -> bool:
    """True when a process with this id exists (its temporary files may be in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its files alone
    return True


def sweep_stale(outdir: Path, name: str) -> None:
    """Remove the temporary files (and SQLite journals) that killed runs left for output `name`."""
    for path in outdir.glob(f".{name}.tmp*"):
        m = _TMP_PID.match(path.name, len(name) + 1)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            path.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Flush a file (or folder) to disk, so a rename never publishes data still in the page cache."""
    flags = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if path.is_dir() else os.O_RDONLY
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


def _rows(result: Result) -> dict[str, list[Record]]:
    return {"documents": [result.document], "tasks": result.tasks,
            "catalog": result.catalog, "domains": result.domains}


class Exporter:
    """sweep() and start() once, export()/export_error() per document, finish() to publish or abort() to discard."""
    files: tuple[str, ...] = ()

    def __init__(self, outdir: Path):
        self.outdir = Path(outdir)
        self.tmp = {name: self.outdir / f".{name}.tmp{os.getpid()}" for name in self.files}

    def start(self) -> None:
        """Open the temporary files."""

    def sweep(self) -> None:
        """Remove the temporary files that killed runs left for this exporter's outputs."""
        for name in self.tmp:
            sweep_stale(self.outdir, name)

    def export(self, result: Result) -> None:
        """Write the records of one document."""

    def export_error(self, error: ErrorRecord) -> None:
        """Write one unreadable input."""

    def close(self) -> None:
        """Close open handles (before a rename or a discard)."""

    def finish(self) -> None:
        """Publish: replace each output by its completed temporary file."""
        self.close()
        for tmp in self.tmp.values():
            _sync(tmp)
        for name, tmp in self.tmp.items():
            os.replace(tmp, self.outdir / name)
        _sync(self.outdir)

    def abort(self) -> None:
        """Discard the temporary files; the previous outputs stay as they were."""
        self.close()
        for tmp in self.tmp.values():
            tmp.unlink(missing_ok=True)


class JsonlExporter(Exporter):
    """documents/tasks/catalog/domains.jsonl and errors.jsonl: UTF-8, one object a line."""
    files = tuple(f"{name}.jsonl" for name in DATASETS) + ("errors.jsonl",)

    def start(self) -> None:
        self.handles: dict[str, IO[str]] = {
            name: open(tmp, "w", encoding="utf-8", newline="\n") for name, tmp in self.tmp.items()}

    def _write(self, name: str, row: dict) -> None:
        self.handles[name].write(json.dumps(row, ensure_ascii=False) + "\n")

    def export(self, result: Result) -> None:
        for name, rows in _rows(result).items():
            for rec in rows:
                self._write(f"{name}.jsonl", rec.as_dict())

    def export_error(self, error: ErrorRecord) -> None:
        self._write("errors.jsonl", error.as_dict())

    def close(self) -> None:
        for handle in getattr(self, "handles", {}).values():
            handle.close()


def csv_value(value) -> object:
    """A field as a CSV cell: lists joined with `;`, objects as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return value


class CsvExporter(Exporter):
    """documents/tasks/catalog/domains.csv: UTF-8 with a BOM, one header row."""
    files = tuple(f"{name}.csv" for name in DATASETS)

    def start(self) -> None:
        self.handles = {}
        self.writers = {}
        for name, cls in DATASETS.items():
            handle = open(self.tmp[f"{name}.csv"], "w", encoding="utf-8-sig", newline="")
            writer = csv.writer(handle)
            writer.writerow(cls.columns())
            self.handles[name], self.writers[name] = handle, writer

    def export(self, result: Result) -> None:
        for name, rows in _rows(result).items():
            for rec in rows:
                self.writers[name].writerow([csv_value(v) for v in rec.as_dict().values()])

    def close(self) -> None:
        for handle in getattr(self, "handles", {}).values():
            handle.close()


def _sql_value(value) -> object:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class SqliteExporter(Exporter):
    """notices.db: one table per dataset (lists and objects as JSON text) plus errors."""
    files = ("notices.db",)

    def start(self) -> None:
        tmp = self.tmp["notices.db"]
        tmp.unlink(missing_ok=True)
        self.db: Optional[sqlite3.Connection] = sqlite3.connect(tmp)
        for name, cls in {**DATASETS, "errors": ErrorRecord}.items():
            cols = ", ".join(f'"{c}"' for c in cls.columns())
            self.db.execute(f'CREATE TABLE "{name}" ({cols})')
        self.db.execute('CREATE INDEX tasks_doc ON tasks (doc_id)')

    def _insert(self, name: str, rec: Record) -> None:
        row = rec.as_dict()
        marks = ", ".join("?" for _ in row)
        self.db.execute(f'INSERT INTO "{name}" VALUES ({marks})', [_sql_value(v) for v in row.values()])

    def export(self, result: Result) -> None:
        for name, rows in _rows(result).items():
            for rec in rows:
                self._insert(name, rec)

    def export_error(self, error: ErrorRecord) -> None:
        self._insert("errors", error)

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.commit()
            self.db.close()
            self.db = None


EXPORTERS: dict[str, type[Exporter]] = {
    "jsonl": JsonlExporter,
    "csv": CsvExporter,
    "sqlite": SqliteExporter,
}
