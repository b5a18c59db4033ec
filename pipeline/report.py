"""Files of `govnotice compare`: notices/matches as JSONL and CSV, compare.xlsx and a self-contained report.html.

JSONL and CSV go through the store's exporters, and the workbook follows their
cell rules (formulas neutralised, cells cut at Excel's limit, CJK-aware column
widths). Every file is written into a private staging folder (``mkdtemp``, as
the store's exports) and renamed into place once complete.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

from pipeline.exporters import (CsvExporter, JsonLinesExporter, XlsxSettings, _display_width, cell_text, neutralise,
                                save_reproducible)

NOTICE_COLUMNS = ["doc_id", "source", "notice_id", "preferred"]
# compare.xlsx carries no clock: the same store gives the same bytes (zip entries and docProps times)


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A private folder in `folder` whose files are synced and renamed into `folder` when the block ends well."""
    from pipeline.store import _sync  # the store's flush

    staging = Path(tempfile.mkdtemp(prefix=".compare-", dir=folder))
    try:
        yield staging
        for name in sorted(os.listdir(staging)):
            os.chmod(staging / name, 0o644)  # the outputs are for everyone who reads the folder
            _sync(staging / name)
            os.replace(staging / name, folder / name)
        _sync(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_rows(folder: Path, name: str, rows: list[dict], columns: list[str]) -> None:
    """NAME.jsonl (every key of each row) and NAME.csv (the columns) through the store's exporters."""
    for exporter, wanted in ((JsonLinesExporter(folder), None), (CsvExporter(folder), columns)):
        exporter.start_exporting()
        exporter.start_dataset(name, columns)
        for row in rows:
            exporter.export_item(row if wanted is None else {c: row.get(c) for c in wanted})
        exporter.finish_exporting()


def _sheet_cell(value: object) -> object:
    """A cell as the store's workbook writes it: formulas neutralised, illegal characters dropped, cut at the limit."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))[:XlsxSettings().max_cell_chars]
    return value


def _cells(rows: list[dict], columns: list[str]) -> list[list]:
    """Sheet rows: lists joined, ISO dates as dates, formulas neutralised."""
    out = []
    for row in rows:
        line = []
        for col in columns:
            value = row.get(col)
            if col in ("deadline", "issue_date") and value:
                line.append(date.fromisoformat(value))
            elif isinstance(value, (bool, int, float)):
                line.append(value)
            else:
                line.append(_sheet_cell(cell_text(value)))
        out.append(line)
    return out


def pivot_sheet(year) -> str:
    """The name of one plan year's pivot sheet when a comparison spans several (`pivot 2022`)."""
    return f"pivot {year or 'no year'}"


def write_xlsx(path: Path, pivots: dict, matches: list[dict], match_columns: list[str], notices: list[dict]) -> None:
    """compare.xlsx: the pivots (one per plan year, by sheet name), every match and the notices; frozen
    header rows, dates as dates.

    openpyxl's write-only mode streams the rows (a pandas to_excel of 50,000 matches takes minutes here).
    """
    import openpyxl
    sheets = {name: (list(pivot.columns), [[_sheet_cell(_plain(v)) for v in rec]
                                            for rec in pivot.itertuples(index=False, name=None)])
              for name, pivot in pivots.items()}
    sheets.update({"matches": (match_columns, _cells(matches, match_columns)),
                   "notices": (NOTICE_COLUMNS, _cells(notices, NOTICE_COLUMNS))})
    book = openpyxl.Workbook(write_only=True)
    for name, (header, body) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "C2" if name in pivots else "A2"
        for letter, width in _widths(header, body).items():
            sheet.column_dimensions[letter].width = width
        sheet.append(header)
        for line in body:
            sheet.append([_dated(sheet, v) if isinstance(v, date) else v for v in line])
    with open(path, "xb") as out:
        save_reproducible(book, out)


def _plain(value: object) -> object:
    """A pandas cell as a plain value: NaN to None, a whole float (spread in days) to int."""
    if isinstance(value, float):
        return None if value != value else int(value) if value.is_integer() else value
    return value


def _dated(sheet, value: date):
    """A date cell shown as YYYY-MM-DD (write-only sheets take the format on the cell)."""
    from openpyxl.cell import WriteOnlyCell
    one = WriteOnlyCell(sheet, value=value)
    one.number_format = "YYYY-MM-DD"
    return one


def _widths(header: list[str], body: list[list]) -> dict[str, float]:
    """Column widths by the store's workbook rule: the widest cell (CJK counts double) plus 2, within its bounds."""
    from openpyxl.utils import get_column_letter
    s = XlsxSettings()
    out = {}
    for i, col in enumerate(header):
        width = max([_display_width(str(col))] + [10 if isinstance(line[i], date) else _display_width(str(line[i]))
                                                  for line in body if line[i] is not None])
        out[get_column_letter(i + 1)] = min(max(width + 2, s.min_width), s.max_width)
    return out


def write_html(path: Path, data: dict) -> None:
    """report.html: the page template with the comparison's data inlined as JSON; no external reference."""
    template = (Path(__file__).parent / "report_template.html").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    fills = {"{{TITLE}}": html.escape(data["title"]), "/*DATA*/{}": payload}
    # one pass over the template: a task text holding {{TITLE}} is data, never filled in again
    page = re.sub(r"\{\{TITLE\}\}|/\*DATA\*/\{\}", lambda m: fills[m.group(0)], template)
    with open(path, "x", encoding="utf-8") as out:
        out.write(page)

