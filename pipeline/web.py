"""What `fetch` needs to read the web safely: address checks at connect time, links, file names.

The address rule is enforced where the socket is opened (a network backend
under httpx), so redirects and DNS answers that change between look-ups
(rebinding) are checked on the address actually connected to.
"""
from __future__ import annotations

import base64
import io
import ipaddress
import logging
import quopri
import re
import socket
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable, Optional
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urldefrag, urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from extractors.html import declared_charset, prepare_markup
from extractors.text import canonical_encoding, decode_bytes
from pipeline.errors import Blocked, TooLarge, UnreadableDocument

log = logging.getLogger("govnotice")
SCHEMES = ("http", "https")
# Links that are page chrome, not a place: skipped without an error line.
_SILENT_SCHEMES = ("javascript", "mailto", "tel", "data")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# the heading of a page's annex list: 附件：, 相关附件, 附件下载 …
_ANNEX_HEADING = re.compile(r"^[\s\u3000]*(相关|下载)?\s*附\s*件")


def origin(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, the port filled in from the scheme."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.hostname or "").lower(), port


def check_url(url: str) -> str:
    """The URL without its fragment; raises Blocked unless it is http(s) with a host."""
    url = urldefrag(url.strip())[0]
    try:
        parts = urlsplit(url)
        parts.port  # reading it checks it: ValueError for a port out of range
    except ValueError as exc:
        raise Blocked(f"malformed URL: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise Blocked(f"only http and https links are followed, not {parts.scheme or 'relative'}:")
    if not parts.hostname:
        raise Blocked("URL has no host")
    return url


def is_silent(url: str) -> bool:
    """True for javascript:, mailto: and same-page links, which are never fetched nor reported."""
    url = url.strip()
    scheme = _SCHEME.match(url)  # not urlsplit: it raises on a malformed host (http://[x), a link check_url reports
    return not url or url.startswith("#") or bool(scheme and scheme.group(1).lower() in _SILENT_SCHEMES)


def is_public(address: str) -> bool:
    """True for a global unicast address (not loopback, private, link-local, multicast or reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which (host, port) origins may connect to non-public addresses (--allow-private)."""
    private_origins: frozenset[tuple[str, int]] = frozenset()

    def choose(self, host: str, port: int, addresses: Iterable[str]) -> str:
        """The first address that may be connected to; raises Blocked when there is none."""
        addresses = list(addresses)
        trusted = (host.lower().strip("[]"), port) in self.private_origins
        for address in addresses:
            if trusted or is_public(address):
                return address
        shown = ", ".join(sorted(set(addresses))) or "no address"
        raise Blocked(f"{host} resolves to {shown}: loopback, private, link-local or reserved "
                      "addresses are refused (--allow-private allows them for the hosts given on the command line)")


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, resolving each host itself and refusing non-public addresses."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        """Resolve, check, and connect to the checked address (never to a second look-up's answer)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
        address = self.policy.choose(host, port, [info[4][0] for info in infos])
        return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        """Never used: fetch speaks TCP only."""
        raise Blocked("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        """As the wrapped backend."""
        self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the GuardedBackend (no proxies: they would hide the address)."""

    def __init__(self, policy: AddressPolicy):
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), max_connections=4,
                                             network_backend=GuardedBackend(policy))


# --------------------------------------------------------------------------
# Pages: text and links
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Link:
    """A link of a page: absolute URL (raw href if not http) and its visible text."""
    url: str
    text: str
    annex_list: bool = False  # under a heading 附件 (or after annex links) in its block: the page's annex list
    embedded: bool = False    # the source of an <iframe>, <frame>, <embed> or <object>: shown in the page


# Elements that show another file inside the page, and the attribute naming it
_EMBEDS = {"iframe": "src", "frame": "src", "embed": "src", "object": "data"}
# A URL in an onclick (or javascript: href) when it is a plain string literal, never an expression:
# window.open('…'), location.assign('…'), location.href = '…'
_SCRIPT_URL = re.compile(r"""(?:\bwindow\.open|\blocation\.(?:assign|replace))\s*\(\s*(["'])([^"'\\]+)\1\s*[,)]"""
                         r"""|\blocation(?:\.href)?\s*=\s*(["'])([^"'\\]+)\3\s*(?:;|$)""")
# What ends a list entry's text cut short (修水县…2022年政务公开...)
_ELLIPSIS = ".。…·． \u3000"
# What percent-encoding a URL leaves as it is: ASCII marks (reserved, or an encoding already made)
_SAFE = "!#$%&'()*+,-./:;=?@[]^_`{|}~"
_MAX_TITLE = 300   # characters of a title attribute read as a link's text (a notice's title is far shorter)


def header_charset(content_type: str) -> Optional[str]:
    """The charset parameter of a Content-Type header."""
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def page_text(data: bytes, content_type: str = "") -> str:
    """A page's text: the declared charset (page or header) checked against the bytes."""
    return _decoded(data, content_type)[0]


def _decoded(data: bytes, content_type: str) -> tuple[str, str]:
    """The page's text and the charset its links' queries are encoded in (as a browser would: the page's)."""
    declared = declared_charset(data) or header_charset(content_type)
    text, codec = decode_bytes(data, declared)
    if codec == "ascii":
        codec = canonical_encoding(declared) or "utf-8"
    return text, "utf-8" if codec.startswith("utf") else codec


def page_links(data: bytes, url: str, content_type: str = "") -> list[Link]:
    """The page's links and embedded files in document order, one per URL with its best text, resolved
    against its URL and any <base href>."""
    from lxml import html as lxml_html  # lxml is heavy and only pages need it

    text, codec = _decoded(data, content_type)
    markup = prepare_markup(text)
    if not markup.strip():
        return []
    root = lxml_html.document_fromstring(markup)
    base = url
    for tag in root.iter("base"):
        if tag.get("href"):
            base = urljoin(url, tag.get("href").strip())
            break
    links: dict[str, Link] = {}
    for element in root.iter("a", *_EMBEDS):
        link = _element_link(element, base, codec)
        if link is None:
            continue
        # one entry per URL however its href spells it (附件1.docx, %E9%99%84…1.docx)
        key = quote(link.url, safe=_SAFE) if not is_silent(link.url) else f"{len(links)} {link.url}"
        links[key] = _merge(links[key], link) if key in links else link
    return list(links.values())


def _element_link(element, base: str, codec: str) -> Optional[Link]:
    """The Link an <a> or an embedding element stands for; None when it names nothing."""
    if element.tag != "a":
        source = (element.get(_EMBEDS[element.tag]) or "").strip()
        if not source or is_silent(source):
            return None
        return Link(resolve(base, source, codec), " ".join((element.get("title") or "").split()), embedded=True)
    href = (element.get("href") or "").strip()
    if not href or is_silent(href):
        # javascript:void(0) with onclick="window.open('/…/a.docx')": the literal is where it leads
        m = _SCRIPT_URL.search(element.get("onclick") or "") or _SCRIPT_URL.search(href)
        if m:
            href = (m.group(2) or m.group(4)).strip()
        elif not href:
            return None
    url = href if is_silent(href) else resolve(base, href, codec)
    return Link(url, anchor_text(element), _in_annex_list(element))


def anchor_text(a) -> str:
    """A link's text; its title attribute when the text is that title cut short (…, ...) or is missing."""
    text = " ".join(a.text_content().split())
    title = " ".join((a.get("title") or "")[:_MAX_TITLE].split())
    stem = text.rstrip(_ELLIPSIS).replace(" ", "")
    if len(title) > len(text) and (len(stem) >= 2 or not text) and title.replace(" ", "").startswith(stem):
        return title
    return text


def _merge(first: Link, other: Link) -> Link:
    """One link for two elements naming the same URL: the better text, in the annex list if either is,
    embedded only if both are (an icon link first, then the link saying 附件1：…)."""
    text = max((first.text, other.text), key=lambda t: (bool(_ANNEX_HEADING.match(t)), len(t)))
    return Link(first.url, text, first.annex_list or other.annex_list, first.embedded and other.embedded)


def resolve(base: str, href: str, codec: str = "utf-8") -> str:
    """href made absolute against base as a browser does: a raw query percent-encoded in the page's
    charset (the path is always UTF-8), and a pdf.js viewer link (viewer.html?file=…) led to its file.
    A malformed href (http://[x) is returned as it is: check_url reports it, the page's other links stay."""
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return href
    if not parts.query.isascii():
        # a character the page's charset lacks goes as a browser sends it: &#N; percent-encoded whole
        query = "".join(ch if _encodes(ch, codec) else f"%26%23{ord(ch)}%3B" for ch in parts.query)
        query = quote(query, safe=_SAFE, encoding=codec)
        url = urlunsplit(parts._replace(query=query))
    return viewer_file(url)


def _encodes(ch: str, codec: str) -> bool:
    """True when the charset can write the character."""
    try:
        ch.encode(codec)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def viewer_file(url: str) -> str:
    """The file a pdf.js viewer URL shows (its `file` parameter, relative to the viewer), else url."""
    try:
        parts = urlsplit(url)
        if PurePosixPath(parts.path).stem.lower() != "viewer" or not parts.query:
            return url
        for key, value in parse_qsl(parts.query):
            if key.lower() == "file" and value.strip() and not is_silent(value):
                return urljoin(url, value.strip())
    except ValueError:
        pass  # malformed: check_url says so
    return url


def _in_annex_list(link, levels: int = 3, max_chars: int = 300) -> bool:
    """True when the text before the link in one of its nearest blocks starts 附件 (附件：, 相关附件, 附件下载 …).

    The block must be short before the link, so that an article whose text merely
    begins with the word does not make every picture in it an annex.
    """
    node = link
    for _ in range(levels):
        node = node.getparent()
        if node is None:
            return False
        before = _text_before(node, link)
        if len(before) > max_chars:
            return False
        if _ANNEX_HEADING.match(before):
            return True
    return False


def _text_before(block, target) -> str:
    """The text of block in document order up to target (an element inside it)."""
    parts: list[str] = []

    def walk(element) -> bool:
        if element is target:
            return True
        if isinstance(element.tag, str) and element.text:  # comments and processing instructions carry no text
            parts.append(element.text)
        for child in element:
            if walk(child):
                return True
            if child.tail:
                parts.append(child.tail)
        return False
    walk(block)
    return "".join(parts)


# --------------------------------------------------------------------------
# File names from Content-Disposition
# --------------------------------------------------------------------------

# RFC 5987 filename*=UTF-8''…, also as some servers send it, in quotes (filename*="UTF-8''…")
_EXTENDED = re.compile(rb"filename\*\s*=\s*\"?([\w!#$&+.^`|~-]*)'[^']*'([^;\"]+)", re.I)
_PLAIN = re.compile(rb"filename\s*=\s*(\"[^\"]*\"|[^;]+)", re.I)


def _decode_name(raw: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


_ENCODED_WORD = re.compile(r"=\?([\w.:-]+)\?([BbQq])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"\?=\s+=\?")


def _encoded_words(name: str) -> str:
    """A name with its RFC 2047 encoded words (=?UTF-8?B?…?=, =?GBK?Q?…?=) decoded; a word that does not
    decode stays as it is."""
    def word(m: re.Match) -> str:
        charset, kind, text = m.groups()
        try:
            if kind in "Bb":
                raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            else:
                raw = quopri.decodestring(text.encode("ascii"), header=True)
            return raw.decode(canonical_encoding(charset) or charset)
        except (ValueError, LookupError) as exc:  # binascii.Error and Unicode errors are ValueErrors
            log.debug("file name %r: %s not decoded (%s)", name, m.group(0), exc)
            return m.group(0)
    # the blanks between two encoded words are not part of the name (RFC 2047, 6.2)
    return _ENCODED_WORD.sub(word, _BETWEEN_WORDS.sub("?==?", name))


def disposition_filename(value: Optional[bytes]) -> Optional[str]:
    """The file name of a raw Content-Disposition header: RFC 5987 first, then plain (UTF-8 or GBK bytes,
    percent-encoded or RFC 2047 words)."""
    if not value:
        return None
    m = _EXTENDED.search(value)
    if m:
        codec = m.group(1).decode("ascii") or "utf-8"
        try:
            name = unquote_to_bytes(m.group(2).strip()).decode(codec, errors="replace")
        except LookupError:
            name = _decode_name(unquote_to_bytes(m.group(2).strip()))
    else:
        m = _PLAIN.search(value)
        if not m:
            return None
        raw = m.group(1).strip().strip(b'"')
        # some servers percent-encode the plain name (as a URL path)
        name = _decode_name(unquote_to_bytes(raw) if b"%" in raw else raw)
        if "=?" in name:  # RFC 2047 words (=?UTF-8?B?…?=), as mail clients and some servers write names
            name = _encoded_words(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None


# --------------------------------------------------------------------------
# Zip archives of attachments
# --------------------------------------------------------------------------

def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name: UTF-8 when flagged so, else the GBK bytes that Chinese Windows tools write."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def zip_members(data: bytes, max_member_bytes: int, max_members: int) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file in a zip, refusing archives that would inflate past the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            raise TooLarge(f"zip holds {len(infos)} files (limit {max_members})")
        members, total = [], 0
        for info in infos:
            # the header's size can lie: read one byte past the limit to know
            with archive.open(info) as handle:
                body = handle.read(max_member_bytes + 1)
            total += len(body)
            if len(body) > max_member_bytes or total > max_member_bytes:
                raise TooLarge(f"zip member {member_name(info)} inflates past {max_member_bytes} bytes (zip bomb?)")
            members.append((member_name(info), body))
        return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        raise UnreadableDocument(f"broken or encrypted zip archive: {exc}") from None
