"""Command line (thin, over pipeline): `govnotice extract INPUT... -o STORE`, `govnotice remove STORE SOURCE...`,
`govnotice fetch URL... -o DIR` and `govnotice compare STORE -o REPORTDIR`.

SUBCOMMANDS names each command's one-line help, the function that adds its
options to its parser and the function that runs it (``main(args) -> int``),
so a new command is one line there. A command's module is imported, and its
options added, only when the command line names that command: `govnotice
--help` loads no reader, no store and no rule (issue 12), and this module
imports nothing heavy itself.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import math
import os
import signal
import sys
import threading
from typing import Optional

from pipeline import __version__
from pipeline.limits import Limits
from pipeline.options import CANCEL, EXPORT_FORMATS, Options

EXAMPLE = "example: govnotice extract corpus -o outputs"
MB = 1024 * 1024


# --------------------------------------------------------------------------
# Option values
# --------------------------------------------------------------------------

def positive_int(text: str) -> int:
    """An integer of at least 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (argparse type): nan, inf, 0 and negatives are usage errors."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0: {text}")
    return value


def formats(text: str) -> tuple[str, ...]:
    """A comma-separated list of export formats (argparse type)."""
    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in EXPORT_FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(EXPORT_FORMATS)}: {text!r}")
    return chosen


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="log debug details and show tracebacks")
    parser.add_argument("--quiet", action="store_true", help="print errors and the summary only; no progress bar")


# --------------------------------------------------------------------------
# extract
# --------------------------------------------------------------------------

def add_extract(ex: argparse.ArgumentParser) -> None:
    """The extract subcommand's options."""
    ex.description = ("Read notices (folders recursively) and add them to the store in OUTDIR: notices.db, "
                      "then documents, tasks, catalog, domains as JSONL and CSV (and XLSX) and errors.jsonl, "
                      "exported from it. Documents the store holds (same bytes, same rules) are not read again.")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders to read")
    ex.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the store folder (created if missing)")
    ex.add_argument("--manifest", metavar="CSV",
                    help="CSV (file, province, city, county, url) whose region overrides what a document says; "
                         "default: manifest.csv inside an input folder, if there is one")
    opts, limits = Options(), Limits()  # the library's defaults are the CLI's
    ex.add_argument("--format", type=formats, default=opts.formats, metavar="LIST",
                    help=f"exports, comma-separated from {', '.join(EXPORT_FORMATS)} (jsonl always; "
                         f"default {','.join(opts.formats)})")
    ex.add_argument("--rebuild", action="store_true", help="read every input again, even those the store holds")
    ex.add_argument("--timeout", type=positive_float, default=opts.timeout, metavar="SECONDS",
                    help=f"time limit per document (default {opts.timeout:g})")
    ex.add_argument("--max-memory", type=positive_int, default=opts.max_memory_mb, metavar="MB",
                    help="memory limit of each document worker; with --jobs 2 a run stays within "
                         f"twice this (default {opts.max_memory_mb})")
    ex.add_argument("--max-file-size", type=positive_int, default=limits.max_file_bytes // MB, metavar="MB",
                    help=f"largest input file read (default {limits.max_file_bytes // MB})")
    ex.add_argument("--max-unzipped", type=positive_int, default=limits.max_unzipped_bytes // MB, metavar="MB",
                    help="largest DOCX, XLSX or OFD member inflated (all members: twice this); bigger "
                         "ones are refused as zip bombs "
                         f"(default {limits.max_unzipped_bytes // MB})")
    ex.add_argument("--jobs", type=positive_int, default=opts.jobs, metavar="N",
                    help=f"documents processed at once (default {opts.jobs})")
    ex.add_argument("--engine", choices=("local", "dask"), default=opts.engine,
                    help="where documents are processed: local worker processes, or a Dask cluster "
                         f"(default {opts.engine})")
    ex.add_argument("--scheduler", metavar="URL",
                    help="with --engine dask: address of a running Dask scheduler (tcp://HOST:PORT); "
                         "default: a local cluster of --jobs workers on 127.0.0.1")
    ex.add_argument("--strict", action="store_true", help="stop with exit status 1 at the first unreadable input; "
                                                          "the store stays as it was")
    _common(ex)


def extract_main(args) -> int:
    """govnotice extract: one batch into the store; the exit status."""
    from pipeline.manifest import find_manifest, load_manifest
    from pipeline.run import StrictError, run
    manifest_path = find_manifest(args.inputs, args.manifest)
    # A conversion gets most of the document's time, so a hung LibreOffice is reported as such.
    limits = Limits(max_file_bytes=args.max_file_size * MB, max_unzipped_bytes=args.max_unzipped * MB,
                    convert_timeout=min(Limits().convert_timeout, 0.75 * args.timeout))
    options = Options(limits=limits, timeout=args.timeout, max_memory_mb=args.max_memory, jobs=args.jobs,
                      strict=args.strict, formats=args.format, rebuild=args.rebuild,
                      manifest=load_manifest(manifest_path) if manifest_path else {},
                      progress=not args.quiet and sys.stderr.isatty(),
                      engine=args.engine, scheduler=args.scheduler)
    try:
        summary = run(args.inputs, args.output, options)
    except StrictError as exc:
        print(f"govnotice: stopped (--strict): {exc}; the store is unchanged", file=sys.stderr)
        return 1
    print(summary.line(), file=sys.stderr)
    return 0 if summary.documents or summary.unchanged else 1


# --------------------------------------------------------------------------
# remove
# --------------------------------------------------------------------------

def add_remove(rm: argparse.ArgumentParser) -> None:
    """The remove subcommand's options."""
    rm.description = ("Remove documents (by source as written in documents.jsonl, or by doc_id) and their rows "
                      "from the store, and export it again.")
    rm.epilog = "example: govnotice remove outputs variants/dongzhi_2020.txt"
    rm.add_argument("store", metavar="STORE", help="the store folder")
    rm.add_argument("sources", nargs="+", metavar="SOURCE", help="source or doc_id of a document")
    _common(rm)


def remove_main(args) -> int:
    """govnotice remove: the exit status (1 when nothing matched)."""
    from pipeline.run import remove
    summary = remove(args.sources, args.store)
    print(f"{summary.removed} removed; the store holds {summary.totals['documents']} documents, "
          f"{summary.totals['tasks']} tasks", file=sys.stderr)
    return 0 if summary.removed else 1


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------

# name -> (one-line help, "module:function" adding its options, "module:function" running it)
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "extract": ("read notices and add them to a store", "pipeline.cli:add_extract", "pipeline.cli:extract_main"),
    "remove": ("remove documents from a store", "pipeline.cli:add_remove", "pipeline.cli:remove_main"),
    "fetch": ("download notice pages and their attachments", "pipeline.fetch:add_options", "pipeline.fetch:main"),
    "compare": ("match tasks across notices and compare their deadlines", "pipeline.compare:add_options",
                "pipeline.compare:main"),
}


def _function(name: str):
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


class _CommandParser(argparse.ArgumentParser):
    """A subcommand's parser whose options (and its module) are added the first time it parses or
    prints its help: `govnotice --help` lists the commands without importing them."""

    def __init__(self, *args, adds: Optional[str] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.adds = adds

    def add_options(self) -> None:
        if self.adds is not None:
            adds, self.adds = self.adds, None
            _function(adds)(self)

    def parse_known_args(self, args=None, namespace=None):
        self.add_options()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self.add_options()
        return super().format_usage()

    def format_help(self) -> str:
        self.add_options()
        return super().format_help()


class _Version(argparse.Action):
    """--version: the rules version is worked out only when asked for (it hashes the rule files)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from pipeline.rules import current
        from pipeline.schema import SCHEMA_VERSION
        print(f"govnotice {__version__} (rules {current()}, store schema {SCHEMA_VERSION})")
        parser.exit()


def build_parser(lazy: bool = False) -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests can check the README against it); lazy: each
    command's options are added when the command line names it."""
    parser = argparse.ArgumentParser(prog="govnotice", description="Turn Chinese government notices into datasets.",
                                     epilog=EXAMPLE)
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the version, the rules version and the store schema version, and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser)
    for name, (summary, adds, _) in SUBCOMMANDS.items():
        command = sub.add_parser(name, help=summary, epilog=EXAMPLE, adds=adds)
        if not lazy:
            command.add_options()
    return parser


_MAIN_PID = os.getpid()


def _stop(signum, frame) -> None:
    """SIGINT/SIGTERM/SIGHUP: unwind, so the batch rolls back and the workers are stopped."""
    if os.getpid() != _MAIN_PID:   # a forked worker inherited this handler: die as the signal means
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    # Python drops an exception raised inside a fork hook ("Exception ignored"): the flag keeps
    # the stop request until the runner looks, so a batch never commits after it
    CANCEL.set()
    raise KeyboardInterrupt


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the `govnotice` command; returns the exit status."""
    args = build_parser(lazy=True).parse_args(argv)
    # imported once the arguments are known: `--help` and a usage error need none of them
    import logging
    import sqlite3

    from pipeline.errors import StoreError
    from pipeline.manifest import ManifestError
    debug = getattr(args, "debug", False)
    level = logging.DEBUG if debug else logging.ERROR if getattr(args, "quiet", False) else logging.WARNING
    logging.basicConfig(level=level, format="govnotice: %(message)s", stream=sys.stderr, force=True)
    if not debug:  # pdfminer reports every oddity of a broken file; our own line says enough
        logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers can only be set there
        CANCEL.clear()
        stops = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}
        previous = {s: signal.signal(s, _stop) for s in stops}
    try:
        return _function(SUBCOMMANDS[args.command][2])(args)
    except KeyboardInterrupt:
        return _interrupted()
    except (StoreError, ManifestError, OSError, ValueError, sqlite3.Error) as exc:
        if debug:
            raise
        if CANCEL.is_set():
            return _interrupted()
        print(f"govnotice: {exc}", file=sys.stderr)
        return 2
    except Exception:
        # a stop that lands while a compiled module starts up (opencc's, loaded before the workers
        # fork) comes out as that module's ImportError, not as KeyboardInterrupt
        if CANCEL.is_set() and not debug:
            return _interrupted()
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if previous:   # this call's stop is over: a later call (or the Python API) must not see it
            CANCEL.clear()


def _interrupted() -> int:
    print("govnotice: interrupted; the store keeps its last complete batch", file=sys.stderr)
    return 130


def entry() -> None:
    """The `govnotice` program: main() on the command line, then exit with its status."""
    status = main()
    # What the run built (readers, gazetteer, lexicons) is garbage now. Frozen, it is left to the
    # operating system: the collector's passes over it at interpreter exit cost 65-100 ms a run.
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    entry()
