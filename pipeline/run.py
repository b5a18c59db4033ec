"""One document in, records out (``process``); and the runner that maps it over many inputs.

``process`` is a pure function of a file's bytes and its source path, so runs
can be split across processes or machines. The runner hashes the inputs, hands
the ones the store lacks to an engine (pipeline/executor.py: long-lived local
workers with a time and memory limit each, or Dask), so one bad file can only
cost its own output, and adds the results to the store (pipeline/store.py) in one batch.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Optional

from extractors import Limits, detect_format, extractor_for
from pipeline.errors import StoreError, TooLarge
from pipeline.exporters import EXPORTERS
from pipeline.inputs import list_inputs
from pipeline.manifest import load_manifest  # noqa: F401  (part of this module's interface)
from pipeline.model import DocumentRecord, ErrorRecord, Paragraph, Result
from pipeline.options import CANCEL, Options  # noqa: F401  (part of this module's interface)
from pipeline.store import DB_NAME, StoreWriter

log = logging.getLogger("govnotice")
REGION_FIELDS = ("province", "city", "county", "adcode")
# Region evidence is read line by line; a line longer than any real sentence
# (a hostile megabyte cell) is cut so that the region scan stays cheap.
MAX_EVIDENCE_LINE = 2000
MAX_EVIDENCE_UNIT = 200


# --------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------

def doc_id_of(data: bytes) -> str:
    """First 16 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(data).hexdigest()[:16]


def process(data: bytes, source: str, limits: Limits = Limits(),
            override: Optional[dict[str, str]] = None) -> Result:
    """Turn one file's bytes into its document record and its task, catalog and domain records."""
    # The rules are imported on first use, not with this module: `govnotice --help` stays fast.
    from normalizers.metadata import extract_metadata
    from normalizers.text import normalize, normalize_all
    from pipeline.catalog import catalog_records, domain_records
    from pipeline.tables import layout_of, logical_tables
    from pipeline.tasks import TaskContext, task_records
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"{len(data)} bytes (limit {limits.max_file_bytes})")
    fmt = detect_format(data, source)
    raw = extractor_for(fmt).extract(data, limits)
    doc = DocumentRecord(doc_id=doc_id_of(data), source=source, format=fmt, warnings=list(raw.warnings))
    paragraphs = [t for t in normalize_all([p.text for p in raw.blocks if isinstance(p, Paragraph)]) if t]
    doc.meta = {normalize(k).rstrip(":："): value for k, v in raw.meta.items() if (value := normalize(v))}
    meta = extract_metadata(paragraphs, doc.meta, normalize(raw.title_hint) or None)
    doc.title, doc.doc_number, doc.issuer, doc.issue_date = meta.title, meta.doc_number, meta.issuer, meta.issue_date
    doc.meta = meta.fields   # the page's block, plus 发布机构:/发文日期: lines printed in the text
    _inherit(doc, override or {})
    result = Result(doc)
    ctx = TaskContext(doc.doc_id, _iso_date(doc.issue_date))
    for index, table in enumerate(logical_tables(raw.blocks)):
        layout = layout_of(table)
        if layout.kind == "task":
            result.tasks.extend(task_records(table, layout, index, ctx))
        elif layout.kind == "catalog":
            result.catalog.extend(catalog_records(table, layout, index, doc.doc_id))
        elif layout.kind == "domain":
            result.domains.extend(domain_records(table, layout, index, doc.doc_id))
    _set_region(result, paragraphs, normalize(raw.chrome_text), override or {})
    doc.url = (override or {}).get("url") or None
    for task in result.tasks:
        task.source, task.title, task.issue_date = doc.source, doc.title, doc.issue_date
    doc.n_tasks, doc.n_catalog, doc.n_domains = len(result.tasks), len(result.catalog), len(result.domains)
    if not (doc.n_tasks or doc.n_catalog or doc.n_domains):
        doc.warnings.append("no task, catalog or domain table found")
    if any("garbled_text" in t.flags for t in result.tasks):
        n = sum("garbled_text" in t.flags for t in result.tasks)
        doc.warnings.append(f"{n} task rows hold garbled text (broken font map?), kept as written")
    return result


def _inherit(doc: DocumentRecord, override: dict[str, str]) -> None:
    """From a `fetch` manifest row: the linking page's title where the file has none; the link text as meta 附件."""
    from normalizers.text import normalize
    if not doc.title and normalize(override.get("title") or ""):
        doc.title = normalize(override["title"])
    if normalize(override.get("link_text") or ""):
        doc.meta["附件"] = normalize(override["link_text"])


def _iso_date(text: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _set_region(result: Result, paragraphs: list[str], site: str, override: dict[str, str]) -> None:
    """Resolve the region from what the document says, let a manifest row override it, copy it to tasks."""
    from normalizers.regions import RegionEvidence, adcode_of, resolve_region
    doc = result.document
    units = [u[:MAX_EVIDENCE_UNIT] for t in result.tasks for u in t.lead_units + t.guide_units + t.support_units]
    units += [u[:MAX_EVIDENCE_UNIT] for d in result.domains for u in d.lead_units]
    # Table text counts as body: an annex-only file may name its place only there.
    table_text = [t.item or "" for t in result.tasks] + sorted({t.group or "" for t in result.tasks})
    body = "\n".join(line[:MAX_EVIDENCE_LINE] for text in paragraphs + table_text for line in text.split("\n"))
    evidence = RegionEvidence(issuer=doc.issuer or "", title=doc.title or "", doc_number=doc.doc_number or "",
                              body=body, units=units,
                              site="\n".join([site] + [f"{k}:{v}" for k, v in doc.meta.items()]))
    region = resolve_region(evidence)
    values = {f: getattr(region, f) for f in REGION_FIELDS}
    page = {f: override.get(f"page_{f}") or None for f in ("province", "city", "county")}
    # the linking page's region fills in what an attachment leaves open, never contradicts it
    if any(page.values()) and all(values[f] in (None, page[f]) for f in page):
        values = {**page, "adcode": adcode_of(*page.values())}
    if override:
        manifest_region = {f: override.get(f) or None for f in ("province", "city", "county")}
        if any(manifest_region.values()):
            values = {**manifest_region, "adcode": adcode_of(*manifest_region.values())}
    for f in REGION_FIELDS:
        setattr(doc, f, values[f])
    for task in result.tasks:
        for f in REGION_FIELDS:
            setattr(task, f, values[f])


# --------------------------------------------------------------------------
# Many documents
# --------------------------------------------------------------------------

@dataclass(slots=True)
class Summary:
    """Counts for the closing line of a run."""
    documents: int = 0
    tasks: int = 0
    catalog: int = 0
    domains: int = 0
    errors: int = 0
    skipped: int = 0
    unchanged: int = 0   # already in the store: same bytes, same rules
    removed: int = 0
    # rows per dataset in the store after the batch
    totals: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        text = (f"{_count(self.documents, 'document')} read, {_count(self.tasks, 'task')}, "
                f"{_count(self.catalog, 'catalog item')}, {_count(self.domains, 'domain')}, "
                f"{_count(self.errors, 'error')}, {_count(self.skipped, 'file')} skipped")
        if self.unchanged:
            text += f", {self.unchanged} already in the store"
        if self.totals and self.totals.get("documents") != self.documents:
            text += (f"; the store holds {_count(self.totals['documents'], 'document')}, "
                     f"{_count(self.totals['tasks'], 'task')}")
        return text


def _count(n: int, noun: str) -> str:
    """A count with its noun: 1 task, 2 tasks."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _manifest_row(manifest: dict, file: Path, source: str) -> Optional[dict[str, str]]:
    return manifest.get(source) or manifest.get(file.name)


def _results(inputs: Iterable[tuple[Path, str, Optional[Path]]], options: Options,
             listed: list[tuple[Path, str, Optional[Path]]]) -> Iterator[object]:
    """Results (Result or ErrorRecord) in input order, from the engine the options name (pipeline/executor.py);
    the readers loaded up front are those the listed files' names call for."""
    from pipeline import executor
    return executor.results(inputs, options, executor.likely_formats(listed))


def run(paths: list[str], outdir: str, options: Optional[Options] = None) -> Summary:
    """Add the inputs to the store in outdir (one transaction), export it, and return the counts."""
    options = options or Options()
    # notices.db is always written: "sqlite" (a format of earlier versions) asks for nothing more
    formats = tuple(f for f in options.formats if f != "sqlite")
    unknown = set(formats) - set(EXPORTERS)
    if unknown:
        raise ValueError(f"unknown output format(s): {', '.join(sorted(unknown))}")
    summary = Summary()
    listing = list_inputs(paths)
    _leave_out_store_files(listing, Path(outdir))
    summary.skipped = sum(listing.skipped.values())
    with StoreWriter(outdir, formats) as store:
        for error in listing.errors:
            _record(error, store, summary, options)
        with _progress(len(listing.files), options) as bar:
            plan = _Plan(store, summary, options, bar)
            read: dict[str, str] = {}   # doc_id -> source: bytes read under two name endings are stored once
            for item in _results(plan.todo(listing.files), options, listing.files):
                if isinstance(item, Result) and item.document.doc_id in read:
                    summary.skipped += 1
                    _same_bytes(item.document.source, read[item.document.doc_id])
                else:
                    if isinstance(item, Result):
                        read[item.document.doc_id] = item.document.source
                    _record(item, store, summary, options)
                plan.taken(item)
                bar.update()
                _check_cancel()
        _check_cancel()
        summary.totals = store.totals()
        store.commit()
    return summary


def _leave_out_store_files(listing, outdir: Path) -> None:
    """Drop inputs named directly that are files of the output store (a folder walk already skips the
    store's folder): reading notices.db in the writing process would open and close a descriptor of it,
    and closing one drops the process's POSIX locks on the file, SQLite's included."""
    try:
        present = list(outdir.iterdir())
    except OSError:   # no store there yet (or none to read): nothing of it can be an input
        return
    held = set()
    for path in present:
        try:
            info = os.stat(path)
        except OSError:   # gone meanwhile (a run's staging folder)
            continue
        if stat.S_ISREG(info.st_mode):
            held.add((info.st_dev, info.st_ino))
    store = outdir.resolve()
    kept = []
    for entry in listing.files:
        if entry[2] is not None:   # found in a folder walk
            kept.append(entry)
            continue
        try:
            info = os.stat(entry[0])
            inside = (info.st_dev, info.st_ino) in held or Path(entry[0]).resolve().parent == store
        except OSError:
            inside = False   # the worker meets the same error and reports it
        if inside:
            log.warning("%s: a file of the output store %s; not read", entry[0], outdir)
            listing.skipped["file of the output store"] = listing.skipped.get("file of the output store", 0) + 1
        else:
            kept.append(entry)
    listing.files = kept


def _check_cancel() -> None:
    """Stop (rolling the batch back) when a stop was asked for, even if its KeyboardInterrupt got lost."""
    if CANCEL.is_set():
        raise KeyboardInterrupt


def extract(paths, store, **settings) -> Summary:
    """Python API: add files and folders to the store folder ``store``; settings are Options fields."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return run([os.fspath(p) for p in paths], os.fspath(store), Options(**settings))


def remove(sources: list[str], outdir: str, formats: tuple[str, ...] = ()) -> Summary:
    """Remove documents (by source or doc_id) and error lines from a store, in one batch."""
    if not (Path(outdir) / DB_NAME).is_file():
        raise StoreError(f"no store in {outdir} (no {DB_NAME})")
    summary = Summary()
    with StoreWriter(outdir, formats) as store:
        for source in sources:
            if not store.remove(source):
                log.warning("%s: not in the store", source)
        summary.removed = store.counts["removed"]
        summary.totals = store.totals()
        store.commit()
    return summary


class StrictError(Exception):
    """An input could not be read and --strict was given."""


def file_hash(file: Path, limits: Limits, folder: Optional[Path] = None) -> str:
    """doc_id of a file, read in chunks; TooLarge without reading a file over the size limit.

    A link is followed only to where the listing allowed (inside the folder it was found in), then
    opened without following links; a FIFO or device is not read (it could block the run). A file
    swapped for something else after the listing raises OSError here and is left to the worker,
    whose own checks report it.
    """
    real = os.path.realpath(file)
    root = os.path.realpath(folder) if folder is not None else None
    if root is not None and os.path.commonpath([real, root]) != root:
        raise OSError(f"{file} now leads out of its folder")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with os.fdopen(os.open(real, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{file} is not a regular file")
        if info.st_size > limits.max_file_bytes:
            raise TooLarge(f"{info.st_size} bytes (limit {limits.max_file_bytes})")
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


class _Plan:
    """Which inputs to read, each hashed as the engine asks for the next one: neither copies nor documents
    the store holds are read again, and the first documents are read while the rest are still hashed
    (a large batch is not read through once before any work starts, and a worker reads each file soon
    after it was hashed, while it is still in the page cache)."""

    def __init__(self, store: StoreWriter, summary: Summary, options: Options, bar) -> None:
        self.store, self.summary, self.options, self.bar = store, summary, options, bar
        self.known = store.known()
        self.at_source = {source: doc_id for doc_id, (source, _) in self.known.items()}
        # keyed by bytes and name ending: the ending decides how bytes that fail are reported
        self.seen: dict[tuple[str, str], str] = {}
        self.dispatched: set[str] = set()
        self.copies: dict[str, list[str]] = {}   # dispatched source -> copies met before its record came
        self.taken_from: dict[str, Optional[ErrorRecord]] = {}   # dispatched source whose record came -> its error

    def todo(self, files: list[tuple[Path, str, Optional[Path]]]) -> Iterator[tuple[Path, str, Optional[Path]]]:
        """The inputs to read, in their order; the others are counted, noted or recorded on the way."""
        for entry in files:
            if self._plan(entry):
                yield entry
            else:
                self.bar.update()

    def _plan(self, entry) -> bool:
        """True when the input is to be read."""
        file, source = entry[0], entry[1]
        summary, store, options = self.summary, self.store, self.options
        try:
            doc_id = file_hash(file, options.limits, entry[2] if len(entry) > 2 else None)
        except TooLarge as exc:
            _record(_error_record(source, TooLarge.code, str(exc)), store, summary, options)
            return False
        except OSError:
            return True   # the worker meets the same error and reports it
        key = (doc_id, Path(source).suffix.lower())
        copy = key in self.seen
        if not copy and (options.rebuild or not store.is_current(doc_id, self.known,
                                                                 _manifest_row(options.manifest, file, source))):
            self.seen[key] = source
            self.dispatched.add(source)
            return True
        # not read: what the store holds for this source goes first (a copy's error line may follow at once)
        if self.at_source.get(source, doc_id) != doc_id:   # the file changed into a copy of another one
            store.remove(source)
        if copy:
            summary.skipped += 1
            first = self.seen[key]
            if first in self.taken_from:   # its record came already: said now
                self._copy(first, source, self.taken_from[first])
            elif first in self.dispatched:   # said when its record comes: it may be unreadable
                self.copies.setdefault(first, []).append(source)
            else:
                _same_bytes(source, first)
        else:
            self.seen[key] = source
            summary.unchanged += 1
            store.unchanged()
            if self.known[doc_id][0] != source:
                log.info("%s: same bytes as %s, already in the store", source, self.known[doc_id][0])
        return False

    def taken(self, item: object) -> None:
        """A record came: its copies met so far get a note each, or the same error line when it was unreadable."""
        error = item if isinstance(item, ErrorRecord) else None
        source = item.source if error else item.document.source
        if source in self.dispatched:
            self.taken_from[source] = error
        for copy in self.copies.pop(source, ()):
            self._copy(source, copy, error)

    def _copy(self, first: str, copy: str, error: Optional[ErrorRecord]) -> None:
        if error is None:
            _same_bytes(copy, first)
        else:
            self.summary.skipped -= 1
            _record(ErrorRecord(copy, error.error, error.detail), self.store, self.summary, self.options)


def _error_record(source: str, code: str, detail: str) -> ErrorRecord:
    from pipeline.executor import error_record
    return error_record(source, code, detail)


def _same_bytes(source: str, first: str) -> None:
    log.warning("%s: same bytes as %s; its rows are not written twice", source, first)


@contextmanager
def _progress(total: int, options: Options):
    """A tqdm bar on stderr while documents are read (options.progress), else a stand-in."""
    if not options.progress:
        yield _NoBar()
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm
    with tqdm(total=total, unit="doc", file=sys.stderr, leave=False, dynamic_ncols=True) as bar, \
            logging_redirect_tqdm():
        yield bar


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Nothing to draw."""


def _record(item: object, store: StoreWriter, summary: Summary, options: Options) -> None:
    """Count one result or error, say what needs saying, and add it to the batch."""
    if isinstance(item, ErrorRecord):
        summary.errors += 1
        log.error("%s: %s: %s", item.source, item.error, item.detail)
        if options.strict:
            raise StrictError(f"{item.source}: {item.error}: {item.detail}")
        store.add_error(item)
        return
    summary.documents += 1
    summary.tasks += len(item.tasks)
    summary.catalog += len(item.catalog)
    summary.domains += len(item.domains)
    source = item.document.source
    for warning in item.document.warnings:
        log.warning("%s: %s", source, warning)
    store.add(item, _manifest_row(options.manifest, Path(source), source))
