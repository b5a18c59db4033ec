"""Command line: `govnotice extract INPUT... -o OUTDIR` (a thin layer over pipeline.run)."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from extractors.base import Limits
from pipeline.run import Options, StrictError, load_manifest, run

EXAMPLE = "example: govnotice extract corpus -o outputs"
MB = 1024 * 1024


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests can check the README against it)."""
    parser = argparse.ArgumentParser(prog="govnotice", description="Turn Chinese government notices into datasets.",
                                     epilog=EXAMPLE)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="read notices and write the datasets",
                        description="Read notices (PDF, DOCX, HTML, TXT; folders recursively) and write "
                                    "documents, tasks, catalog and domains as JSONL and CSV, errors.jsonl "
                                    "and notices.db into OUTDIR.", epilog=EXAMPLE)
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders to read")
    ex.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder for the datasets")
    ex.add_argument("--manifest", metavar="CSV",
                    help="CSV (file, province, city, county, url) whose region overrides what a document says; "
                         "default: manifest.csv inside an input folder, if there is one")
    opts, limits = Options(), Limits()  # the library's defaults are the CLI's
    ex.add_argument("--timeout", type=float, default=opts.timeout, metavar="SECONDS",
                    help=f"time limit per document (default {opts.timeout:g})")
    ex.add_argument("--max-memory", type=int, default=opts.max_memory_mb, metavar="MB",
                    help="memory limit of each document worker; with --jobs 2 a run stays within "
                         f"twice this (default {opts.max_memory_mb})")
    ex.add_argument("--max-file-size", type=int, default=limits.max_file_bytes // MB, metavar="MB",
                    help=f"largest input file read (default {limits.max_file_bytes // MB})")
    ex.add_argument("--max-unzipped", type=int, default=limits.max_unzipped_bytes // MB, metavar="MB",
                    help="largest DOCX part inflated; bigger ones are refused as zip bombs "
                         f"(default {limits.max_unzipped_bytes // MB})")
    ex.add_argument("--jobs", type=int, default=opts.jobs, metavar="N",
                    help=f"documents processed at once (default {opts.jobs})")
    ex.add_argument("--engine", choices=("local", "dask"), default=opts.engine,
                    help="where documents are processed: local worker processes, or a Dask cluster "
                         f"(default {opts.engine})")
    ex.add_argument("--scheduler", metavar="URL",
                    help="with --engine dask: address of a running Dask scheduler (tcp://HOST:PORT); "
                         "default: a local cluster of --jobs workers on 127.0.0.1")
    ex.add_argument("--strict", action="store_true", help="stop with exit status 1 at the first unreadable input")
    ex.add_argument("--debug", action="store_true", help="log debug details and show tracebacks")
    ex.add_argument("--quiet", action="store_true", help="print errors and the summary only")
    return parser


def _manifest(args) -> dict:
    if args.manifest:
        return load_manifest(Path(args.manifest))
    for given in args.inputs:
        candidate = Path(given) / "manifest.csv"
        if Path(given).is_dir() and candidate.is_file():
            return load_manifest(candidate)
    return {}


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the `govnotice` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.debug else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="govnotice: %(message)s", stream=sys.stderr, force=True)
    if not args.debug:  # pdfminer reports every oddity of a broken file; our own line says enough
        logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    limits = Limits(max_file_bytes=args.max_file_size * MB, max_unzipped_bytes=args.max_unzipped * MB)
    try:
        options = Options(limits=limits, timeout=args.timeout, max_memory_mb=args.max_memory,
                          jobs=max(1, args.jobs), strict=args.strict, manifest=_manifest(args),
                          engine=args.engine, scheduler=args.scheduler)
        summary = run(args.inputs, args.output, options)
    except KeyboardInterrupt:
        print("govnotice: interrupted; the previous outputs are kept", file=sys.stderr)
        return 130
    except StrictError as exc:
        print(f"govnotice: stopped (--strict): {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"govnotice: {exc}", file=sys.stderr)
        return 2
    print(summary.line(), file=sys.stderr)
    if summary.documents == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
