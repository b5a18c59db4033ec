"""Spreadsheets (.xlsx, .xls, WPS .et, which is an .xls inside, and Excel 2003 XML saved as .xls):
every visible sheet one table.

python-calamine reads the values and the merged ranges of the first three
formats (extractors/sheetxml.py the XML one). Merged ranges become merged
cells of the model; rows and columns hidden by hand are left out as hidden
sheets are (calamine reads them as shown: sheetsize.py finds them; those of a
collapsed outline group or hidden by a filter are read); empty rows and
columns are dropped. The caption rows above a sheet's header (附件2, the
title, a 填报单位:… line) stay the table's first rows, where the table stage
reads them as captions, and are also given as paragraphs before it: they are
the document's title lines, as a DOCX annex's heading paragraphs are. Cells
are turned into the text an analyst sees: a date cell as ``2020年12月31日``
(what the deadline parser reads; its time only when the number format shows
one), a whole number stored as a float (序号 ``1.0``) as ``1``.

A date cell whose number format leaves the day out is read without it:
``2023年6月`` typed into Chinese Excel or WPS is stored as 2023-06-01 with the
format ``yyyy"年"m"月"``, and reading it as ``2023年6月1日`` would turn "by the
end of June" into "by June 1st". A year the format hides is kept: the stored
value holds it, and a workbook states no issue date to take one from.
calamine does not expose number formats, so they are read here from the
styles and the cells' style indexes (XLSX XML or BIFF8 records), and only
when some style of the workbook shows part of a date, or a date with its time.

A number format with fixed decimals is read too: ``2022.10`` typed as a
deadline is stored as 2022.1, and a county fixes what shows with ``0.00``;
read as General it would be January, not October.
"""
from __future__ import annotations

import io
import logging
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Optional

import python_calamine as calamine
from lxml import etree

from extractors import sheetfonts, sheetxml
from extractors.base import Extractor, Limits
from extractors.captions import caption_lines, header_like, unspaced
from extractors.detect import is_excel_xml
from extractors.docx_symbols import font_text, symbol_font
from extractors.docx import check_zip
from extractors.sheetsize import (BOF, EOF, MULRK, SheetKey, SheetScan, column_number, records, scan_book,
                                  workbook_stream)
from pipeline.errors import EmptyDocument, EncryptedDocument, TooLarge, UnreadableDocument
from pipeline.lexicon import FORM_LABEL, MAX_CAPTION_ROWS
from pipeline.model import Cell, Paragraph, RawDocument, Table

log = logging.getLogger(__name__)
Range = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col))
# (row, col) -> how its cell's number format shows a date: "ym", "y" (the day left out) or "dt" (with the
# time); or a number: ".2" (two fixed decimals)
Shapes = dict[tuple[int, int], str]


@dataclass(slots=True)
class _SheetData:
    """One visible sheet as read: values by row, merged ranges, date shapes, hidden rows and columns."""
    name: str
    values: list[list[object]]
    merges: list[Range]
    shapes: Shapes = field(default_factory=dict)
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()


class SheetExtractor(Extractor):
    """Reads .xlsx, .xls and .et workbooks, and Excel 2003 XML ones."""
    format = "xlsx"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read every visible sheet of the workbook into a table (its caption lines and its name as paragraphs
        before it)."""
        raw = RawDocument(format=self.format)
        if is_excel_xml(data):
            sheets, hidden = _read_xml_book(data, limits)
        else:
            if data.startswith(b"PK"):
                check_zip(data, limits, "XLSX")
            scans = _check_size(data, limits)
            sheets, hidden = _read_book(data)
            _add_hidden(data, sheets, scans, raw.warnings)
            _add_formats(data, sheets, raw.warnings)
            _add_symbols(data, sheets, raw.warnings)
        _add_sheets(raw, sheets)
        if hidden:
            raw.warnings.append(f"hidden sheets not read: {', '.join(hidden)}")
        if not raw.blocks:
            raise EmptyDocument("the workbook's visible sheets hold no cells")
        return raw


def _add_sheets(raw: RawDocument, sheets: list[_SheetData]) -> None:
    """Each sheet's caption lines, name and table as blocks; one warning for the hidden rows and columns."""
    rows = cols = 0
    last = None   # the name (less its continuation mark) of the sheet whose table the blocks end with
    # the caption lines of that table's first sheet, squashed (set where a sheet's name is written: a
    # sheet joined to the one before keeps the first one's)
    captions: set[str] = set()
    for sheet in sheets:
        rows += sum(1 for r in sheet.hidden_rows if any(_filled(v) for v in sheet.values[r]))
        cols += sum(1 for c in sheet.hidden_cols if any(c < len(row) and _filled(row[c]) for row in sheet.values))
        grid, aside = sheet_tables(sheet)
        if not grid:
            last = None   # an empty sheet between: nothing before it is continued
            continue
        grid, *below = split_at_new_headers(grid)
        stem = continuation_stem(sheet.name)
        continued = stem is not None and last is not None and stem in ("", last)
        if continued:
            # caption rows that only say 续表 or repeat the first sheet's title are dropped: inside the
            # joined table they would end the group above them
            grid = reindex(grid[_repeated_caption_rows(grid, captions):])
        lines = caption_lines(grid)
        # the captions before the sheet's name: a title line is never continued into a tab's name
        raw.blocks.extend(Paragraph(line) for line in lines)
        if not continued or lines:
            raw.blocks.append(Paragraph(sheet.name))
            captions = {unspaced(line) for line in lines}
        # else the continuation (分工表(续), 续表2) of the sheet right before, with no caption rows of its
        # own left: no name between the two, so the table stage joins it to that sheet's table when it
        # repeats its header or has none
        raw.blocks.append(Table(grid))
        if stem != "":
            last = stem if stem is not None else unspaced(sheet.name)
        raw.title_hint = raw.title_hint or _title_line(lines)
        for part in below:   # another table further down the sheet: its captions before it, as a sheet's
            raw.blocks.extend(Paragraph(line) for line in caption_lines(part))
            raw.blocks.append(Table(part))
        raw.blocks.extend(Table(block) for block in aside)
    if rows or cols:
        counts = [_count(n, noun) for n, noun in ((rows, "row"), (cols, "column")) if n]
        raw.warnings.append(f"hidden rows and columns not read: {', '.join(counts)}")


# A sheet's name that says it continues the sheet before: 分工表(续), 续表2, 续表一, Sheet1（续1）, 续页;
# not 办理手续
_MARK = r"续[表页]?(?:\d+|[一二三四五六七八九十]+)?"
_CONTINUED = re.compile(rf"^{_MARK}$|[(（]{_MARK}[)）]$")
# a caption line that only marks the table continued: 续表, （续表2）, 续表一:
_MARK_LINE = re.compile(rf"^[(（]?{_MARK}[)）]?[:：]?$")
# the mark after a repeated title: 泾阳县…分工表（续）, 分工表(续表1)
_TRAILING_MARK = re.compile(rf"[(（]{_MARK}[)）]$")


def continuation_stem(name: str) -> Optional[str]:
    """The name before its continuation mark, without spaces (分工表(续) -> 分工表, 续表2 -> ''), or None
    when the name marks no continuation."""
    squashed = unspaced(name)
    m = _CONTINUED.search(squashed)
    return squashed[:m.start()] if m else None


def _repeated_caption_rows(grid: list[list[Cell]], captions: set[str]) -> int:
    """How many rows atop a continuation sheet are blank or say only that the first sheet goes on: every
    line of their cells a 续表 mark or a line of the first sheet's caption (its title, a 填报单位 line
    repeated, maybe with （续） after it); 0 when a caption row of its own stays below them (the sheet is
    no continuation after all)."""
    n = 0
    for row in grid:
        lines = {unspaced(line) for cell in {id(c): c for c in row}.values() for line in cell.text.splitlines()}
        if not all(_MARK_LINE.match(line) or _TRAILING_MARK.sub("", line) in captions for line in lines - {""}):
            break
        n += 1
    return n if n < len(grid) and not caption_lines(grid[n:]) else 0


def split_at_new_headers(grid: list[list[Cell]]) -> list[list[list[Cell]]]:
    """The sheet's grid cut into its tables: a header row unlike the first one (a 标准目录 under the task
    table, each with its caption rows) starts another table, together with the caption rows right above
    it; the table's own header again (typed on under it) or a header's second row does not."""
    texts = [[cell.text.strip() for cell in {id(cell): cell for cell in row}.values() if cell.text.strip()]
             for row in grid]
    heads = [r for r, row in enumerate(texts) if header_like(row)]
    if len(heads) < 2:
        return [grid]
    current = tuple(unspaced(t) for t in texts[heads[0]])   # the header of the table being read
    cuts = []
    for r in heads[1:]:
        signature = tuple(unspaced(t) for t in texts[r])
        if signature == current or r - 1 in heads:
            continue
        current = signature
        start = r
        floor = cuts[-1] if cuts else heads[0]
        while start - 1 > floor and r - start < MAX_CAPTION_ROWS and _caption_row(texts[start - 1]):
            start -= 1
        cuts.append(start)
    bounds = [0, *cuts, len(grid)]
    # each part without the columns only the other ones fill; a merge across a cut (none a sheet means) is
    # split by reindex: each part keeps the text
    return [reindex(_drop_empty(grid[a:b])) for a, b in zip(bounds, bounds[1:])]


def _caption_row(texts: list[str]) -> bool:
    """A row of one text (附件3, a title) or of a form's label:value cells (填报单位:…)."""
    return len(texts) == 1 or (len(texts) <= 3 and all(FORM_LABEL.match(text) for text in texts))


def _filled(value: object) -> bool:
    return value is not None and value != ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _title_line(lines: list[str]) -> Optional[str]:
    """The longest caption line that is no form line: the title, as a hint (附件2 above it is shorter)."""
    return max((line for line in lines if not FORM_LABEL.match(line)), key=len, default=None)


def _check_size(data: bytes, limits: Limits) -> dict[SheetKey, SheetScan]:
    """Each sheet's scan; refuse a workbook whose used range is too big to lay out, before calamine tries
    (and aborts)."""
    try:
        scans = scan_book(data)
    except (OSError, ValueError, IndexError, EOFError, struct.error, zipfile.BadZipFile, etree.LxmlError) as exc:
        raise UnreadableDocument(f"broken workbook: {exc}") from None
    cells = max((scan.bounds.cells for scan in scans.values()), default=0)
    if cells > limits.max_sheet_cells:
        raise TooLarge(f"a sheet's used range spans {cells} cells (limit {limits.max_sheet_cells})")
    return scans


def _read_book(data: bytes) -> tuple[list[_SheetData], list[str]]:
    """The visible sheets' values and merges, and the hidden sheets' names; library failures become named errors.

    All calamine calls happen here, so that a failure while building the grid
    afterwards is our bug (internal_error), not a broken file.
    """
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, hidden = [], []
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible:
                hidden.append(meta.name)
                continue
            sheet = book.get_sheet_by_name(meta.name)
            sheets.append(_SheetData(meta.name, sheet.to_python(skip_empty_area=False),
                                     list(sheet.merged_cell_ranges or [])))
        return sheets, hidden
    except calamine.PasswordError:
        raise EncryptedDocument("password-protected workbook") from None
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError) as exc:
        raise UnreadableDocument(f"broken workbook: {exc}") from None
    except BaseException as exc:
        # calamine's Rust code panics on some broken files; pyo3 raises that as a
        # PanicException, which derives from BaseException so that plain handlers miss it
        if type(exc).__name__ != "PanicException":
            raise
        raise UnreadableDocument(f"broken workbook (reader failed: {str(exc)[:120]})") from None


def _read_xml_book(data: bytes, limits: Limits) -> tuple[list[_SheetData], list[str]]:
    """The visible sheets of an Excel 2003 XML workbook, and the hidden sheets' names."""
    sheets, hidden = [], []
    for sheet in sheetxml.read_workbook(data, limits.max_sheet_cells):
        if not sheet.visible:
            hidden.append(sheet.name)
            continue
        shapes = {at: shape for at, code in sheet.formats.items() if (shape := format_shape(code))}
        sheets.append(_SheetData(sheet.name, sheet.values, sheet.merges, shapes, sheet.hidden_rows, sheet.hidden_cols))
    return sheets, hidden


def sheet_grid(values: list[list[object]], merges: list[Range], shapes: Optional[Shapes] = None,
               hidden_rows: frozenset[int] = frozenset(), hidden_cols: frozenset[int] = frozenset(),
               whole: bool = False) -> list[list[Cell]]:
    """A sheet's values as a grid with merges as shared Cells, hidden and empty rows and columns dropped
    (``whole``: the empty ones kept, the cells not reindexed).

    ``shapes`` gives the cells whose number format shows only part of a date, or a date with its time.
    A merged range across a hidden row or column keeps its text in the part that shows, as Excel does.
    """
    width = max((len(row) for row in values), default=0)
    grid = [[Cell(cell_text(row[c]) if c < len(row) else "", r, c) for c in range(width)]
            for r, row in enumerate(values)]
    # only cells with such a format are rendered again, so the loop above stays as fast as before;
    # cell_text ignores the shape of a value it does not fit (a date shape on a number, decimals on a date)
    for (r, c), shape in (shapes or {}).items():
        if r < len(values) and c < len(values[r]):
            grid[r][c].text = cell_text(values[r][c], shape)
    for (r0, c0), (r1, c1) in merges:
        _merge(grid, r0, c0, r1, c1)
    if hidden_rows or hidden_cols:
        grid = [[cell for c, cell in enumerate(row) if c not in hidden_cols]
                for r, row in enumerate(grid) if r not in hidden_rows]
    return grid if whole else reindex(_drop_empty(grid))


def sheet_tables(sheet: _SheetData) -> tuple[list[list[Cell]], list[list[list[Cell]]]]:
    """A sheet's table, and the blocks of cells beside it that blank columns set apart (a 填报说明 typed to
    the right of the table, over a row or two), each as a grid of its own; empty when the sheet is empty."""
    grid = sheet_grid(sheet.values, sheet.merges, sheet.shapes, sheet.hidden_rows, sheet.hidden_cols, whole=True)
    main, *aside = _column_blocks(grid)
    return reindex(_drop_empty(main)), [reindex(_drop_empty(block)) for block in aside]


def _column_blocks(grid: list[list[Cell]]) -> list[list[list[Cell]]]:
    """The grid cut at its blank columns into the table and the blocks beside it: a run of columns that
    fills fewer than half as many rows as the fullest run does, with blank columns between it and the
    table, is a block of its own; runs that fill as many rows (a column cleared inside the table) stay
    one table. The table first."""
    width = len(grid[0]) if grid else 0
    runs: list[tuple[int, int]] = []
    for c in range(width):
        if any(row[c].text.strip() for row in grid):
            if runs and runs[-1][1] == c:
                runs[-1] = (runs[-1][0], c + 1)
            else:
                runs.append((c, c + 1))
    if len(runs) < 2:
        return [grid]
    filled = [sum(1 for row in grid if any(cell.text.strip() for cell in row[a:b])) for a, b in runs]
    major = [i for i, n in enumerate(filled) if n * 2 >= max(filled)]
    first, last = runs[major[0]][0], runs[major[-1]][1]
    aside = [run for run in runs if run[1] <= first or run[0] >= last]
    return [[row[a:b] for row in grid] for a, b in [(first, last), *aside]]


def _merge(grid: list[list[Cell]], r0: int, c0: int, r1: int, c1: int) -> None:
    """Make the range one Cell: its top-left text placed at every position it covers."""
    if r0 >= len(grid) or c0 >= len(grid[r0]):
        return  # a merge wholly outside the cells read: nothing to show
    top = grid[r0][c0]
    for r in range(r0, min(r1, len(grid) - 1) + 1):
        for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
            grid[r][c] = top


def _drop_empty(grid: list[list[Cell]]) -> list[list[Cell]]:
    """The grid without rows and columns whose cells are all blank."""
    rows = [row for row in grid if any(cell.text.strip() for cell in row)]
    if not rows:
        return []
    keep = [c for c in range(len(rows[0])) if any(row[c].text.strip() for row in rows)]
    return [[row[c] for c in keep] for row in rows]


def reindex(grid: list[list[Cell]]) -> list[list[Cell]]:
    """New Cells whose row, col and spans describe where each (possibly shared) cell now sits."""
    placed: dict[int, list[int]] = {}  # id of an old cell -> [first row, first col, last row, last col]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            box = placed.setdefault(id(cell), [r, c, r, c])
            box[2], box[3] = max(box[2], r), max(box[3], c)
    fresh: dict[int, Cell] = {}
    out = []
    for row in grid:
        line = []
        for cell in row:
            if id(cell) not in fresh:
                r0, c0, r1, c1 = placed[id(cell)]
                fresh[id(cell)] = Cell(cell.text, r0, c0, r1 - r0 + 1, c1 - c0 + 1)
            line.append(fresh[id(cell)])
        out.append(line)
    return out


def cell_text(value: object, shape: Optional[str] = None) -> str:
    """The text a spreadsheet shows for a value: dates in Chinese form, whole floats without '.0'.

    ``shape`` names the date parts to write when the cell's format leaves the
    day out (``"ym"``: 2023年6月, ``"y"``: 2023年), or ``"dt"`` when it shows
    the time too; those only affect dates. ``".2"`` writes a number that is
    not whole with two decimals (2022.10). Without it a date is written without
    its time: the format shows none (2021-03-31 09:30 under yyyy"年"m"月"d"日"
    is 2021年3月31日 on screen).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        # a time under a month is no deadline a reader could use; midnight is left out as the day's start,
        # to the minute shown (a value a fraction of a second past it is stored rounding, not a time)
        shown = shape == "dt" and (value.hour, value.minute) != (0, 0)
        return _date_text(value.date(), _day_shape(shape)) + (f" {value:%H:%M}" if shown else "")
    if isinstance(value, date):
        return _date_text(value, _day_shape(shape))
    if isinstance(value, float):
        if shape and shape[0] == "." and not value.is_integer():
            # 2022.10 typed as a deadline is stored as 2022.1, and shown again by the format 0.00: read as
            # shown (October, not January). A whole number stays whole (序号 1, not 1.00)
            return f"{value:.{int(shape[1:])}f}"
        # 15 significant digits, as Excel shows: 0.1 + 0.2 is 0.3 there, not 0.30000000000000004
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value)


def _date_text(day: date, shape: Optional[str] = None) -> str:
    """A date as notices write it (2020年12月31日, or the parts ``shape`` names), as the deadline parser reads."""
    return _SHAPE_TEXT[shape].format(day) if shape else f"{day.year}年{day.month}月{day.day}日"


_SHAPE_TEXT = {"ym": "{0.year}年{0.month}月", "y": "{0.year}年"}


def _day_shape(shape: Optional[str]) -> Optional[str]:
    """The date parts a shape writes: "ym" or "y", or None for the whole date."""
    return shape if shape in _SHAPE_TEXT else None


# --------------------------------------------------------------------------
# Number formats: which date parts a format shows
# --------------------------------------------------------------------------

# Built-in formats that a file may use by number alone. 27-36 and 50-58 depend
# on the locale; these are the zh-CN ones (Chinese Excel and WPS write them
# without a definition). Only the date formats and fixed decimals matter here.
_BUILTIN_FORMATS: dict[int, str] = {
    2: "0.00", 4: "#,##0.00", 14: "yyyy/m/d", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 22: "yyyy/m/d h:mm",
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
    36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
}
_AMPM = re.compile(r"am/pm|a/p|上午/下午", re.IGNORECASE)
# a number with fixed decimals: 0.00, #0.00, #,##0.00 (the grouping is not written: 2,022.10 would read
# as two values), 0.00_ (the padding is gone with _format_codes); not 0.00% nor 0.00E+00
_FIXED_DECIMALS = re.compile(r"^[#0]*\.(0+)$")
_CODE_RUN = re.compile(r"y+|m+|d+|h+|s+")


@lru_cache(maxsize=1024)
def date_shape(code: str) -> Optional[str]:
    """The date parts to read a cell with when its number format leaves the day out: ``"ym"`` (a month
    shown, with or without its year: the stored year is kept), ``"y"`` (a year only).

    None for a format with a day (the full date is kept), a time only, or no
    date at all: those cells keep their usual text. Quoted and escaped
    literals, ``[...]`` tags (colours, ``[$-804]``, ``[DBNum1]``, conditions)
    and AM/PM markers are left out before the codes are read; only the first
    section (positive numbers) counts. ``m`` right after ``h`` or right
    before ``s`` is minutes; ``ddd``/``dddd`` is the weekday, not the day.
    """
    parts = _format_parts(code)
    if "d" in parts or not parts & {"y", "m"}:
        return None   # the day is shown (m"月"d"日" keeps its stored year too), or no date part at all
    return "ym" if "m" in parts else "y"


def format_shape(code: str) -> Optional[str]:
    """How a number format shows a value: a date's ``date_shape`` when it leaves the day out, ``"dt"`` for
    a date with its time (yyyy/m/d h:mm), ``".2"`` for a number with two fixed decimals (0.00), None for
    a date alone or a number as General shows it (the usual text)."""
    shape = date_shape(code)
    if shape:
        return shape   # a time under a month or a year is left out
    parts = _format_parts(code)
    if parts:
        return "dt" if "d" in parts and parts & {"h", "s", "n"} else None
    fixed = _FIXED_DECIMALS.match(_format_codes(code).replace(",", "").strip())
    return f".{len(fixed.group(1))}" if fixed else None


@lru_cache(maxsize=1024)
def _format_parts(code: str) -> frozenset[str]:
    """The parts a format shows: y, m (month), d (day), h, n (minutes), s. See date_shape."""
    runs = _CODE_RUN.findall(_AMPM.sub("", _format_codes(code)).lower())
    parts = set()
    for i, run in enumerate(runs):
        if run[0] == "m":
            minutes = (i > 0 and runs[i - 1][0] == "h") or (i + 1 < len(runs) and runs[i + 1][0] == "s")
            parts.add("n" if minutes else "m")
        elif run[0] in "yhs" or (run[0] == "d" and len(run) <= 2):
            parts.add(run[0])
    return frozenset(parts)


def _format_codes(code: str) -> str:
    """The first section of a number format with literals and ``[...]`` tags removed."""
    out = []
    i, n = 0, len(code)
    while i < n:
        char = code[i]
        if char == ";":
            break
        if char == '"':
            end = code.find('"', i + 1)
            i = n if end < 0 else end + 1
        elif char == "[":
            end = code.find("]", i + 1)
            i = n if end < 0 else end + 1
        elif char in "\\_*":  # an escaped literal, a padding or a fill character: the next one is not a code
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _style_shapes(format_ids: list[int], codes: dict[int, str]) -> dict[int, str]:
    """Style index -> shape, for the styles whose format shows part of a date, a date's time or fixed decimals."""
    out = {}
    for index, fmt in enumerate(format_ids):
        code = codes.get(fmt, _BUILTIN_FORMATS.get(fmt))
        shape = format_shape(code) if code else None
        if shape:
            out[index] = shape
    return out


# what reading a workbook part of a file calamine read may raise: the part is broken, not our code
_PART_ERRORS = (OSError, ValueError, KeyError, IndexError, EOFError, struct.error, zipfile.BadZipFile,
                etree.LxmlError)


def _add_hidden(data: bytes, sheets: list[_SheetData], scans: dict[SheetKey, SheetScan],
                warnings: list[str]) -> None:
    """Fill each sheet's hidden rows and columns from its scan, found by the sheet's part or substream; a
    workbook part naming them that cannot be read leaves every row shown, with a warning."""
    try:
        keys = _xlsx_members(data) if data.startswith(b"PK") else _biff_offsets(data)
    except _PART_ERRORS as exc:
        log.warning("sheet parts not found: %s", exc)
        warnings.append(f"sheet parts not found ({str(exc)[:80]}): hidden rows shown")
        return
    for sheet in sheets:
        scan = scans.get(keys.get(sheet.name, ""))
        if scan is not None:
            sheet.hidden_rows = scan.rows_within(len(sheet.values))
            sheet.hidden_cols = scan.cols_within(max((len(row) for row in sheet.values), default=0))


def _add_formats(data: bytes, sheets: list[_SheetData], warnings: list[str]) -> None:
    """Fill each sheet's ``shapes``; a broken style part leaves dates as whole days, with a warning (the
    hidden rows do not depend on it)."""
    wanted = {sheet.name for sheet in sheets}
    try:
        found = _xlsx_shapes(data, wanted) if data.startswith(b"PK") else _biff_shapes(data, wanted)
    except _PART_ERRORS as exc:
        # calamine read the values already: a broken style part only costs the formats
        log.warning("number formats not read: %s", exc)
        warnings.append(f"number formats not read ({str(exc)[:80]}): dates shown in full")
        return
    for sheet in sheets:
        sheet.shapes = found.get(sheet.name, {})


def _add_symbols(data: bytes, sheets: list[_SheetData], warnings: list[str]) -> None:
    """Write the marks a symbol font draws (ü in Wingdings: ✓) into the cells that hold them (an .xls/.et
    cell whose font is one; a rich-text run of one there keeps its letters); a broken part leaves the
    letters, with a warning."""
    try:
        if not data.startswith(b"PK"):
            found = _biff_symbol_texts(data, sheets)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                parts, members = _xlsx_book(zf)
                first = {kind: found[0][1] for kind, found in parts.items() if found}
                wanted = {sheet.name: members[sheet.name] for sheet in sheets if sheet.name in members}
                found = sheetfonts.symbol_texts(zf, first.get("styles"), first.get("sharedStrings"), wanted)
    except _PART_ERRORS as exc:
        log.warning("symbol fonts not read: %s", exc)
        warnings.append(f"symbol fonts not read ({str(exc)[:80]}): ticks in Wingdings shown as letters")
        return
    for sheet in sheets:
        for (r, c), text in found.get(sheet.name, {}).items():
            if r < len(sheet.values) and c < len(sheet.values[r]):
                sheet.values[r][c] = text


# --------------------------------------------------------------------------
# XLSX: styles.xml and the s="" of each cell
# --------------------------------------------------------------------------

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
# up to this many date styles, an alternation of their numbers and bytes.count are fastest; a bloated
# (or hostile) styles part with thousands of them is matched with \d+ and filtered instead
_FEW_STYLES = 16
_FIRST_CELL = re.compile(rb"<([\w.-]+:)?c[\s>]")  # tells the namespace prefix the sheet's cells carry
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_STYLE = re.compile(rb'\ss="(\d+)"')


def _xlsx_shapes(data: bytes, wanted: set[str]) -> dict[str, Shapes]:
    """Sheet name -> cells whose format shows part of a date or a time, for the ``wanted`` (visible) sheets
    (empty when no style does)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts, members = _xlsx_book(zf)
        if "styles" not in parts:
            return {}
        styles = _xlsx_style_shapes(etree.fromstring(zf.read(parts["styles"][0][1]), _XML))
        if not styles:
            return {}  # the common case: no style shows part of a date, so no sheet is scanned
        return {name: _xlsx_cells(zf.read(member), styles) for name, member in members.items() if name in wanted}


def _xlsx_members(data: bytes) -> dict[str, SheetKey]:
    """Sheet name -> its worksheet's zip member."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return _xlsx_book(zf)[1]


def _xlsx_book(zf: zipfile.ZipFile) -> tuple[dict[str, list[tuple[str, str]]], dict[str, SheetKey]]:
    """The workbook's relationships (kind -> [(id, zip member)]) and sheet name -> its worksheet's zip member."""
    book_part = _targets(zf, "", "_rels/.rels").get("officeDocument", [("", "xl/workbook.xml")])[0][1]
    folder, name = posixpath.split(book_part)
    parts = _targets(zf, folder, posixpath.join(folder, "_rels", name + ".rels"))
    sheets = dict(parts.get("worksheet", []))
    members: dict[str, SheetKey] = {}
    for sheet in etree.fromstring(zf.read(book_part), _XML).iter():
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        if _local(sheet.tag) == "sheet" and rid in sheets:
            members[sheet.get("name", "")] = sheets[rid]
    return parts, members


def _targets(zf: zipfile.ZipFile, folder: str, rels_part: str) -> dict[str, list[tuple[str, str]]]:
    """Relationship kind (last word of its type) -> [(id, zip member)] from a .rels part (none when it is missing)."""
    if rels_part not in zf.namelist():
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for rel in etree.fromstring(zf.read(rels_part), _XML):
        target = rel.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], []).append((rel.get("Id", ""), member))
    return out


def _local(tag: object) -> str:
    """An element's or attribute's name without its namespace ('' for comments)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xlsx_style_shapes(styles: etree._Element) -> dict[int, str]:
    """cellXfs index -> date shape, from styles.xml."""
    codes, format_ids = {}, []
    for el in styles.iter():
        name = _local(el.tag)
        if name == "numFmt" and (el.get("numFmtId") or "").isdigit():
            codes[int(el.get("numFmtId"))] = el.get("formatCode", "")
        elif name == "cellXfs":
            format_ids = [int(xf.get("numFmtId") or 0) for xf in el if _local(xf.tag) == "xf"]
    return _style_shapes(format_ids, codes)


def _xlsx_cells(xml: bytes, styles: dict[int, str]) -> Shapes:
    """(row, col) -> shape of the cells whose style shows part of a date (empty ones too: calamine's values filter).

    Excel, WPS, LibreOffice and openpyxl all write ``<c r="E2" s="3"``: one
    regex finds those in C, and a count of every ``s="3"`` in the sheet
    proves none was missed. Only when the counts differ (another attribute
    order, cells without ``r``, styled rows) are all tags walked.
    """
    by_id = {str(i).encode(): shape for i, shape in styles.items()}
    few = len(by_id) <= _FEW_STYLES
    first = _FIRST_CELL.search(xml)
    prefix = re.escape(first.group(1) or b"") if first else b""
    wanted = b"|".join(by_id) if few else rb"\d+"
    found = re.findall(rb'<%sc\s+r="([A-Z]{1,3})(\d+)"\s+s="(%s)"' % (prefix, wanted), xml)
    if few:
        # an attribute always follows XML whitespace; bytes.count is many times faster than a regex
        written = sum(xml.count(b'%ss="%s"' % (space, i)) for i in by_id for space in (b" ", b"\n", b"\t", b"\r"))
    else:
        found = [cell for cell in found if cell[2] in by_id]
        written = sum(map(by_id.__contains__, _STYLE.findall(xml)))
    if len(found) != written:
        return _xlsx_cells_by_position(xml, styles)
    return {(int(row) - 1, _column(letters) - 1): by_id[style] for letters, row, style in found}


def _xlsx_cells_by_position(xml: bytes, styles: dict[int, str]) -> Shapes:
    """As _xlsx_cells, for sheets whose rows or cells omit ``r=""``: positions counted as a reader does."""
    out = {}
    row, col = -1, -1
    for match in _TAG.finditer(xml):
        attrs = match.group(2)
        if match.group(1) == b"row":
            number = _ROW_NUMBER.search(attrs)
            row, col = (int(number.group(1)) - 1 if number else row + 1), -1
            continue
        ref = _CELL_REF.search(attrs)
        col = _column(ref.group(1)) - 1 if ref else col + 1
        style = _STYLE.search(attrs)
        if style and int(style.group(1)) in styles:
            out[(int(ref.group(2)) - 1 if ref else row, col)] = styles[int(style.group(1))]
    return out


@lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    """1-based column number of a reference's letters (b"E" -> 5)."""
    return column_number(letters.decode("ascii"))


# --------------------------------------------------------------------------
# BIFF8 (.xls, .et): FORMAT and XF records, and the style index of each number cell
# --------------------------------------------------------------------------

_FORMAT, _XF, _BOUNDSHEET = 0x041E, 0x00E0, 0x0085
_NUMBER_RECORDS = {0x0203, 0x027E, 0x0006}  # NUMBER, RK, FORMULA: row, col, style index first


def _substream(stream: bytes, pos: int = 0, end: Optional[int] = None):
    """The records of one BIFF substream, from ``pos`` to its EOF record (at most to ``end``)."""
    for kind, body in records(stream, pos, end):
        yield kind, body
        if kind == EOF:
            return


def _biff_shapes(data: bytes, wanted: set[str]) -> dict[str, Shapes]:
    """Sheet name -> number cells whose format leaves the day out or shows a time, for the ``wanted``
    (visible) sheets (empty when no style does, or when not BIFF8). Each substream is read up to the next
    one's start: sheet entries that point into one another cost one pass over the stream, not one per
    entry."""
    stream = workbook_stream(data)
    sheets = _biff_sheets(stream)
    if not sheets:
        return {}
    codes, format_ids = {}, []
    for kind, body in _substream(stream):
        if kind == _FORMAT:
            fmt, length, flags = struct.unpack_from("<HHB", body)
            codes[fmt] = _biff_string(body[5:], length, flags)
        elif kind == _XF:
            format_ids.append(struct.unpack_from("<H", body, 2)[0])
    styles = _style_shapes(format_ids, codes)
    if not styles:
        return {}
    starts = sorted({offset for offset, _ in sheets} | {len(stream)})
    ends = dict(zip(starts, starts[1:]))
    cells = {offset: _biff_cells(stream, offset, ends.get(offset), styles)
             for offset in {offset for offset, name in sheets if name in wanted}}
    return {name: cells[offset] for offset, name in sheets if offset in cells}


_FONT, _LABELSST, _LABEL = 0x0031, 0x00FD, 0x0204


def _biff_symbol_texts(data: bytes, sheets: list[_SheetData]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> (row, col) -> text of the string cells whose font (by their XF) is a symbol font, as
    the marks it draws; empty when no font of the workbook is one (or when not BIFF8)."""
    stream = workbook_stream(data)
    offsets = _biff_sheets(stream)
    fonts, xf_fonts = [], []
    for kind, body in _substream(stream):
        if kind == _FONT and len(body) >= 16:
            fonts.append(symbol_font(_biff_string(body[16:], body[14], body[15])))
        elif kind == _XF and len(body) >= 2:
            xf_fonts.append(struct.unpack_from("<H", body)[0])
    # font index 4 is never written: the fifth FONT record is font 5
    styles = {i: fonts[f - (f > 4)] for i, f in enumerate(xf_fonts) if f != 4 and f - (f > 4) < len(fonts)
              and fonts[f - (f > 4)]}
    if not offsets or not styles:
        return {}
    by_name = {sheet.name: sheet for sheet in sheets}
    starts = sorted({offset for offset, _ in offsets} | {len(stream)})
    ends = dict(zip(starts, starts[1:]))
    out: dict[str, dict[tuple[int, int], str]] = {}
    for offset, name in offsets:
        sheet = by_name.get(name)
        if sheet is None:
            continue
        for kind, body in _substream(stream, offset, ends.get(offset)):
            if kind not in (_LABELSST, _LABEL) or len(body) < 6:
                continue
            row, col, style = struct.unpack_from("<HHH", body)
            value = sheet.values[row][col] if row < len(sheet.values) and col < len(sheet.values[row]) else None
            if style in styles and isinstance(value, str):
                out.setdefault(name, {})[(row, col)] = font_text(styles[style], value)
    return out


def _biff_offsets(data: bytes) -> dict[str, SheetKey]:
    """Sheet name -> the offset of its substream (empty when not BIFF8)."""
    return {name: offset for offset, name in _biff_sheets(workbook_stream(data))}


def _biff_sheets(stream: bytes) -> list[tuple[int, str]]:
    """(offset of its substream, name) of each worksheet the BOUNDSHEET records list; none when not BIFF8
    (BIFF5 and older keep the full dates and show every row)."""
    sheets = []
    for kind, body in _substream(stream):
        if kind == BOF and struct.unpack_from("<H", body)[0] != 0x0600:
            return []
        if kind == _BOUNDSHEET and body[5] == 0:  # a worksheet, not a chart or macro sheet
            sheets.append((struct.unpack_from("<I", body)[0], _biff_string(body[8:], body[6], body[7])))
    return sheets


def _biff_string(raw: bytes, length: int, flags: int) -> str:
    """An XLUnicodeString's characters: UTF-16 when the high-byte flag is set, else one byte each."""
    return raw[:2 * length].decode("utf-16-le", "replace") if flags & 1 else raw[:length].decode("latin-1")


def _biff_cells(stream: bytes, offset: int, end: Optional[int], styles: dict[int, str]) -> Shapes:
    """(row, col) -> shape of the number cells of one sheet substream whose style leaves the day out."""
    out = {}
    for kind, body in _substream(stream, offset, end):
        if kind in _NUMBER_RECORDS and len(body) >= 6:
            row, col, style = struct.unpack_from("<HHH", body)
            if style in styles:
                out[(row, col)] = styles[style]
        elif kind == MULRK and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            for k in range((len(body) - 6) // 6):  # (style, RK value) pairs, then the last column
                style = struct.unpack_from("<H", body, 4 + 6 * k)[0]
                if style in styles:
                    out[(row, first + k)] = styles[style]
    return out


__all__ = ["SheetExtractor", "cell_text", "date_shape", "format_shape", "reindex", "sheet_grid", "sheet_tables"]
