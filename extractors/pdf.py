"""PDF reader: text lines and tables of each page in reading order, merges resolved.

pdfplumber finds ruled tables from the drawn lines; on a page without one, a
task table drawn without vertical rules (三线表 or no rules at all) is rebuilt
from the text layout when a line reads as its header or the page continues one.
Reading the file (pdfminer/pdfplumber calls) happens in one guarded step that
turns any library failure into a named error; the grids are built afterwards
from plain data, and the unruled-table rebuilding inside that step runs on a
plain snapshot of the page with its errors let through the guard, so a bug of
ours is reported as internal_error, never mistaken for a broken file.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Optional

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psparser import PSEOF
from pdfplumber.utils.exceptions import PdfminerException

from extractors.base import Extractor, Limits, check_bytes
from extractors.ocrpdf import Picture, ocr_warning, pictures, scanned_pages
from extractors.pagecut import cut_rules, widen_parts
from extractors.pdffast import CellIndex, dedupe_chars, page_objects, table_texts
from extractors.texttables import canon, is_header_word
from pipeline.errors import (EmptyDocument, EncryptedDocument, GovnoticeError, TooLarge,
                             UnreadableDocument)
from pipeline.lexicon import BARE_NUMBER, NOT_LABEL, ROW_START, SEQ_CELL, looks_like_label
from pipeline.model import Block, Cell, Paragraph, RawDocument, Table, same_header_text
from extractors.base import is_trivial

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (pdfplumber order)

_MIN_TEXT_TABLE = 3  # rows and columns an unruled table needs
# What word processors wrap around a file name when they fill /Title themselves.
_TITLE_WRAPPING = re.compile(
    r"(?i)^\s*microsoft (word|excel|powerpoint)\s*-\s*|\.(docx?|wps|pdf|rtf|odt)\s*$")
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(slots=True)
class _TableData:
    """A table as pdfplumber sees it: cell boxes by row (None = covered) and their texts."""
    bbox: BBox
    rows: list[list[Optional[BBox]]]
    texts: list[list[Optional[str]]]
    cells: list[BBox]
    # False for unruled tables: without rules a blank cell may mean "same as above"
    spans_known: bool = True
    gaps: tuple[tuple[float, float], ...] = ()  # unruled: the blanks between its columns
    foot: Optional["RowFoot"] = None  # ruled: where the text of its last row's cells ends
    rows_ruled: bool = False  # unruled: horizontal rules part its rows (no vertical rules drawn)


@dataclass(slots=True)
class _PageData:
    """What one page yields: its tables and the text lines outside them."""
    number: int
    tables: list[_TableData] = field(default_factory=list)
    lines: list[tuple[float, str]] = field(default_factory=list)  # (top, text)
    warning: Optional[str] = None
    size: tuple[float, float] = (0.0, 0.0)  # width, height in points
    pictures: tuple[Picture, ...] = ()  # large regions its images cover (ocrpdf decides on OCR)
    # lines above its top table or below its bottom one: (index in lines, above?, (x0, x1, text) of their characters)
    rims: list[tuple[int, bool, tuple[tuple[float, float, str], ...]]] = field(default_factory=list)


class PdfExtractor(Extractor):
    """Reads PDF files with a text layer."""
    format = "pdf"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read the bytes of a PDF into a RawDocument of paragraphs and tables."""
        check_bytes(data, limits)
        pages, title = _read_pdf(data, limits)
        scans = scanned_pages(data, pages)  # pages without a usable text layer, read by OCR
        if not scans and not any(page.lines or page.tables for page in pages):
            raise EmptyDocument("PDF has no text layer, and OCR found no text on its pages")
        raw = RawDocument(format=self.format)
        edges: dict[int, list[float]] = {}
        feet: dict[int, RowFoot] = {}
        for page in pages:
            scan = scans.get(page.number)
            raw.blocks.extend(scan.blocks if scan else _page_blocks(page, edges, feet))
            edges.update(scan.edges if scan else {})
            if page.warning and not scan:
                raw.warnings.append(page.warning)
        if scans:
            raw.warnings.append(ocr_warning(scans))
        raw.blocks = rejoin_split_rows(widen_parts(raw.blocks, edges), edges, feet)
        raw.title_hint = _title_hint(title)
        return raw


def _read_pdf(data: bytes, limits: Limits) -> tuple[list[_PageData], Optional[str]]:
    """Run pdfplumber over every page; library failures become named errors."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            n_pages = len(pdf.pages)
            if n_pages > limits.max_pdf_pages:
                raise TooLarge(f"PDF has {n_pages} pages (limit {limits.max_pdf_pages})")
            if n_pages == 0:
                raise UnreadableDocument("PDF has no pages")
            pages = []
            for page in pdf.pages:
                # an unruled table left open at the foot of the last page may go on here
                previous = pages[-1].tables[-1] if pages and pages[-1].tables else None
                open_gaps = previous.gaps if previous else ()  # none for a table pdfplumber found
                ruled = previous is not None and previous.rows_ruled
                ruled_xs = _axis_edges(previous.rows, previous.bbox)[0] if ruled else ()
                pages.append(_scan_page(page, limits, open_gaps, ruled_xs))
                page.close()  # drop the page's layout cache: big files stay small in memory
            title = pdf.metadata.get("Title")
        _ours(_cut_labels, pages)
    except GovnoticeError:
        raise
    except _OwnFailure as failure:
        raise failure.__cause__ from None  # a bug of ours: the runner reports internal_error
    except PdfminerException as exc:
        raise _open_error(exc) from None
    except RecursionError:
        raise UnreadableDocument("PDF object structure nests too deeply") from None
    except Exception as exc:  # pdfminer raises many untyped errors on broken files
        raise UnreadableDocument(f"broken PDF: {type(exc).__name__}: {exc}"[:200]) from None
    return pages, title if isinstance(title, str) else None


def _open_error(exc: PdfminerException) -> GovnoticeError:
    """The named error for a failure to open the document."""
    cause = exc.args[0] if exc.args else exc
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedDocument("password-protected PDF")
    if isinstance(cause, PSEOF):
        return UnreadableDocument("truncated PDF: the file ends early (an incomplete download?)")
    return UnreadableDocument(f"not a readable PDF: {type(cause).__name__}: {cause}"[:200])


def _scan_page(page, limits: Limits, open_gaps: tuple = (), ruled_xs: tuple = ()) -> _PageData:
    """Tables and outside text lines of one pdfplumber page.

    pdfplumber finds ruled tables; failing those, an unruled task table is
    rebuilt from the text (open_gaps are the column gaps of an unruled table
    that ended the previous page: a headerless table at the top of this page
    that keeps to them is its continuation, joined by the table stage). A rebuilt table with
    horizontal rules between its rows is read as a ruled one (``_rows_ruled_table``); ruled_xs are
    the column edges of such a table ending the previous page (empty otherwise), which a part here
    keeps.
    """
    out = _PageData(number=page.page_number)
    page_objects(page)  # the page's objects built faster than pdfplumber does; page.objects returns them
    # Fake bold (the same glyph printed twice at one spot) would double every character.
    page = dedupe_chars(page)
    out.size = (float(page.width), float(page.height))
    images = page.images
    if images:  # a scan under a stamp line, a table pasted as a picture: text the text layer lacks
        out.pictures = _ours(pictures, list(images), list(page.chars), out.size)
    n_objects = len(page.chars) + len(page.rects) + len(page.lines) + len(page.curves)
    if n_objects > limits.max_pdf_page_objects:
        out.warning = (f"page {page.page_number}: {n_objects} layout objects "
                       f"(limit {limits.max_pdf_page_objects}); read as text only, no tables")
    else:
        # pdfplumber already drops one-cell "tables" (a frame drawn around a note or title).
        closing = cut_rules(page.vertical_edges, page.horizontal_edges)  # rules a page break left open
        out.tables = [_table_data(t) for t in page.find_tables({"explicit_horizontal_lines": closing})]
        if not out.tables:
            view = _PageView(list(page.chars), list(page.horizontal_edges), page.height)
            table = _ours(unruled_table, view, open_gaps, bool(ruled_xs))
            if table is not None and table.rows_ruled:
                table = _rows_ruled_table(page, table, ruled_xs)
            out.tables = [table] if table else []

    covered = CellIndex([(t.bbox, t.cells) for t in out.tables])

    def outside(obj) -> bool:
        # Test cells, not just the table's box: text in a notch of an irregular table is kept.
        if obj.get("object_type") != "char":
            return False
        return not covered.covers(_centre(obj))

    text_page = page.filter(outside) if out.tables else page
    high = min((t.bbox[1] for t in out.tables), default=None)
    low = max((t.bbox[3] for t in out.tables), default=None)
    for line in text_page.extract_text_lines(return_chars=True):
        text = line["text"].strip()
        if text:
            if high is not None and (line["bottom"] <= high or line["top"] >= low):
                spans = tuple((c["x0"], c["x1"], c["text"]) for c in line["chars"] if c["text"].strip())
                out.rims.append((len(out.lines), line["bottom"] <= high, spans))
            out.lines.append((line["top"], text))
    return out


def _cut_labels(pages: list[_PageData]) -> None:
    """Drop the hidden copies of a merged cell's label that a page break cut.

    LibreOffice draws the label of a merged cell centred over the whole range; when the range runs
    over a page break, part of it lands in the page margin below the table on one page or above
    it on the next, outside the printable area yet in the text layer. Such text would stand between
    the two parts of the table as paragraphs. It is the label of the cut cell when the next page opens
    with the table, each of its characters lies in a column whose cell next to that margin is blank
    (the first row of the next page's part, under a repeated header; the cell covering the last row
    above the break) and the text sits centred in that column. The text goes into that cell above
    the break when it is blank there (LibreOffice showed the label on neither page).
    """
    for before, after in zip(pages, pages[1:]):
        if not (before.tables and after.tables):
            continue
        last = max(before.tables, key=lambda t: t.bbox[3])
        first = min(after.tables, key=lambda t: t.bbox[1])
        if not (first.spans_known and last.spans_known and last.rows and first.rows):
            continue
        xs = _axis_edges(first.rows, first.bbox)[0]
        if len(xs) != len(_axis_edges(last.rows, last.bbox)[0]):
            continue
        k = 0  # rows of a header repeated at the top of the next part
        while (k < min(len(first.texts), len(last.texts)) - 1 and first.texts[k] == last.texts[k]
               and any(first.texts[k])):
            k += 1
        if k >= len(first.texts):
            continue
        top = first.texts[k]
        covering = [_covering_row(last.rows, c) for c in range(len(xs) - 1)]
        foot = [last.texts[r][c] if r is not None else "x" for c, r in enumerate(covering)]
        opening = [(i, _label_columns(chars, xs, top)) for i, is_above, chars in after.rims if is_above]
        if any(columns is None for _, columns in opening):
            continue  # text above the table there: the next page does not open with the table
        closing = [(i, _label_columns(chars, xs, foot)) for i, is_above, chars in before.rims if not is_above]
        labels: dict[int, list[str]] = {}
        for page, found in ((before, closing), (after, opening)):
            gone = {i for i, columns in found if columns is not None}
            for _, columns in found:
                if columns and (page is before or not any(labels.get(c) for c in columns)):
                    for c, text in columns.items():
                        labels.setdefault(c, []).append(text)
            page.lines = [line for i, line in enumerate(page.lines) if i not in gone]
        for c, parts in labels.items():
            r = covering[c]
            if r is not None and not _flat(foot[c] or ""):
                last.texts[r][c] = "".join(parts)
    for page in pages:
        page.rims = []


def _covering_row(rows: list[list[Optional[BBox]]], c: int) -> Optional[int]:
    """The row of the cell that covers column c in the last row (a merged cell starts higher up)."""
    r = len(rows) - 1
    while r > 0 and (c >= len(rows[r]) or rows[r][c] is None):
        r -= 1
    return r if c < len(rows[r]) and rows[r][c] is not None else None


def _label_columns(chars, xs: list[float], top: list[Optional[str]]) -> Optional[dict[int, str]]:
    """The text of a margin line by column, when each character falls in a column whose top cell is blank
    and the characters in each column sit centred in it; None otherwise."""
    columns: dict[int, list[tuple[float, float, str]]] = {}
    for char in chars:
        middle = (char[0] + char[1]) / 2
        c = next((i for i, (a, b) in enumerate(zip(xs, xs[1:])) if a < middle < b), None)
        if c is None or c >= len(top) or _flat(top[c] or ""):
            return None
        columns.setdefault(c, []).append(char)
    for c, group in columns.items():
        left, right = min(ch[0] for ch in group), max(ch[1] for ch in group)
        em = max(ch[1] - ch[0] for ch in group)
        if abs((left + right) / 2 - (xs[c] + xs[c + 1]) / 2) > max(em, 0.1 * (xs[c + 1] - xs[c])):
            return None
    return {c: "".join(ch[2] for ch in group) for c, group in columns.items()}


@dataclass(slots=True)
class _PageView:
    """What the table rebuilding reads of a page, fetched from pdfplumber beforehand.

    Our own code then runs on plain lists, so an error in it cannot come from
    the library and is never reported as a broken file.
    """
    chars: list[dict]
    horizontal_edges: list[dict]
    height: float


class _OwnFailure(Exception):
    """Carries an exception raised by our own code past the library's catch-all."""


def _ours(function, *args):
    """Call our own code from inside the library guard; its errors stay bugs (internal_error)."""
    try:
        return function(*args)
    except Exception as exc:
        raise _OwnFailure() from exc


def _table_data(table, spans_known: bool = True) -> _TableData:
    """Copy what the grid needs out of a pdfplumber table."""
    rows = [list(row.cells) for row in table.rows]
    bbox = tuple(table.bbox)
    cells = [tuple(c) for c in table.cells]
    # the box of the cell covering each column of the last row (a merged one starts higher up)
    xs, (_, top, _, bottom) = _axis_edges(rows, bbox)[0], table.rows[-1].bbox
    last = [next((box for box in cells if _contains(box, ((a + b) / 2, (top + bottom) / 2))), None)
            for a, b in zip(xs, xs[1:])]
    chars = table.page.chars
    # only the characters level with those cells: row_foot looks at each of them once per column
    spans = [box for box in last if box is not None]
    high, low = min((box[1] for box in spans), default=top), max((box[3] for box in spans), default=bottom)
    level = [char for char in chars if high <= (char["top"] + char["bottom"]) / 2 <= low]
    return _TableData(bbox=bbox, rows=rows, texts=table_texts(rows, chars), cells=cells,
                      spans_known=spans_known, foot=_ours(row_foot, last, level))


@dataclass(frozen=True, slots=True)
class RowFoot:
    """Where the text of each cell of a table's last row on a page ends (by column, cells with text only)."""
    short: dict[int, float]   # lines the text ends above the row's lowest line
    full: frozenset[int]      # cells of two lines or more whose last line runs to the right end


_NO_FOOT = RowFoot({}, frozenset())  # nothing known of where a row's text ends


def row_foot(boxes: list[Optional[BBox]], chars: list[dict]) -> RowFoot:
    """The RowFoot of a row whose cell in column c has the box boxes[c] (None: no cell).

    A cell that a page break cut is full down to the cut, its last line full
    across; one whose text stops short of the row's lowest line was finished.
    How far short is counted in the cell's own lines (the step between its
    lines; for one line, its character size with leading): cells of one row
    may differ in type size and line spacing.
    """
    lines: dict[int, dict[int, list[dict]]] = {}  # column -> line top -> its chars
    for char in chars:
        if char["text"].strip():
            point = _centre(char)
            for c, box in enumerate(boxes):
                if box is not None and _contains(box, point):
                    lines.setdefault(c, {}).setdefault(round(char["top"]), []).append(char)
    if not lines:
        return _NO_FOOT
    lows = {c: max(char["bottom"] for line in cell.values() for char in line) for c, cell in lines.items()}
    low = max(lows.values())
    short, full = {}, set()
    for c, cell in lines.items():
        size = max(char["size"] for line in cell.values() for char in line)
        # the cell's line pitch: the smallest step between two of its lines (for one line, a guess)
        pitch = min((b - a for a, b in zip(sorted(cell), sorted(cell)[1:])), default=size * 1.2) or 1.0
        short[c] = (low - lows[c]) / pitch
        box, end = boxes[c], max(char["x1"] for char in cell[max(cell)])
        # the cell's padding: its text's least indent, at most half an em (a centred line indents more)
        pad = min(min(char["x0"] for char in line) for line in cell.values()) - box[0]
        if len(cell) >= 2 and box[2] - end <= min(pad, size / 2) + _FULL_SLACK * size:
            full.add(c)
    return RowFoot(short, frozenset(full))


# --------------------------------------------------------------------------
# Unruled tables (三线表 or no rules at all), rebuilt from the text layout
# --------------------------------------------------------------------------

_COL_GAP = 0.6    # ems of blank running down the whole table that part two columns
_ROW_GAP = 1.5    # line pitches of vertical blank before a line that starts a row
# A line of a wrapping cell is full when it ends within this many ems of the column's right end: Chinese
# line breaking moves a character down before a closing mark (公 / 开，), and half-width digits
# (1.) leave a fraction of an em, so a full line can end 1-1.5 em short.
_FULL_SLACK = 1.5
_WIDE_RUN = 0.55  # share of the table width an unbroken text run never reaches inside a cell
_RULE_SPAN = 0.8  # share of the header width a horizontal rule of the table covers
_INNER_RULE = 0.25  # share of the table width a rule parting rows under a merged cell covers
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d{1,4}\s*页")


@dataclass(slots=True)
class _Line:
    """One text line of the page: its chars left to right."""
    top: float
    bottom: float
    chars: list[dict]


def unruled_table(page, open_gaps: tuple = (), rows_ruled: bool = False) -> Optional[_TableData]:
    """The task table of a page without ruled tables, or None.

    A page qualifies when a line reads as a task-table header, or when its top
    lines keep to open_gaps (the column gaps of a table left open on the previous
    page). Columns are the blanks that run down the whole table, so a column
    with text in a few rows only (序号, a merged 工作任务 label) is kept. A table with rules
    between its rows (or going on from one, rows_ruled) is marked so (``_rows_ruled_table``).
    """
    chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: (c["top"], c["x0"]))
    if not chars:
        return None
    em = sorted(c["size"] for c in chars)[len(chars) // 2]
    lines = _text_lines(chars)
    h = next((i for i, line in enumerate(lines)
              if _is_header_line(line, em, lines[i + 1] if i + 1 < len(lines) else None)), None)
    if h is not None:
        left, right = min(c["x0"] for c in lines[h].chars), max(c["x1"] for c in lines[h].chars)
        rules = _rules(page, left, right)
        middle = (lines[h].top + lines[h].bottom) / 2  # a rule drawn at a line's top is above it
        below = [y for y in rules if y > middle]
        head_end = below[0] if below and below[0] < lines[h].bottom + 3 * em else lines[h].bottom
        above = [y for y in rules if lines[h].top - 3 * em < y <= middle]
        head_top = above[-1] if above else lines[h].top
        body = [line for line in lines if _middle(line) > head_end]
        head = [line for line in lines if head_top <= _middle(line) < head_end]
        bottom = next((y for y in rules if y > head_end), None)
        first = _table_body(body, bottom, em, right - left)
        if not first:
            return None
        gaps = _column_gaps(head + first, em * _COL_GAP)
        if len(gaps) < _MIN_TEXT_TABLE - 1:
            return None
        # rules between the rows, not a 三线表's foot: the table goes on
        ruled = _ruled_bottom(body, rules, bottom, head + first, gaps, em, right - left)
        inner = _inner_rules(page, head_end, bottom, gaps, em, right - left)
        # a page of a rows-ruled table whose header is repeated and whose body is the tail of one cell
        tail = rows_ruled and bool(open_gaps) and head_top < page.height * 0.25 \
            and all(len(_filled(line, gaps, em)) < 2 for line in first)
        between_rows = ruled != bottom or inner or tail
        if ruled != bottom:
            bottom, first = ruled, [line for line in body if _middle(line) < ruled]
            gaps = _column_gaps(head + first, em * _COL_GAP)
        body = first
    elif open_gaps and lines[0].top < page.height * 0.25:
        head, head_top = [], lines[0].top
        rules = _rules(page, lines[0].chars[0]["x0"], lines[0].chars[-1]["x1"])
        first = next((y for y in rules if y > lines[0].bottom), None)
        width = open_gaps[-1][1] - open_gaps[0][0]
        known = [line for line in lines if first is not None and _middle(line) < first]
        bottom = _ruled_bottom(lines, rules, first, known, open_gaps, em, width)
        between_rows = bottom != first or _inner_rules(page, lines[0].top, bottom, open_gaps, em, width) \
            or rows_ruled
        body = [line for line in lines if bottom is None or _middle(line) < bottom]
        body = body[:next((i for i, line in enumerate(body) if _crosses(line, open_gaps, em)), len(body))]
        if bottom is None:
            body = _without_page_number(body)
        if len(body) < 2:
            return None
        gaps = _fit_gaps(body, open_gaps)
    else:
        return None
    end = bottom if bottom is not None else body[-1].bottom + 1
    data = _unruled_data(head, body, gaps, head_top, end, em)
    data.rows_ruled = bottom is not None and between_rows
    return data


def _text_lines(chars: list[dict]) -> list[_Line]:
    """Chars (sorted by top) grouped into lines: a char joins a line whose top it nearly shares."""
    lines: list[_Line] = []
    for char in chars:
        line = lines[-1] if lines else None
        if line and abs(char["top"] - line.top) <= char["size"] * 0.5:
            line.chars.append(char)
            line.bottom = max(line.bottom, char["bottom"])
        else:
            lines.append(_Line(char["top"], char["bottom"], [char]))
    for line in lines:
        line.chars.sort(key=lambda c: c["x0"])
    return lines


def _middle(line: _Line) -> float:
    """Height of the middle of a line (rules may touch a line's top or bottom)."""
    return (line.top + line.bottom) / 2


def _runs(chars: list[dict], em: float) -> list[list[dict]]:
    """Chars (left to right) cut where a blank wider than a column gap parts them."""
    runs: list[list[dict]] = []
    for char in chars:
        if runs and char["x0"] - runs[-1][-1]["x1"] < em * _COL_GAP:
            runs[-1].append(char)
        else:
            runs.append([char])
    return runs


def _is_header_line(line: _Line, em: float, below: Optional[_Line] = None) -> bool:
    """A line of at least three parts: two read as column labels (序号, 责任单位 …), or all
    are short wordings no lexicon knows (攻坚方向, 谁来抓 …) above a line of data."""
    texts = ["".join(c["text"] for c in run) for run in _runs(line.chars, em)]
    if len(texts) < _MIN_TEXT_TABLE:
        return False
    if sum(1 for t in texts if is_header_word(t)) >= 2:
        return True
    if below is None or not all(looks_like_label(canon(t)) for t in texts) \
            or sum(1 for t in texts if len(canon(t)) >= 2) < 2:
        return False
    data = ["".join(c["text"] for c in run) for run in _runs(below.chars, em)]
    return len(data) >= _MIN_TEXT_TABLE and any(NOT_LABEL.search(t) for t in data)


def _rules(page, left: float, right: float) -> list[float]:
    """Tops of the horizontal rules that run under most of [left, right], top down."""
    need = (right - left) * _RULE_SPAN
    ys = {round(e["top"], 1) for e in page.horizontal_edges
          if min(e["x1"], right) - max(e["x0"], left) >= need}
    return sorted(ys)


def _table_body(lines: list[_Line], bottom: Optional[float], em: float,
                width: float) -> list[_Line]:
    """The lines under the header down to the bottom rule, or to the first line that is no cell text.

    Without a bottom rule the table ends at a text run too wide for any column
    (a paragraph under the table) or at a page number at the foot.
    """
    if bottom is not None:
        return [line for line in lines if _middle(line) < bottom]
    for i, line in enumerate(lines):
        if any(run[-1]["x1"] - run[0]["x0"] > width * _WIDE_RUN for run in _runs(line.chars, em)):
            lines = lines[:i]
            break
    return _without_page_number(lines)


def _rows_ruled_table(page, data: _TableData, ruled_xs: tuple) -> _TableData:
    """A table drawn with horizontal rules only, read as a ruled one.

    Its rules part the rows and, where a rule stops short, show a merged cell (a group label over
    its rows), as in a fully ruled table; only the column rules are missing. They are put back for
    pdfplumber's table finder, within the table's height: at the end of a rule that stops inside a
    column gap (the border of a merged column), else halfway across the gap; at ruled_xs (the column
    edges of the part on the previous page) where each lies in a gap here, so two parts of one table
    keep one set of columns. The gaps are kept, so a part on the next page without a header is still
    found. Failing a table with a column for each of them, data stays as it is.
    """
    left, top, right, bottom = data.bbox
    edges = [e for e in page.horizontal_edges if top - 1 <= e["top"] <= bottom + 1]
    if not edges:
        return data
    ends = sorted({round(x, 1) for e in edges for x in (e["x0"], e["x1"])})
    xs = [min(left, min(e["x0"] for e in edges))]
    for lo, hi in data.gaps:
        inside = [x for x in ends if lo <= x <= hi]
        xs.append(inside[0] if inside else (lo + hi) / 2)
    xs.append(max(right, max(e["x1"] for e in edges)))
    if len(ruled_xs) == len(xs) and all(lo <= x <= hi for x, (lo, hi) in zip(ruled_xs[1:-1], data.gaps)):
        xs = list(ruled_xs)
    lines = [{"object_type": "line", "x0": x, "x1": x, "top": top, "bottom": bottom,
              "width": 0.0, "height": bottom - top} for x in xs]
    found = page.find_tables({"vertical_strategy": "explicit", "explicit_vertical_lines": lines,
                              "horizontal_strategy": "lines"})
    found = [t for t in found if len(t.rows) >= 2 and t.bbox[1] <= top + 2 and t.bbox[3] >= bottom - 2
             and len(t.rows[0].cells) == len(xs) - 1]
    if len(found) != 1:
        return data
    table = _table_data(found[0])
    table.gaps, table.rows_ruled = data.gaps, True
    return table


def _inner_rules(page, top: float, bottom: Optional[float], gaps: tuple, em: float, width: float) -> bool:
    """True when a rule parting rows under a merged label lies between top and bottom (a 三线表 has
    none): one starting left of the last column gap and running across it to the table's last
    column, at least a quarter of the table's width long (an underline or a cell's shading is not)."""
    if bottom is None:
        return False
    lo, hi = gaps[-1]
    return any(top + em / 2 < e["top"] < bottom - em / 2 and e["x0"] < lo and e["x1"] > hi + em
               and e["x1"] - e["x0"] >= width * _INNER_RULE for e in page.horizontal_edges)


def _ruled_bottom(lines: list[_Line], rules: list[float], bottom: Optional[float], known: list[_Line],
                  gaps: tuple, em: float, width: float) -> Optional[float]:
    """The table's bottom rule when rules run between its rows (a table with horizontal rules only).

    The first rule under the header ends a 三线表. The table goes on to the next rule, and so on
    down, only while the lines between two rules read as a table row (``_is_row_band``): a
    signature, a caption or an annex label over a rule (a 版记's, a paragraph's border) is none.
    known: the table's lines above the first rule, which with a row's lines must keep every gap.
    """
    if bottom is None:
        return None
    for y in (y for y in rules if y > bottom):
        band = [line for line in lines if bottom < _middle(line) < y]
        if not _is_row_band(band, known, gaps, em, width):
            break
        known, bottom = known + band, y
    return bottom


def _is_row_band(band: list[_Line], known: list[_Line], gaps: tuple, em: float, width: float) -> bool:
    """True when the lines between two rules read as a row of the table above.

    Its first line fills two columns or more and starts at a column's left (a right-aligned
    signature, a centred caption or a lone 附件2 does neither); in a table numbered down its first
    column, that line holds a number there or nothing (a 版记's 某某县人民政府办公室 …印发 line
    under a rule fills two columns too); no line is a header, a page number or runs across a column
    gap or too wide for a cell; with known (the table's lines above) the lines leave every gap a
    column gap.
    """
    if not band:
        return False
    for line in band:
        if _crosses(line, gaps, em) or _is_header_line(line, em) \
                or _PAGE_NUMBER.match("".join(c["text"] for c in line.chars)) \
                or any(run[-1]["x1"] - run[0]["x0"] > width * _WIDE_RUN for run in _runs(line.chars, em)):
            return False
    filled = _filled(band[0], gaps, em)
    if len(filled) < 2:
        return False
    x0, column = band[0].chars[0]["x0"], filled[0]
    if column and abs(x0 - gaps[column - 1][1]) > em:
        return False
    if column == 0 and not SEQ_CELL.match(_first_column_text(band[0], gaps, em)) \
            and _numbered_down(known, gaps, em):
        return False
    return len(_column_gaps(known + band, em * _COL_GAP)) >= len(_column_gaps(known, em * _COL_GAP)) \
        and all(_blank(known + band, lo, hi) >= em * _COL_GAP for lo, hi in gaps)


def _filled(line: _Line, gaps: tuple, em: float) -> list[int]:
    """The columns (by gaps) that the line has text in, left to right."""
    borders = [(lo + hi) / 2 for lo, hi in gaps]
    return sorted({sum((run[0]["x0"] + run[-1]["x1"]) / 2 > b for b in borders)
                   for run in _runs(line.chars, em)})


def _first_column_text(line: _Line, gaps: tuple, em: float) -> str:
    """The line's text left of the first column gap."""
    border = (gaps[0][0] + gaps[0][1]) / 2
    return "".join(c["text"] for run in _runs(line.chars, em) if (run[0]["x0"] + run[-1]["x1"]) / 2 < border
                   for c in run).strip()


def _numbered_down(lines: list[_Line], gaps: tuple, em: float) -> bool:
    """True when the lines' texts in the first column, the header's labels aside, are row numbers only
    (1, 2 … or 一、): a 序号 column."""
    texts = [t for t in (_first_column_text(line, gaps, em) for line in lines) if t and not is_header_word(t)]
    return bool(texts) and all(SEQ_CELL.match(t) for t in texts)


def _blank(lines: list[_Line], lo: float, hi: float) -> float:
    """The widest stretch of [lo, hi] that no char of the lines covers."""
    spans = sorted((max(c["x0"], lo), min(c["x1"], hi)) for line in lines for c in line.chars
                   if c["x1"] > lo and c["x0"] < hi)
    widest, reach = 0.0, lo
    for x0, x1 in spans:
        widest, reach = max(widest, x0 - reach), max(reach, x1)
    return max(widest, hi - reach)


def _without_page_number(lines: list[_Line]) -> list[_Line]:
    """The lines without the page numbers (- 3 -, 第3页 …) at their foot."""
    while lines and _PAGE_NUMBER.match("".join(c["text"] for c in lines[-1].chars)):
        lines = lines[:-1]
    return lines


def _column_gaps(lines: list[_Line], least: float) -> tuple[tuple[float, float], ...]:
    """The blanks (x from, x to) at least `least` wide that no line's text covers, left to right."""
    spans = sorted((c["x0"], c["x1"]) for line in lines for c in line.chars)
    gaps = []
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= least and x0 > reach:
            gaps.append((reach, x0))
        reach = max(reach, x1)
    return tuple(gaps)


def _fit_gaps(body: list[_Line], open_gaps: tuple) -> tuple[tuple[float, float], ...]:
    """The previous page's column gaps narrowed to the blanks of this page's text.

    Text on this page may reach into a gap (a centred label wider than any
    above), or leave a sparse column empty: each gap becomes its widest overlap
    with a blank here.
    """
    here = ((float("-inf"), min(c["x0"] for line in body for c in line.chars)),
            *_column_gaps(body, 0), (max(c["x1"] for line in body for c in line.chars), float("inf")))
    fitted = []
    for lo, hi in open_gaps:
        overlaps = [(min(hi, b) - max(lo, a), max(lo, a), min(hi, b)) for a, b in here]
        _, a, b = max(overlaps)
        fitted.append((a, b) if a < b else (lo, hi))
    return tuple(fitted)


def _crosses(line: _Line, gaps: tuple, em: float) -> bool:
    """True when a text run of the line runs across a whole column gap (the line is no table row)."""
    return any(run[0]["x0"] < lo and hi < run[-1]["x1"]
               for run in _runs(line.chars, em) for lo, hi in gaps)


def _cells_of(line: _Line, borders: tuple[float, ...], em: float) -> list[str]:
    """The line's text in each column (runs within one column joined by a space)."""
    parts: list[list[str]] = [[] for _ in range(len(borders) + 1)]
    for run in _runs(line.chars, em):
        middle = (run[0]["x0"] + run[-1]["x1"]) / 2
        col = sum(middle > b for b in borders)
        parts[col].append("".join(c["text"] for c in run))
    return [" ".join(p) for p in parts]


def _row_starts(body: list[_Line], cells: list[list[str]], borders: tuple[float, ...]) -> list[int]:
    """Indexes of the body lines that open a table row.

    A row opens after a blank of more than _ROW_GAP lines, at a numbered item
    ((n) or n. in any column, a bare number in the first column right under
    another or next in sequence after the one above), where two columns start
    new text under lines that ended short (two cells finished above), or where a
    number in the first column or two columns with text start -- unless some
    column goes on from a full line above (a cell wrapping). While a cell wraps,
    a short line ends a cell for sure only where it closes a wrapped paragraph
    (the line above it in its column was full): units listed one a line end every
    line short and go on below, so two such columns open no row beside a wrapping one.
    """
    tops = [line.top for line in body]
    steps = sorted(b - a for a, b in zip(tops, tops[1:]))
    pitch = steps[len(steps) // 2] if steps else 0
    right = [max((_right_in(line, borders, c) for line in body), default=0)
             for c in range(len(borders) + 1)]
    starts = [0]
    last = {c: 0 for c, text in enumerate(cells[0]) if text}  # column -> its latest line with text
    before: dict[int, int] = {}  # column -> its line with text before the latest one, when right above it
    number = cells[0][0] if BARE_NUMBER.match(cells[0][0]) else None  # the latest number in column 0
    for i in range(1, len(body)):
        here = cells[i]
        em = body[i].chars[0]["size"]
        # columns with text here that had text just above (a centred label may sit between): a cell
        # wraps where that line was full, and a new one starts where it ended short
        above = [c for c, text in enumerate(here)
                 if text and c in last and tops[i] - tops[last[c]] <= pitch * _ROW_GAP]
        full = [c for c in above if _right_in(body[last[c]], borders, c) >= right[c] - _FULL_SLACK * em]
        renewed = [c for c in above if c not in full]
        # renewed cells whose last line closed a wrapped paragraph: finished, whatever wraps beside them
        closed = [c for c in renewed if c in before
                  and _right_in(body[before[c]], borders, c) >= right[c] - _FULL_SLACK * em]
        numbered = BARE_NUMBER.match(here[0])
        if (tops[i] - tops[i - 1] > pitch * _ROW_GAP
                or any(ROW_START.match(t) and not BARE_NUMBER.match(t) for t in here[1:])
                or numbered and 0 in last and tops[i] - tops[last[0]] <= pitch * _ROW_GAP
                or numbered and number is not None and int(here[0]) == int(number) + 1
                or len(renewed) >= 2 and (not full or len(closed) >= 2)
                or not full and (numbered or sum(map(bool, here)) >= 2)):
            starts.append(i)
        for c, text in enumerate(here):
            if text:
                if starts[-1] != i and c in last and tops[i] - tops[last[c]] <= pitch * _ROW_GAP:
                    before[c] = last[c]
                else:
                    before.pop(c, None)
                last[c] = i
        number = here[0] if numbered else number
    return starts


_BAND_GAP = 0.5       # ems of blank under a band of lines before the next line starts another band
_CENTRED_BLANK = 0.25  # ems of blank a centred short cell has above it and below it, at least
_CENTRED_SLACK = 0.35  # share of its blank above and below by which the two may differ and be centred
_MIN_CENTRED = 3       # short cells centred in their bands before the bands are read as the rows


def _centred_rows(body: list[_Line], cells: list[list[str]], borders: tuple[float, ...],
                  em: float) -> Optional[list[int]]:
    """Row starts of a table whose cells are centred vertically (Word's 居中 in a table without rules),
    or None when it is not one.

    There a short cell's lines sit halfway down its row, between the lines of the tallest cell, and
    every test of _row_starts (a line starting under a full one, two columns starting anew) cuts the
    row at each of them. The rows are the bands of lines that a blank wider than half a line parts:
    taken when at least three short cells stand centred in their bands, three times as many as stand
    at a band's top or foot. A band that holds two numbered rows in one column (rows set with no
    blank between them) is cut as _row_starts cuts it.
    """
    bands: list[list[int]] = []
    bottom = float("-inf")
    for i, line in enumerate(body):
        if line.top > bottom + _BAND_GAP * em:
            bands.append([])
        bands[-1].append(i)
        bottom = max(bottom, line.bottom)
    if len(bands) < 2:
        return None
    n_cols = len(borders) + 1
    # bands holding several numbered rows in one column: rows set with no blank between them
    crowded = {k for k, band in enumerate(bands)
               if any(sum(1 for i in band if ROW_START.match(cells[i][c])) > 1 for c in range(n_cols))}
    centred = off = 0
    for k, band in enumerate(bands):
        if k in crowded:
            continue
        top, foot = body[band[0]].top, max(body[i].bottom for i in band)
        for c in range(n_cols):
            rows = [i for i in band if cells[i][c]]
            if not rows:
                continue
            first, last = body[rows[0]].top, max(body[i].bottom for i in rows)
            above, below = first - top, foot - last
            if above + below < em:
                continue   # as tall as its band: tells nothing
            # centred: blank above and below alike (a one-line cell at the top of a two-line row is
            # within an em of the middle, but has no blank above it)
            if min(above, below) >= _CENTRED_BLANK * em and abs(above - below) <= _CENTRED_SLACK * (above + below):
                centred += 1
            else:
                off += 1
    if centred < _MIN_CENTRED or off * 3 > centred:
        return None
    starts: list[int] = []
    for k, band in enumerate(bands):
        if k in crowded:
            lines = [body[i] for i in band]
            starts.extend(band[0] + j for j in _row_starts(lines, [cells[i] for i in band], borders))
        else:
            starts.append(band[0])
    return starts


def _right_in(line: _Line, borders: tuple[float, ...], col: int) -> float:
    """The right end of the line's text in column col (0 when it has none there)."""
    lo = borders[col - 1] if col else float("-inf")
    hi = borders[col] if col < len(borders) else float("inf")
    return max((c["x1"] for c in line.chars if lo < (c["x0"] + c["x1"]) / 2 < hi), default=0)


def _unruled_data(head: list[_Line], body: list[_Line], gaps: tuple,
                  top: float, bottom: float, em: float) -> _TableData:
    """The rebuilt table: a header row (when the page has one), then one row per row start."""
    borders = tuple((lo + hi) / 2 for lo, hi in gaps)
    cells = [_cells_of(line, borders, em) for line in body]
    starts = _centred_rows(body, cells, borders, em) or _row_starts(body, cells, borders)
    groups = [list(range(a, b)) for a, b in zip(starts, starts[1:] + [len(body)])]
    texts = [["\n".join(cells[i][c] for i in group if cells[i][c]) for c in range(len(borders) + 1)]
             for group in groups]
    edges = [body[g[0]].top for g in groups] + [bottom]
    if head:
        head_cells = [_cells_of(line, borders, em) for line in head]
        texts.insert(0, ["".join(row[c] for row in head_cells) for c in range(len(borders) + 1)])
        edges.insert(0, top)
    left = min(c["x0"] for line in head + body for c in line.chars) - 1
    right = max(c["x1"] for line in head + body for c in line.chars) + 1
    xs = [left, *borders, right]
    rows = [[(xs[c], edges[r], xs[c + 1], edges[r + 1]) for c in range(len(xs) - 1)]
            for r in range(len(texts))]
    return _TableData(bbox=(left, edges[0], right, bottom), rows=rows, texts=texts,
                      cells=[box for row in rows for box in row], spans_known=False, gaps=gaps)


def _page_blocks(page: _PageData, edges: dict[int, list[float]],
                 feet: Optional[dict[int, RowFoot]] = None) -> list[Block]:
    """The page's tables and paragraphs, top to bottom.

    The column edges of each table go into edges, and the RowFoot of its last row into feet.
    """
    placed: list[tuple[float, int, Block]] = []
    for top, text in page.lines:
        placed.append((top, len(placed), Paragraph(text, page.number)))
    for data in page.tables:
        grid = build_pdf_grid(data.rows, data.texts, data.cells, data.bbox)
        if grid:
            table = Table(grid, page.number, [page.number] * len(grid),
                          spans_known=data.spans_known)
            edges[id(table)] = _axis_edges(data.rows, data.bbox)[0]
            if feet is not None and data.foot is not None:
                feet[id(table)] = data.foot
            placed.append((data.bbox[1], len(placed), table))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, block in placed]


# --------------------------------------------------------------------------
# Rows split by a page break
# --------------------------------------------------------------------------

_EDGE_TOLERANCE = 3.0  # points two parts' column edges may differ by and still be one table
# Lines a cell's text may end above its row's lowest line on the page and still have been cut there:
# widow control carries a line over with the rest of a cut paragraph, and a browser's print may end a
# cut cell a line early; two lines short the cell was finished.
_FINISHED_LINES = 1.8
_SHORT_LINES = 0.8   # a line short: finished, unless the part on the next page shows a cut


def rejoin_split_rows(blocks: list[Block], edges: dict[int, list[float]],
                      feet: Optional[dict[int, RowFoot]] = None) -> list[Block]:
    """Put back together a table row that a page break cut in two.

    Word and WPS let a tall row break across pages (the default): the part on
    the next page comes right after the repeated header, with text only in the
    cells that did not fit and blanks where the cell was finished. That part
    is appended to the last row of the previous page instead of standing as a
    row of its own. feet gives, by id of a ruled part, where the text of its
    last row's cells ends (``row_foot``).
    """
    feet = {} if feet is None else feet
    out: list[Block] = []
    last: Optional[Table] = None  # the table that ends the previous part, if nothing came between
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block)
            if not is_trivial(block):
                last = None
            continue
        if (last is not None and _same_columns(last, block, edges)
                and _merge_split_row(last, block, feet.get(id(last)))):
            if _only_header_left(last, block):
                feet[id(last)] = feet.get(id(block), _NO_FOOT)  # the row now ends on block's page
                continue  # a page that held nothing but the rest of that row
        out.append(block)
        last = block
    return out


def _same_columns(first: Table, second: Table, edges: dict[int, list[float]]) -> bool:
    """Parts on consecutive pages with the same column edges: one table broken by the page."""
    a, b = edges.get(id(first)), edges.get(id(second))
    if a is None or b is None or len(a) != len(b) or first.page is None or second.page is None:
        return False
    pages_apart = second.page - (first.page_of(first.n_rows - 1) or first.page)
    if not (first.spans_known and second.spans_known):
        # borders of an unruled table are the middles of its blanks, which differ by page
        return pages_apart == 1
    return pages_apart == 1 and all(abs(x - y) <= _EDGE_TOLERANCE for x, y in zip(a, b))


def _repeated_rows(first: Table, second: Table) -> int:
    """How many leading rows of second repeat the leading rows of first (a repeated header; a cell OCR
    read may be one character off)."""
    n = 0
    while (n < min(first.n_rows - 1, second.n_rows) and len(first.grid[n]) == len(second.grid[n])
           and all(same_header_text(_flat(a.text), _flat(b.text), a.ocr or b.ocr)
                   for a, b in zip(first.grid[n], second.grid[n]))):
        n += 1
    return n


def _merge_split_row(first: Table, second: Table, foot: Optional[RowFoot] = None) -> bool:
    """Carry what a page break cut off back to the end of first; True when a row was moved.

    foot: where the text of first's last row ends on its page, when known.
    """
    foot = foot or _NO_FOOT
    h = _repeated_rows(first, second)
    p = first.n_rows - 1
    if h >= second.n_rows or p < h:
        return False
    ruled = first.spans_known and second.spans_known
    if ruled:
        _carry_merged_text(first.grid[p], second.grid[h], p, h, foot)
    rest = {c: cell for c, cell in enumerate(second.grid[h]) if cell.row == h and cell.rowspan == 1}
    if not _is_rest_of(first.grid[p], rest, p, ruled, frozenset() if ruled else _numbering_columns(first)):
        return False
    if ruled and _opens_row(first.grid[p], rest, p, foot.short, _grouping_columns(first, second)):
        return False
    for c, cell in rest.items():
        target = first.grid[p][c]
        if cell.text.strip() and target.col == c:
            _append(target, cell)
    if ruled:
        _carry_running_cells(first.grid[p], second.grid[h], h)
    _drop_row(second, h)
    return True


def _carry_running_cells(last: list[Cell], top: list[Cell], h: int) -> None:
    """Move back the text of merged cells that cover the rest of a cut row and run on below it.

    Such a cell began above the break (a row's remainder opens no new cell), so
    what it shows there is the rest of its text (a 一级事项 label cut in two).
    """
    for c, cell in enumerate(top):
        if cell.row == h and cell.col == c and cell.rowspan > 1 and cell.text.strip() and last[c].col == c:
            _append(last[c], cell)
            cell.text = ""


def _is_rest_of(last: list[Cell], rest: dict[int, Cell], p: int, ruled: bool = True,
                numbering: frozenset[int] = frozenset()) -> bool:
    """True when the cells rest read as the page-cut remainder of row p (cells last).

    A remainder has text only where the row's own cell above has text, and no
    cell of it starts like a row; and something shows it is not a row of its own:
    a cell finished above (blank here), or a numbered cell above going on unnumbered.
    Without rules a blank cell may mean "same as above", so only the second shows it;
    a bare number (a group's, written once) counts only in a numbering column, one
    that numbers every row above in sequence (``_numbering_columns``).
    """
    filled = [c for c, cell in rest.items() if cell.text.strip()]
    if not filled or any(ROW_START.match(rest[c].text) or not last[c].text.strip() for c in filled):
        return False
    own = {c: cell for c, cell in enumerate(last) if cell.row == p and cell.text.strip()}
    finished = any(c in rest and not rest[c].text.strip() for c in own)
    renumbered = any(ROW_START.match(own[c].text) for c in filled if c in own)
    if ruled:
        return finished or renumbered
    # unruled: a column numbering its rows goes on here without a number of its own
    numbered = [c for c in own if c in rest and ROW_START.match(own[c].text)
                and (c in numbering or not BARE_NUMBER.match(own[c].text.strip()))]
    return renumbered or bool(numbered)


def _numbering_columns(table: Table) -> frozenset[int]:
    """Columns whose rows, from the first one with a bare number there, are numbered n, n+1, … to the end.

    Such a column numbers rows, not groups: a row left blank there is no row of its own.
    """
    out = set()
    for c in range(table.n_cols):
        texts = [table.text(r, c).strip() for r in range(table.n_rows)]
        first = next((r for r, text in enumerate(texts) if BARE_NUMBER.match(text)), None)
        numbers = texts[first:] if first is not None else []
        if len(numbers) >= 2 and all(text == str(int(numbers[0]) + k) for k, text in enumerate(numbers)):
            out.add(c)
    return frozenset(out)


def _opens_row(last: list[Cell], rest: dict[int, Cell], p: int, short: dict[int, float],
               grouping: set[int]) -> bool:
    """True when the ruled part rest, read as the remainder of row p, has text under a cell finished above.

    A cell a page break cut is full down to the cut, so text under a cell whose
    lines end two lines short of its row's lowest line opens a new row. One line
    short may be a cut too (widow control moves a line over; a browser's print
    ends cells unevenly), and counts only where nothing else tells a cut: the rest
    leaves blank no cell of row p but merged group columns (blank in a new row of
    the same group as much as in a cut one), and no numbered cell goes on unnumbered.
    """
    own = [c for c, cell in enumerate(last) if cell.row == p and cell.col == c and cell.text.strip()]
    under = [c for c in own if c in rest and rest[c].text.strip()]
    if any(short.get(c, 0.0) >= _FINISHED_LINES for c in under):
        return True
    finished = [c for c in own if c in rest and not rest[c].text.strip() and c not in grouping]
    renumbered = any(ROW_START.match(last[c].text) for c in under)
    return not finished and not renumbered and any(short.get(c, 0.0) >= _SHORT_LINES for c in under)


def _grouping_columns(*tables: Table) -> set[int]:
    """Columns holding a merged cell of several rows whose text is no column label: group columns."""
    return {c for table in tables for row in table.grid for cell in row
            if cell.rowspan > 1 and cell.text.strip() and not is_header_word(cell.text)
            for c in range(cell.col, cell.col + cell.colspan)}


def _carry_merged_text(last: list[Cell], top: list[Cell], p: int, h: int, foot: RowFoot = _NO_FOOT) -> None:
    """Move the rest of merged cells' text (a long group label) back above the page break.

    A merged cell that runs into the next page is drawn again there, holding the
    lines that did not fit. It is told from a new group starting at the page
    top by a merged neighbour that runs on across the break too and is blank
    there (its 序号 fitted on the previous page), or, where 序号 numbers every
    row, by the cell's own text above the break: it runs down to the row's
    lowest line and its last line is full, so the text went on -- and a cell of
    the row's own runs down there too. A merged cell's overflow goes to the rows
    below, never stretches the row: a label that alone reaches the foot made
    the row that tall, so it fitted (a one-row group's label that just fills
    its column, the next group opening the next page).
    """
    def runs_on(c: int) -> bool:
        merged = last[c].row < p or top[c].rowspan > 1
        return merged and top[c].row == h and last[c].text.strip() != ""

    def at_foot(c: int) -> bool:
        return foot.short.get(c, _SHORT_LINES) < _SHORT_LINES
    carried = [c for c in range(len(top)) if runs_on(c) and top[c].text.strip()
               and not ROW_START.match(top[c].text)]
    if not any(runs_on(c) and not top[c].text.strip() for c in range(len(top))):
        row_tall = any(at_foot(c) and not runs_on(c) and last[c].row == p and last[c].col == c
                       and last[c].text.strip() for c in range(len(last)))
        carried = [c for c in carried if row_tall and c in foot.full and at_foot(c)]
    for c in carried:
        if last[c].col == c and top[c].col == c:
            _append(last[c], top[c])
            top[c].text = ""


def _append(target: Cell, rest: Cell) -> None:
    """Add the text a page break cut off (rest) to the end of target; read by OCR, target is so marked.

    The rest of a row on a scanned page read by OCR makes the row OCR's too (its ``ocr`` flag).
    """
    target.text = target.text + "\n" + rest.text
    target.ocr = target.ocr or rest.ocr


def _drop_row(table: Table, r: int) -> None:
    """Remove grid row r, shifting the cells below it up and shrinking cells that cover it."""
    seen: set[int] = set()
    for row in table.grid:
        for cell in row:
            if id(cell) in seen:
                continue
            seen.add(id(cell))
            if cell.row > r:
                cell.row -= 1
            elif cell.row + cell.rowspan > r and cell.rowspan > 1:
                cell.rowspan -= 1
    del table.grid[r]
    if table.row_pages:
        del table.row_pages[r]


def _only_header_left(first: Table, second: Table) -> bool:
    """True when second now holds only the header rows it repeats from first."""
    return second.n_rows == 0 or _repeated_rows(first, second) == second.n_rows


def _flat(text: str) -> str:
    """Text without whitespace, for comparing repeated header rows."""
    return re.sub(r"\s+", "", text)


def build_pdf_grid(rows: list[list[Optional[BBox]]], texts: list[list[Optional[str]]],
                   cells: list[BBox], bbox: BBox) -> list[list[Cell]]:
    """Resolve pdfplumber's row/column layout into a grid where a merged cell is one shared Cell.

    A position pdfplumber leaves as None belongs to whichever cell box covers its
    centre: the box's own top-left position tells a vertical from a horizontal merge.
    A position no box covers (a gap in the rules) becomes an empty cell of its own.
    """
    if not rows or not rows[0]:
        return []
    xs, ys = _axis_edges(rows, bbox)
    origin: dict[BBox, Cell] = {}
    grid: list[list[Optional[Cell]]] = []
    for r, row in enumerate(rows):
        grid.append([])
        for c, box in enumerate(row):
            cell = None
            if box is not None:
                cell = Cell(_clean_text(texts[r][c]), r, c)
                origin[tuple(box)] = cell
            grid[r].append(cell)
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                row[c] = _covering(origin, cells, ((xs[c] + xs[c + 1]) / 2, (ys[r] + ys[r + 1]) / 2),
                                   r, c)
    return grid  # type: ignore[return-value]  # every None was replaced above


def _covering(origin: dict[BBox, Cell], cells: list[BBox], point: tuple[float, float],
              r: int, c: int) -> Cell:
    """The origin Cell whose box covers the point (extending its span), or a new empty Cell."""
    for box in cells:
        cell = origin.get(tuple(box))
        if cell is not None and cell.row <= r and cell.col <= c and _contains(box, point):
            cell.rowspan = max(cell.rowspan, r - cell.row + 1)
            cell.colspan = max(cell.colspan, c - cell.col + 1)
            return cell
    return Cell("", r, c)


def _axis_edges(rows: list[list[Optional[BBox]]], bbox: BBox) -> tuple[list[float], list[float]]:
    """Left edge of every column and top edge of every row, closed by the table's far edges."""
    n_cols = len(rows[0])
    xs = [min((row[c][0] for row in rows if c < len(row) and row[c] is not None),
              default=bbox[0]) for c in range(n_cols)]
    ys = [min((box[1] for box in row if box is not None), default=bbox[1]) for row in rows]
    return xs + [bbox[2]], ys + [bbox[3]]


def _clean_text(text: Optional[str]) -> str:
    """Cell text with line breaks kept, trailing spaces and outer blank lines dropped."""
    if not text:
        return ""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _centre(obj: dict) -> tuple[float, float]:
    """Centre point of a pdfplumber object."""
    return (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2


def _contains(box: BBox, point: tuple[float, float]) -> bool:
    """True when the point lies inside the box (edges included)."""
    x, y = point
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _title_hint(title: Optional[str]) -> Optional[str]:
    """The document-info title when it says something (not a file name or placeholder)."""
    title = _TITLE_WRAPPING.sub("", title or "").strip()
    # Placeholders ("untitled", "Document1", "文档1") are short or carry no Chinese
    # words; the notices read here are titled in Chinese.
    if len(title) < 4 or len(_IDEOGRAPH.findall(title)) < 2 or re.fullmatch(r"(文档|无标题)\d*", title):
        return None
    return title
