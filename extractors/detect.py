"""What a file's bytes are, whatever its name says: the format a reader is chosen by.

Containers are looked into: an OLE compound file is Word, WPS or Excel by its
streams (and encrypted by its encryption streams or flags); a zip is DOCX,
XLSX or OFD by the members it holds.
"""
from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from pathlib import PurePath
from typing import Optional

import olefile

from pipeline.errors import EmptyDocument, EncryptedDocument, UnreadableDocument, UnsupportedFormat

# File name endings that are read at all when a folder is walked, and the
# format each claims (a claim only: the bytes decide).
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".shtml": "html",
    ".xhtml": "html", ".txt": "txt", ".doc": "doc", ".wps": "wps", ".xlsx": "xlsx", ".xls": "xls",
    ".et": "xls", ".ofd": "ofd", ".mht": "mht", ".mhtml": "mht",
    ".png": "image", ".jpg": "image", ".jpeg": "image",
}
# Formats whose files are binary: text under such a name is a broken download
# (an error page, a stub), not a notice written as text.
_BINARY_FORMATS = {"pdf": "PDF", "docx": "Word (DOCX)", "doc": "Word 97 (.doc)", "wps": "WPS Writer (.wps)",
                   "xlsx": "Excel (.xlsx)", "xls": "Excel 97 (.xls/.et)", "ofd": "OFD", "image": "image (PNG/JPEG)",
                   "odt": "OpenDocument (.odt)"}
# Name endings that are tried (for their error line) but have no reader: what they claim to be.
UNREAD_CLAIMS = {".odt": "odt"}
log = logging.getLogger(__name__)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")   # PNG, JPEG
_MHT = re.compile(rb"(?is)^\s*(?:[\w-]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*?MIME-Version:")
_WORD_XML = re.compile(rb'<\?mso-application\s+progid="Word\.Document"|<w:wordDocument\b')
_EXCEL_XML = re.compile(rb'<\?mso-application\s+progid="Excel\.Sheet"|<(?:\w+:)?Workbook\b[^>]*'
                        rb'urn:schemas-microsoft-com:office:spreadsheet')
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_FILEPASS = 0x002F      # BIFF record that marks an encrypted workbook
_BIFF_RECORDS_SEEN = 64  # FILEPASS follows BOF within the first few records
_WORD_ENCRYPTED = 0x01  # FIB byte 0x0B, bit fEncrypted
# what olefile raises on a broken container (its own OleFileError is an OSError)
_OLE_ERRORS = (OSError, ValueError, struct.error, IndexError, KeyError, EOFError)


_MIN_UTF16_NULS = 8   # and at least one character in 50 of the sample is ASCII


def utf16_without_bom(data: bytes) -> Optional[str]:
    """utf-16-le or -be for UTF-16 saved without a BOM, else None. Text in any 8-bit encoding holds
    no NUL byte; in UTF-16 each ASCII character (tab, line break, digit) has one, always on the same
    side of its pair."""
    sample = data[:8192]
    if b"\x00" not in sample or len(data) % 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if max(odd, even) < max(_MIN_UTF16_NULS, len(sample) // 2 // 50):
        return None   # a stray NUL or two in 8-bit text (a broken copy), not one per ASCII character
    codec = "utf-16-le" if odd > 4 * even else "utf-16-be" if even > 4 * odd else None
    if codec is None:
        return None
    # the sample decoded (a surrogate pair cut at its end is one replacement character)
    text = sample[:len(sample) // 2 * 2].decode(codec, errors="replace")
    return codec if "\x00" not in text and text.count("\ufffd") <= 1 else None


def is_excel_xml(data: bytes) -> bool:
    """True for the bytes of an Excel 2003 XML workbook (SpreadsheetML): its processing instruction or root."""
    return bool(_EXCEL_XML.search(data[:4096]))


def _sniff_text(head: bytes, data: bytes) -> str:
    """'html' for markup, 'txt' for other text, '' for binary."""
    codec = _UTF16_BOMS.get(head[:2])
    bom = 2 if codec else 0
    codec = codec or utf16_without_bom(data)
    if codec:  # Notepad's "Unicode": sniff the decoded start, as UTF-8
        body = head[bom:bom + 4096]
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
    """The format the bytes are in (pdf, docx, doc, wps, xlsx, xls, ofd, mht, image, html, txt); raises when unknown."""
    if not data or not data.strip():
        raise EmptyDocument("empty file")
    suffix = PurePath(path).suffix.lower()
    claimed = EXTENSIONS.get(suffix) or UNREAD_CLAIMS.get(suffix)
    fmt = _detect(data, path)
    if fmt == "txt" and claimed in _BINARY_FORMATS:
        raise UnreadableDocument(f"named as {_a(_BINARY_FORMATS[claimed])} file but holds plain text "
                                 "(a broken download?)")
    return fmt


def _a(name: str) -> str:
    """The name with its article: "a PDF", "an OFD", "an image"."""
    return ("an " if name[0].lower() in "aeiou" else "a ") + name


def _detect(data: bytes, path: str) -> str:
    head = data[:8192]
    suffix = PurePath(path).suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(IMAGE_MAGIC):  # a scanned page
        return "image"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(data, suffix)
    if head.startswith(OLE_MAGIC):
        return ole_format(data, suffix)
    if _MHT.match(head[:2048]) and b"multipart/related" in head[:4096].lower():
        return "mht"  # a web archive (Word's "single file web page"), whatever its name
    if _WORD_XML.search(head[:2048]):
        return "doc"  # Word 2003 XML ("Save as XML", often published as .doc): LibreOffice reads it
    if is_excel_xml(head):
        return "xls"  # Excel 2003 XML ("XML Spreadsheet 2003", often published as .xls): read by the sheet reader
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise UnsupportedFormat("RTF is not supported yet; save it as DOCX")
    kind = _sniff_text(head, data)
    if kind:
        return kind
    claimed = EXTENSIONS.get(suffix)
    if claimed:  # a known name over unknown bytes: most likely corrupt, not some other format
        raise UnreadableDocument(f"not a readable {_BINARY_FORMATS.get(claimed, claimed.upper())} file: "
                                 "binary data of unknown type")
    raise UnsupportedFormat("binary data of unknown type")


def _zip_format(data: bytes, suffix: str) -> str:
    """docx, xlsx or ofd by the members the zip holds."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as exc:
        if suffix in (".docx", ".xlsx", ".ofd"):
            return EXTENSIONS[suffix]  # a broken zip under a zip format's name: let its reader say what is wrong
        raise UnreadableDocument(f"broken zip archive: {exc}") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names or "ofd.xml" in {n.lower() for n in names}:
        return "ofd"
    raise UnsupportedFormat("zip archive that is not a Word document, a workbook or an OFD "
                            "(an archive of files?)")


def ole_format(data: bytes, suffix: str = "") -> str:
    """doc, wps or xls by the streams of an OLE compound file; raises for encrypted or other OLE files."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return _ole_kind(ole, suffix)
    except _OLE_ERRORS as exc:
        if suffix in (".docx", ".xlsx"):
            # Office keeps a password-protected OOXML file in an OLE container.
            raise EncryptedDocument("password-protected Office file (OLE container)") from None
        raise UnreadableDocument(f"broken OLE compound file (.doc/.xls/.wps): {exc}") from None


def _ole_kind(ole: olefile.OleFileIO, suffix: str) -> str:
    """The format of an opened OLE file, from its stream names and first bytes."""
    streams = {"/".join(entry) for entry in ole.listdir()}
    if {"EncryptionInfo", "EncryptedPackage"} & streams:
        raise EncryptedDocument("password-protected Office file (encrypted package)")
    if "WordDocument" in streams:
        _check_word_flags(ole.openstream("WordDocument").read(0x20))
        return "wps" if suffix == ".wps" or "WPS" in _application(ole) else "doc"
    for name in ("Workbook", "Book"):
        if name in streams:
            _check_workbook(ole.openstream(name).read(1 << 16))
            return "xls"
    raise UnsupportedFormat("OLE compound file that is neither a Word nor an Excel/WPS document "
                            f"(streams: {', '.join(sorted(streams)[:5])})")


def _application(ole: olefile.OleFileIO) -> str:
    """The writing program named in the summary information ('' when absent or unreadable)."""
    try:
        app = ole.get_metadata().creating_application or b""
    except Exception as exc:  # noqa: BLE001  # the summary is optional and often malformed: only a hint
        log.debug("OLE summary information not read: %s", exc)
        return ""
    return app.decode("latin-1", "replace") if isinstance(app, bytes) else str(app)


def _check_word_flags(fib: bytes) -> None:
    """Raise when the Word file information block says the document is encrypted."""
    if len(fib) > 0x0B and fib[0x0B] & _WORD_ENCRYPTED:
        raise EncryptedDocument("password-protected Word document")


def _check_workbook(stream: bytes) -> None:
    """Raise when the workbook's first records hold FILEPASS (a password-protected workbook)."""
    pos = 0
    for _ in range(_BIFF_RECORDS_SEEN):
        if pos + 4 > len(stream):
            return
        kind, size = struct.unpack_from("<HH", stream, pos)
        if kind == _FILEPASS:
            raise EncryptedDocument("password-protected workbook")
        pos += 4 + size
