"""The size limits that protect a run from hostile or broken inputs.

A rule module (they decide what a reader reads: pipeline/rules.py), kept free of
heavy imports so that the command line's parser can take its defaults from it;
`extractors.base` exports the same name.
"""
from __future__ import annotations

from dataclasses import dataclass


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
