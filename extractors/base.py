"""The reader interface every format implements, and helpers the readers share."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import RawDocument


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits that protect a run from hostile or broken inputs."""
    max_file_bytes: int = 200 * 1024 * 1024
    # DOCX: refuse a zip member that would inflate past this many bytes
    max_unzipped_bytes: int = 100 * 1024 * 1024
    # PDF: pages with more layout objects than this are read as text only
    max_pdf_page_objects: int = 20000
    max_pdf_pages: int = 500


class Extractor:
    """Turns the bytes of one file into a RawDocument; does not normalise or interpret."""
    format: str = ""

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes; raise a pipeline.errors exception when they cannot be read."""
        raise NotImplementedError
