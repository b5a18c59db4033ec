"""A polite HTTP client for `fetch`: per-host delay, robots.txt, retries, size limit, conditional requests.

One request at a time (fetch is sequential), so "one request at a time per
host" holds by construction; the delay is kept per host between requests.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Optional
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from pipeline.atomic import write_atomic
from pipeline.errors import (ConnectFailed, DownloadTooLarge, FetchTimeout, HttpStatus,
                             RobotsDisallowed)
from pipeline.fetch import ClientSettings
from pipeline.web import AddressPolicy, GuardedTransport, check_url, disposition_filename, origin

log = logging.getLogger("govnotice")
# No public home page yet: the agent names the tool and what it does, never a made-up address.
AGENT_NOTE = "government notice collector; honours robots.txt"


def user_agent() -> str:
    """`govnotice/<version> (<note>)`: sites can see which tool asks and that it is polite."""
    try:
        version = metadata.version("govnotice")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"govnotice/{version} ({AGENT_NOTE})"


@dataclass(slots=True)
class Download:
    """A response body and what the server said about it."""
    url: str                      # final URL, after redirects
    data: bytes
    content_type: str = ""
    filename: Optional[str] = None  # from Content-Disposition
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    unchanged: bool = False       # 304: the copy in DIR is still current


@dataclass(slots=True)
class State:
    """Validators (ETag / Last-Modified) and the file kept for each URL, in DIR/.fetch-state.json."""
    path: Path
    urls: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, outdir: Path) -> "State":
        """The state of a previous run in outdir (empty when there is none or it is unreadable)."""
        path = outdir / ".fetch-state.json"
        try:
            return cls(path, json.loads(path.read_text(encoding="utf-8")).get("urls", {}))
        except FileNotFoundError:
            return cls(path)
        except (ValueError, AttributeError) as exc:
            log.warning("%s unreadable (%s): every URL is downloaded again", path, exc)
            return cls(path)

    def save(self) -> None:
        """Write the state atomically."""
        write_atomic(self.path, json.dumps({"urls": self.urls}, ensure_ascii=False, indent=1, sort_keys=True))


class Client:
    """Sequential GETs with the safety and politeness rules of README "govnotice fetch"."""

    def __init__(self, settings: ClientSettings, state: State, seeds: list[str]):
        self.settings, self.state = settings, state
        private = frozenset(origin(u) for u in seeds) if settings.allow_private else frozenset()
        self.agent = user_agent()
        self.http = httpx.Client(transport=GuardedTransport(AddressPolicy(private)), timeout=settings.timeout,
                                 headers={"User-Agent": self.agent}, follow_redirects=False)
        self.last_request: dict[str, float] = {}
        self.robots: dict[str, Optional[RobotFileParser]] = {}
        self.requests = 0

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def get(self, url: str, robots: bool = True, max_bytes: Optional[int] = None) -> Download:
        """GET url following redirects hop by hop (each hop checked); a 304 gives the kept copy."""
        for _ in range(self.settings.max_redirects + 1):
            url = check_url(url)
            if robots:
                self._check_robots(url)
            status, headers, data = self._with_retries(url, self._validators(url),
                                                       max_bytes or self.settings.max_bytes)
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                url = urljoin(url, headers["location"])
                continue
            if status == 304 and self._validators(url):
                kept = self.state.urls[url]
                return Download(url, (self.state.path.parent / kept["file"]).read_bytes(),
                                kept.get("content_type", ""), kept.get("filename"), kept.get("etag"),
                                kept.get("last_modified"), unchanged=True)
            if status >= 300:
                raise HttpStatus(f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".strip(), status)
            raw = dict((k.lower(), v) for k, v in headers.raw)
            return Download(url, data, headers.get("content-type", ""),
                            disposition_filename(raw.get(b"content-disposition")),
                            headers.get("etag"), headers.get("last-modified"))
        raise HttpStatus(f"more than {self.settings.max_redirects} redirects")

    def remember(self, download: Download, file: str) -> None:
        """Keep the validators of a download saved as file in DIR, for a conditional request next time."""
        entry = {"file": file, "content_type": download.content_type, "filename": download.filename,
                 "etag": download.etag, "last_modified": download.last_modified}
        self.state.urls[download.url] = {k: v for k, v in entry.items() if v}

    def _validators(self, url: str) -> dict[str, str]:
        kept = self.state.urls.get(url)
        if not kept or not (self.state.path.parent / kept.get("file", "")).is_file():
            return {}
        headers = {}
        if kept.get("etag"):
            headers["If-None-Match"] = kept["etag"]
        if kept.get("last_modified"):
            headers["If-Modified-Since"] = kept["last_modified"]
        return headers

    def _with_retries(self, url: str, headers: dict[str, str], limit: int) -> tuple[int, httpx.Headers, bytes]:
        """One GET, tried again after a 5xx, 429, timeout or failed connection, waiting longer each time."""
        for attempt in range(self.settings.retries + 1):
            last = attempt == self.settings.retries
            try:
                status, got, data = self._once(url, headers, limit)
            except (FetchTimeout, ConnectFailed) as exc:
                if last:
                    raise
                log.info("%s: %s; trying again", url, exc)
            else:
                if (status < 500 and status != 429) or last:
                    return status, got, data
                log.info("%s: HTTP %d; trying again", url, status)
            time.sleep(self.settings.backoff * 2 ** attempt)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _once(self, url: str, headers: dict[str, str], limit: int) -> tuple[int, httpx.Headers, bytes]:
        """One GET after the host's delay; the body read up to the size limit."""
        self._wait(url)
        self.requests += 1
        try:
            with self.http.stream("GET", url, headers=headers) as response:
                return response.status_code, response.headers, self._body(response, limit)
        except httpx.TimeoutException:
            raise FetchTimeout(f"no answer within {self.settings.timeout:g} s (--timeout)") from None
        except httpx.TransportError as exc:
            raise ConnectFailed(f"{type(exc).__name__}: {exc}") from None
        finally:
            self.last_request[urlsplit(url).netloc] = time.monotonic()

    def _body(self, response: httpx.Response, limit: int) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise DownloadTooLarge(f"{declared} bytes announced (limit {limit}, --max-size)")
        started, chunks, size = time.monotonic(), [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise DownloadTooLarge(f"over {limit} bytes (--max-size)")
            if time.monotonic() - started > self.settings.max_seconds:
                raise FetchTimeout(f"download still running after {self.settings.max_seconds:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        robots = self.robots.get(f"{urlsplit(url).scheme}://{host}")
        delay = max(self.settings.delay, float((robots and robots.crawl_delay(self.agent)) or 0))
        if host in self.last_request:
            pause = self.last_request[host] + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def _check_robots(self, url: str) -> None:
        """Refuse a URL that the site's robots.txt disallows for us."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self.robots:
            self.robots[site] = self._robots_of(site)
        rules = self.robots[site]
        if rules is not None and not rules.can_fetch(self.agent, url):
            raise RobotsDisallowed(f"{site}/robots.txt disallows it")

    def _robots_of(self, site: str) -> Optional[RobotFileParser]:
        """The site's rules; None (all allowed) when it has no readable robots.txt."""
        try:
            download = self.get(f"{site}/robots.txt", robots=False, max_bytes=self.settings.robots_bytes)
        except HttpStatus as exc:
            # as most crawlers: 401/403 close the site, other errors mean no rules
            if exc.status in (401, 403):
                rules = RobotFileParser()
                rules.disallow_all = True
                return rules
            return None
        except (FetchTimeout, ConnectFailed, DownloadTooLarge) as exc:
            log.info("%s/robots.txt: %s; no rules assumed", site, exc)
            return None
        rules = RobotFileParser()
        # utf-8-sig: a BOM (Windows editors write one) would otherwise glue itself to the first line's field
        rules.parse(download.data.decode("utf-8-sig", errors="replace").splitlines())
        return rules
