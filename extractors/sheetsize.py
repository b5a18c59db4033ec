"""How many cells each sheet's used range spans, measured before python-calamine reads it,
and which rows and columns the sheet hides.

calamine lays every sheet out as a dense grid from its first to its last value:
one value at A1 and one at XFD1048576 asks for 17 billion cells, and the
allocation failure aborts the whole process (a Rust abort, not a MemoryError).
So the used range is measured here first, from the cell references of the
XLSX sheet XML or the cell records of the BIFF8 stream, in one streaming pass.
The same pass notes the rows and columns hidden by hand (``<row hidden>``/``<col hidden>``,
the ROW and COLINFO records), which calamine reads as if they were shown. Excel
also marks hidden the rows and columns of a collapsed outline group and the rows
a filter hides: those are the sheet's content folded away for the moment, not
struck out, so a row or column with an outline level and every row of a sheet
whose AutoFilter filters (``<filterColumn>``, ``<sheetPr filterMode>``; the
FILTERMODE record) count as shown.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from array import array
from typing import Iterator, Optional, Union

import olefile
from lxml import etree

_REF = re.compile(r"([A-Z]+)(\d+)")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
BOF, EOF, MULRK, _DIMENSIONS = 0x0809, 0x000A, 0x00BD, 0x0200
_ROW, _COLINFO, _FILTERMODE = 0x0208, 0x007D, 0x009B
_ROW_HIDDEN, _COL_HIDDEN = 0x20, 0x01   # ROW fDyZero (grbit at byte 12), COLINFO fHidden (grbit at byte 8)
_ROW_OUTLINE, _COL_OUTLINE = 0x0007, 0x0700   # ROW iOutLevel (grbit bits 0-2), COLINFO iOutLevel (bits 8-10)
_TRUE = ("1", "true")
# BIFF8 records holding one value each: row and column are their first two fields
_VALUE_RECORDS = {0x00FD, 0x0203, 0x027E, 0x0204, 0x0006, 0x0205}


class Bounds:
    """The smallest box holding every value seen: first/last row and column."""
    __slots__ = ("rows", "cols")

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []

    def add(self, row: int, col: int) -> None:
        """Widen the box to hold (row, col)."""
        if not self.rows:
            self.rows, self.cols = [row, row], [col, col]
            return
        self.rows = [min(self.rows[0], row), max(self.rows[1], row)]
        self.cols = [min(self.cols[0], col), max(self.cols[1], col)]

    @property
    def cells(self) -> int:
        """Cells in the box (0 when empty)."""
        if not self.rows:
            return 0
        return (self.rows[1] - self.rows[0] + 1) * (self.cols[1] - self.cols[0] + 1)


class SheetScan:
    """What one pass over a sheet finds: its used range and the rows and columns it hides (0-based)."""
    __slots__ = ("bounds", "hidden_rows", "hidden_cols", "filtered")

    def __init__(self) -> None:
        self.bounds = Bounds()
        # rows one by one, in a compact array: a sheet may hide a million rows; only rows holding cells
        # are kept (an empty hidden row is dropped with the other empty rows anyway)
        self.hidden_rows = array("l")
        self.hidden_cols: list[tuple[int, int]] = []   # (first, last) ranges, as <col>/COLINFO state them
        # a filter hides rows too, marked as a hand would; no mark tells them apart, so none is left out
        self.filtered = False

    def rows_within(self, height: int) -> frozenset[int]:
        """The rows hidden by hand above ``height`` (none on a sheet a filter hides rows of)."""
        return frozenset() if self.filtered else frozenset(r for r in self.hidden_rows if r < height)

    def cols_within(self, width: int) -> frozenset[int]:
        """The hidden columns left of ``width`` (a range may run to the sheet's last column)."""
        return frozenset(c for first, last in self.hidden_cols for c in range(first, min(last, width - 1) + 1))


SheetKey = Union[str, int]   # an XLSX sheet's zip member, or a BIFF sheet substream's offset (its BOF)


def scan_book(data: bytes) -> dict[SheetKey, SheetScan]:
    """Each sheet's used range and hidden rows and columns (XLSX or BIFF8 .xls/.et)."""
    return _xlsx_scans(data) if data.startswith(b"PK") else _biff_scans(data)


def column_number(letters: str) -> int:
    """1-based column number of a cell reference's letters ("E" -> 5)."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _xlsx_scans(data: bytes) -> dict[SheetKey, SheetScan]:
    """One scan per worksheet part: the box of the cells that hold a value, the hidden rows and columns."""
    out: dict[SheetKey, SheetScan] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            scan = out[name] = SheetScan()
            with zf.open(name) as member:
                _scan_xlsx_sheet(member, scan)
    return out


def _by_hand(el) -> bool:
    """A <row> or <col> hidden outside any outline group (a collapsed group hides its rows too)."""
    return el.get("hidden") in _TRUE and el.get("outlineLevel", "0").strip() in ("", "0")


def _scan_xlsx_sheet(member, scan: SheetScan) -> None:
    """Fill ``scan`` from one worksheet part, streaming: a finished row is dropped at once."""
    row = 0   # 1-based number of the last row seen (a row without r="" follows the one before)
    for _, el in etree.iterparse(member, tag=(_MAIN + "c", _MAIN + "row", _MAIN + "col", _MAIN + "sheetPr",
                                              _MAIN + "filterColumn"),
                                 resolve_entities=False, no_network=True):
        if el.tag == _MAIN + "c":
            match = _REF.match(el.get("r", ""))
            if match and len(el):  # a cell without <v>/<is> is only a style
                scan.bounds.add(int(match.group(2)), column_number(match.group(1)))
            continue
        if el.tag == _MAIN + "col":
            if _by_hand(el) and (el.get("min") or "").isdigit() and (el.get("max") or "").isdigit():
                scan.hidden_cols.append((int(el.get("min")) - 1, int(el.get("max")) - 1))
            continue
        if el.tag in (_MAIN + "sheetPr", _MAIN + "filterColumn"):
            # the sheet's AutoFilter filters on a column, or the sheet says some filter is on
            scan.filtered |= el.tag == _MAIN + "filterColumn" or el.get("filterMode") in _TRUE
            continue
        number = el.get("r", "")
        row = int(number) if number.isdigit() else row + 1
        if _by_hand(el) and len(el):
            scan.hidden_rows.append(row - 1)
        # a finished row: drop it and the rows before it, so a million rows cost no memory
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]


def workbook_stream(data: bytes) -> bytes:
    """The BIFF stream of an .xls/.et (its Workbook, or an older Book)."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()


def records(stream: bytes, pos: int = 0, end: Optional[int] = None) -> Iterator[tuple[int, bytes]]:
    """(type, body) of each BIFF record from ``pos`` (to ``end`` at most)."""
    end = len(stream) if end is None else min(end, len(stream))
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def _biff_scans(data: bytes) -> dict[SheetKey, SheetScan]:
    """One scan per BIFF8 substream (sheet), keyed by the offset of its BOF (what BOUNDSHEET points at)."""
    out: dict[SheetKey, SheetScan] = {}
    scan = SheetScan()
    pos = 0
    for kind, body in records(workbook_stream(data)):
        if kind == BOF:
            scan = out[pos] = SheetScan()
        elif kind in _VALUE_RECORDS and len(body) >= 4:
            scan.bounds.add(*struct.unpack_from("<HH", body))
        elif kind == _DIMENSIONS and len(body) >= 12:
            # calamine sizes its grid from this record too: a lying one counts as what it claims
            first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
            scan.bounds.add(first_row, first_col)
            scan.bounds.add(max(end_row, 1) - 1, max(end_col, 1) - 1)
        elif kind == MULRK and len(body) >= 6:  # one row, a run of columns
            row, first = struct.unpack_from("<HH", body)
            scan.bounds.add(row, first)
            scan.bounds.add(row, struct.unpack_from("<H", body, len(body) - 2)[0])
        elif kind == _ROW and len(body) >= 14 and _biff_by_hand(body, 12, _ROW_HIDDEN, _ROW_OUTLINE):
            scan.hidden_rows.append(struct.unpack_from("<H", body)[0])
        elif kind == _COLINFO and len(body) >= 10 and _biff_by_hand(body, 8, _COL_HIDDEN, _COL_OUTLINE):
            scan.hidden_cols.append(struct.unpack_from("<HH", body))
        elif kind == _FILTERMODE:   # the sheet's AutoFilter hides rows
            scan.filtered = True
        pos += 4 + len(body)
    return out


def _biff_by_hand(body: bytes, at: int, hidden: int, outline: int) -> bool:
    """A ROW or COLINFO record (its grbit at ``at``) hidden outside any outline group."""
    grbit = struct.unpack_from("<H", body, at)[0]
    return bool(grbit & hidden) and not grbit & outline
