"""The reader interface every format implements, and helpers the readers share."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.errors import EmptyDocument, TooLarge
from pipeline.lexicon import FORM_LABEL, GROUP_NUMBER, ROW_START, TABLE_HEADER_WORDS
from pipeline.model import Cell, Paragraph, RawDocument

_TRIVIAL = re.compile(
    r"^([-—–_~·\s]*\d{1,4}[-—–_~·\s]*|第?\d+页(共\d+页)?|\d+/\d+|[((]?续表?[))]?|续上表|)$")


def is_trivial(paragraph: Paragraph) -> bool:
    """Page numbers, blank lines and 续表 marks: text that does not separate two table parts."""
    return bool(_TRIVIAL.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", paragraph.text))))


# Caption rows atop a table: 附件2 / the title, maybe over two rows / 填报单位:… 填报时间:…
_MAX_CAPTION_ROWS = 4
_MAX_FORM_CELLS = 3      # a form line holds a label and value or two, not a row of headers
_MIN_HEADER_CELLS = 3    # the header of a task or catalog table: three columns at least
_MAX_HEADER_CELL = 16    # a column wording is short (a longer cell is data)


def caption_lines(grid: list[list[Cell]]) -> list[str]:
    """The lines of the caption rows atop a table's grid (a Word table's, a sheet's): rows of one text (附件2, the
    title) or of a form's label:value cells (填报单位:…), at most four, right above its header row; blank rows are
    passed over. None when a numbered heading (一、…) or row opens the table, or when no header follows: a label
    over data rows is a group's, not the document's title."""
    lines: list[str] = []
    for row in grid[:_MAX_CAPTION_ROWS + 1]:
        texts = [cell.text.strip() for cell in {id(cell): cell for cell in row}.values() if cell.text.strip()]
        if not texts:
            continue
        single = len(texts) == 1 and not (GROUP_NUMBER.match(texts[0]) or ROW_START.match(texts[0]))
        form = len(texts) <= _MAX_FORM_CELLS and all(FORM_LABEL.match(text) for text in texts)
        if not (single or form):
            return lines if _header_like(texts) else []
        lines.extend(line.strip() for text in texts for line in text.splitlines() if line.strip())
    return []


def _header_like(texts: list[str]) -> bool:
    """Cells of a header row: three or more short texts, most of them column wordings (序号, 具体事项, 责任单位)."""
    cells = ["".join(text.split()) for text in texts]   # a letter-spaced 序  号 is 序号
    if len(cells) < _MIN_HEADER_CELLS or any(len(c) > _MAX_HEADER_CELL or ROW_START.match(c) for c in cells):
        return False
    hits = sum(1 for c in cells if any(word in c for word in TABLE_HEADER_WORDS))
    return hits >= 2 and hits * 2 >= len(cells)


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
