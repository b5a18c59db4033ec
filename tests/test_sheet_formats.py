"""Issue sheet-date-formats: a date cell reads as the spreadsheet shows it, not always as a full date.

Typing 2023年6月 into Chinese Excel or WPS stores 2023-06-01 with the format
yyyy"年"m"月"; reading it as 2023年6月1日 made the deadline June 1st instead of
June 30th. Each workbook here is built with openpyxl (cell.number_format) and
read through process(), as a published annex would be.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

import extractors.sheet as sheet_module
from extractors.sheet import date_shape, format_shape
from pipeline.run import process
from _office_files import HEADER, TASKS, workbook_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import build_formats  # noqa: E402

DAY = datetime(2023, 6, 1)


def _deadlines(data: bytes, name: str = "x.xlsx") -> list[tuple[str, object]]:
    """(deadline_text, deadline) of each task read from the workbook."""
    return [(t.deadline_text, t.deadline) for t in process(data, name).tasks]


def _book(value: object, fmt: str | None) -> bytes:
    """A three-task sheet whose first task's deadline cell (E2) holds ``value`` with number format ``fmt``."""
    rows = [HEADER, TASKS[0][:4] + [value], *TASKS[1:]]
    return workbook_bytes({"任务": rows}, formats={"任务": {"E2": fmt}} if fmt else None)


@pytest.mark.parametrize("fmt, text, deadline", [
    ('yyyy"年"m"月"', "2023年6月", "2023-06-30"),
    ('yyyy"年"m"月"d"日"', "2023年6月1日", "2023-06-01"),
    ("yyyy/m/d", "2023年6月1日", "2023-06-01"),
    ("yyyy/m", "2023年6月", "2023-06-30"),
    ("yyyy-mm", "2023年6月", "2023-06-30"),
    ('yyyy"年"', "2023年", "2023-12-31"),
    ('[$-804]yyyy"年"m"月";@', "2023年6月", "2023-06-30"),
    ('[DBNum1][$-804]yyyy"年"m"月"', "2023年6月", "2023-06-30"),
    (r"yyyy\年m\月", "2023年6月", "2023-06-30"),  # how LibreOffice writes the format
    ('[Red]yyyy"年"m"月"', "2023年6月", "2023-06-30"),
])
def test_date_cell_reads_as_its_format_shows(fmt, text, deadline):
    assert _deadlines(_book(DAY, fmt))[0] == (text, deadline)


@pytest.mark.parametrize("fmt, text, deadline", [
    ('m"月"d"日"', "2023年6月30日", "2023-06-30"), ("mm-dd", "2023年6月30日", "2023-06-30"),
    ('m"月"', "2023年6月", "2023-06-30"), ("mmm", "2023年6月", "2023-06-30"),
])
def test_a_format_that_hides_the_year_keeps_the_stored_year(fmt, text, deadline):
    # a workbook states no issue date: the year the cell stores is the only one there is
    assert _deadlines(_book(datetime(2023, 6, 30), fmt))[0] == (text, deadline)


def test_a_time_under_a_month_is_left_out():
    assert _deadlines(_book(datetime(2023, 6, 1, 14, 30), 'yyyy"年"m"月" h:mm'))[0] == ("2023年6月", "2023-06-30")


def test_numbers_that_are_not_dates_keep_their_text():
    for fmt in (None, "0.00", "#,##0", '0"天"'):
        assert _deadlines(_book(45078.0, fmt))[0][0] == "45078", fmt
    rows = [HEADER] + [[float(r[0])] + r[1:4] + [DAY] for r in TASKS]
    data = workbook_bytes({"任务": rows}, formats={"任务": {"A2": '0"号"', "E2": 'yyyy"年"m"月"'}})
    assert [t.item_no or t.group_no for t in process(data, "x.xlsx").tasks] == ["1", "2", "3"]


def _with_builtin_format(data: bytes, builtin: int) -> bytes:
    """The workbook with E2's style on a built-in format id left undefined in styles.xml, as Chinese Excel writes."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            part = src.read(name)
            if name == "xl/styles.xml":
                part = re.sub(rb"<numFmts.*?</numFmts>", b"", part)
                part = re.sub(rb'numFmtId="1[6-9]\d"', b'numFmtId="%d"' % builtin, part)
            dst.writestr(name, part)
    return out.getvalue()


@pytest.mark.parametrize("builtin, text", [(57, "2023年6月"), (27, "2023年6月"), (31, "2023年6月1日"),
                                           (58, "2023年6月1日")])
def test_chinese_built_in_formats(builtin, text):
    data = _with_builtin_format(_book(DAY, 'yyyy"年"m"月"d"日"'), builtin)
    assert _deadlines(data)[0][0] == text


def test_xls_of_the_same_workbook_reads_the_same(tmp_path):
    rows = [HEADER] + [r[:4] + [datetime(2023, 3 * k + 6, 1)] for k, r in enumerate(TASKS)]
    fmts = {"E2": 'yyyy"年"m"月"', "E3": 'yyyy"年"m"月"d"日"', "E4": 'm"月"d"日"'}
    (tmp_path / "book.xlsx").write_bytes(workbook_bytes({"任务": rows}, formats={"任务": fmts}))
    as_xls = build_formats.soffice(tmp_path / "book.xlsx", "xls", tmp_path).read_bytes()
    for data, name in (((tmp_path / "book.xlsx").read_bytes(), "x.xlsx"), (as_xls, "x.xls")):
        assert [text for text, _ in _deadlines(data, name)] == ["2023年6月", "2023年9月1日", "2023年12月1日"], name


@pytest.mark.parametrize("code, shape", [
    ('yyyy"年"m"月"', "ym"), ('m"月"d"日"', None), ('yyyy"年"', "y"), ("mmm-yy", "ym"), ('m"月"', "ym"),
    ('yyyy"年"m"月"d"日"', None), ("yyyy/m/d h:mm", None), ("d-mmm", None),
    ("h:mm", None), ("mm:ss", None), ('上午/下午h"时"mm"分"', None), ("h:mm AM/PM", None),
    ("General", None), ("0.00E+00", None), ("#,##0_);[Red](#,##0)", None), ("@", None),
    ('0" days"', None), ('yyyy"年"m"月""(d日)"', "ym"),  # y/m/d inside quotes are text
    ('yyyy"年"m"月" dddd', "ym"),  # dddd is the weekday name, not the day
])
def test_date_shape_of_a_format(code, shape):
    assert date_shape(code) == shape


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            part = src.read(name)
            dst.writestr(name, change(part) if name == "xl/worksheets/sheet1.xml" else part)
    return out.getvalue()


def _prefixed(xml: bytes) -> bytes:
    """The sheet XML with its namespace bound to the prefix x: and every element written with it."""
    xml = xml.replace(b"<worksheet xmlns=", b"<worksheet xmlns:x=", 1)
    return re.sub(rb"<(/?)(\w)", rb"<\1x:\2", xml)


@pytest.mark.parametrize("change", [
    lambda xml: re.sub(rb'<c r="([A-Z]+\d+)" s="(\d+)"', rb'<c s="\2" r="\1"', xml),  # s before r
    lambda xml: re.sub(rb'(<(?:c|row)) r="[A-Z]*\d+"', rb"\1", xml),  # no references: positions by order
    lambda xml: _prefixed(xml),  # every element as <x:...>, as some .NET writers do
])
def test_cells_written_another_way_are_found(change):
    data = _rewrite_sheet(_book(DAY, 'yyyy"年"m"月"'), change)
    assert _deadlines(data)[0] == ("2023年6月", "2023-06-30")


def test_many_date_styles_are_all_found():
    # a bloated styles part (pasted from many workbooks) gives dozens of date styles
    rows = [HEADER] + [[str(i), "决策公开", f"推进第{i}项决策预公开", "县发改委", DAY] for i in range(1, 41)]
    fmts = {f"E{r}": f'[Color{r}]yyyy"年"m"月"' for r in range(2, 42)}
    tasks = process(workbook_bytes({"任务": rows}, formats={"任务": fmts}), "x.xlsx").tasks
    assert [(t.deadline_text, t.deadline) for t in tasks] == [("2023年6月", "2023-06-30")] * 40


def test_xls_reads_the_formats_of_visible_sheets_each_up_to_the_next(tmp_path, monkeypatch):
    # each sheet substream is read once and no further than the next one starts, hidden ones not at
    # all: sheet entries pointing into one another (a crafted file) cost one pass, not one per entry
    rows = [HEADER] + [r[:4] + [DAY] for r in TASKS]
    book = workbook_bytes({"任务": rows, "备用": rows, "旧表": rows}, hidden=("备用", "旧表"),
                          formats={name: {"E2": 'yyyy"年"m"月"'} for name in ("任务", "备用", "旧表")})
    (tmp_path / "book.xlsx").write_bytes(book)
    as_xls = build_formats.soffice(tmp_path / "book.xlsx", "xls", tmp_path).read_bytes()
    scans = []
    biff_cells = sheet_module._biff_cells

    def spy(stream, offset, end, styles):
        scans.append((offset, end))
        return biff_cells(stream, offset, end, styles)
    monkeypatch.setattr(sheet_module, "_biff_cells", spy)
    assert _deadlines(as_xls, "x.xls")[0] == ("2023年6月", "2023-06-30")
    (offset, end), = scans
    assert end is not None and offset < end
    assert len(list(sheet_module._substream(b"\x01\x02\x00\x00" * 3, 0, 8))) == 2   # stops at the end given



def test_fixed_decimals_show_a_month_typed_after_the_point(tmp_path):
    # 2022.10 typed as a deadline is stored as 2022.1; the format 0.00 (built-in id 2, or a custom one with a
    # padding) shows it again as 2022.10: October, not January. A whole number under it stays whole.
    rows = [HEADER] + [[float(r[0]), *r[1:4], value] for r, value in zip(TASKS, [2022.1, 2022.12, 2022.1])]
    fmts = {"A2": "0.00", "E2": "0.00", "E3": "0.00", "E4": "0.00_ "}
    (tmp_path / "book.xlsx").write_bytes(workbook_bytes({"任务": rows}, formats={"任务": fmts}))
    as_xls = build_formats.soffice(tmp_path / "book.xlsx", "xls", tmp_path).read_bytes()
    for data, name in (((tmp_path / "book.xlsx").read_bytes(), "x.xlsx"), (as_xls, "x.xls")):
        tasks = process(data, name).tasks
        assert [(t.deadline_text, t.deadline) for t in tasks] == [
            ("2022.10", "2022-10-31"), ("2022.12", "2022-12-31"), ("2022.10", "2022-10-31")], name
        assert tasks[0].item_no == "1"
    assert [format_shape(code) for code in ("0.00", "#,##0.00", "0.0", "0.00%", "0.00E+00", "0", "General")] == \
        [".2", ".2", ".1", None, None, None, None]
