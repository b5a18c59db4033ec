"""One reader per input format, chosen by what the bytes are, not by what the name claims."""
from __future__ import annotations

import importlib

from extractors.base import Extractor, Limits
from extractors.detect import EXTENSIONS, UNREAD_CLAIMS, detect_format

# format -> "module:class"; imported on first use so that a reader's heavy
# dependencies (pdfminer, lxml) load only when a file of its kind is read.
REGISTRY: dict[str, str] = {
    "pdf": "extractors.pdf:PdfExtractor",
    "docx": "extractors.docx:DocxExtractor",
    "html": "extractors.html:HtmlExtractor",
    "txt": "extractors.text:TextExtractor",
    "image": "extractors.image:ImageExtractor",
    "doc": "extractors.office:OfficeExtractor",
    "wps": "extractors.office:OfficeExtractor",
    "xlsx": "extractors.sheet:SheetExtractor",
    "xls": "extractors.sheet:SheetExtractor",
    "ofd": "extractors.ofd:OfdExtractor",
    "mht": "extractors.mht:MhtExtractor",
}
# Endings of notice formats not read yet: in a folder they are tried anyway, so
# that each gets an errors.jsonl line instead of vanishing among the skipped files.
NOTICE_EXTENSIONS: frozenset[str] = frozenset(EXTENSIONS) | set(UNREAD_CLAIMS) | {".rtf"}


def extractor_for(fmt: str) -> Extractor:
    """A reader instance for a detected format."""
    module, name = REGISTRY[fmt].split(":")
    cls: type[Extractor] = getattr(importlib.import_module(module), name)
    return cls()


__all__ = ["REGISTRY", "EXTENSIONS", "NOTICE_EXTENSIONS", "Limits", "detect_format", "extractor_for"]
