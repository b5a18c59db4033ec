"""One document in, records out (``process``); and the runner that maps it over many inputs.

``process`` is a pure function of a file's bytes and its source path, so runs
can be split across processes or machines. The runner hands the documents to an
engine (pipeline/executor.py: long-lived local workers with a time and memory
limit each, or Dask), so one bad file can only cost its own output, and streams
results to the exporters in input order.
"""
from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Optional

from extractors import NOTICE_EXTENSIONS, Limits, detect_format, extractor_for
from pipeline.errors import TooLarge
from pipeline.exporters import EXPORTERS, Exporter
from pipeline.model import DocumentRecord, ErrorRecord, Paragraph, Result

log = logging.getLogger("govnotice")
REGION_FIELDS = ("province", "city", "county", "adcode")
# Region evidence is read line by line; a line longer than any real sentence
# (a hostile megabyte cell) is cut so that the region scan stays cheap.
MAX_EVIDENCE_LINE = 2000
MAX_EVIDENCE_UNIT = 200
LINK_OUT = "link to a file outside the folder"


@dataclass(slots=True)
class Options:
    """How a run behaves (the CLI's options)."""
    limits: Limits = field(default_factory=Limits)
    timeout: float = 60.0
    max_memory_mb: int = 1024
    jobs: int = 2
    strict: bool = False
    formats: tuple[str, ...] = ("jsonl", "csv", "sqlite")
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)
    engine: str = "local"               # "local" (worker pool) or "dask"
    scheduler: Optional[str] = None     # dask: tcp://HOST:PORT of a running scheduler; None starts a local cluster


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
    from normalizers.text import normalize
    from pipeline.catalog import catalog_records, domain_records
    from pipeline.tables import layout_of, logical_tables
    from pipeline.tasks import TaskContext, task_records
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"{len(data)} bytes (limit {limits.max_file_bytes})")
    fmt = detect_format(data, source)
    raw = extractor_for(fmt).extract(data, limits)
    doc = DocumentRecord(doc_id=doc_id_of(data), source=source, format=fmt, warnings=list(raw.warnings))
    paragraphs = [t for t in (normalize(p.text) for p in raw.blocks if isinstance(p, Paragraph)) if t]
    doc.meta = {normalize(k).rstrip(":："): normalize(v) for k, v in raw.meta.items() if normalize(v)}
    meta = extract_metadata(paragraphs, doc.meta, normalize(raw.title_hint) or None)
    doc.title, doc.doc_number, doc.issuer, doc.issue_date = meta.title, meta.doc_number, meta.issuer, meta.issue_date
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
    doc.n_tasks, doc.n_catalog, doc.n_domains = len(result.tasks), len(result.catalog), len(result.domains)
    if not (doc.n_tasks or doc.n_catalog or doc.n_domains):
        doc.warnings.append("no task, catalog or domain table found")
    if any("garbled_text" in t.flags for t in result.tasks):
        n = sum("garbled_text" in t.flags for t in result.tasks)
        doc.warnings.append(f"{n} task rows hold garbled text (broken font map?), kept as written")
    return result


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
    # source of each document written, by doc_id: a byte-identical copy is not written twice
    sources: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        return (f"{self.documents} documents read, {self.tasks} tasks, {self.catalog} catalog items, "
                f"{self.domains} domains, {self.errors} errors, {self.skipped} files skipped")


def iter_inputs(paths: Iterable[str]) -> Iterator[tuple[Path, str, Optional[Path]]]:
    """(file, source, folder) for each input: folders walked recursively in name order (folder None for a file)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                yield file, file.relative_to(path).as_posix(), path
        else:
            yield path, path.name if path.is_absolute() else path.as_posix(), None


def skip_reason(file: Path, folder: Optional[Path]) -> Optional[str]:
    """Why a file found in a folder is not read (None: read it); files named directly are always tried."""
    if folder is None:
        return None
    # A link planted by an unpacked archive must not pull in files from elsewhere.
    if file.is_symlink() and not file.resolve().is_relative_to(folder.resolve()):
        return LINK_OUT
    if file.suffix.lower() not in NOTICE_EXTENSIONS:
        return file.suffix.lower() or "no extension"
    return None


def _collect(paths: list[str], summary: Summary) -> list[tuple[Path, str, Optional[Path]]]:
    """The (file, source, folder) triples to read; the others counted in the summary and noted on stderr."""
    inputs: list[tuple[Path, str, Optional[Path]]] = []
    skipped: Counter[str] = Counter()
    for file, source, folder in iter_inputs(paths):
        reason = skip_reason(file, folder)
        if reason is None:
            inputs.append((file, source, folder))
        else:
            skipped[reason] += 1
            (log.warning if reason == LINK_OUT else log.info)("skipped %s: %s", source, reason)
    summary.skipped = sum(skipped.values())
    if skipped:
        kinds = ", ".join(f"{reason} ({n})" for reason, n in sorted(skipped.items()))
        log.warning("skipped %d files: %s", summary.skipped, kinds)
    return inputs


def load_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a manifest CSV (file, province, city, county, url) keyed by file name."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "province", "city", "county"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"manifest {path} lacks the column(s) {', '.join(sorted(missing))} "
                             "(header: file,province,city,county,url)")
        return {row["file"].strip(): {k: (v or "").strip() for k, v in row.items() if k}
                for row in reader if row.get("file")}


def _results(inputs: list[tuple[Path, str, Optional[Path]]], options: Options) -> Iterator[object]:
    """Results (Result or ErrorRecord) in input order, from the engine the options name (pipeline/executor.py)."""
    from pipeline import executor
    return executor.results(inputs, options)


def run(paths: list[str], outdir: str, options: Optional[Options] = None) -> Summary:
    """Process every input and write the datasets into outdir; returns the counts."""
    options = options or Options()
    unknown = set(options.formats) - set(EXPORTERS)
    if unknown:
        raise ValueError(f"unknown output format(s): {', '.join(sorted(unknown))}")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    inputs = _collect(paths, summary)
    exporters: list[Exporter] = [EXPORTERS[f](out) for f in options.formats]
    if "jsonl" not in options.formats:
        exporters.append(EXPORTERS["jsonl"](out))  # errors.jsonl is always written
    try:
        for exporter in exporters:
            exporter.sweep()
            exporter.start()
        for item in _results(inputs, options):
            _export(item, exporters, summary, options)
        for exporter in exporters:
            exporter.finish()
    except BaseException:
        for exporter in exporters:
            exporter.abort()
        raise
    return summary


class StrictError(Exception):
    """An input could not be read and --strict was given."""


def _export(item: object, exporters: list[Exporter], summary: Summary, options: Options) -> None:
    if isinstance(item, ErrorRecord):
        summary.errors += 1
        log.error("%s: %s: %s", item.source, item.error, item.detail)
        if options.strict:
            raise StrictError(f"{item.source}: {item.error}: {item.detail}")
        for exporter in exporters:
            exporter.export_error(item)
        return
    first = summary.sources.setdefault(item.document.doc_id, item.document.source)
    if first != item.document.source:
        summary.skipped += 1
        log.warning("%s: same bytes as %s; its rows are not written twice", item.document.source, first)
        return
    summary.documents += 1
    summary.tasks += len(item.tasks)
    summary.catalog += len(item.catalog)
    summary.domains += len(item.domains)
    for warning in item.document.warnings:
        log.warning("%s: %s", item.document.source, warning)
    for exporter in exporters:
        exporter.export(item)
