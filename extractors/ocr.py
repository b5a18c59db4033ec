"""OCR of page images: deskew, ruling-line grid, rapidocr text lines placed into cells.

A page image (a scanned PDF page, a page whose text layer is garbled, a
.png/.jpg notice) becomes the same Paragraph/Table blocks the other readers
produce. Tables are found from their ruling lines (OpenCV morphology on the
deskewed image); a cell spans rows or columns where a ruling line between
grid positions is missing. Text lines from rapidocr are placed into the cell
under their centre, the rest of the page is paragraphs in reading order.
The rapidocr wheel bundles its PP-OCR ONNX models: nothing is downloaded.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Optional

import numpy as np

from extractors.ocrgrid import TextLine, find_grids, group_rows, join_row, place_lines
from extractors.ocrsettings import OcrSettings, PageResult
from pipeline.errors import TooLarge
from pipeline.model import Block, Paragraph

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def engine(threads: int = 1, detect_side: int = 1280, max_side: int = 4000):
    """The rapidocr engine, loaded once per process (models come from the wheel)."""
    from rapidocr import RapidOCR  # heavy: loaded only when a page needs OCR
    quiet_rapidocr()
    return RapidOCR(params={
        "Global.log_level": "warning",
        "Global.use_cls": False,  # scans are upright; the angle classifier costs a third of the time
        "Global.max_side_len": max_side,
        "Det.limit_type": "max",
        "Det.limit_side_len": detect_side,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": threads,
    })


class _ToDebug(logging.Handler):
    """Hands a record of another library's logger to ours: at debug level, an error (a model that fails to
    load or run) as a warning, so that it is seen without --debug."""

    def emit(self, record: logging.LogRecord) -> None:
        log.log(logging.WARNING if record.levelno >= logging.ERROR else logging.DEBUG, "rapidocr: %s",
                record.getMessage())


def quiet_rapidocr() -> None:
    """Send rapidocr's log to our debug log instead of its own coloured stderr handler.

    It warns on every blank page ("The text detection result is empty"), which
    govnotice reports itself as ``empty``; --debug still shows it.
    """
    rapid = logging.getLogger("RapidOCR")
    for handler in list(rapid.handlers):
        rapid.removeHandler(handler)
    rapid.addHandler(_ToDebug())
    rapid.propagate = False
    rapid.setLevel(logging.WARNING)  # its info lines are not worth formatting


def ink_share(image: np.ndarray) -> float:
    """Share of dark pixels: a blank page has almost none."""
    gray = to_gray(image, OcrSettings())
    return float(np.count_nonzero(gray < 128)) / max(1, gray.size)


def to_gray(image: np.ndarray, s: OcrSettings) -> np.ndarray:
    """Grey image; with drop_red, red ink (a seal over a table) becomes white paper.

    The red channel keeps black text and rules dark where a seal overlaps
    them; light pixels clearly redder than green or blue (the seal itself, its
    anti-aliased rim) are set to white so that its ring draws no ruling line.
    """
    import cv2
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if not s.drop_red:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    blue, green, red = (image[:, :, i].astype(np.int16) for i in range(3))
    gray = image[:, :, 2].copy()
    gray[(red - np.maximum(green, blue) > s.red_margin) & (red > s.red_light)] = 255
    return gray


def deskew(gray: np.ndarray, s: OcrSettings) -> tuple[np.ndarray, float]:
    """The image turned upright, and the angle found (degrees).

    The angle is the one under which the rows of ink are sharpest (largest
    variance of the row sums), searched on a reduced copy: it works for pages
    of plain text as well as for ruled tables.
    """
    import cv2
    scale = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-s.max_skew, s.max_skew + 1e-9, s.skew_step):
        score = float(np.var(_rotate(ink, angle, 0).sum(axis=1)))
        if score > best_score:
            best, best_score = float(angle), score
    if abs(best) < s.skew_step / 2:
        return gray, 0.0
    return _rotate(gray, best, 255), best


def _rotate(image: np.ndarray, angle: float, fill: int) -> np.ndarray:
    import cv2
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def normalise_scale(image: np.ndarray, s: OcrSettings) -> np.ndarray:
    """An image of unknown resolution scaled to about an A4 page at s.dpi (PDF pages are rendered so)."""
    import cv2
    target = s.px(s.page_long_mm)
    factor = target / max(image.shape[:2])
    if 1 / s.rescale_beyond <= factor <= s.rescale_beyond:
        return image
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation)


def _recognise(gray: np.ndarray, s: OcrSettings):
    """rapidocr's result for a grey image."""
    import cv2
    try:
        return engine(s.threads, s.detect_side, s.max_side)(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    except Exception as exc:
        # onnxruntime reports an allocation failure under the worker's memory cap as a runtime error
        if isinstance(exc, MemoryError) or "bad_alloc" in str(exc):
            raise TooLarge("OCR of a page ran out of memory (raise --max-memory)") from None
        raise


def _text_lines(result, s: OcrSettings) -> list[TextLine]:
    """The confident text lines of a rapidocr result."""
    if result.boxes is None or result.txts is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores):
        if score < s.text_score or not text.strip():
            continue
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        lines.append(TextLine(min(xs), min(ys), max(xs), max(ys), text.strip()))
    return lines


def _tall_share(result) -> float:
    """The share of the text boxes found that stand taller than wide (1.5 times): the lines of a page
    lying on its side (a line of text is wide; a lone character is square); 0 for no boxes."""
    if result.boxes is None or not len(result.boxes):
        return 0.0
    tall = 0
    for box in result.boxes:
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        tall += (max(ys) - min(ys)) > 1.5 * (max(xs) - min(xs))
    return tall / len(result.boxes)


def _confidence(result, s: OcrSettings) -> float:
    """The recognised characters' confidence summed over the confident lines."""
    if result.txts is None:
        return 0.0
    return sum(score * len(text) for text, score in zip(result.txts, result.scores) if score >= s.text_score)


def upright(gray: np.ndarray, s: OcrSettings) -> tuple[np.ndarray, object, int]:
    """The page turned upright when it was scanned lying on its side, its OCR result, and the quarter
    turns (clockwise) applied.

    A page whose text boxes mostly stand tall is read turned each way (two more OCR runs, for such a
    page only). The engine turns a tall box back before reading it, so the page as it lies reads about
    as confidently as the right turn: the turns are told apart by their boxes (the right one's lines
    lie wide) and then by confidence (the wrong one reads upside down). A turn is kept only where its
    boxes lie wide and it reads at least half as confidently as the page as it was (an upright page of
    single digits, tall boxes all, keeps its way up).
    """
    import cv2
    result = _recognise(gray, s)
    if result.boxes is None or len(result.boxes) < s.min_sideways_boxes or _tall_share(result) < s.sideways_share:
        return gray, result, 0
    best: Optional[tuple[np.ndarray, object, int]] = None
    for turns, code in ((1, cv2.ROTATE_90_CLOCKWISE), (3, cv2.ROTATE_90_COUNTERCLOCKWISE)):
        turned = cv2.rotate(gray, code)
        candidate = _recognise(turned, s)
        if _tall_share(candidate) > s.upright_share:
            continue
        if best is None or _confidence(candidate, s) > _confidence(best[1], s):
            best = (turned, candidate, turns)
    if best is None or _confidence(best[1], s) < s.turned_confidence * _confidence(result, s):
        return gray, result, 0
    return best


def read_image(image: np.ndarray, page: Optional[int], s: OcrSettings = OcrSettings()) -> PageResult:
    """Blocks of one page image (BGR or grey pixels); page is the 1-based PDF page or None."""
    gray, angle = deskew(to_gray(image, s), s)
    if angle:
        log.debug("page %s deskewed by %.2f degrees", page, angle)
    # (a quarter turn keeps a page straight: deskewed lying on its side, it is straight upright too)
    gray, found, turns = upright(gray, s)
    if turns:
        log.debug("page %s lay on its side: turned %d degrees", page, 90 * turns)
    grids = find_grids(gray, s)
    lines = _text_lines(found, s)
    result = PageResult()
    placed: list[tuple[float, int, Block]] = []
    outside = lines
    for grid in grids:
        table, outside = place_lines(grid, outside, page)
        placed.append((grid.ys[0], len(placed), table))
        result.edges[id(table)] = [x * 72 / s.dpi for x in grid.xs]
    for top, text in paragraph_lines(outside):
        placed.append((top, len(placed), Paragraph(text, page)))
    placed.sort(key=lambda item: (item[0], item[1]))
    result.blocks = [block for _, _, block in placed]
    return result


def paragraph_lines(lines: list[TextLine]) -> list[tuple[float, str]]:
    """Text lines outside tables as (top, text) rows of the page, top to bottom."""
    return [(row[0].y0, join_row(row)) for row in group_rows(lines)]
