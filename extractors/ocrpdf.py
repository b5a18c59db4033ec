"""Which PDF pages need OCR (no text layer, or a garbled one), and their OCR blocks.

A page qualifies when its text layer holds (almost) no characters but the
rendered page has ink (a scan), or when most of its text pieces show the
repetition of a broken font map or carry unmapped glyphs (``(cid:12)``,
private-use or replacement characters). Source text that is garbled in a few
cells only, as printed, keeps its text layer: OCR would read the same words.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable, Optional

from extractors.ocrsettings import OcrSettings, PageResult
from normalizers.garbled import is_garbled
from pipeline.errors import UnreadableDocument

log = logging.getLogger(__name__)

_UNMAPPED = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff\ufffd]")
_MIN_PIECE = 4  # characters a text piece needs for the garbled test


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


def scanned_pages(data: bytes, pages: list, s: OcrSettings = OcrSettings()) -> dict[int, PageResult]:
    """OCR blocks of the pages (pdf.py's page data) whose text layer is missing or garbled.

    A page where OCR finds no text is left out: its text layer, if any, stays.
    """
    reasons = {}
    for page in pages:
        reason = needs_ocr(page_texts(page.lines, page.tables), s)
        if reason:
            reasons[page.number] = reason
    return {n: r for n, r in ocr_pages(data, reasons, s).items() if r.has_text}


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
                image = page.render(scale=s.dpi / 72).to_numpy()
                page.close()
            except pdfium.PdfiumError as exc:
                raise UnreadableDocument(f"page {number} cannot be rendered for OCR: {exc}"[:200]) from None
            if reason == "no text layer" and ink_share(image) < s.min_ink:
                continue  # a blank page (or one with only a page number): nothing to read
            log.debug("page %d: %s, read by OCR", number, reason)
            out[number] = read_image(image, number, s)
    finally:
        pdf.close()
    return out


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
