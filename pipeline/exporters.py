"""Writers for the exported datasets: JSONL, CSV and XLSX, one class each behind one interface.

The shape is scrapy's: ``start_exporting()``, then for each dataset
``start_dataset(name, columns)`` and ``export_item(row)`` per row (a dict in
column order, lists as lists), then ``finish_exporting()``. Exporters that set
``stored`` take the store's rows as it holds them instead, through
``export_stored(line, values)``: the row's JSON line, built by SQLite, and its
column values with the list and object columns still JSON text (decoding them
into dicts and encoding them again cost the JSONL export two thirds of its time). An exporter writes
into the folder it is given; the store hands it a private staging folder and
publishes the files only once every exporter has finished (pipeline/store.py).
Cells that a spreadsheet would run as a formula are neutralised in CSV and
XLSX (SPEC.md "The store"); JSONL keeps the text as it is.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Optional

log = logging.getLogger("govnotice")
# text a spreadsheet would evaluate: = + - @ (also full-width), after any leading blanks
_FORMULA = re.compile(r"^[\s\u3000]*[=+\-@＝＋－＠]")
DATE_COLUMNS = frozenset({"issue_date", "deadline", "deadline_start"})
# The document properties and zip entry times of every XLSX we write: the same rows give the same bytes.
FIXED_TIME = datetime(2020, 1, 1)


@dataclass(frozen=True, slots=True)
class XlsxSettings:
    """Limits of the XLSX export."""
    max_width: int = 60          # characters; longer cells wrap in the viewer instead
    min_width: int = 6
    max_cell_chars: int = 32767  # Excel refuses longer cells
    max_rows: int = 1_048_576    # rows of a sheet, the header's included (Excel's limit)

    def __post_init__(self) -> None:
        if self.max_rows < 2:
            raise ValueError(f"a sheet holds its header and at least one row (max_rows {self.max_rows})")


_FORMULA_START = frozenset("=+-@＝＋－＠")
# first characters after which a text needs the regex: formula signs and blanks (\s is str.isspace;
# no blank lies above U+3000)
_CHECK_FIRST = _FORMULA_START | {chr(c) for c in range(0x3001) if chr(c).isspace()}
# json.dumps(row, ensure_ascii=False, separators=(",", ":")), built once: compact, as SQLite's json_object()
# writes the store's lines, so that every JSONL file we write has one style
_json_line = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def neutralise(text: str) -> str:
    """Text with a leading `'` when a spreadsheet would run it as a formula."""
    # most cells start with a character that is neither blank nor a formula sign: no regex for them
    if not text or text[0] not in _CHECK_FIRST:
        return text
    return "'" + text if _FORMULA.match(text) else text


def cell_text(value) -> object:
    """A field as a spreadsheet cell: lists joined with `;`, objects as JSON, None as empty."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is list or kind is tuple:
        value = ";".join(map(str, value))
    elif kind is dict:
        value = json.dumps(value, ensure_ascii=False) if value else ""
    return neutralise(value) if isinstance(value, str) else value


class Exporter:
    """start_exporting(); start_dataset()/export_item() per dataset and row; finish_exporting()."""
    extension = ""
    stored = False   # True: rows come through export_stored(), as the store holds them

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def files(self, datasets: list[str]) -> list[str]:
        """Names of the files this exporter writes for these datasets."""
        return [f"{name}.{self.extension}" for name in datasets]

    def start_exporting(self) -> None:
        """Prepare the output."""

    def start_dataset(self, name: str, columns: list[str]) -> None:
        """Begin the rows of one dataset."""
        raise NotImplementedError

    def export_item(self, item: dict) -> None:
        """Write one row of the current dataset."""
        raise NotImplementedError

    def export_stored(self, line: str, values: list, json_positions: frozenset[int]) -> None:
        """Write one stored row: its compact JSON line and its column values, those at json_positions as JSON text."""
        raise NotImplementedError

    def finish_exporting(self) -> None:
        """Close everything; the files are complete after this."""

    @staticmethod
    def row_prefix(doc_id: str) -> bytes:
        """How a stored row of this document begins in the file (checked before a later export copies it)."""
        raise NotImplementedError

    @staticmethod
    def render(rows: list[tuple], columns: tuple[str, ...], encoded: tuple[int, ...]) -> bytes:
        """The bytes export_stored writes for these rows once the store holds them: rows of field values
        (lists and objects as themselves, at the positions ``encoded``) of the columns ``columns``. The
        store renders a batch's rows so beside its indexing (pipeline/rendering.py)."""
        raise NotImplementedError

    def abandon(self) -> None:
        """Let go of what is open after a failure (the staging folder is removed with the files)."""


class _Sink:
    """A text sink over a binary file, counting the bytes written: the store records where each
    document's rows begin, so that a later batch copies them instead of writing them again."""
    __slots__ = ("raw", "pos")

    def __init__(self, raw: IO[bytes]):
        self.raw, self.pos = raw, 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.raw.write(data)
        self.pos += len(data)
        return len(text)

    def copy(self, source: IO[bytes], start: int, length: int) -> None:
        """Copy ``length`` bytes of source from ``start`` (an earlier export of the same rows)."""
        source.seek(start)
        while length > 0:
            chunk = source.read(min(length, 1 << 20))
            if not chunk:
                raise EOFError(f"{getattr(source, 'name', 'export')} ends before its recorded rows")
            self.raw.write(chunk)
            self.pos += len(chunk)
            length -= len(chunk)


class _FileExporter(Exporter):
    """One file per dataset, opened by start_dataset and closed by the next one."""

    handle: Optional[_Sink] = None

    def _open(self, name: str, bom: bool = False) -> _Sink:
        self.finish_exporting()
        # "x": the staging folder is ours and fresh, a file already there is a bug or an attack
        self.handle = _Sink(open(self.folder / f"{name}.{self.extension}", "xb"))
        if bom:   # what the utf-8-sig codec writes first
            self.handle.write("\ufeff")
        return self.handle

    def finish_exporting(self) -> None:
        if self.handle is not None:
            self.handle.raw.close()
            self.handle = None

    def abandon(self) -> None:
        self.finish_exporting()


class JsonLinesExporter(_FileExporter):
    """NAME.jsonl: UTF-8, one compact JSON object a line, lists as arrays, missing values null."""
    extension = "jsonl"
    stored = True

    def start_dataset(self, name: str, columns: list[str]) -> None:
        self._open(name)

    def export_item(self, item: dict) -> None:
        self.handle.write(_json_line(item) + "\n")

    def export_stored(self, line: str, values: list, json_positions: frozenset[int]) -> None:
        self.handle.write(line + "\n")

    @staticmethod
    def row_prefix(doc_id: str) -> bytes:
        """How a stored row of this document begins (doc_id is the first column)."""
        return f'{{"doc_id":{_json_line(doc_id)}'.encode()

    @staticmethod
    def render(rows: list[tuple], columns: tuple[str, ...], encoded: tuple[int, ...]) -> bytes:
        """Each row as the compact JSON object SQLite's json_object() builds from the stored row: it
        escapes text as this encoder does, and json() gives a stored list back compact with its items'
        text as stored (tests/test_store.py and tests/test_render.py compare the two)."""
        return "".join([_json_line(dict(zip(columns, row))) + "\n" for row in rows]).encode("utf-8")


class CsvExporter(_FileExporter):
    """NAME.csv: UTF-8 with a BOM, one header row, lists joined with `;`, formulas neutralised."""
    extension = "csv"
    stored = True

    def start_dataset(self, name: str, columns: list[str]) -> None:
        self.writer = csv.writer(self._open(name, bom=True))
        self.writer.writerow(columns)

    def export_item(self, item: dict) -> None:
        self.writer.writerow(_csv_cells(item.values()))

    @staticmethod
    def row_prefix(doc_id: str) -> bytes:
        """How a row of this document begins (doc_id is the first column: hex, never quoted)."""
        return f"{doc_id},".encode()

    def export_stored(self, line: str, values: list, json_positions: frozenset[int]) -> None:
        cells = _csv_cells(values)
        for k in json_positions:
            cells[k] = _stored_list_cell(values[k])
        self.writer.writerow(cells)

    @staticmethod
    def render(rows: list[tuple], columns: tuple[str, ...], encoded: tuple[int, ...]) -> bytes:
        """Each row as export_stored writes it: cell_text of a list is what _stored_list_cell makes
        of its stored JSON text."""
        text = io.StringIO()
        writer = csv.writer(text)
        for row in rows:
            cells = _csv_cells(row)
            for k in encoded:
                cells[k] = cell_text(row[k])
            writer.writerow(cells)
        return text.getvalue().encode("utf-8")


def _csv_cells(values) -> list:
    """The cells of one row; plain text, numbers and blanks, most cells, without a call per cell."""
    return [v if (type(v) is str and v and v[0] not in _CHECK_FIRST) or type(v) is int else
            "" if v is None else cell_text(v) for v in values]


def _stored_list_cell(text: Optional[str]) -> object:
    """The cell of a list or object column from its stored JSON text."""
    if text == "[]" or text is None:   # most unit and flag lists
        return ""
    # a list of plain strings (no escapes; the store writes ", " between items) is split without the parser:
    # any quote besides those of the separators means a string with a quote or an item that is no string
    if text.startswith('["') and text.endswith('"]') and "\\" not in text:
        items = text[2:-2].split('", "')
        if text.count('"') == 2 * len(items):
            return neutralise(";".join(items))
    return cell_text(json.loads(text))


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def save_reproducible(book, handle: IO[bytes], when: datetime = FIXED_TIME) -> None:
    """Save an openpyxl workbook with fixed created/modified properties and zip entry times."""
    from openpyxl.writer.excel import ExcelWriter   # book.save() would stamp "modified" with the clock
    book.properties.created = book.properties.modified = when
    with tempfile.TemporaryFile(prefix="govnotice-xlsx-") as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(book, archive).save()
        buffer.seek(0)
        with zipfile.ZipFile(buffer) as made, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as out:
            for info in made.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
                entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                if info.file_size < _STREAMED:
                    out.writestr(entry, made.read(info))
                else:   # a large sheet: copied through, never held whole
                    entry.file_size = info.file_size   # zip64 only when needed, as writestr decides
                    with made.open(info) as part, out.open(entry, "w") as copy:
                        shutil.copyfileobj(part, copy, 1 << 20)


_STREAMED = 64 << 20   # zip entries this large are copied in pieces


class XlsxExporter(Exporter):
    """notices.xlsx: a sheet per dataset, frozen header row, dates as dates, fitted column widths.

    The workbook is written in openpyxl's write-only mode, which streams each sheet to disk: a sheet's
    column widths come before its rows there, so a dataset's rows wait in a temporary file (pickled)
    until its last row has given the widths. Memory stays flat in the size of the store (the workbook
    built in memory took 780 MB for 63,530 tasks).
    """
    extension = "xlsx"
    name = "notices.xlsx"

    def __init__(self, folder: Path, settings: XlsxSettings = XlsxSettings()):
        super().__init__(folder)
        self.settings = settings
        self.spool: Optional[IO[bytes]] = None   # the current dataset's rows
        self.book = None

    def files(self, datasets: list[str]) -> list[str]:
        return [self.name]

    def start_exporting(self) -> None:
        from openpyxl import Workbook  # only runs that ask for XLSX pay for the import
        self.book = Workbook(write_only=True)

    def start_dataset(self, name: str, columns: list[str]) -> None:
        self._write_sheets()
        self.dataset, self.columns, self.count = name, columns, 0
        self.widths = [_display_width(c) for c in columns]
        self.spool = tempfile.TemporaryFile(prefix="govnotice-xlsx-", dir=self.folder)   # on the store's disk

    def export_item(self, item: dict) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        row = []
        for k, (key, value) in enumerate(item.items()):
            cell = cell_text(value)
            if key in DATE_COLUMNS and isinstance(value, str):
                try:
                    cell = date.fromisoformat(value)
                except ValueError:
                    pass  # not an ISO date (a free-text column of that name): kept as text
            if isinstance(cell, str):
                cell = ILLEGAL_CHARACTERS_RE.sub("", cell)[:self.settings.max_cell_chars]
            self.widths[k] = max(self.widths[k], 10 if isinstance(cell, date) else self._width(str(cell), k))
            row.append(cell)
        pickle.dump(row, self.spool, pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def _width(self, text: str, k: int) -> int:
        """What the text asks of column k's width: its display width, or less where that changes nothing.
        A text takes len(text) to 2 * len(text) columns, and a column is given at most max_width: one no
        wider than the column is now leaves it as it is, and one whose length alone reaches the cap gives
        the cap whatever its characters (counting them cost a tenth of writing a workbook)."""
        if 2 * len(text) <= self.widths[k]:
            return 0
        if len(text) + 2 >= self.settings.max_width:
            return len(text)
        return _display_width(text)

    def _write_sheets(self) -> None:
        """The waiting dataset as one sheet, or several when it is longer than a sheet ("tasks (2)" …)."""
        if self.spool is None:
            return
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter
        s = self.settings
        widths = {get_column_letter(k): min(max(w + 2, s.min_width), s.max_width)
                  for k, w in enumerate(self.widths, start=1)}
        self.spool.seek(0)
        left, part = self.count, 1
        while part == 1 or left:
            sheet = self.book.create_sheet(self.dataset if part == 1 else f"{self.dataset} ({part})")
            sheet.freeze_panes = "A2"
            for letter, width in widths.items():
                sheet.column_dimensions[letter].width = width
            sheet.append(self.columns)
            for _ in range(min(left, s.max_rows - 1)):
                row = pickle.load(self.spool)
                for k, cell in enumerate(row):
                    if isinstance(cell, date):   # a write-only sheet takes the format on the cell
                        row[k] = WriteOnlyCell(sheet, value=cell)
                        row[k].number_format = "yyyy-mm-dd"
                sheet.append(row)
                left -= 1
            part += 1
        self._drop_spool()

    def _drop_spool(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def abandon(self) -> None:
        self._drop_spool()
        if self.book is not None:
            for sheet in self.book.worksheets:   # their streams, else closed with a warning when collected
                try:
                    if not sheet.closed:
                        sheet.close()
                    # the sheet's XML waits in a temporary file that openpyxl removes when the sheet goes
                    # into the zip, or at exit: a long-lived process would keep it until then
                    writer = getattr(sheet, "_writer", None)
                    if writer is not None and os.path.exists(writer.out):
                        writer.cleanup()
                except OSError as exc:   # the failure being reported may be this one (a full disk)
                    log.debug("sheet %s not closed: %s", sheet.title, exc)
            self.book = None

    def finish_exporting(self) -> None:
        if self.book is None:
            return
        # opened first: a file planted there stops the workbook before any sheet is written
        with open(self.folder / self.name, "xb") as handle:
            self._write_sheets()
            save_reproducible(self.book, handle)
        self.book = None


EXPORTERS: dict[str, type[Exporter]] = {
    "jsonl": JsonLinesExporter,
    "csv": CsvExporter,
    "xlsx": XlsxExporter,
}
