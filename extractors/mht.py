"""MHT / MHTML ("single file web page", what Word and WPS save as a web archive and sites often
publish under a .doc name): the HTML part is taken out of the MIME envelope and read as HTML."""
from __future__ import annotations

import email
import email.policy

from extractors.base import Extractor, Limits
from extractors.html import HtmlExtractor
from pipeline.errors import EmptyDocument, UnreadableDocument
from pipeline.model import RawDocument


def html_part(data: bytes) -> bytes:
    """The bytes of the archive's first text/html part, transfer encoding undone (charset kept)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
    except (ValueError, TypeError, UnicodeError) as exc:
        raise UnreadableDocument(f"broken web archive (MHT): {exc}") from None
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if payload:
                return _with_charset(payload, part.get_content_charset())
    raise EmptyDocument("web archive (MHT) holds no HTML page")


def _with_charset(payload: bytes, charset: str | None) -> bytes:
    """The page with the MIME part's charset stated in it when the page itself states none."""
    if not charset or b"charset" in payload[:4096].lower():
        return payload
    return f'<meta charset="{charset}">'.encode("ascii", "ignore") + payload


class MhtExtractor(Extractor):
    """Reads .mht/.mhtml web archives through the HTML reader."""
    format = "mht"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the archive's HTML page."""
        raw = HtmlExtractor().extract(html_part(data), limits)
        raw.format = self.format
        return raw
