"""`govnotice fetch URL... -o DIR`: notice pages and their attachments into DIR, with a manifest for extract.

List pages (--follow PATTERN) lead to notice pages; a notice page is saved
with every attachment it links (zip archives unpacked). DIR/manifest.csv gets
one row per file with its URL, and for attachments the notice page's title and
region (used only where the file states none) and the link text.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from extractors import NOTICE_EXTENSIONS, Limits
from pipeline.atomic import write_atomic

log = logging.getLogger("govnotice")
MB = 1024 * 1024
MANIFEST_COLUMNS = ("file", "province", "city", "county", "url", "title", "link_text",
                    "page_province", "page_city", "page_county")
ERRORS_FILE = "fetch-errors.jsonl"
ATTACHMENT_EXTENSIONS = frozenset(NOTICE_EXTENSIONS - {".html", ".htm", ".shtml", ".xhtml"}) | {".zip"}
# Scans and web archives are read too, but pages link pictures for other reasons (查看大图, news photos):
# such a link is an annex only when marked as one (README "govnotice fetch", Notice pages).
MARKED_ONLY_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp",
                                    ".mht", ".mhtml"})
DOCUMENT_EXTENSIONS = ATTACHMENT_EXTENSIONS - MARKED_ONLY_EXTENSIONS
EXAMPLE = "example: govnotice fetch https://www.example.gov.cn/zwgk/list.html --follow '实施方案' -o notices"


@dataclass(slots=True)
class ClientSettings:
    """Politeness and limits of the client (the fetch CLI's options)."""
    delay: float = 1.0            # seconds between two requests to one host (robots Crawl-delay if longer)
    timeout: float = 30.0         # seconds to connect and between two received chunks
    retries: int = 2              # extra attempts after a 5xx, 429, timeout or failed connection
    backoff: float = 2.0          # first wait before a retry, doubled each time
    max_bytes: int = 100 * MB     # largest download
    max_seconds: float = 600.0    # a download trickling on longer than this is dropped
    max_redirects: int = 10
    robots_bytes: int = 512 * 1024
    allow_private: bool = False   # non-public addresses allowed for the command line's hosts only


@dataclass(slots=True)
class FetchOptions:
    """What a fetch does (the CLI's options)."""
    client: ClientSettings = field(default_factory=ClientSettings)
    follow: Optional[str] = None      # regular expression on link URL or text; None: URLs are notices
    depth: int = 1
    limits: Limits = field(default_factory=Limits)
    max_zip_members: int = 200
    # pages larger than this are not read in-process for the title and region passed to attachments
    max_page_bytes: int = 20 * MB


@dataclass(slots=True)
class FetchSummary:
    """Counts for the closing line of a fetch."""
    notices: int = 0
    attachments: int = 0
    new_files: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary printed at the end."""
        return (f"{self.notices} notice pages, {self.attachments} attachments, {self.new_files} new files, "
                f"{self.unchanged} unchanged, {len(self.errors)} errors")


# --------------------------------------------------------------------------
# DIR: manifest, error list
# --------------------------------------------------------------------------

def read_rows(outdir: Path) -> dict[str, dict]:
    """Manifest rows already in DIR (kept, so that fetches into one folder add up)."""
    path = outdir / "manifest.csv"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["file"]: {c: row.get(c) or "" for c in MANIFEST_COLUMNS}
                for row in csv.DictReader(handle) if row.get("file")}


def write_rows(outdir: Path, rows: dict[str, dict]) -> None:
    """DIR/manifest.csv, sorted by file, written atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for name in sorted(rows):
        writer.writerow(rows[name])
    write_atomic(outdir / "manifest.csv", "\ufeff" + buffer.getvalue())


def write_errors(outdir: Path, errors: list[dict]) -> None:
    """DIR/fetch-errors.jsonl: this run's failures, one JSON object a line."""
    write_atomic(outdir / ERRORS_FILE, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))


def fetch(urls: list[str], outdir: str, options: Optional[FetchOptions] = None) -> FetchSummary:
    """Fetch the URLs into outdir; returns the counts and the failures."""
    options = options or FetchOptions()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    # httpx and the readers load only when a fetch runs, not with every CLI start
    from pipeline.client import Client, State
    from pipeline.crawl import Crawler

    state = State.load(out)
    client = Client(options.client, state, urls)
    crawler = Crawler(out, options, client, read_rows(out))
    try:
        for url in urls:
            crawler.start(url)
    finally:
        client.close()
        state.save()
        write_rows(out, crawler.rows)
        write_errors(out, crawler.summary.errors)
    return crawler.summary


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def add_options(p: argparse.ArgumentParser) -> None:
    """The options of `govnotice fetch`, added to its parser when the command line names it."""
    defaults, client = FetchOptions(), ClientSettings()
    p.epilog = EXAMPLE
    p.description = ("Download notice pages (or the notices that list pages link, with --follow) and every "
                     "attachment they link into DIR, with DIR/manifest.csv for `extract`.")
    p.add_argument("urls", nargs="+", metavar="URL", help="notice pages (list pages with --follow)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the files and manifest.csv")
    p.add_argument("--follow", metavar="PATTERN",
                   help="the URLs are list pages: fetch the notices whose link URL or text matches PATTERN")
    p.add_argument("--depth", type=int, default=defaults.depth, metavar="N",
                   help=f"levels of links followed from a list page (default {defaults.depth})")
    p.add_argument("--extract", metavar="STORE", help="then run `extract DIR -o STORE`")
    p.add_argument("--delay", type=float, default=client.delay, metavar="SECONDS",
                   help=f"pause between two requests to one host (default {client.delay:g})")
    p.add_argument("--timeout", type=float, default=client.timeout, metavar="SECONDS",
                   help=f"time limit to connect and between two received chunks (default {client.timeout:g})")
    p.add_argument("--retries", type=int, default=client.retries, metavar="N",
                   help=f"new attempts after a 5xx, 429, timeout or failed connection (default {client.retries})")
    p.add_argument("--backoff", type=float, default=client.backoff, metavar="SECONDS",
                   help=f"wait before the first retry, doubled each time (default {client.backoff:g})")
    p.add_argument("--max-size", type=float, default=client.max_bytes / MB, metavar="MB",
                   help=f"largest download (default {client.max_bytes / MB:g})")
    p.add_argument("--allow-private", action="store_true",
                   help="allow loopback/private addresses for the hosts of the URLs given here (never for "
                        "hosts found in pages)")
    p.add_argument("--debug", action="store_true", help="log debug details and show tracebacks")
    p.add_argument("--quiet", action="store_true", help="print errors and the summary only")


def options_from(args: argparse.Namespace) -> FetchOptions:
    """FetchOptions from parsed arguments; raises ValueError for a bad pattern or number."""
    if args.follow:
        try:
            re.compile(args.follow)
        except re.error as exc:
            raise ValueError(f"--follow {args.follow!r} is not a regular expression: {exc}") from None
    if args.depth < 1 or args.retries < 0 or args.max_size <= 0 or args.timeout <= 0 or args.delay < 0:
        raise ValueError("--depth must be 1 or more; --retries, --delay 0 or more; --max-size, --timeout positive")
    client = ClientSettings(delay=args.delay, timeout=args.timeout, retries=args.retries, backoff=max(0, args.backoff),
                            max_bytes=int(args.max_size * MB), allow_private=args.allow_private)
    return FetchOptions(client=client, follow=args.follow, depth=args.depth)


def main(args: argparse.Namespace) -> int:
    """Run `govnotice fetch` for parsed arguments; returns the exit status."""
    level = logging.DEBUG if args.debug else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="govnotice: %(message)s", stream=sys.stderr, force=True)
    if not args.debug:  # as extract: pdfminer's notes on odd files are noise
        logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    try:
        summary = fetch(args.urls, args.output, options_from(args))
        print(summary.line(), file=sys.stderr)
        if args.extract and summary.notices:
            _extract(Path(args.output), args.extract)
    except KeyboardInterrupt:
        print("govnotice: interrupted; files fetched so far are kept", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"govnotice: {exc}", file=sys.stderr)
        return 2
    return 0 if summary.notices else 1


def _extract(folder: Path, store: str) -> None:
    """`extract DIR -o STORE` with DIR's manifest, as --extract asks."""
    from pipeline.run import Options, load_manifest, run

    summary = run([str(folder)], store, Options(manifest=load_manifest(folder / "manifest.csv")))
    print(summary.line(), file=sys.stderr)
