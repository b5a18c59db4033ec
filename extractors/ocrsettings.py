"""Settings and the per-page result of OCR, apart from the OCR stack.

The PDF reader decides page by page whether OCR is needed with these
thresholds; keeping them out of extractors/ocr.py (numpy, OpenCV, rapidocr)
means a PDF with a text layer never imports that stack.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import Block, Paragraph


@dataclass(frozen=True, slots=True)
class OcrSettings:
    """Resolution and thresholds of page OCR and grid recovery."""
    dpi: int = 200                # PDF pages are rendered at this resolution
    threads: int = 1              # onnxruntime threads per process (workers run in parallel)
    # Text detection runs on the page shrunk to this longest side (memory grows with its square);
    # recognition reads the lines from the page at full resolution.
    detect_side: int = 1280
    max_side: int = 4000          # a larger page image is shrunk to this longest side first
    text_score: float = 0.5       # recognised lines below this confidence are dropped
    max_skew: float = 3.0         # degrees of tilt searched by deskew, either way
    # A page scanned lying on its side: most of the text boxes found (this share, of at least this
    # many) stand 1.5 times taller than wide. It is read turned both ways round; a turn is kept when
    # at most upright_share of its boxes stand tall and it reads at least turned_confidence times as
    # confidently as the page as it was.
    sideways_share: float = 0.6
    min_sideways_boxes: int = 5
    upright_share: float = 0.3
    turned_confidence: float = 0.5
    skew_step: float = 0.1        # degrees between deskew candidates
    min_rule_mm: float = 8.0      # a ruling line is at least this long (longer than any glyph stroke)
    rule_merge_mm: float = 1.0    # ruling lines closer than this are one
    min_table_mm: float = 15.0    # a table's frame is at least this wide and high
    edge_cover: float = 0.6       # share of a grid edge a ruling line must cover to part two cells
    drop_red: bool = True         # red ink (stamps, seals) is turned into paper before reading
    red_margin: int = 50          # a pixel is red ink when its red exceeds green and blue by this
    red_light: int = 160          # ... and is this light in red (black under the seal stays black)
    min_text_chars: int = 10      # PDF page with fewer text-layer characters is a scan
    min_ink: float = 0.002        # share of dark pixels a rendered page needs to be worth OCR
    garbled_share: float = 0.5    # share of garbled text pieces that marks a text layer as broken
    # A PDF page whose pictures (embedded images) cover a large region with (almost) no text-layer
    # characters over it holds its text in the picture: a scan under a website's stamp, a table
    # pasted in as a picture. Large: a third of the page, or table-sized (half the page's width and
    # this tall; a seal, a logo or a 红头 banner is smaller). Text area over it below this share.
    picture_page_share: float = 1 / 3
    picture_width_share: float = 0.5
    picture_min_mm: float = 60.0
    picture_text_cover: float = 0.02
    # OCR of such a page is kept only when it adds this many characters to its text layer (a
    # page-sized picture) or reads a ruled table (a table-sized one); else a photo would turn a
    # born-digital page into OCR text.
    picture_min_chars: int = 20
    # ... and what OCR of such a page reads must hold this share of the text layer's characters: a
    # watermark or a banner over typed text that OCR reads instead of it keeps the text layer.
    picture_keep_text: float = 0.8
    # An image of unknown resolution is scaled so that its longer side is that of an A4 page at
    # dpi (millimetre thresholds hold), when it is off by more than this factor either way.
    page_long_mm: float = 297.0
    rescale_beyond: float = 1.4
    # A PDF page over this many times an A4 page's length (beyond A2, 594 mm, with a margin: A2 written
    # as 1684 pt is 594.0002 mm) is page images stated at too low a resolution (300-dpi pixels said to
    # be 72 dpi make a page 1.2 m long): it is rendered as an A4 page is, as an image of unknown
    # resolution would be, not at dpi of its stated size.
    oversize_page: float = 2.1

    def px(self, mm: float) -> int:
        """Millimetres at this resolution, in pixels."""
        return max(1, round(mm / 25.4 * self.dpi))


@dataclass(slots=True)
class PageResult:
    """What OCR made of one page: blocks in reading order and each table's column edges (points)."""
    blocks: list[Block] = field(default_factory=list)
    edges: dict[int, list[float]] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        """True when OCR found any text on the page."""
        return any(b.text.strip() if isinstance(b, Paragraph) else
                   any(cell.text.strip() for row in b.grid for cell in row) for b in self.blocks)
