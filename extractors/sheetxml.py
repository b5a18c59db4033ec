"""Excel 2003 XML workbooks (SpreadsheetML, "XML Spreadsheet 2003"), often published under an .xls name.

One XML document: ``Workbook > Worksheet > Table > Row > Cell > Data``, with
``ss:Index`` jumps over empty rows and cells, ``ss:MergeAcross``/``ss:MergeDown``
spans, ``ss:Hidden`` rows and columns, a ``Visible`` option on hidden sheets and
number formats on named styles. Rows hidden on a sheet whose ``x:AutoFilter``
filters on a column (``x:AutoFilterColumn``) may be the filter's, not a hand's:
they are all read, as sheetsize.py reads an XLSX's. Read here with lxml (entities and the network
off) into the values, merges and formats the spreadsheet reader lays out as it
does calamine's; no conversion is needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from pipeline.errors import TooLarge, UnreadableDocument

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
# Excel's named formats, as the codes they stand for (the spreadsheet reader reads codes)
_NAMED_FORMATS = {"general date": "yyyy/m/d h:mm", "short date": "yyyy/m/d", "medium date": "d-mmm-yy",
                  "long date": 'yyyy"年"m"月"d"日"', "long time": "h:mm:ss", "medium time": "h:mm AM/PM",
                  "short time": "h:mm", "fixed": "0.00", "standard": "#,##0.00"}
_HIDDEN_SHEET = ("SheetHidden", "SheetVeryHidden")
Range = tuple[tuple[int, int], tuple[int, int]]


@dataclass(slots=True)
class XmlSheet:
    """One worksheet: values by row (0-based, dense), merged ranges, the number format of each date cell,
    hidden rows and columns, and whether the sheet itself is shown."""
    name: str
    values: list[list[object]] = field(default_factory=list)
    merges: list[Range] = field(default_factory=list)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    visible: bool = True


def read_workbook(data: bytes, max_cells: int) -> list[XmlSheet]:
    """Every worksheet of the workbook; raises UnreadableDocument for broken XML, TooLarge for a sheet whose
    ``ss:Index`` jumps would lay out more than ``max_cells`` cells."""
    try:
        root = etree.fromstring(data, _XML)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"broken Excel 2003 XML workbook: {exc}") from None
    formats = _style_formats(root)
    return [_sheet(ws, formats, max_cells) for ws in root.iter(SS + "Worksheet")]


def _style_formats(root: etree._Element) -> dict[str, str]:
    """Style id -> its number format code."""
    out = {}
    for style in root.iter(SS + "Style"):
        number = style.find(SS + "NumberFormat")
        code = number.get(SS + "Format") if number is not None else None
        if code:
            out[style.get(SS + "ID", "")] = _NAMED_FORMATS.get(code.lower(), code)
    return out


def _index(el: etree._Element, current: int) -> int:
    """The 0-based position an element's ``ss:Index`` (1-based) gives, else the one after ``current``."""
    value = el.get(SS + "Index", "")
    return int(value) - 1 if value.isdigit() and int(value) > 0 else current + 1


def _span(el: etree._Element, name: str) -> int:
    value = el.get(SS + name, "")
    return int(value) if value.isdigit() else 0


def _sheet(ws: etree._Element, formats: dict[str, str], max_cells: int) -> XmlSheet:
    """One Worksheet element read into an XmlSheet."""
    sheet = XmlSheet(ws.get(SS + "Name", ""))
    options = ws.find(_X + "WorksheetOptions")
    visible = options.find(_X + "Visible") if options is not None else None
    sheet.visible = visible is None or (visible.text or "").strip() not in _HIDDEN_SHEET
    table = ws.find(SS + "Table")
    if table is None:
        return sheet
    cells: dict[tuple[int, int], object] = {}
    hidden_rows, hidden_cols = [], []   # (first, last) ranges: a Span may run to the sheet's end
    col = -1
    for column in table.iter(SS + "Column"):
        first = _index(column, col)
        col = first + _span(column, "Span")
        if column.get(SS + "Hidden") == "1":
            hidden_cols.append((first, col))
    row = -1
    for row_el in table.iter(SS + "Row"):
        first = _index(row_el, row)
        _read_row(row_el, first, sheet, cells, formats)
        row = first + _span(row_el, "Span")
        if row_el.get(SS + "Hidden") == "1":
            hidden_rows.append((first, row))
    height = 1 + max((r for r, _ in cells), default=-1)
    width = 1 + max((c for _, c in cells), default=-1)
    if height * width > max_cells:
        raise TooLarge(f"a sheet's used range spans {height * width} cells (limit {max_cells})")
    sheet.values = [[cells.get((r, c), "") for c in range(width)] for r in range(height)]
    # rows a filter hides are marked as a hand would; none is left out then
    filtered = ws.find(f"{_X}AutoFilter/{_X}AutoFilterColumn") is not None
    sheet.hidden_rows = frozenset() if filtered else _within(hidden_rows, height)
    sheet.hidden_cols = _within(hidden_cols, width)
    return sheet


def _within(ranges: list[tuple[int, int]], size: int) -> frozenset[int]:
    """The positions below ``size`` that the (first, last) ranges cover."""
    return frozenset(i for first, last in ranges for i in range(first, min(last, size - 1) + 1))


def _read_row(row_el: etree._Element, row: int, sheet: XmlSheet, cells: dict, formats: dict[str, str]) -> None:
    """The cells of one Row element into ``cells``; their spans into the sheet's merges."""
    col = -1
    for cell in row_el.iter(SS + "Cell"):
        col = _index(cell, col)
        across, down = _span(cell, "MergeAcross"), _span(cell, "MergeDown")
        if across or down:
            sheet.merges.append(((row, col), (row + down, col + across)))
        data = cell.find(SS + "Data")
        if data is not None:
            value = _value(data)
            if value != "":
                cells[(row, col)] = value
            code = formats.get(cell.get(SS + "StyleID", ""))
            if isinstance(value, (datetime, float)) and code:   # a date's parts, a number's decimals
                sheet.formats[(row, col)] = code
        col += across   # the cells a merge covers are not written; the next one follows it


def _value(data: etree._Element) -> object:
    """A Data element's value: a float, a datetime, a bool or the text (rich text's runs joined)."""
    kind = data.get(SS + "Type", "String")
    text = "".join(data.itertext())
    try:
        if kind == "Number":
            return float(text)
        if kind == "DateTime":
            return datetime.fromisoformat(text.strip()[:19])
        if kind == "Boolean":
            return text.strip() == "1"
    except ValueError:
        pass  # a value its type does not fit is shown as written
    return text
