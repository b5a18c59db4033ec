"""One document in, records out (``process``); and the runner that maps it over many inputs.

``process`` is a pure function of a file's bytes and its source path, so runs
can be split across processes or machines. The runner gives each document its
own worker process with a time and memory limit, so one bad file can only
cost its own output, and adds the results to the store (pipeline/store.py) in one batch.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator, Optional

from extractors import Limits, detect_format, extractor_for
from normalizers.metadata import extract_metadata
from normalizers.regions import RegionEvidence, adcode_of, resolve_region
from normalizers.text import normalize
from pipeline.catalog import catalog_records, domain_records
from pipeline.errors import CannotOpen, GovnoticeError, InternalError, StoreError, Timeout, TooLarge
from pipeline.exporters import EXPORTERS
from pipeline.inputs import list_inputs
from pipeline.manifest import load_manifest  # noqa: F401  (part of this module's interface)
from pipeline.model import DocumentRecord, ErrorRecord, Paragraph, Result
from pipeline.store import DB_NAME, StoreWriter
from pipeline.tables import layout_of, logical_tables
from pipeline.tasks import TaskContext, task_records

log = logging.getLogger("govnotice")
# set by the CLI's signal handler: the runner checks it before it commits a batch
CANCEL = threading.Event()
REGION_FIELDS = ("province", "city", "county", "adcode")
# Region evidence is read line by line; a line longer than any real sentence
# (a hostile megabyte cell) is cut so that the region scan stays cheap.
MAX_EVIDENCE_LINE = 2000
MAX_EVIDENCE_UNIT = 200
MAX_DETAIL = 300


@dataclass(slots=True)
class Options:
    """How a run behaves (the CLI's options)."""
    limits: Limits = field(default_factory=Limits)
    timeout: float = 60.0
    # OCR (onnxruntime + OpenCV) maps about 1 GB of address space before it reads a page
    max_memory_mb: int = 2048
    jobs: int = 2
    strict: bool = False
    # exports besides notices.db; jsonl is always written, formats already in the store are kept up to date
    formats: tuple[str, ...] = ("jsonl", "csv")
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)
    rebuild: bool = False    # read every input again, even those the store holds
    progress: bool = False   # a progress bar on stderr


# --------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------

def doc_id_of(data: bytes) -> str:
    """First 16 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(data).hexdigest()[:16]


def process(data: bytes, source: str, limits: Limits = Limits(),
            override: Optional[dict[str, str]] = None) -> Result:
    """Turn one file's bytes into its document record and its task, catalog and domain records."""
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"{len(data)} bytes (limit {limits.max_file_bytes})")
    fmt = detect_format(data, source)
    raw = extractor_for(fmt).extract(data, limits)
    doc = DocumentRecord(doc_id=doc_id_of(data), source=source, format=fmt, warnings=list(raw.warnings))
    paragraphs = [t for t in (normalize(p.text) for p in raw.blocks if isinstance(p, Paragraph)) if t]
    doc.meta = {normalize(k).rstrip(":："): normalize(v) for k, v in raw.meta.items() if normalize(v)}
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


def _work(file: str, source: str, limits: Limits, override, max_memory_mb: int, conn) -> None:
    """Worker process body: limit memory, process one file, send back the result or the error."""
    # Ctrl-C reaches the whole process group: the parent stops the workers and
    # cleans up, a worker printing its own traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource
        cap = max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError) as exc:
        log.debug("memory limit not set: %s", exc)
    conn.send(_guarded(file, source, limits, override))
    conn.close()


def error_record(source: str, code: str, detail: str) -> ErrorRecord:
    """An errors.jsonl row whose detail is one short line (it is also the stderr message)."""
    detail = " ".join(detail.split())
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL - 1] + "…"
    return ErrorRecord(source, code, detail or code)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """warnings.showwarning replacement: a library's advice to its caller goes to the debug log."""
    log.debug("%s:%s: %s: %s", filename, lineno, category.__name__, message)


def _guarded(file: str, source: str, limits: Limits, override) -> object:
    """process() with every failure turned into an ErrorRecord."""
    try:
        data = Path(file).read_bytes()
        with warnings.catch_warnings():
            # e.g. bs4's many-line XMLParsedAsHTMLWarning: about our use of the
            # library, not about the input, and stderr holds one line per message
            warnings.showwarning = _log_warning
            return process(data, source, limits, override)
    except GovnoticeError as exc:
        return error_record(source, exc.code, str(exc) or exc.__doc__ or exc.code)
    except MemoryError:
        return error_record(source, TooLarge.code, "ran out of the per-document memory limit (--max-memory)")
    except RecursionError:
        return error_record(source, TooLarge.code, "structure nested too deeply")
    except OSError as exc:
        return error_record(source, CannotOpen.code, f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # a bug must cost one document, not the run
        log.debug("internal error on %s", source, exc_info=True)
        return error_record(source, InternalError.code, f"{type(exc).__name__}: {exc}")


class _Job:
    """One document in flight in its own process."""

    def __init__(self, ctx, file: Path, source: str, options: Options, override):
        self.source = source
        self.parent, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_work, args=(str(file), source, options.limits, override,
                                                    options.max_memory_mb, child), daemon=True)
        self.proc.start()
        child.close()
        self.started = time.monotonic()
        self.result: object = None

    def poll(self, timeout: float) -> bool:
        """True once the job has a result (or an error standing for one)."""
        if self.result is not None:
            return True
        if self.parent.poll(0):
            try:
                self.result = self.parent.recv()
            except (EOFError, OSError):   # the worker died while sending
                self.result = None
            self.proc.join()
            if self.result is None:
                self.result = _death_record(self.source, self.proc.exitcode)
            return True
        if not self.proc.is_alive():
            self.proc.join()
            self.result = _death_record(self.source, self.proc.exitcode)
            return True
        if time.monotonic() - self.started > timeout:
            self.kill()
            self.result = error_record(self.source, Timeout.code, f"took longer than {timeout:g} s (--timeout)")
            return True
        return False

    def kill(self) -> None:
        """Stop the worker at once."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()


def _death_record(source: str, exitcode: Optional[int]) -> ErrorRecord:
    """The error for a worker that ended without sending a result."""
    if exitcode == -signal.SIGKILL:  # the kernel's out-of-memory killer sends SIGKILL
        return error_record(source, TooLarge.code, "worker process was killed (out of memory?)")
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        return error_record(source, InternalError.code, f"worker process crashed ({name})")
    return error_record(source, InternalError.code, f"worker process ended without a result (exit code {exitcode})")


def _results(inputs: list[tuple[Path, str]], options: Options) -> Iterator[object]:
    """Results (Result or ErrorRecord) in input order, computed in up to ``jobs`` worker processes."""
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    if ctx is None:  # no fork (Windows): in-process, without the time limit
        for file, source in inputs:
            yield _guarded(str(file), source, options.limits, _manifest_row(options.manifest, file, source))
        return
    jobs = max(1, options.jobs)
    pending = list(enumerate(inputs))
    running: dict[int, _Job] = {}
    finished: dict[int, object] = {}
    next_out = 0
    try:
        while pending or running or finished:
            # a free slot takes the next input at once; results wait (a few at most) for their turn
            while pending and len(running) < jobs and pending[0][0] < next_out + 4 * jobs:
                index, (file, source) = pending.pop(0)
                running[index] = _Job(ctx, file, source, options, _manifest_row(options.manifest, file, source))
            for index, job in list(running.items()):
                if job.poll(options.timeout):
                    finished[index] = running.pop(index).result
            if next_out in finished:
                while next_out in finished:
                    yield finished.pop(next_out)
                    next_out += 1
            else:
                time.sleep(0.005)
    finally:
        for job in running.values():
            job.kill()


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
    summary.skipped = sum(listing.skipped.values())
    with StoreWriter(outdir, formats) as store:
        for error in listing.errors:
            _record(error, store, summary, options)
        todo, copies = _plan(listing.files, store, summary, options)
        with _progress(len(todo), options) as bar:
            read: dict[str, str] = {}   # doc_id -> source: bytes read under two name endings are stored once
            for item in _results(todo, options):
                if isinstance(item, Result) and item.document.doc_id in read:
                    summary.skipped += 1
                    _same_bytes(item.document.source, read[item.document.doc_id])
                else:
                    if isinstance(item, Result):
                        read[item.document.doc_id] = item.document.source
                    _record(item, store, summary, options)
                _record_copies(item, copies, store, summary, options)
                bar.update()
                _check_cancel()
        _check_cancel()
        summary.totals = store.totals()
        store.commit()
    return summary


def _record_copies(item: object, copies: dict[str, list[str]], store: StoreWriter, summary: Summary,
                   options: Options) -> None:
    """Copies of a document read once: a note each, or the same error line when it was unreadable."""
    if isinstance(item, ErrorRecord):
        for copy in copies.get(item.source, ()):
            summary.skipped -= 1
            _record(ErrorRecord(copy, item.error, item.detail), store, summary, options)
    else:
        for copy in copies.get(item.document.source, ()):
            _same_bytes(copy, item.document.source)


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


def file_hash(file: Path, limits: Limits) -> str:
    """doc_id of a file, read in chunks; TooLarge without reading a file over the size limit."""
    size = file.stat().st_size
    if size > limits.max_file_bytes:
        raise TooLarge(f"{size} bytes (limit {limits.max_file_bytes})")
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _plan(files: list[tuple[Path, str]], store: StoreWriter, summary: Summary, options: Options):
    """The inputs to read, and the copies of each, hashed here first: neither copies nor documents the
    store holds are read again."""
    known = store.known()
    at_source = {source: doc_id for doc_id, (source, _) in known.items()}
    # keyed by bytes and name ending: the ending decides how bytes that fail are reported
    seen: dict[tuple[str, str], str] = {}
    copies: dict[str, list[str]] = {}
    dispatched: set[str] = set()
    todo = []
    for file, source in files:
        try:
            doc_id = file_hash(file, options.limits)
        except TooLarge as exc:
            _record(error_record(source, TooLarge.code, str(exc)), store, summary, options)
            continue
        except OSError:
            todo.append((file, source))   # the worker meets the same error and reports it
            continue
        key = (doc_id, Path(source).suffix.lower())
        if key in seen:
            summary.skipped += 1
            if seen[key] in dispatched:   # said when the first copy is read: it may be unreadable
                copies.setdefault(seen[key], []).append(source)
            else:
                _same_bytes(source, seen[key])
        elif not options.rebuild and store.is_current(doc_id, known, _manifest_row(options.manifest, file,
                                                                                   source)):
            seen[key] = source
            summary.unchanged += 1
            store.unchanged()
            if known[doc_id][0] != source:
                log.info("%s: same bytes as %s, already in the store", source, known[doc_id][0])
        else:
            seen[key] = source
            dispatched.add(source)
            todo.append((file, source))
            continue
        if at_source.get(source, doc_id) != doc_id:   # the file changed into a copy of another one
            store.remove(source)
    return todo, copies


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
