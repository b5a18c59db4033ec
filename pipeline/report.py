"""Files of `govnotice compare`: notices/matches as JSONL and CSV, compare.xlsx and a self-contained report.html."""
from __future__ import annotations

import csv
import html
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Callable

from pipeline.exporters import cell_text, neutralise

NOTICE_COLUMNS = ["doc_id", "source", "notice_id", "preferred"]


def _atomic(path: Path, write: Callable[[str], None]) -> None:
    """Write through a temporary file in the same folder and rename it, so a crash leaves the old file."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the outputs are for everyone who reads the store
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading `'` (CSV and XLSX only)."""
    return neutralise(value) if isinstance(value, str) else value


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object per line, UTF-8, keys in the given order."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    _atomic(path, write)


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    """UTF-8 with a BOM, one header row, lists joined with `;`."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([cell_text(row.get(c)) for c in columns])
    _atomic(path, write)


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
                line.append(cell_text(value))
        out.append(line)
    return out


def write_xlsx(path: Path, pivot, matches: list[dict], match_columns: list[str], notices: list[dict]) -> None:
    """compare.xlsx: the pivot, every match and the notices; frozen header rows, dates as dates.

    openpyxl's write-only mode streams the rows (a pandas to_excel of 50,000 matches takes minutes here).
    """
    import openpyxl
    sheets = {"pivot": (list(pivot.columns), [[safe_cell(_plain(v)) for v in rec]
                                               for rec in pivot.itertuples(index=False, name=None)]),
              "matches": (match_columns, _cells(matches, match_columns)),
              "notices": (NOTICE_COLUMNS, _cells(notices, NOTICE_COLUMNS))}

    def write(tmp: str) -> None:
        book = openpyxl.Workbook(write_only=True)
        for name, (header, body) in sheets.items():
            sheet = book.create_sheet(name)
            sheet.freeze_panes = "C2" if name == "pivot" else "A2"
            for letter, width in _widths(header, body).items():
                sheet.column_dimensions[letter].width = width
            sheet.append(header)
            for line in body:
                sheet.append([_dated(sheet, v) if isinstance(v, date) else v for v in line])
        book.save(tmp)
    _atomic(path, write)


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
    """Column widths that fit the header and the first rows (CJK characters count double)."""
    from openpyxl.utils import get_column_letter
    out = {}
    for i, col in enumerate(header):
        sample = [str(col)] + [str(line[i]) for line in body[:50] if line[i] is not None]
        width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) for text in sample)
        out[get_column_letter(i + 1)] = min(60, max(8, width + 2))
    return out


def write_html(path: Path, data: dict) -> None:
    """report.html: the page template with the comparison's data inlined as JSON; no external reference."""
    template = (Path(__file__).parent / "report_template.html").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    page = template.replace("/*DATA*/{}", payload).replace("{{TITLE}}", html.escape(data["title"]))

    def write(tmp: str) -> None:
        Path(tmp).write_text(page, encoding="utf-8")
    _atomic(path, write)
