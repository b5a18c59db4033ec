"""PDF task tables that page breaks cut: which part on the next page is the rest of a row, and which a row.

The PDFs are LibreOffice exports of Word files written by tests/fixtures/build_page_cut_tables.py,
whose tables the tasks must give back.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from normalizers.text import normalize
from pipeline.run import process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fixtures"))
from build_page_cut_tables import (CUT_DEADLINE, FULL_LINE, GROUP_TOP, LABEL_FILLS, LABEL_ONTO_NEXT,  # noqa: E402
                                   MIXED_PITCH, UNITS_BESIDE_WRAP)

import extractors.pdf as pdf  # noqa: E402


def tasks_of(name: str):
    """The task records process() gives for tests/pdfs/<name>."""
    return process((HERE / "pdfs" / name).read_bytes(), name).tasks


def units(text: str) -> list[str]:
    return [u for u in re.split(r"[、\n]", text) if u]


def flat(text: str) -> str:
    return normalize(text.replace("\n", ""))


def test_new_row_under_a_merged_group_at_the_page_top_is_its_own_row():
    # Group 3 opens in the last row of page 2; its second row may not break, so it opens page 3,
    # blank in the merged 序号 and 重点任务 columns as a cut row's rest would be. Its cells ended a
    # line or more above the foot of the row on page 2: they were finished there.
    tasks = tasks_of("issue-new-row-under-group-at-page-top.pdf")
    want = [(str(g), group, flat(item), units(lead), units(support), normalize(deadline))
            for g, (group, items) in enumerate(GROUP_TOP, 1) for item, lead, support, deadline in items]
    got = [(t.group_no, t.group, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks]
    assert got == want
    assert [t.page for t in tasks[6:8]] == [2, 3]


def test_unruled_row_cut_at_its_last_character_is_one_row():
    # a 三线表 whose 序号 numbers every row: the 年 of row 10's deadline goes to the next page, under
    # the repeated header, with nothing in the 序号 column; it is no row of its own
    tasks = tasks_of("issue-unruled-cut-deadline.pdf")
    assert [t.item_no for t in tasks] == [str(k) for k in range(1, 17)]
    assert all(t.group_no is None and t.group is None for t in tasks)
    assert [(t.item, t.deadline_text) for t in tasks] == [(flat(item), d) for item, _, d in CUT_DEADLINE]
    assert tasks[9].deadline_text == "2021年下半年"


def test_group_label_running_onto_the_next_page_stays_one_label_where_rows_are_numbered():
    # 序号 numbers every row, so no blank merged column tells that the 工作任务 label goes on: its lines
    # above the break run down to the row's foot and the last one is full
    tasks = tasks_of("issue-group-label-onto-next-page.pdf")
    rows = [(group, item, deadline) for group, items in LABEL_ONTO_NEXT for item, _, _, deadline in items]
    want = [(str(k), group, flat(item), deadline) for k, (group, item, deadline) in enumerate(rows, 1)]
    assert [(t.item_no, t.group, t.item, t.deadline_text) for t in tasks] == want
    assert [t.page for t in tasks[5:8]] == [1, 2, 2]


@pytest.mark.parametrize("footer", ["di", "dash"])
def test_unruled_page_number_under_a_continued_part_is_no_task(footer):
    # the header is not repeated: the part on page 2 is known by the column gaps it keeps to, and the
    # page number at its foot (第 2 页 共 2 页, — 2 —) is page furniture, not a row
    tasks = tasks_of(f"issue-unruled-full-line-{footer}.pdf")
    assert not [t.item for t in tasks if re.fullmatch(r"第\d+页共\d+页|—\d+—", t.item)]
    assert all(t.deadline_text for t in tasks)


@pytest.mark.parametrize("footer", ["di", "dash"])
def test_unruled_line_filling_its_column_does_not_join_the_next_row(footer):
    # No rules and no blank between rows: a cell line that happens to fill its column (…集中统一公开,
    # 2022年12/月31日前) joins no next row to it when that row renews two finished cells (its units and
    # its deadline) or brings the next number in the 序号 column.
    tasks = tasks_of(f"issue-unruled-full-line-{footer}.pdf")
    want = [(str(g), group, flat(item), units(lead), units(support), deadline)
            for g, (group, items) in enumerate(FULL_LINE, 1) for item, lead, support, deadline in items]
    got = [(t.group_no, t.group, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks]
    assert got == want


@pytest.mark.parametrize("rules", ["none", "three"])
def test_unruled_units_one_a_line_beside_a_wrapping_item_stay_in_its_row(rules):
    # 牵头单位 and 配合单位 list one unit a line, each line ending short, while the 工作任务 cell beside them
    # still wraps from a full line: the second unit lines open no row of their own
    tasks = tasks_of(f"issue-unruled-units-beside-wrap-{rules}.pdf")
    want = [(str(k), flat(item), units(lead), units(support), deadline)
            for k, (item, lead, support, deadline) in enumerate(UNITS_BESIDE_WRAP, 1)]
    got = [(t.item_no, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks]
    assert got == want
    assert all(t.group_no is None for t in tasks)


def test_row_cut_by_a_page_break_is_one_row_when_its_cells_differ_in_line_pitch():
    # the cut 具体事项 is double-spaced 14 pt, the units beside it single-spaced 10.5 pt: how far each
    # cell ends above the row's foot is counted in its own lines
    tasks = tasks_of("issue-cut-row-mixed-line-pitch.pdf")
    want = [(str(k), flat(item), units(lead), units(support), deadline)
            for k, (item, lead, support, deadline) in enumerate(MIXED_PITCH, 1)]
    got = [(t.item_no, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks]
    assert got == want
    assert [t.page for t in tasks] == [1, 1, 1, 2]


def test_one_row_group_label_filling_its_column_takes_no_label_from_the_next_page():
    # the label of a one-row group made its row that tall and fitted: the merged label at the top
    # of the next page, beside its own 序号, is the next group's
    tasks = tasks_of("issue-one-row-group-label-fills-column.pdf")
    rows = [(group, item) for group, items in LABEL_FILLS for item, _, _, _ in items]
    want = [(str(k), group, flat(item)) for k, (group, item) in enumerate(rows, 1)]
    assert [(t.item_no, t.group, t.item) for t in tasks] == want
    assert [t.page for t in tasks[13:]] == [1, 2, 2]


def _bug(*args, **kwargs):
    raise IndexError("list index out of range (planted)")


def test_a_bug_in_row_foot_is_no_broken_file(monkeypatch):
    # row_foot is our code run inside the library's guard: its bug comes out as itself (internal_error)
    monkeypatch.setattr(pdf, "row_foot", _bug)
    with pytest.raises(IndexError, match="planted"):
        tasks_of("issue-group-label-onto-next-page.pdf")


def test_row_foot_reads_only_the_characters_level_with_the_last_row(monkeypatch):
    seen = []

    def spy(boxes, chars):
        seen.append((boxes, chars))
        return row_foot(boxes, chars)
    row_foot = pdf.row_foot
    monkeypatch.setattr(pdf, "row_foot", spy)
    tasks_of("issue-group-label-onto-next-page.pdf")
    assert seen
    for boxes, chars in seen:
        high = min(box[1] for box in boxes if box is not None)
        low = max(box[3] for box in boxes if box is not None)
        assert chars and all(high <= (c["top"] + c["bottom"]) / 2 <= low for c in chars)
