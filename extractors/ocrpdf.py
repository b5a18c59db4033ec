"""Which PDF pages need OCR (no text layer, a garbled one, text in a picture), and their OCR blocks.

A page qualifies when its text layer holds (almost) no characters but the
rendered page has ink (a scan), or when most of its text pieces show the
repetition of a broken font map or carry unmapped glyphs (``(cid:12)``,
private-use or replacement characters). Source text that is garbled in a few
cells only, as printed, keeps its text layer: OCR would read the same words.
A page with a picture that covers a large region (a third of the page, or a
table's size) with hardly any text-layer characters over it is read by OCR
too, whatever text lies elsewhere on it: a scan under a website's stamp line,
a table pasted into a Word page as a picture. The whole page is read by OCR
(its typed text as well, flagged so), not the picture alone: merging an image
region's blocks into the text layer's would need their positions on both
sides, and OCR of clean typed text reads the same words.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional

from extractors.ocrsettings import OcrSettings, PageResult
from normalizers.garbled import is_garbled
from pipeline.disjoint import DisjointSets
from pipeline.errors import TooLarge, UnreadableDocument
from pipeline.model import Paragraph, Table

log = logging.getLogger(__name__)

_UNMAPPED = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff\ufffd]")
_MIN_PIECE = 4  # characters a text piece needs for the garbled test
_MAX_IMAGES = 200  # the largest images of a page that are looked at (a page of icons stays cheap)
_TOUCH = 2.0  # points apart that two images still make one picture (a scan cut into strips)
PAGE_PICTURE = "page-sized picture without text layer"
TABLE_PICTURE = "table-sized picture without text layer"

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class Picture:
    """A region of a PDF page covered by images, with the area of the text-layer characters over it."""
    box: BBox
    area: float       # the images' own area inside the box (points squared)
    text_area: float  # area of the text-layer characters whose centre lies in the box


def page_texts(lines: Iterable[tuple[float, str]], tables: Iterable) -> list[str]:
    """The text pieces of a page read from its text layer: lines outside tables and table cells."""
    pieces = [text for _, text in lines]
    pieces += [text for table in tables for row in table.texts for text in row if text]
    return pieces


def needs_ocr(pieces: list[str], s: OcrSettings = OcrSettings()) -> Optional[str]:
    """Why a page's text layer cannot be used ('no text layer', 'garbled text layer'), or None."""
    chars = sum(len(p.strip()) for p in pieces)
    if chars < s.min_text_chars:
        return "no text layer"
    unmapped = sum(len(m.group()) for p in pieces for m in _UNMAPPED.finditer(p))
    if unmapped / chars >= s.garbled_share / 5:
        return "garbled text layer"
    long = [p for p in pieces if len(p.strip()) >= _MIN_PIECE]
    if long and sum(is_garbled(p) for p in long) / len(long) >= s.garbled_share:
        return "garbled text layer"
    return None


def pictures(images: list[dict], chars: list[dict], size: tuple[float, float],
             s: OcrSettings = OcrSettings()) -> tuple[Picture, ...]:
    """The regions of a page (width, height in points) that its images cover, large ones only.

    Images that overlap or touch make one region (some scanners cut a page into
    strips); large is a share of the page or a table's size (``OcrSettings``).
    """
    width, height = size
    boxes = [box for box in (_clip(image, width, height) for image in images) if box]
    if not boxes:
        return ()
    boxes = sorted(boxes, key=_area, reverse=True)[:_MAX_IMAGES]
    out = []
    for group in _touching(boxes):
        box = (min(b[0] for b in group), min(b[1] for b in group),
               max(b[2] for b in group), max(b[3] for b in group))
        area = min(_area(box), sum(_area(b) for b in group))
        if _large(box, area, size, s):
            text = sum((c["x1"] - c["x0"]) * (c["bottom"] - c["top"]) for c in chars
                       if c["text"].strip() and box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]
                       and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3])
            out.append(Picture(box, area, text))
    return tuple(out)


def _clip(image: dict, width: float, height: float) -> Optional[BBox]:
    box = (max(0.0, image["x0"]), max(0.0, image["top"]), min(width, image["x1"]), min(height, image["bottom"]))
    return box if box[2] > box[0] and box[3] > box[1] else None


def _area(box: BBox) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _touching(boxes: list[BBox]) -> list[list[BBox]]:
    """Boxes grouped by overlap or contact, transitively (union-find)."""
    sets = DisjointSets(len(boxes))
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if a[0] - _TOUCH <= b[2] and b[0] - _TOUCH <= a[2] and a[1] - _TOUCH <= b[3] and b[1] - _TOUCH <= a[3]:
                sets.union(i, j)
    return sets.groups(boxes)


def _large(box: BBox, area: float, size: tuple[float, float], s: OcrSettings) -> bool:
    """A region that could hold a page of text or a table: not a seal, a logo or a banner."""
    width, height = size
    table_sized = box[2] - box[0] >= s.picture_width_share * width and box[3] - box[1] >= s.picture_min_mm * 72 / 25.4
    return area >= s.picture_page_share * width * height or table_sized


def picture_reason(found: Iterable[Picture], size: tuple[float, float],
                   s: OcrSettings = OcrSettings()) -> Optional[str]:
    """Why a page must be read by OCR for its pictures (PAGE_PICTURE, TABLE_PICTURE), or None.

    A picture counts when the text-layer characters over it cover under
    s.picture_text_cover of it: a searchable scan (its OCR layer over the image)
    keeps its text layer.
    """
    bare = [p for p in found if p.text_area < s.picture_text_cover * p.area]
    if not bare:
        return None
    if any(p.area >= s.picture_page_share * size[0] * size[1] for p in bare):
        return PAGE_PICTURE
    return TABLE_PICTURE


def _reads_more(result: PageResult, reason: str, layer: str, layer_tables: int, s: OcrSettings) -> bool:
    """True when OCR of a page flagged for its pictures read what its text layer lacks, and kept what it has.

    A page-sized picture must add s.picture_min_chars characters; a table-sized
    one must give a ruled table more than the text layer has (a 红头 banner over a
    typed table gives none). Either way OCR must have read most of the typed text
    (s.picture_keep_text of its characters): a watermark under a sparse page would
    otherwise replace the page's own signature and date.
    """
    texts = [block.text for block in result.blocks if isinstance(block, Paragraph)]
    texts += [cell.text for block in result.blocks if isinstance(block, Table) for cell in _cells(block)]
    read = Counter("".join("".join(texts).split()))
    typed = Counter("".join(layer.split()))
    if typed and sum((read & typed).values()) < s.picture_keep_text * sum(typed.values()):
        return False
    if reason == TABLE_PICTURE:
        return sum(isinstance(block, Table) for block in result.blocks) > layer_tables
    return sum(read.values()) >= sum(typed.values()) + s.picture_min_chars


def _cells(table: Table) -> list:
    """Each cell of a table once (a merged cell stands at every position it covers)."""
    seen: dict[int, object] = {}
    for row in table.grid:
        for cell in row:
            seen.setdefault(id(cell), cell)
    return list(seen.values())


def scanned_pages(data: bytes, pages: list, s: OcrSettings = OcrSettings()) -> dict[int, PageResult]:
    """OCR blocks of the pages (pdf.py's page data) whose text is missing, garbled or in a picture.

    A page where OCR finds no text is left out: its text layer, if any, stays;
    so is a page read for its pictures where OCR reads nothing the text layer
    lacks (``_reads_more``).
    """
    reasons, layers = {}, {}
    for page in pages:
        pieces = page_texts(page.lines, page.tables)
        reason = needs_ocr(pieces, s) or picture_reason(page.pictures, page.size, s)
        if reason:
            reasons[page.number] = reason
            layers[page.number] = ("".join(pieces), len(page.tables))
    out = {}
    for n, result in ocr_pages(data, reasons, s).items():
        if not result.has_text:
            continue
        if reasons[n] in (PAGE_PICTURE, TABLE_PICTURE) and not _reads_more(result, reasons[n], *layers[n], s):
            log.debug("page %d: OCR of its pictures read nothing new, text layer kept", n)
            continue
        out[n] = result
    return out


def ocr_pages(data: bytes, reasons: dict[int, str], s: OcrSettings = OcrSettings()) -> dict[int, PageResult]:
    """OCR blocks of the given 1-based pages (reason per page); a blank scanned page is left out."""
    if not reasons:
        return {}
    # the OCR stack (numpy, OpenCV, rapidocr) loads only when a page needs it: a PDF with
    # a text layer, the usual case, pays none of its import time
    import pypdfium2 as pdfium

    from extractors.ocr import ink_share, read_image
    out: dict[int, PageResult] = {}
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"PDF cannot be rendered for OCR: {exc}"[:200]) from None
    try:
        for number, reason in sorted(reasons.items()):
            try:
                page = pdf[number - 1]
                image = page.render(scale=render_scale(page.get_size(), s)).to_numpy()
                page.close()
            except pdfium.PdfiumError as exc:
                raise UnreadableDocument(f"page {number} cannot be rendered for OCR: {exc}"[:200]) from None
            except MemoryError:
                raise TooLarge(f"page {number} too large to render for OCR (raise --max-memory)") from None
            if reason == "no text layer" and ink_share(image) < s.min_ink:
                continue  # a blank page (or one with only a page number): nothing to read
            log.debug("page %d: %s, read by OCR", number, reason)
            out[number] = read_image(image, number, s)
    finally:
        pdf.close()
    return out


def render_scale(size: tuple[float, float], s: OcrSettings) -> float:
    """Pixels per point to render a page of this size (points) for OCR: s.dpi, unless the page is over
    s.oversize_page times an A4 page's length, which is rendered to an A4 page's length at s.dpi."""
    longest = max(size)
    if longest / 72 * 25.4 > s.page_long_mm * s.oversize_page:
        return s.px(s.page_long_mm) / longest
    return s.dpi / 72


def page_ranges(numbers: Iterable[int]) -> str:
    """Page numbers as ranges: 1, 2, 3, 5 -> '1-3, 5'."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def ocr_warning(numbers: Iterable[int]) -> str:
    """The document warning that names the pages read by OCR."""
    numbers = sorted(numbers)
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} {page_ranges(numbers)} read by OCR"
