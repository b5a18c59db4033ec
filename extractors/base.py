"""The reader interface every format implements, and helpers the readers share."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.errors import EmptyDocument, TooLarge
from pipeline.model import Paragraph, RawDocument

_TRIVIAL = re.compile(
    r"^([-—–_~·\s]*\d{1,4}[-—–_~·\s]*|第?\d+页(共\d+页)?|\d+/\d+|[((]?续表?[))]?|续上表|)$")


def is_trivial(paragraph: Paragraph) -> bool:
    """Page numbers, blank lines and 续表 marks: text that does not separate two table parts."""
    return bool(_TRIVIAL.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", paragraph.text))))


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits that protect a run from hostile or broken inputs."""
    max_file_bytes: int = 200 * 1024 * 1024
    # DOCX: refuse a zip member that would inflate past this many bytes
    max_unzipped_bytes: int = 100 * 1024 * 1024
    # PDF: pages with more layout objects than this are read as text only
    max_pdf_page_objects: int = 20000
    max_pdf_pages: int = 500
    # images (.png/.jpg pages): refused before decoding when larger (a 600-dpi A3 page has 70 M)
    max_image_pixels: int = 100_000_000
    # .doc/.wps: seconds LibreOffice may take to convert one file (below the
    # document --timeout, so a hung converter is reported as such and killed)
    convert_timeout: float = 45.0
    # spreadsheets: cells read per sheet; a huge used range stops here
    max_sheet_cells: int = 2_000_000


def check_bytes(data: bytes, limits: Limits) -> None:
    """The guards every reader starts with: no bytes is `empty`, over the size limit is `too_large`."""
    if not data:
        raise EmptyDocument("empty file")
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"file has {len(data)} bytes (limit {limits.max_file_bytes})")


class Extractor:
    """Turns the bytes of one file into a RawDocument; does not normalise or interpret."""
    format: str = ""

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes; raise a pipeline.errors exception when they cannot be read."""
        raise NotImplementedError
