"""The walk of `fetch`: list pages to notice pages, notice pages to attachments, files into DIR."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import unquote, urlsplit

from extractors import detect_format
from pipeline.atomic import write_atomic
from pipeline.client import Client, Download
from pipeline.errors import GovnoticeError, InternalError, NotANotice
from pipeline.fetch import (ATTACHMENT_EXTENSIONS, DOCUMENT_EXTENSIONS, MANIFEST_COLUMNS, MARKED_ONLY_EXTENSIONS,
                            FetchOptions, FetchSummary)
from pipeline.web import Link, check_url, is_silent, page_links, zip_members

log = logging.getLogger("govnotice")
# list pages and pages that are no notice: no extension, so extract skips them
CACHE = ".fetch-cache"
_ANNEX_TEXT = re.compile(r"^\s*附\s*件")


@dataclass(slots=True)
class PageFacts:
    """What a notice page says about itself, passed on to its attachments."""
    title: str = ""
    region: dict[str, str] = field(default_factory=dict)
    has_records: bool = False


def extension_of(download: Download, link_text: str = "") -> str:
    """The file's type as an extension: from its served name, URL or link text, else from its bytes."""
    for name in (download.filename or "", unquote(urlsplit(download.url).path), link_text):
        suffix = PurePosixPath(name.strip()).suffix.lower()
        if suffix in ATTACHMENT_EXTENSIONS or suffix in (".html", ".htm"):
            return ".html" if suffix == ".htm" else suffix
    try:
        return "." + detect_format(download.data, "")
    except GovnoticeError as exc:
        if download.data.startswith(b"PK\x03\x04"):  # a zip that is no Word file: an archive of annexes
            return ".zip"
        raise NotANotice(f"not a file govnotice reads ({download.content_type or 'no type'}): {exc}") from None


def is_attachment(link: Link) -> bool:
    """A link to an annex: a document file name in its URL or text, a name or text starting 附件, or a
    picture or web archive in the page's annex list (a photo linked from the text is no annex)."""
    names = (PurePosixPath(unquote(urlsplit(link.url).path)).name, link.text.strip())
    suffixes = {PurePosixPath(name).suffix.lower() for name in names}
    if suffixes & DOCUMENT_EXTENSIONS or any(_ANNEX_TEXT.match(name) for name in names):
        return True
    return link.annex_list and bool(suffixes & MARKED_ONLY_EXTENSIONS)


def page_facts(data: bytes, options: FetchOptions) -> PageFacts:
    """Title, region and whether there are records, as `extract` would read the page."""
    from pipeline.run import process  # the whole reading pipeline: loaded only once a page is in

    if len(data) > options.max_page_bytes:  # read in-process, without extract's worker limits
        log.info("page of %d bytes: not read for its title and region", len(data))
        return PageFacts(has_records=True)
    try:
        result = process(data, "page.html", options.limits)
    except GovnoticeError as exc:
        log.debug("page not readable as a notice: %s", exc)
        return PageFacts()
    doc = result.document
    region = {f: getattr(doc, f) for f in ("province", "city", "county") if getattr(doc, f)}
    return PageFacts(doc.title or "", region, bool(doc.n_tasks or doc.n_catalog or doc.n_domains))


class Crawler:
    """Walks list pages, notice pages and attachments, saving files and manifest rows into DIR."""

    def __init__(self, outdir: Path, options: FetchOptions, client: Client, rows: dict[str, dict]):
        self.outdir, self.options, self.client, self.rows = outdir, options, client, rows
        self.follow = re.compile(options.follow) if options.follow else None
        self.seen: set[str] = set()
        self.summary = FetchSummary()

    def start(self, url: str) -> None:
        """Fetch one command-line URL: a list page with --follow, else a notice."""
        self._visit(url, 0)

    def _guarded(self, url: str, step, *args):
        """Run one step for url; a failure becomes an error line (None returned) and the walk goes on."""
        try:
            return step(*args)
        except GovnoticeError as exc:
            self._fail(url, exc)
        except Exception as exc:  # a bug of ours costs this URL, not the run
            log.debug("internal error on %s", url, exc_info=True)
            self._fail(url, InternalError(f"{type(exc).__name__}: {exc}"))
        return None

    def _visit(self, url: str, level: int) -> None:
        fetched = self._guarded(url, self._fetch_page, url)
        if fetched is None:
            return
        download, links = fetched
        listed = self.follow is not None and level == 0
        leads_on = self.follow is not None and level < self.options.depth
        if listed or not self._guarded(download.url, self._notice, download, links, leads_on):
            self.client.remember(download, self._keep_page(download.data))
        if leads_on:
            for link in links:
                if not is_silent(link.url) and (self.follow.search(link.url) or self.follow.search(link.text)):
                    self._visit(link.url, level + 1)

    def _fetch_page(self, url: str) -> Optional[tuple[Download, list[Link]]]:
        """The page and its links (none for a file); None when it was seen already."""
        url = check_url(url)
        if url in self.seen:
            return None
        self.seen.add(url)
        download = self.client.get(url)
        if extension_of(download) != ".html":
            return download, []
        return download, page_links(download.data, download.url, download.content_type)

    def _notice(self, download: Download, links: list[Link], leads_on: bool = False) -> bool:
        """Save a notice (page or file) and the attachments a page links; True once saved.

        A page that is no notice is an error, unless its links are followed (leads_on): a list page then.
        """
        ext = extension_of(download)
        if ext == ".zip":
            raise NotANotice("a zip archive, not a notice page (link it from a page to unpack it)")
        if ext != ".html":
            self._save(download, ext, {})
            self.summary.notices += 1
            return True
        annexes = [link for link in links if is_attachment(link)]
        # a bug reading the page costs its facts (an error line), not the page and its annexes
        facts = self._guarded(download.url, page_facts, download.data, self.options) or PageFacts(has_records=True)
        if not annexes and not facts.has_records:
            if leads_on:
                log.info("%s: a list page, not a notice", download.url)
                return False
            raise NotANotice("page has no task, catalog or domain table and links no attachment")
        self._save(download, ".html", {})
        self.summary.notices += 1
        for link in annexes:
            if not is_silent(link.url):
                self._guarded(link.url, self._attachment, link, facts)
        return True

    def _attachment(self, link: Link, facts: PageFacts) -> None:
        url = check_url(link.url)
        if url in self.seen:
            return
        self.seen.add(url)
        download = self.client.get(url)
        ext = extension_of(download, link.text)
        inherited = {"title": facts.title, "link_text": link.text or download.filename or "",
                     **{f"page_{k}": v for k, v in facts.region.items()}}
        if ext == ".zip":
            self._unzip(download, inherited)
        else:
            self._save(download, ext, inherited)
            self.summary.attachments += 1

    def _unzip(self, download: Download, inherited: dict) -> None:
        """Keep the zip (for the next run's conditional request) and save the notice files inside it."""
        limits = self.options.limits
        members = zip_members(download.data, limits.max_unzipped_bytes, self.options.max_zip_members)
        self.client.remember(download, self._store(download.data, ".zip"))
        for name, data in members:
            ext = PurePosixPath(name).suffix.lower()
            if ext not in ATTACHMENT_EXTENSIONS - {".zip"}:
                log.info("%s: %s inside is not a notice file; skipped", download.url, name)
                continue
            row = {**inherited, "link_text": f"{inherited['link_text']} / {name}".strip(" /")}
            self._add_row(self._store(data, ext), download.url, row)
            self.summary.attachments += 1

    def _save(self, download: Download, ext: str, row: dict) -> None:
        """Store a download, remember its validators and add its manifest row."""
        name = self._store(download.data, ext)
        self.client.remember(download, name)
        self._add_row(name, download.url, row)

    def _keep_page(self, data: bytes) -> str:
        """Keep a page that is no notice (a list page) out of extract's way, for the next conditional request."""
        name = f"{CACHE}/{hashlib.sha256(data).hexdigest()[:16]}"
        path = self.outdir / name
        if not path.is_file():
            path.parent.mkdir(exist_ok=True)
            write_atomic(path, data)
        return name

    def _store(self, data: bytes, ext: str) -> str:
        """Write the bytes under their content hash (so re-runs are idempotent); returns the file name."""
        name = hashlib.sha256(data).hexdigest()[:16] + ext
        path = self.outdir / name
        if path.is_file() and path.stat().st_size == len(data):
            self.summary.unchanged += 1
        else:
            write_atomic(path, data)
            self.summary.new_files += 1
        return name

    def _add_row(self, name: str, url: str, row: dict) -> None:
        self.rows[name] = {**{c: "" for c in MANIFEST_COLUMNS}, **row, "file": name, "url": url}

    def _fail(self, url: str, exc: GovnoticeError) -> None:
        detail = " ".join(str(exc).split()) or exc.__doc__ or exc.code
        code = exc.code
        log.error("%s: %s: %s", url, code, detail)
        self.summary.errors.append({"url": url, "error": code, "detail": detail})

