"""Spreadsheets (.xlsx, .xls, and WPS .et, which is an .xls inside): every visible sheet one table.

python-calamine reads the values and the merged ranges of all three formats.
Merged ranges become merged cells of the model; empty rows and columns are
dropped; a title row merged across the sheet stays the table's first row,
where the table stage reads it as a caption. Cells are turned into the text an
analyst sees: a date cell as ``2020年12月31日`` (what the deadline parser
reads), a whole number stored as a float (序号 ``1.0``) as ``1``.
"""
from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional

import python_calamine as calamine
from lxml import etree

from extractors.base import Extractor, Limits
from extractors.docx import check_zip
from extractors.sheetsize import largest_range
from pipeline.errors import EmptyDocument, EncryptedDocument, TooLarge, UnreadableDocument
from pipeline.model import Cell, Paragraph, RawDocument, Table

Range = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col))


@dataclass(slots=True)
class _SheetData:
    """What calamine gives for one visible sheet: values by row and merged ranges."""
    name: str
    values: list[list[object]]
    merges: list[Range]


class SheetExtractor(Extractor):
    """Reads .xlsx, .xls and .et workbooks."""
    format = "xlsx"

    def extract(self, data: bytes, limits: Limits = Limits()) -> RawDocument:
        """Read every visible sheet of the workbook into a table (its name as a paragraph before it)."""
        if data.startswith(b"PK"):
            check_zip(data, limits, "XLSX")
        _check_size(data, limits)
        sheets, hidden = _read_book(data)
        raw = RawDocument(format=self.format)
        for sheet in sheets:
            grid = sheet_grid(sheet.values, sheet.merges)
            if grid:
                raw.blocks.append(Paragraph(sheet.name))
                raw.blocks.append(Table(grid))
                raw.title_hint = raw.title_hint or caption_of(grid)
        if hidden:
            raw.warnings.append(f"hidden sheets not read: {', '.join(hidden)}")
        if not raw.blocks:
            raise EmptyDocument("the workbook's visible sheets hold no cells")
        return raw


def caption_of(grid: list[list[Cell]]) -> Optional[str]:
    """The text of a first row that is one cell merged across the whole sheet (a title), else None."""
    first = grid[0]
    if len(first) > 1 and all(cell is first[0] for cell in first) and first[0].rowspan == 1:
        return first[0].text.strip() or None
    return None


def _check_size(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose used range is too big to lay out, before calamine tries (and aborts)."""
    try:
        cells = largest_range(data)
    except (OSError, ValueError, IndexError, EOFError, struct.error, zipfile.BadZipFile, etree.LxmlError) as exc:
        raise UnreadableDocument(f"broken workbook: {exc}") from None
    if cells > limits.max_sheet_cells:
        raise TooLarge(f"a sheet's used range spans {cells} cells (limit {limits.max_sheet_cells})")


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


def sheet_grid(values: list[list[object]], merges: list[Range]) -> list[list[Cell]]:
    """A sheet's values as a grid with merges as shared Cells, empty rows and columns dropped."""
    width = max((len(row) for row in values), default=0)
    grid = [[Cell(cell_text(row[c]) if c < len(row) else "", r, c) for c in range(width)]
            for r, row in enumerate(values)]
    for (r0, c0), (r1, c1) in merges:
        _merge(grid, r0, c0, r1, c1)
    return reindex(_drop_empty(grid))


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


def cell_text(value: object) -> str:
    """The text a spreadsheet shows for a value: dates in Chinese form, whole floats without '.0'."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _date_text(value.date()) + ("" if value.time() == time(0) else f" {value:%H:%M}")
    if isinstance(value, date):
        return _date_text(value)
    if isinstance(value, float):
        # 15 significant digits, as Excel shows: 0.1 + 0.2 is 0.3 there, not 0.30000000000000004
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value)


def _date_text(day: date) -> str:
    """A date as the notices write it (2020年12月31日), which the deadline parser reads."""
    return f"{day.year}年{day.month}月{day.day}日"


__all__ = ["SheetExtractor", "cell_text", "reindex", "sheet_grid"]
