"""PDF reader: the two sample PDFs against their gold, and small PDFs written here for one quirk each."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from extractors.base import Limits
from extractors.pdf import PdfExtractor
from normalizers.text import normalize
from pipeline.errors import EmptyDocument, EncryptedDocument, TooLarge, UnreadableDocument
from pipeline.model import Paragraph, RawDocument, Table
from pipeline.run import process
from _helpers import make_pdf, pdf_line, pdf_text

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
JIUJIANG = CORPUS / "jiujiang_2020_annex1.pdf"
TUNLIU = CORPUS / "variants" / "tunliu_2020_tasks.pdf"
WS = re.compile(r"\s+")


# --------------------------------------------------------------------------
# A tiny PDF writer: lines, Helvetica for ASCII, STSong-Light (a CJK font every
# PDF reader knows by name, no embedding needed) for Chinese.
# --------------------------------------------------------------------------

text, line = pdf_text, pdf_line  # operators that show text / stroke a line (see _helpers)


def ruled_table_page() -> list[str]:
    """Title, a 4x3 ruled table (col 0 merged over rows 1-2, row 3 cols 1-2 merged), a note.

    Grid rows (PDF y): header 700-680, row 1 680-640, row 2 640-600, row 3 600-570.
    Row 2's Unit cell is drawn but left empty.
    """
    ops = [text(100, 740, "Annex 1"), text(100, 720, "Work Plan")]
    ops += [line(100, y, 500, y) for y in (700, 680, 600, 570)]
    ops.append(line(200, 640, 500, 640))       # no rule under row 1 in column 0: merged
    ops += [line(x, 570, x, 700) for x in (100, 200, 500)]
    ops.append(line(350, 600, 350, 700))       # no rule between cols 1-2 in row 3: merged
    ops += [text(105, 686, "No"), text(205, 686, "Task"), text(355, 686, "Unit"),
            text(105, 636, "1"), text(205, 665, "Item A"), text(205, 652, "wraps here"),
            text(355, 658, "Office"), text(205, 618, "Item B"),
            text(205, 582, "Spanning two columns"), text(100, 540, "Note: end")]
    return ops


def extract(data: bytes, **limits) -> RawDocument:
    """Run the PDF reader with optional limits."""
    return PdfExtractor().extract(data, Limits(**limits))


def flat(s: str) -> str:
    """Text without any whitespace, for comparing with sources that space differently."""
    return WS.sub("", s)


# --------------------------------------------------------------------------
# Sample PDFs
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jiujiang():
    return PdfExtractor().extract(JIUJIANG.read_bytes())


@pytest.fixture(scope="module")
def tunliu():
    return PdfExtractor().extract(TUNLIU.read_bytes())


def tables_per_page(raw) -> dict[int, int]:
    counts: dict[int, int] = {}
    for table in raw.tables:
        counts[table.page] = counts.get(table.page, 0) + 1
    return counts


def task_rows(raw) -> list[list[str]]:
    """Data rows of the 6-column task tables (repeated header rows left out), texts normalised."""
    rows = []
    for table in raw.tables:
        if table.n_cols != 6:
            continue
        for r in range(table.n_rows):
            if flat(table.text(r, 0)) != "序号":
                rows.append([normalize(table.text(r, c)) for c in range(6)])
    return rows


def gold_tasks(name: str) -> list[dict]:
    return json.loads((CORPUS / "gold" / f"{name}.gold.json").read_text("utf-8"))["tasks"]


def test_jiujiang_one_table_per_table_page(jiujiang):
    assert tables_per_page(jiujiang) == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}
    assert [t.n_cols for t in jiujiang.tables] == [6, 6, 6, 6, 6, 12]
    for table in jiujiang.tables:
        assert table.row_pages == [table.page] * table.n_rows


def test_jiujiang_header_repeated_on_every_page(jiujiang):
    header = ["序号", "工作任务", "具体事项", "主体责任单位", "指导责任单位", "完成时间"]
    for table in jiujiang.tables[:5]:
        assert [table.text(0, c) for c in range(6)] == header


def test_jiujiang_paragraphs_before_table(jiujiang):
    first = jiujiang.blocks[:3]
    assert [type(b) for b in first] == [Paragraph, Paragraph, Table]
    assert flat(first[0].text) == "附件1"
    assert first[1].text == json.loads(
        (CORPUS / "gold" / "jiujiang_2020_annex1.pdf.gold.json").read_text("utf-8"))["document"]["title"]
    # annex 2 starts page 6 with its own heading, then the catalog, then the notes
    page6 = [b for b in jiujiang.blocks if b.page == 6]
    assert flat(page6[0].text) == "附件2" and isinstance(page6[2], Table)
    assert page6[3].text.startswith("注释")


def test_jiujiang_merged_group_cells_shared(jiujiang):
    grid = jiujiang.tables[0].grid
    group1 = grid[1][0]
    assert group1.text == "1" and (group1.row, group1.rowspan) == (1, 3)
    assert grid[2][0] is group1 and grid[3][0] is group1
    assert grid[3][1] is grid[1][1] and grid[1][1].text == "梳理基条子\n项"
    assert grid[4][0] is not group1 and grid[4][0].text == "2"
    # item cells are not merged
    assert grid[2][2] is not grid[1][2]


def test_jiujiang_restated_group_and_empty_cell(jiujiang):
    page4 = jiujiang.tables[3]
    # group 8 is written again mid-page (its own cell, not a continuation) ...
    assert page4.text(3, 0) == "8" and not page4.is_continuation(3, 0)
    assert page4.grid[3][0] is not page4.grid[1][0]
    # ... and that row's lead-unit cell is empty: an empty cell of its own, not the one above
    empty = page4.grid[3][3]
    assert empty.text == "" and (empty.row, empty.col) == (3, 3)
    assert empty is not page4.grid[2][3] and not page4.is_continuation(3, 3)


def test_jiujiang_wrapped_cells_keep_line_breaks(jiujiang):
    first = jiujiang.tables[0]
    assert first.text(1, 5) == "2020年8月底\n前"
    page5 = jiujiang.tables[4]
    assert page5.text(4, 4) == "市政府办公室\n市政府信息办\n市政府有关部门"
    assert all(not line.endswith(" ") for t in jiujiang.tables for row in t.grid
               for cell in row for line in cell.text.split("\n"))


def test_jiujiang_catalog_spans_and_marks(jiujiang):
    catalog = jiujiang.tables[5]
    assert catalog.n_rows == 4
    assert catalog.grid[0][1] is catalog.grid[0][2] and catalog.grid[0][1].colspan == 2
    assert flat(catalog.text(1, 1)) == "一级事项"
    level1 = catalog.grid[2][1]
    assert flat(level1.text) == "最低生活保障" and catalog.grid[3][1] is level1
    assert catalog.text(2, 7).startswith("■政府网站\n□政府公报")
    assert [catalog.text(2, c) for c in (8, 10)] == ["√", "✓"]


def test_jiujiang_cells_match_gold(jiujiang):
    rows, gold = task_rows(jiujiang), gold_tasks("jiujiang_2020_annex1.pdf")
    assert len(rows) == len(gold) == 28
    for row, task in zip(rows, gold):
        assert re.sub(r"^\(\d+\)", "", row[2]) == task["item"]
        assert row[5] == task["deadline_text"]
        assert re.sub(r"[、,]", "", row[4]) == "".join(task["guide_units"])


def test_tunliu_typed_in_headers_and_merges(tunliu):
    assert tables_per_page(tunliu) == {1: 1, 2: 1, 3: 1, 4: 1}
    header = ["序号", "工作任务", "具体任务", "主体责任单位", "主管单位", "完成时间"]
    for table in tunliu.tables:
        assert [flat(table.text(0, c)) for c in range(6)] == header
    page1 = tunliu.tables[0]
    assert page1.grid[3][0] is page1.grid[1][0] and page1.text(1, 1) == "组织实施"
    # page 3 opens with group 5 continued from page 2: a blank merged cell over two rows
    page3 = tunliu.tables[2]
    assert page3.text(1, 0) == "" and page3.grid[2][0] is page3.grid[1][0]
    assert page3.grid[1][0].rowspan == 2 and page3.grid[3][0].text == "6"
    title = tunliu.blocks[0]
    assert isinstance(title, Paragraph) and title.text == "基层政务公开标准化规范化及政务公开工作任务进度安排"


def test_tunliu_cells_match_gold(tunliu):
    rows, gold = task_rows(tunliu), gold_tasks("tunliu_2020_tasks.pdf")
    assert len(rows) == len(gold) == 25
    for row, task in zip(rows, gold):
        assert re.sub(r"^\(\d+\)", "", row[2]) == task["item"]
        assert row[5] == task["deadline_text"]
        assert re.sub(r"[、,]", "", row[3]) == "".join(task["lead_units"])


# --------------------------------------------------------------------------
# Small built PDFs
# --------------------------------------------------------------------------

def test_built_ruled_table_spans_and_order():
    raw = extract(make_pdf([ruled_table_page()]))
    kinds = [type(b).__name__ for b in raw.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert [raw.blocks[i].text for i in (0, 1, 3)] == ["Annex 1", "Work Plan", "Note: end"]
    table = raw.tables[0]
    assert (table.n_rows, table.n_cols, table.page, table.row_pages) == (4, 3, 1, [1] * 4)
    assert table.spans_known
    grid = table.grid
    assert [c.text for c in grid[0]] == ["No", "Task", "Unit"]
    merged = grid[1][0]
    assert merged.text == "1" and grid[2][0] is merged
    assert (merged.row, merged.col, merged.rowspan, merged.colspan) == (1, 0, 2, 1)
    assert grid[1][1].text == "Item A\nwraps here"
    empty = grid[2][2]
    assert empty.text == "" and empty is not grid[1][2] and (empty.row, empty.col) == (2, 2)
    wide = grid[3][1]
    assert wide.text == "Spanning two columns" and grid[3][2] is wide
    assert (wide.row, wide.col, wide.rowspan, wide.colspan) == (3, 1, 1, 2)
    assert grid[3][0].text == "" and grid[3][0] is not merged


def test_built_tables_per_page_not_joined():
    raw = extract(make_pdf([ruled_table_page(), ruled_table_page()]))
    assert [t.page for t in raw.tables] == [1, 2]
    assert raw.tables[1].row_pages == [2, 2, 2, 2]
    assert [b.page for b in raw.blocks] == [1, 1, 1, 1, 2, 2, 2, 2]


def test_built_two_tables_on_one_page_in_reading_order():
    low = [line(100, y, 300, y) for y in (300, 280, 260)] + [line(x, 260, x, 300) for x in (100, 200, 300)]
    low += [text(105, 286, "B1"), text(205, 286, "B2"), text(105, 266, "B3"), text(205, 266, "B4")]
    page = low + ruled_table_page() + [text(100, 400, "Between")]
    raw = extract(make_pdf([page]))
    kinds = [(type(b).__name__, getattr(b, "text", "")) for b in raw.blocks]
    assert kinds[:2] == [("Paragraph", "Annex 1"), ("Paragraph", "Work Plan")]
    assert [k for k, _ in kinds] == ["Paragraph", "Paragraph", "Table", "Paragraph", "Paragraph", "Table"]
    assert [kinds[3][1], kinds[4][1]] == ["Note: end", "Between"]
    assert raw.tables[1].text(1, 1) == "B4"


def test_built_text_in_a_notch_of_an_irregular_table_is_kept():
    # two-row table whose second row is narrower: the corner it leaves holds text
    ops = [line(100, 700, 400, 700), line(100, 680, 400, 680), line(100, 660, 250, 660)]
    ops += [line(100, 660, 100, 700), line(250, 660, 250, 700), line(400, 680, 400, 700)]
    ops += [text(105, 686, "A1"), text(255, 686, "A2"), text(105, 666, "B1"), text(300, 666, "Aside")]
    raw = extract(make_pdf([ops]))
    assert raw.tables[0].text(1, 0) == "B1"
    assert "Aside" in [p.text for p in raw.paragraphs]
    assert "Aside" not in [c.text for row in raw.tables[0].grid for c in row]


def test_built_frame_around_text_is_not_a_table():
    frame = [line(100, 700, 400, 700), line(100, 660, 400, 660),
             line(100, 660, 100, 700), line(400, 660, 400, 700), text(110, 676, "Boxed note")]
    raw = extract(make_pdf([frame]))
    assert raw.tables == [] and [b.text for b in raw.blocks] == ["Boxed note"]


def test_built_fake_bold_is_read_once():
    raw = extract(make_pdf([[text(100, 700, "Bold"), text(100, 700, "Bold")]]))
    assert [b.text for b in raw.blocks] == ["Bold"]


def unruled_page(header: tuple[str, ...]) -> list[str]:
    """A task table drawn without rules: header plus four rows in four aligned columns."""
    rows = [header, ("1", "梳理清单", "区政府办", "2020年8月"), ("2", "编制目录", "区司法局", "2020年9月"),
            ("3", "公开平台", "区政务局", "2020年10月"), ("4", "解读政策", "区政府办", "2020年12月")]
    ops = [text(250, 750, "附件1"), text(250, 730, "工作任务分工表")]
    for i, row in enumerate(rows):
        ops += [text(x, 700 - 20 * i, s) for x, s in zip((60, 120, 300, 450), row)]
    return ops


def test_built_unruled_task_table_rebuilt_from_text():
    raw = extract(make_pdf([unruled_page(("序号", "工作任务", "责任单位", "完成时间"))]))
    assert [type(b).__name__ for b in raw.blocks] == ["Paragraph", "Paragraph", "Table"]
    table = raw.tables[0]
    assert [table.text(0, c) for c in range(table.n_cols)] == ["序号", "工作任务", "责任单位", "完成时间"]
    assert table.n_rows == 5  # no blank rows between the text lines
    assert not table.spans_known  # no rules: a blank cell may mean "same as above"
    assert [table.text(4, c) for c in range(4)] == ["4", "解读政策", "区政府办", "2020年12月"]


def test_built_unruled_text_without_task_header_stays_paragraphs():
    raw = extract(make_pdf([unruled_page(("甲", "乙", "丙", "丁"))]))
    assert raw.tables == []
    texts = [p.text for p in raw.paragraphs]
    assert len(texts) == 7 and texts[2] == "甲 乙 丙 丁"
    assert texts[4].split() == ["2", "编制目录", "区司法局", "2020年9月"]


@pytest.mark.parametrize("title, hint", [
    ("关于印发工作方案的通知", "关于印发工作方案的通知"),
    ("Microsoft Word - 任务分工表.docx", "任务分工表"),
    ("Microsoft Word - plan.docx", None),
    ("Document1", None),
    (None, None),
])
def test_built_title_hint(title, hint):
    assert extract(make_pdf([[text(100, 700, "x")]], title=title)).title_hint == hint


# --------------------------------------------------------------------------
# Errors and limits
# --------------------------------------------------------------------------

def test_encrypted_pdf():
    with pytest.raises(EncryptedDocument, match="password-protected PDF"):
        extract(make_pdf([ruled_table_page()], encrypt=True))


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_truncated_pdf_is_unreadable(keep):
    data = JIUJIANG.read_bytes()
    with pytest.raises(UnreadableDocument):
        extract(data[: int(len(data) * keep)])


def test_truncated_built_pdf_is_unreadable():
    data = make_pdf([ruled_table_page()])
    with pytest.raises(UnreadableDocument):
        extract(data[: len(data) // 2])


def test_random_bytes_are_unreadable():
    with pytest.raises(UnreadableDocument):
        extract(b"%PDF-1.4\n" + os.urandom(4000))
    with pytest.raises(UnreadableDocument):
        extract(bytes(range(256)) * 20)


def test_empty_bytes():
    with pytest.raises(EmptyDocument):
        extract(b"")


def test_pdf_without_text_layer_is_empty():
    with pytest.raises(EmptyDocument, match="no text layer"):
        extract(make_pdf([[line(100, 700, 400, 700)], []]))


def test_file_over_size_limit():
    with pytest.raises(TooLarge):
        extract(make_pdf([ruled_table_page()]), max_file_bytes=500)


def test_too_many_pages():
    data = make_pdf([ruled_table_page()] * 3)
    with pytest.raises(TooLarge):
        extract(data, max_pdf_pages=2)
    assert len(extract(data, max_pdf_pages=3).tables) == 3


def test_busy_page_is_read_as_text_only():
    raw = extract(make_pdf([ruled_table_page()]), max_pdf_page_objects=20)
    assert raw.tables == []
    assert len(raw.warnings) == 1 and raw.warnings[0].startswith("page 1:")
    texts = [p.text for p in raw.paragraphs]
    assert texts[:2] == ["Annex 1", "Work Plan"] and "Note: end" in texts
    assert any("Item A" in t for t in texts)


def test_built_unruled_table_continued_on_the_next_page_without_header():
    page2 = []
    for i, row in enumerate([("5", "更新目录", "区民政局", "2021年3月"), ("6", "培训", "区政府办", "2021年6月"),
                             ("7", "评估", "区司法局", "2021年9月")]):
        page2 += [text(x, 740 - 20 * i, s) for x, s in zip((60, 120, 300, 450), row)]
    pages = [unruled_page(("序号", "工作任务", "责任单位", "完成时间")), page2]
    raw = extract(make_pdf(pages))
    assert [t.page for t in raw.tables] == [1, 2]
    second = raw.tables[1]
    assert [second.text(0, c) for c in range(4)] == ["5", "更新目录", "区民政局", "2021年3月"]
    # a lone page of aligned text with no table before it stays text
    assert extract(make_pdf([page2])).tables == []


# --------------------------------------------------------------------------
# Regression PDFs made with LibreOffice from Word files (tests/pdfs/issue-*.pdf)
# --------------------------------------------------------------------------

PDFS = Path(__file__).resolve().parent / "pdfs"


def pdf_tasks(name: str):
    """The task records process() gives for a regression PDF."""
    from pipeline.run import process
    return process((PDFS / name).read_bytes(), "x.pdf").tasks


def test_row_broken_across_pages_is_one_row():
    # Word/WPS let a tall row break across pages: the rest of item 2 opens page 2
    # under the repeated header, its other cells blank because they fitted on page 1.
    raw = PdfExtractor().extract((PDFS / "issue-split-row.pdf").read_bytes())
    first, second = raw.tables[0], raw.tables[1]
    assert flat(first.text(2, 2)) == "2.推进政务公开标准化规范化，" + "推进政务公开标准化规范化，" * 39
    assert [flat(second.text(1, c)) for c in (0, 2, 5)] == ["2", "3.规范政务公开", "2020年6月30日前"]
    tasks = pdf_tasks("issue-split-row.pdf")
    assert [t.item_no for t in tasks] == ["1", "2", "3"]
    assert [t.group_no for t in tasks] == ["1", "1", "2"]
    assert tasks[1].lead_units == ["区教育局", "市生态环境局屯留分局"]
    assert tasks[1].deadline_text == "2020年12月底前" and tasks[1].page == 1


def test_merged_label_and_row_broken_across_pages():
    label = "推进政务公开标准化规范化" * 14
    raw = PdfExtractor().extract((PDFS / "issue-split-label.pdf").read_bytes())
    page2, page3 = raw.tables[1], raw.tables[2]
    # the rest of the tall group label drawn on page 3 goes back to its cell on page 2
    assert flat(page2.text(3, 1)) == label and page2.grid[4][1] is page2.grid[3][1]
    assert page3.n_rows == 2 and page3.text(1, 1) == "" and flat(page3.text(1, 2)).startswith("9.")
    # item 4 broke at the foot of page 1: no row of its own on page 2
    assert flat(page2.text(1, 2)).startswith("5.")
    tasks = pdf_tasks("issue-split-label.pdf")
    assert [t.item_no for t in tasks] == [str(i) for i in range(1, 10)]
    assert [t.group_no for t in tasks] == ["1"] * 6 + ["2"] * 3
    assert len({t.group for t in tasks[6:]}) == 1
    assert all(t.item == "推进政务公开标准化规范化," * 5 for t in tasks)


def unruled_source() -> list[dict]:
    """The task rows typed into the Word file behind issue-unruled-*.pdf (4 groups, 17 items)."""
    groups = ["推进政务公开", "规范政务公开标准化", "公开平台建设", "编制公开目录"]
    items = ["推进政务公开标准化规范化，建设公开平台，编制公开目录", "规范政务公开",
             "编制政务公开目录，推进公开平台建设，规范政务公开标准", "建设公开平台", "推进标准化规范化，编制公开目录"]
    units = ["区教育局", "区财政局", "区政务公开办公室", "各乡镇政府", "区公安局"]
    deadlines = ["2020年12月底前", "长期坚持", "2020年6月30日前"]
    rows, k = [], 1
    for g, group in enumerate(groups):
        for _ in range(4 + (g == 1)):
            item = items[k % 5] + ("，" + items[(k + 2) % 5] if k % 3 == 0 else "")
            rows.append(dict(group_no=str(g + 1), group=group, item_no=str(k), item=normalize(item),
                             lead_units=units[k % 5: k % 5 + 1 + k % 3], deadline_text=deadlines[k % 3]))
            k += 1
    return rows


@pytest.mark.parametrize("name", ["issue-unruled-three-line.pdf", "issue-unruled-no-rules.pdf"])
def test_unruled_task_table_rebuilt_from_text(name):
    # Word table without vertical rules: a 三线表 (top rule, rule under the header,
    # bottom rule) or no rules at all; merged 序号/工作任务 cells, wrapped cells, two
    # pages (the three-line one repeats its header, the other does not), a row cut
    # by the page break, a paragraph under the table.
    raw = PdfExtractor().extract((PDFS / name).read_bytes())
    assert [t.page for t in raw.tables] == [1, 2] and all(t.n_cols == 5 for t in raw.tables)
    assert not any(t.spans_known for t in raw.tables)
    first = raw.tables[0]
    assert [first.text(0, c) for c in range(5)] == ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]
    # a sparse column keeps its text: the group number and label on the group's first row only
    assert [first.text(1, c) for c in (0, 1)] == ["1", "推进政务公开"] and first.text(2, 0) == ""
    assert flat(first.text(5, 1)) == "规范政务公开标准化"
    # text around the table stays paragraphs, and no cell text leaks out
    texts = [p.text for p in raw.paragraphs]
    assert texts[0] == "附件" and texts[1].startswith("抄送") and len(texts) == 3
    tasks = pdf_tasks(name)
    fields = ("group_no", "group", "item_no", "item", "lead_units", "deadline_text")
    assert [{f: getattr(t, f) for f in fields} for t in tasks] == unruled_source()


def test_unruled_units_one_per_line_beside_a_wrapping_item_stay_one_row():
    # item lines that Chinese line breaking ends a character short (公 / 开，) still wrap: the next line,
    # with the next office of a one-per-line unit cell beside it, opens no row of its own
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
    from build_unruled_units import rows
    tasks = pdf_tasks("issue-unruled-units-one-per-line.pdf")
    got = [(t.group_no, t.group, t.item_no, t.item, t.lead_units, t.deadline_text) for t in tasks]
    assert got == [(r["group_no"], r["group"], r["item_no"], normalize(r["item"]),
                    re.split(r"[、\n]", r["units"]), r["deadline"]) for r in rows()]


def test_unruled_cells_centred_vertically_are_read_by_bands():
    """The tunliu DOCX with its borders removed, printed by LibreOffice: every cell is centred in its row,
    so a short cell's lines sit between the lines of the tall one beside it. Rows parted by a blank band
    are the table's rows (before, each line of the page was a row of its own: 89 rows for 25 tasks)."""
    tasks = process((PDFS / "issue-unruled-centred-cells.pdf").read_bytes(), "centred.pdf").tasks
    leads = ["各乡镇(区)人民政府(管理中心)", "麟绛街道办事处"]
    assert [(t.item, t.lead_units, t.deadline) for t in tasks[:3]] == [
        ("成立政务公开领导组", [*leads, "区直各有关单位"], "2020-07-31"),
        ("出台具体实施方案或细则", [*leads, "区直各有关单位"], "2020-07-31"),
        ("试点领域有关部门做好业务对接工作、采取具体措施,核定相关事项标准,指导完成基层政务公开工作", leads, "2020-07-31")]
    assert tasks[2].guide_units[:3] == ["区发改局", "区教育局", "市公安局屯留分局"] and len(tasks[2].guide_units) == 18
    assert len(tasks) < 45   # rows packed with no blank between them are still cut apart too often (README)


def test_unruled_row_cut_by_the_page_break_is_one_row():
    # item 11 starts at the foot of page 1 and ends under the repeated header on page 2
    raw = PdfExtractor().extract((PDFS / "issue-unruled-three-line.pdf").read_bytes())
    first, second = raw.tables
    assert flat(first.text(first.n_rows - 1, 2)) == "11.规范政务公开"
    assert flat(first.text(first.n_rows - 1, 3)) == "区财政局、区政务公开办公室、各乡镇政府"
    assert flat(second.text(1, 2)).startswith("12.")


def test_unruled_table_ends_at_a_paragraph_under_it():
    # no bottom rule: a text run wider than any column is no cell
    header = [text(x, 700, s) for x, s in zip((60, 120, 300, 450), ("序号", "工作任务", "责任单位", "完成时间"))]
    rows = [text(x, 680 - 20 * i, s) for i, row in enumerate([("1", "梳理清单", "区政府办", "2020年8月"),
                                                              ("2", "编制目录", "区司法局", "2020年9月")])
            for x, s in zip((60, 120, 300, 450), row)]
    note = [text(60, 620, "请各单位认真贯彻落实本方案确定的各项任务并于年底前报送完成情况")]
    raw = extract(make_pdf([header + rows + note]))
    assert [type(b).__name__ for b in raw.blocks] == ["Table", "Paragraph"]
    assert raw.tables[0].n_rows == 3 and raw.paragraphs[0].text.startswith("请各单位")


def _part(rows: list[list[str]], page: int) -> Table:
    """A ruled table part of one page, every cell its own."""
    from pipeline.model import Cell
    grid = [[Cell(s, r, c) for c, s in enumerate(row)] for r, row in enumerate(rows)]
    return Table(grid, page, [page] * len(grid))


def test_numbered_row_at_a_page_top_is_not_taken_for_a_broken_row():
    from extractors.pdf import rejoin_split_rows
    head = ["序号", "具体事项", "完成时间"]
    first = _part([head, ["1", "2.公开目录\n编制", "2020年"]], 1)
    second = _part([head, ["", "3.更新目录", ""], ["", "接着写", ""]], 2)
    edges = {id(first): [10.0, 40.0, 200.0], id(second): [10.0, 40.0, 200.0]}
    blocks = rejoin_split_rows([first, second], dict(edges))
    assert second.n_rows == 3 and first.text(1, 1) == "2.公开目录\n编制"
    # the same part without its number is the rest of row 1 and moves back
    second = _part([head, ["", "续写", ""], ["2", "3.更新目录", ""]], 2)
    edges[id(second)] = [10.0, 40.0, 200.0]
    blocks = rejoin_split_rows([first, Paragraph("- 1 -", 1), second], edges)
    assert len(blocks) == 3 and second.n_rows == 2 and first.text(1, 1) == "2.公开目录\n编制\n续写"
    assert second.grid[1][1].row == 1


def test_table_with_horizontal_rules_only_reads_every_row():
    # A Word table bordered with horizontal rules only (no column rules), printed by LibreOffice:
    # the first full rule under the header parts two rows, it is not a 三线表's foot. Before, the
    # table ended there (the rest of the page became paragraphs, its tasks lost), and rows cut by a
    # page break stood as rows of their own. Rules stopping short of the merged 序号/工作任务 column
    # show the merge, as in a ruled table.
    tasks = process((PDFS / "issue-unruled-horizontal-rules-only.pdf").read_bytes(),
                    "issue-unruled-horizontal-rules-only.pdf").tasks
    assert len(tasks) == 9
    assert [t.group_no for t in tasks] == ["一"] * 3 + ["二"] * 3 + ["三"] * 3
    assert [t.group for t in tasks] == ["推进决策公开"] * 3 + ["加强政策解读回应"] * 3 + ["提升平台建设水平"] * 3
    assert all(t.item.endswith("并建立工作台账,定期通报进展情况") for t in tasks)
    assert tasks[4].lead_units == ["县委网信办", "县政府办公室"]
    assert tasks[4].support_units == ["县公安局", "县融媒体中心"]
    assert [t.deadline_text for t in tasks][:3] == ["2020年12月底前", "长期坚持", "2020年9月底前"]


def _review_tasks(name: str) -> list:
    return process((PDFS / name).read_bytes(), name).tasks


def test_three_line_table_over_a_signature_and_a_rule_stays_a_three_line_table():
    # A 三线表 (LibreOffice), then a right-aligned signature and date, then the 版记's rule over 抄送:
    # the band between the table's foot and that rule is no table row, so the table ends at its foot.
    tasks = _review_tasks("issue-unruled-three-line-then-signature.pdf")
    assert [(t.group_no, t.item_no) for t in tasks] == [("一", "1"), ("一", "2"), ("二", "1"), ("二", "2")]
    assert [t.deadline_text for t in tasks] == ["2020年12月底前", "长期坚持"] * 2
    assert all(t.lead_units == ["县政府办公室"] for t in tasks)


def test_issuing_line_under_a_rule_is_no_row_of_a_numbered_table():
    # A 序号 | 工作任务 | 责任单位 三线表 (LibreOffice), then the 版记's ruled line "某某县人民政府办公室
    # 2020年6月1日印发": it fills two columns and starts at the table's left, but a table numbered
    # down its first column starts a row with a number there, so the table ends at its foot.
    tasks = _review_tasks("issue-unruled-three-columns-then-issuing-line.pdf")
    assert [(t.item_no, t.item) for t in tasks] == [(str(k), f"落实第{k}项重点工作要求") for k in range(1, 5)]
    assert all(t.lead_units == ["县政府办公室"] for t in tasks)


def test_caption_between_two_three_line_tables_is_no_row():
    # 表1 and 表2 are two 三线表s, the caption 表2 其他任务 between them: the first table is not
    # carried on over the caption (its two rows would become one, the caption a task).
    tasks = _review_tasks("issue-unruled-two-three-line-tables.pdf")
    assert [t.item for t in tasks][:2] == ["落实第1组第1项重点工作要求", "落实第1组第2项重点工作要求"]
    assert [t.deadline_text for t in tasks][:2] == ["2020年12月底前", "长期坚持"]
    assert not any("表2" in (t.item or "") for t in tasks)


def test_rows_ruled_table_over_two_pages_then_signature_keeps_its_columns():
    # Horizontal rules only, a page break inside a row, then a signature and the 版记's rule: no
    # task is made of the signature or of the cut row's tail, and each keeps its deadline.
    tasks = _review_tasks("issue-unruled-rows-ruled-over-two-pages-then-signature.pdf")
    assert len(tasks) >= 5
    assert all(re.fullmatch(r"落实第\d组第\d项重点工作要求", t.item or "") for t in tasks)
    assert all(t.deadline_text in ("2020年12月底前", "长期坚持", "2020年9月底前") for t in tasks)
    assert all(t.lead_units == ["县政府办公室"] for t in tasks)
