"""One reader per input format, chosen by what the bytes are, not by what the name claims."""
from __future__ import annotations

import importlib
import io
import zipfile
from pathlib import PurePath

from extractors.base import Extractor, Limits
from pipeline.errors import EmptyDocument, EncryptedDocument, UnreadableDocument, UnsupportedFormat

# format -> "module:class"; imported on first use so that a reader's heavy
# dependencies (pdfminer, lxml) load only when a file of its kind is read.
REGISTRY: dict[str, str] = {
    "pdf": "extractors.pdf:PdfExtractor",
    "docx": "extractors.docx:DocxExtractor",
    "html": "extractors.html:HtmlExtractor",
    "txt": "extractors.text:TextExtractor",
    "image": "extractors.image:ImageExtractor",
}
# File name endings that are read at all when a folder is walked.
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".shtml": "html",
    ".xhtml": "html", ".txt": "txt", ".png": "image", ".jpg": "image", ".jpeg": "image",
}
# Endings of notice formats not read yet (SPEC.md "Later formats"): in a folder
# they are tried anyway, so that each gets an errors.jsonl line instead of
# vanishing among the skipped files.
NOTICE_EXTENSIONS: frozenset[str] = frozenset(EXTENSIONS) | {
    ".doc", ".wps", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".ofd"}
# Formats whose files are binary: text under such a name is a broken download
# (an error page, a stub), not a notice written as text.
_BINARY_FORMATS = {"pdf": "PDF", "docx": "Word (DOCX)", "image": "image (PNG/JPEG)"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _sniff_text(head: bytes) -> str:
    """'html' for markup, 'txt' for other text, '' for binary."""
    codec = _UTF16_BOMS.get(head[:2])
    if codec:  # Notepad's "Unicode": sniff the decoded start, as UTF-8
        body = head[2:4098]
        head = body[:len(body) // 2 * 2].decode(codec, errors="replace").encode("utf-8")
    elif b"\x00" in head[:4096]:
        return ""
    lowered = head[:4096].lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lowered or b"<body" in lowered:
        return "html"
    sample = head[:4096]
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return "txt"
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4:  # a character cut at the sample's end
                return "txt"
    return ""


def detect_format(data: bytes, path: str = "") -> str:
    """The format the bytes are in ('pdf', 'docx', 'html', 'txt'), whatever the name says; raises when unknown."""
    if not data or not data.strip():
        raise EmptyDocument("empty file")
    claimed = EXTENSIONS.get(PurePath(path).suffix.lower())
    fmt = _detect(data, path)
    if fmt == "txt" and claimed in _BINARY_FORMATS:
        raise UnreadableDocument(f"named as a {_BINARY_FORMATS[claimed]} file but holds plain text "
                                 "(a broken download?)")
    return fmt


def _detect(data: bytes, path: str) -> str:
    head = data[:8192]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):  # PNG, JPEG: a scanned page
        return "image"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            if PurePath(path).suffix.lower() == ".docx":
                return "docx"  # a broken zip named .docx: let the reader say what is wrong
            raise UnreadableDocument(f"broken zip archive: {exc}") from None
        if "word/document.xml" in names:
            return "docx"
        raise UnsupportedFormat("zip archive that is not a Word document (.xlsx, .ofd, an archive?)")
    if head.startswith(_OLE):
        if PurePath(path).suffix.lower() == ".docx":
            raise EncryptedDocument("password-protected Word file (OLE container)")
        raise UnsupportedFormat("legacy OLE file (.doc/.xls/.wps) is not supported")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise UnsupportedFormat("RTF is not supported yet; save it as DOCX")
    kind = _sniff_text(head)
    if kind:
        return kind
    claimed = EXTENSIONS.get(PurePath(path).suffix.lower())
    if claimed:  # a known name over unknown bytes: most likely corrupt, not some other format
        raise UnreadableDocument(f"not a readable {_BINARY_FORMATS.get(claimed, claimed.upper())} file: "
                                 "binary data of unknown type")
    raise UnsupportedFormat("binary data of unknown type")


def extractor_for(fmt: str) -> Extractor:
    """A reader instance for a detected format."""
    module, name = REGISTRY[fmt].split(":")
    cls: type[Extractor] = getattr(importlib.import_module(module), name)
    return cls()


__all__ = ["REGISTRY", "EXTENSIONS", "NOTICE_EXTENSIONS", "Limits", "detect_format", "extractor_for"]
