"""How many cells each sheet's used range spans, measured before python-calamine reads it.

calamine lays every sheet out as a dense grid from its first to its last value:
one value at A1 and one at XFD1048576 asks for 17 billion cells, and the
allocation failure aborts the whole process (a Rust abort, not a MemoryError).
So the used range is measured here first, from the cell references of the
XLSX sheet XML or the cell records of the BIFF8 stream, in one streaming pass.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import Iterator, Optional

import olefile
from lxml import etree

_REF = re.compile(r"([A-Z]+)(\d+)")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
BOF, EOF, MULRK, _DIMENSIONS = 0x0809, 0x000A, 0x00BD, 0x0200
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


def largest_range(data: bytes) -> int:
    """Cells in the largest used range of any sheet (XLSX or BIFF8 .xls/.et); 0 when none is found."""
    if data.startswith(b"PK"):
        return max((b.cells for b in _xlsx_bounds(data)), default=0)
    return max((b.cells for b in _biff_bounds(data)), default=0)


def column_number(letters: str) -> int:
    """1-based column number of a cell reference's letters ("E" -> 5)."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _xlsx_bounds(data: bytes) -> list[Bounds]:
    """One box per worksheet part, from the references of cells that hold a value."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            bounds = Bounds()
            with zf.open(name) as member:
                for _, el in etree.iterparse(member, tag=(_MAIN + "c", _MAIN + "row"),
                                             resolve_entities=False, no_network=True):
                    if el.tag == _MAIN + "c":
                        match = _REF.match(el.get("r", ""))
                        if match and len(el):  # a cell without <v>/<is> is only a style
                            bounds.add(int(match.group(2)), column_number(match.group(1)))
                        continue
                    # a finished row: drop it and the rows before it, so a million rows cost no memory
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
            out.append(bounds)
    return out


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


def _biff_bounds(data: bytes) -> list[Bounds]:
    """One box per BIFF8 substream (sheet), from its cell records."""
    out: list[Bounds] = []
    bounds = Bounds()
    for kind, body in records(workbook_stream(data)):
        if kind == BOF:
            bounds = Bounds()
        elif kind == EOF:
            out.append(bounds)
        elif kind in _VALUE_RECORDS and len(body) >= 4:
            bounds.add(*struct.unpack_from("<HH", body))
        elif kind == _DIMENSIONS and len(body) >= 12:
            # calamine sizes its grid from this record too: a lying one counts as what it claims
            first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
            bounds.add(first_row, first_col)
            bounds.add(max(end_row, 1) - 1, max(end_col, 1) - 1)
        elif kind == MULRK and len(body) >= 6:  # one row, a run of columns
            row, first = struct.unpack_from("<HH", body)
            bounds.add(row, first)
            bounds.add(row, struct.unpack_from("<H", body, len(body) - 2)[0])
    return out
