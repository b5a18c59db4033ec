"""The walk of `fetch`: list pages to notice pages, notice pages to attachments, files into DIR."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from extractors import detect_format
from pipeline.atomic import write_atomic
from pipeline.client import Client, Download
from pipeline.errors import GovnoticeError, HttpStatus, InternalError, NotANotice
from pipeline.fetch import (ATTACHMENT_EXTENSIONS, DOCUMENT_EXTENSIONS, MANIFEST_COLUMNS, MARKED_ONLY_EXTENSIONS,
                            FetchOptions, FetchSummary)
from pipeline.web import Link, check_url, is_silent, page_links, page_text, viewer_file, zip_members

log = logging.getLogger("govnotice")
# list pages and pages that are no notice: no extension, so extract skips them
CACHE = ".fetch-cache"
_ANNEX_TEXT = re.compile(r"^\s*附\s*件")
# the size a list of annexes shows after a name: 政务公开标准目录.xlsx （35.2KB）, a.pdf [1.2 MB]
_SIZE_SUFFIX = re.compile(r"\s*[（(\[【]\s*(?:大小[:：]\s*)?\d+(?:\.\d+)?\s*(?:[KMG]i?B?|bytes?|字节)\s*[）)\]】]\s*$", re.I)
# HTML that Word or Excel wrote ("save as web page", often published as .doc or .xls): a document, not an error page
_OFFICE_HTML = re.compile(rb"urn:schemas-microsoft-com:office|<meta[^>]{0,80}ProgId", re.I)
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)
# the files fetch writes into DIR (content-hash names, cached pages): the only ones it ever deletes
_OWN_FILE = re.compile(rf"^(?:{re.escape(CACHE)}/)?[0-9a-f]{{16}}(?:\.\w+)?$")


@dataclass(slots=True)
class PageFacts:
    """What a notice page says about itself, passed on to its attachments."""
    title: str = ""
    region: dict[str, str] = field(default_factory=dict)
    has_records: bool = False


def _split(url: str):
    """urlsplit, or None for a malformed URL (http://[x), which check_url reports when it is fetched."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def path_name(url: str) -> str:
    """The last segment of a URL's path, without its ;parameters (plan.doc;jsessionid=…)."""
    parts = _split(url)
    return PurePosixPath(unquote(parts.path.split(";", 1)[0])).name if parts else ""


def query_names(url: str) -> list[str]:
    """The last segment of each query value: the file a download script is asked for (…?filename=a.docx)."""
    parts = _split(url)
    return [PurePosixPath(value.replace("\\", "/").strip()).name for _, value in parse_qsl(parts.query)] if parts else []


def bare_text(text: str) -> str:
    """A link's text without the size shown after the name (a.xlsx （35.2KB）)."""
    return _SIZE_SUFFIX.sub("", text.strip())


def _suffix(name: str) -> str:
    return PurePosixPath(name.strip()).suffix.lower()


def extension_of(download: Download, link_text: str = "") -> str:
    """The file's type as an extension: from its served name, URL (path, then query) or link text, else from its
    bytes. A page's extension counts in the served name and the path only (a query may name a page to go back to)."""
    url = download.url
    for name, page_too in ((download.filename or "", True), (path_name(url), True),
                           *((q, False) for q in query_names(url)), (bare_text(link_text), True)):
        suffix = _suffix(name)
        if suffix in ATTACHMENT_EXTENSIONS or (page_too and suffix in (".html", ".htm")):
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
    names = (path_name(link.url), bare_text(link.text))
    suffixes = {_suffix(name) for name in (*names, *query_names(link.url))}
    if suffixes & DOCUMENT_EXTENSIONS or any(_ANNEX_TEXT.match(name) for name in names):
        return True
    return link.annex_list and bool(suffixes & MARKED_ONLY_EXTENSIONS)


def served_page(data: bytes) -> bool:
    """True when the bytes are an HTML page (not one that Word or Excel wrote)."""
    try:
        markup = detect_format(data, "") == "html"
    except GovnoticeError:
        return False
    return markup and not _OFFICE_HTML.search(data[:8192])


def page_words(data: bytes, limit: int = 60) -> str:
    """The start of a page's visible text (its title first), for an error line."""
    words = " ".join(_TAGS.sub(" ", page_text(data)).split())
    return words[:limit] + ("…" if len(words) > limit else "")


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
        """Fetch one command-line URL: a list page with --follow, else a notice (a pdf.js viewer link: its file)."""
        self._visit(viewer_file(url), 0)

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
            self._remember(download, self._keep_page(download.data), None)
        if leads_on:
            for link in links:
                if link.embedded or is_silent(link.url):
                    continue
                if self.follow.search(link.url) or self.follow.search(link.text):
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
        ext = self._file_extension(download)
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
        ext = self._file_extension(download, link.text)
        inherited = {"title": facts.title, "link_text": bare_text(link.text) or download.filename or "",
                     **{f"page_{k}": v for k, v in facts.region.items()}}
        if ext == ".zip":
            self._unzip(download, inherited)
        else:
            self._save(download, ext, inherited)
            self.summary.attachments += 1

    def _file_extension(self, download: Download, link_text: str = "") -> str:
        """extension_of, checked against the bytes: an HTML page served where a file was promised is the site's
        error page (文件不存在, with status 200), an http_error; unless it holds a table extract reads."""
        ext = extension_of(download, link_text)
        if ext == ".html" or not served_page(download.data):
            return ext
        if page_facts(download.data, self.options).has_records:
            return ".html"  # a page of tables published under a file's name (an .xls export): read as the page
        raise HttpStatus(f"an HTML page, not the {ext} file linked (an error page served with status 200): "
                         f"{page_words(download.data)}", 200)

    def _unzip(self, download: Download, inherited: dict) -> None:
        """Keep the zip (for the next run's conditional request) and save the notice files inside it."""
        limits = self.options.limits
        members = zip_members(download.data, limits.max_unzipped_bytes, self.options.max_zip_members)
        saved: set[str] = set()
        for name, data in members:
            ext = PurePosixPath(name).suffix.lower()
            if ext not in ATTACHMENT_EXTENSIONS - {".zip"}:
                log.info("%s: %s inside is not a notice file; skipped", download.url, name)
                continue
            row = {**inherited, "link_text": f"{inherited['link_text']} / {name}".strip(" /")}
            saved.add(self._add_row(self._store(data, ext), download.url, row))
            self.summary.attachments += 1
        self._remember(download, self._store(download.data, ".zip"), saved)

    def _save(self, download: Download, ext: str, row: dict) -> None:
        """Store a download, remember its validators and add its manifest row."""
        name = self._add_row(self._store(download.data, ext), download.url, row)
        self._remember(download, name, {name})

    def _remember(self, download: Download, name: str, current: Optional[set[str]]) -> None:
        """Keep the validators of the URL's file name, and let it replace an earlier version: one URL has one
        current file (or the members of one zip) in DIR and the manifest, so extract never reads a stale copy.
        current None (a page kept in the cache only): the URL's manifest rows stay as they are."""
        url = download.url
        before = self.client.state.urls.get(url, {}).get("file")
        self.client.remember(download, name)
        stale = {file for file, row in self.rows.items() if row["url"] == url and file not in current} \
            if current is not None else set()
        for file in stale:
            del self.rows[file]
        kept = set(self.rows) | {entry.get("file") for entry in self.client.state.urls.values()}
        for file in (stale | {before}) - kept - {None}:
            if _OWN_FILE.match(file):  # never a file fetch did not write
                log.info("%s changed: %s replaced", url, file)
                (self.outdir / file).unlink(missing_ok=True)

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

    def _add_row(self, name: str, url: str, row: dict) -> str:
        self.rows[name] = {**{c: "" for c in MANIFEST_COLUMNS}, **row, "file": name, "url": url}
        return name

    def _fail(self, url: str, exc: GovnoticeError) -> None:
        detail = " ".join(str(exc).split()) or exc.__doc__ or exc.code
        code = exc.code
        log.error("%s: %s: %s", url, code, detail)
        self.summary.errors.append({"url": url, "error": code, "detail": detail})

