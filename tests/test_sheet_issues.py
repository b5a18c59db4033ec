"""Issue sheet-reader quirks of county annex workbooks: the title above the header, a time the date format
hides, hidden rows and columns, and Excel 2003 XML under an .xls name.

The workbooks are tests/data/issue-sheet-*, built by tests/fixtures/build_sheet_issues.py (openpyxl, then
LibreOffice for the .xls twins); each is read through process(), as a published annex would be.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from extractors import detect_format
from extractors.captions import caption_lines
from extractors.sheet import SheetExtractor, cell_text, format_shape
from pipeline.errors import TooLarge
from pipeline.model import Paragraph
from pipeline.run import process
from _helpers import as_docx
from _office_files import HEADER, TASKS, workbook_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import build_formats  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
BOTH = ["xlsx", "xls"]


def _read(name: str):
    return process((DATA / name).read_bytes(), name)


def _paragraphs(name: str) -> list[str]:
    raw = SheetExtractor().extract((DATA / name).read_bytes())
    return [b.text for b in raw.blocks if isinstance(b, Paragraph)]


# --------------------------------------------------------------------------
# The caption rows above the header are the document's title lines
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_title_above_the_header_gives_the_title_and_region(ext):
    # 附件1 alone in A1, the title merged over part of the width, a 填报单位/填报日期 line, then the header
    result = _read(f"issue-sheet-title-above-header.{ext}")
    doc = result.document
    assert doc.title == "浏阳市2021年政务公开工作任务分解表"
    assert (doc.province, doc.city, doc.county, doc.adcode) == ("湖南省", "长沙市", "浏阳市", "430181")
    assert (doc.issuer, doc.issue_date) == ("浏阳市人民政府办公室", "2021-03-15")
    assert [(t.table, t.item) for t in result.tasks] == [
        (0, "制定年度重大行政决策事项目录"), (0, "政策性文件与解读材料同步组织、同步审签、同步部署"),
        (1, "公开重点改革任务执行情况")]
    assert {t.county for t in result.tasks} == {"浏阳市"}


def test_caption_lines_come_before_each_sheet_name_a_cell_split_into_its_lines():
    assert _paragraphs("issue-sheet-title-above-header.xlsx") == [
        "附件1", "浏阳市2021年政务公开工作任务分解表", "填报单位：浏阳市人民政府办公室", "填报日期：2021年3月15日",
        "任务分解", "附件2", "浏阳市2021年政务公开补充任务表", "补充任务"]


def test_no_caption_without_a_header_below_or_above_a_numbered_heading():
    book = workbook_bytes({"表": [["一、推进决策公开"], HEADER, *TASKS], "说明": [["填表说明"], ["本表由县政府办解释"]]})
    raw = SheetExtractor().extract(book)
    assert [caption_lines(table.grid) for table in raw.tables] == [[], []]
    assert raw.title_hint is None


def test_a_group_label_over_data_rows_is_no_caption():
    # the rule Word tables follow: a caption stands above a header row, not above the first task
    raw = SheetExtractor().extract(workbook_bytes({"任务": [["推进决策公开"], *TASKS]}))
    assert caption_lines(raw.tables[0].grid) == []
    assert raw.title_hint is None
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)] == ["任务"]


# --------------------------------------------------------------------------
# A date cell shows its time only when the number format does
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_a_time_the_format_hides_is_not_read(ext):
    tasks = _read(f"issue-sheet-time-hidden-by-format.{ext}").tasks
    assert [(t.deadline_text, t.deadline) for t in tasks[:2]] == [("2021年3月31日", "2021-03-31"),
                                                                  ("2021年6月30日", "2021-06-30")]
    assert tasks[3].deadline_text == "2021年12月31日"   # midnight under a format with a time


def test_a_time_the_format_shows_is_kept():
    raw = SheetExtractor().extract((DATA / "issue-sheet-time-hidden-by-format.xlsx").read_bytes())
    assert raw.tables[0].text(4, 3) == "2021年9月30日 17:30"


@pytest.mark.parametrize("code, shape", [
    ('yyyy"年"m"月"d"日"', None), ("yyyy/m/d h:mm", "dt"), ('yyyy"年"m"月"d"日" hh"时"mm"分"', "dt"),
    ("yyyy-mm-dd hh:mm:ss", "dt"), ('yyyy"年"m"月" h:mm', "ym"), ("h:mm", None), ("mm:ss", None),
    ('yyyy"年"m"月"d"日";@', None),
])
def test_format_shape(code, shape):
    assert format_shape(code) == shape


def test_cell_text_of_a_datetime():
    value = datetime(2021, 3, 31, 9, 30)
    assert (cell_text(value), cell_text(value, "dt"), cell_text(value, "ym")) == \
        ("2021年3月31日", "2021年3月31日 09:30", "2021年3月")
    assert cell_text(datetime(2021, 6, 30, 0, 0, 0, 500000), "dt") == "2021年6月30日"


# --------------------------------------------------------------------------
# Hidden rows and columns are not read
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_hidden_rows_and_columns_are_left_out(ext):
    # column D holds superseded deadlines, row 4 a cancelled task inside a group label merged down across it
    result = _read(f"issue-sheet-hidden-rows-cols.{ext}")
    assert [(t.group, t.item_no, t.deadline_text) for t in result.tasks] == [
        ("推进决策公开", "1", "2021年6月底前"), ("推进决策公开", "3", "长期坚持"), ("推进政策解读", "4", "2021年9月底前")]
    assert "hidden rows and columns not read: 1 row, 1 column" in result.document.warnings
    assert result.document.title == "浏阳市2021年政务公开工作任务分解表"   # merged across the hidden column


def test_a_merge_across_a_hidden_row_spans_what_shows():
    table = SheetExtractor().extract((DATA / "issue-sheet-hidden-rows-cols.xlsx").read_bytes()).tables[0]
    group = table.grid[2][1]
    assert (group.text, group.row, group.rowspan) == ("推进决策公开", 2, 2)
    assert table.grid[0][0].colspan == table.n_cols == 6


@pytest.mark.parametrize("ext", BOTH)
def test_rows_of_collapsed_outline_groups_are_read(ext):
    # the task rows sit in outline groups under their headings, collapsed: Excel marks them hidden
    result = _read(f"issue-sheet-collapsed-outline.{ext}")
    assert [(t.group, t.item_no, t.item) for t in result.tasks] == [
        ("推进决策公开", "1", "制定年度重大行政决策事项目录"), ("推进决策公开", "2", "重大决策草案公开征求意见"),
        ("推进政策解读", "3", "政策文件与解读材料同步起草")]
    assert not any("hidden rows" in w for w in result.document.warnings)


@pytest.mark.parametrize("ext", BOTH)
def test_rows_a_filter_hides_and_a_collapsed_column_group_are_read(ext):
    # an AutoFilter shows only 县司法局's task; 配合单位 is folded away in a column group
    result = _read(f"issue-sheet-filtered-rows.{ext}")
    assert [(t.item_no, t.lead_units, t.support_units) for t in result.tasks] == [
        ("1", ["县司法局"], ["县政府办"]), ("2", ["县直各单位"], ["县司法局"]), ("3", ["县政府办"], ["县直各单位"])]
    assert not any("hidden rows" in w for w in result.document.warnings)


def test_a_broken_styles_part_still_leaves_hidden_rows_out():
    # calamine reads the workbook; only the number formats are lost
    result = _read("issue-sheet-broken-styles.xlsx")
    assert [t.item_no for t in result.tasks] == ["1", "3", "4"]
    warnings = result.document.warnings
    assert "hidden rows and columns not read: 1 row, 1 column" in warnings
    assert any(w.startswith("number formats not read") for w in warnings)


# --------------------------------------------------------------------------
# Excel 2003 XML (SpreadsheetML) under an .xls name
# --------------------------------------------------------------------------

def test_excel_2003_xml_is_read():
    data = (DATA / "issue-sheet-excel-2003-xml.xls").read_bytes()
    assert detect_format(data, "annex.xls") == "xls"
    result = process(data, "annex.xls")
    doc = result.document
    assert (doc.title, doc.county, doc.adcode) == ("醴陵市2021年政务公开工作任务分解表", "醴陵市", "430281")
    assert [(t.group, t.item_no, t.item, t.lead_units, t.deadline_text, t.deadline) for t in result.tasks] == [
        ("推进决策公开", "1", "制定年度重大行政决策事项目录", ["市司法局"], "2021年6月30日", "2021-06-30"),
        ("推进决策公开", "3", "重大行政决策草案公开征求意见", ["市直各有关单位"], "2021年9月", "2021-09-30")]
    assert doc.warnings[:2] == ["hidden rows and columns not read: 1 row, 1 column", "hidden sheets not read: 旧表"]


def _xml_book(rows: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{doctype}<?mso-application progid="Excel.Sheet"?>'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="表"><Table>{rows}</Table></Worksheet></Workbook>').encode()


def test_excel_2003_xml_far_index_is_refused_and_entities_stay_unread(tmp_path):
    far = '<Row ss:Index="1000000"><Cell ss:Index="200"><Data ss:Type="String">末</Data></Cell></Row>'
    with pytest.raises(TooLarge, match="used range"):
        SheetExtractor().extract(_xml_book(far))
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    cell = '<Row><Cell><Data ss:Type="String">&leak;</Data></Cell><Cell><Data ss:Type="String">序号</Data></Cell></Row>'
    doctype = f'<!DOCTYPE Workbook [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
    raw = SheetExtractor().extract(_xml_book(cell, doctype))
    assert "TOPSECRET" not in "".join(c.text for row in raw.tables[0].grid for c in row)


def test_excel_2003_xml_rows_a_filter_hides_are_read():
    rows = "".join(f'<Row ss:Hidden="{int(n > 1)}">' + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>'
                                                              for v in values) + "</Row>"
                   for n, values in enumerate([["序号", "具体事项", "责任单位"], ["1", "公开预算", "县财政局"],
                                               ["2", "公开决算", "县审计局"]]))
    data = _xml_book(rows).replace(b"</Table>", b'</Table><AutoFilter x:Range="R1C1:R3C3" '
                                   b'xmlns="urn:schemas-microsoft-com:office:excel" '
                                   b'xmlns:x="urn:schemas-microsoft-com:office:excel">'
                                   b'<AutoFilterColumn x:Index="3" x:Type="Custom"/></AutoFilter>')
    assert SheetExtractor().extract(data).tables[0].n_rows == 3
    assert SheetExtractor().extract(data.replace(b"<AutoFilterColumn", b"<Unrelated")).tables[0].n_rows == 2


# --------------------------------------------------------------------------
# A sheet named as the continuation of the one before (分工表(续)) is joined to it
# --------------------------------------------------------------------------

_GROUPED = [["泾阳县2022年政务公开任务分工表"], HEADER, ["一、推进决策公开"],
            ["1", "决策公开", "推进重大决策预公开", "县发改委", "2022年8月底前"],
            ["2", "执行公开", "公开重点工作进展情况", "县政府办", "2022年12月底前"]]
_REST = [HEADER, ["3", "结果公开", "公开审计发现问题整改结果", "县审计局", "2022年10月底前"],
         ["二、优化政务服务"], ["4", "服务公开", "公开政务服务事项清单", "县数据局", "2022年6月底前"]]


def _groups(second_name: str, between: dict | None = None, hidden: tuple[str, ...] = (),
            rest: list | None = None) -> list[tuple[int, int, str, str]]:
    rest = _REST if rest is None else rest
    book = workbook_bytes({"分工表": _GROUPED, **(between or {}), second_name: rest},
                          merges={"分工表": ["A1:E1", "A3:E3"], second_name: [f"A{len(rest) - 1}:E{len(rest) - 1}"]},
                          hidden=hidden)
    return [(t.table, t.row, t.group, t.item) for t in process(book, "annex.xlsx").tasks]


@pytest.mark.parametrize("name", ["分工表(续)", "分工表（续1）", "分工表 (续)", "续表", "续2", "续表一", "分工表(续二)",
                                  "续页"])
def test_a_continuation_sheet_joins_the_table_before_and_its_rows_keep_the_group(name):
    assert _groups(name) == [(0, 0, "推进决策公开", "推进重大决策预公开"), (0, 1, "推进决策公开", "公开重点工作进展情况"),
                             (0, 2, "推进决策公开", "公开审计发现问题整改结果"),
                             (0, 3, "优化政务服务", "公开政务服务事项清单")]


@pytest.mark.parametrize("name", ["补充任务", "办理手续", "Sheet2", "其他表(续)", "分工表(续) (2)"])
def test_a_sheet_of_another_name_stays_a_table_of_its_own(name):
    assert [(table, row) for table, row, _, _ in _groups(name)] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_a_continuation_sheet_after_another_sheet_or_with_its_own_caption_stays_apart():
    """Only the sheet right before is continued (an empty or hidden 表2 between: 表2(续) is 表2's), and
    a sheet with a title of its own is no continuation, whatever its name."""
    apart = [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [(t, r) for t, r, _, _ in _groups("表2(续)", between={"表2": []})] == apart
    assert [(t, r) for t, r, _, _ in _groups("表2(续)", between={"表2": _REST}, hidden=("表2",))] == apart
    assert [(t, r) for t, r, _, _ in _groups("分工表(续)", rest=[["泾阳县2022年政务服务任务分工表"], *_REST])] == apart
    assert [(t, r) for t, r, _, _ in _groups("分工表(续)", rest=[["续表"], ["附件2"], *_REST])] == apart


@pytest.mark.parametrize("captions", [[["续表"]], [["（续表1）"]], [["续表一："]], [["泾阳县2022年政务公开任务分工表"]],
                                      [["泾阳县2022年政务公开任务分工表"], ["续表"]], [["泾阳县2022年政务公开任务分工表（续）"]],
                                      [["泾阳县2022年政务公开任务分工表\n（续表）"]]])
def test_a_continuation_sheet_whose_caption_only_says_so_joins_without_it(captions):
    """Caption rows that mark the sheet continued (续表) or repeat the first sheet's title are dropped:
    inside the joined table a 续表 row would end the group above it."""
    rows = [(t, r, g) for t, r, g, _ in _groups("分工表(续)", rest=[*captions, *_REST])]
    assert rows == [(0, 0, "推进决策公开"), (0, 1, "推进决策公开"), (0, 2, "推进决策公开"), (0, 3, "优化政务服务")]
    # the same rows under a data row rather than a header: the 续表 line is no caption, and still goes
    rows = [(t, r, g) for t, r, g, _ in _groups("分工表(续)", rest=[*captions, *_REST[1:]])]
    assert rows == [(0, 0, "推进决策公开"), (0, 1, "推进决策公开"), (0, 2, "推进决策公开"), (0, 3, "优化政务服务")]


def test_several_continuation_sheets_join_in_order():
    book = workbook_bytes({"分工表": _GROUPED, "分工表(续1)": _REST[:2], "分工表(续2)": [HEADER, *_REST[2:]]},
                          merges={"分工表": ["A1:E1", "A3:E3"], "分工表(续2)": ["A2:E2"]})
    assert [(t.table, t.group) for t in process(book, "annex.xlsx").tasks] == [
        (0, "推进决策公开"), (0, "推进决策公开"), (0, "推进决策公开"), (0, "优化政务服务")]


# --------------------------------------------------------------------------
# Rows under the tasks that close a sheet: a note, a form's footer
# --------------------------------------------------------------------------

@pytest.mark.parametrize("footer, merges", [
    ([["备注：各单位要按职责分工抓好落实。"], ["填表人：", None, "联系电话：", None, "审核人："]], ["A5:E5"]),
    ([["备注", "各单位要按职责分工抓好落实，每季度末报送进展情况。"]], ["B5:E5"]),
    ([[None, "填报人：张三", None, "联系电话：13800000000"]], []),
])
def test_a_note_or_form_footer_under_the_tasks_is_no_task(footer, merges):
    # a county's sheet ends with a 备注 row merged across the table and a line for the form's signatures:
    # the note was a group heading (备注 in a cell of its own: a task) and the signature line a task
    book = workbook_bytes({"任务": [HEADER, *TASKS, *footer]}, merges={"任务": merges})
    tasks = process(book, "annex.xlsx").tasks
    assert [(t.item, t.group, t.lead_units) for t in tasks] == [(r[2], r[1], [r[3]]) for r in TASKS]


def test_a_note_or_form_footer_under_a_catalog_or_domain_sheet_is_no_record():
    # the same closing rows under a 标准目录 sheet gave two catalog records (the note's text in every field)
    catalog = [["序号", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
                "公开对象", "公开方式"],
               ["1", "预算公开", "政府预算", "政府预算报告", "《预算法》", "批准后20日内", "县财政局", "政府网站", "全社会",
                "主动公开"],
               ["2", "", "部门预算", "部门预算", "《预算法》", "批复后20日内", "各预算部门", "政府网站", "全社会", "主动公开"],
               ["备注：公开渠道可根据实际情况选择。"], ["填表人：", None, "联系电话：", None, "审核人："]]
    domains = [["序号", "试点领域", "牵头单位"], ["1", "重大建设项目", "县发改委"], ["2", "公共资源交易", "县公共资源交易中心"],
               ["备注：各牵头单位负责本领域标准目录的编制。"]]
    book = workbook_bytes({"目录": catalog, "领域": domains}, merges={"目录": ["B2:B3", "A4:J4"], "领域": ["A4:C4"]})
    result = process(book, "annex.xlsx")
    assert [(c.level1, c.level2) for c in result.catalog] == [("预算公开", "政府预算"), ("预算公开", "部门预算")]
    assert [d.domain for d in result.domains] == ["重大建设项目", "公共资源交易"]


def test_four_to_six_caption_rows_above_the_header_keep_the_tasks():
    # 附件2 / the title / its date line / 填报单位:… 填报日期:… / 说明：… / 单位：… above the header: past three
    # such rows the header was not found and the sheet gave no task at all
    captions = [["附件2"], ["浏阳市2022年政务公开重点任务分工表"], ["（2022年3月）"],
                ["填报单位：市政府办（盖章）", None, None, "填报日期：2022年3月1日"], ["说明：本表由市政府办负责解释。"],
                ["单位：项"]]
    for n in (4, 5, 6):
        book = workbook_bytes({"任务": [*captions[:n], HEADER, *TASKS]}, merges={"任务": ["A2:E2", "A3:E3"]})
        result = process(book, "annex.xlsx")
        assert [t.item for t in result.tasks] == [r[2] for r in TASKS], n
        assert (result.document.title, result.document.county) == ("浏阳市2022年政务公开重点任务分工表", "浏阳市"), n


_CATALOG_HEADER = ["序号", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
                   "公开对象", "公开方式"]


def _catalog_row(seq: str, level1: str, level2: str) -> list[str]:
    return [seq, level1, level2, f"{level2}全文", "《条例》", "信息形成之日起20个工作日内", "县财政局", "■政府网站", "全社会",
            "主动公开"]


@pytest.mark.parametrize("between", [
    [[None], ["某县就业领域基层政务公开标准目录"], _CATALOG_HEADER],   # the next catalog, title and header
    [["二、就业领域"]],                                                 # a section heading across the table
])
def test_a_text_across_a_catalog_sheet_is_no_item(between):
    # a sheet holding several domains' catalogs: the second one's title became an item with the title in
    # every field (channels too)
    rows = [["某县财政预决算领域基层政务公开标准目录"], _CATALOG_HEADER, _catalog_row("1", "预算公开", "政府预算"),
            _catalog_row("2", "", "部门预算"), *between, _catalog_row("1", "就业政策", "政策文件"),
            _catalog_row("2", "", "招聘信息")]
    across = [f"A{r}:J{r}" for r, row in enumerate(rows, 1) if len(row) == 1 and row[0]]
    catalog = process(workbook_bytes({"标准目录": rows}, merges={"标准目录": ["B3:B4", *across]}), "annex.xlsx").catalog
    assert [(c.seq, c.level1, c.level2, c.channels) for c in catalog] == [
        ("1", "预算公开", "政府预算", ["政府网站"]), ("2", "预算公开", "部门预算", ["政府网站"]),
        ("1", "就业政策", "政策文件", ["政府网站"]), ("2", "就业政策", "招聘信息", ["政府网站"])]


def test_a_first_level_item_alone_on_its_row_heads_the_items_below():
    rows = [_CATALOG_HEADER, ["", "预算公开"], _catalog_row("1", "", "政府预算"), _catalog_row("2", "", "部门预算")]
    catalog = process(workbook_bytes({"标准目录": rows}), "annex.xlsx").catalog
    assert [(c.seq, c.level1, c.level2) for c in catalog] == [("1", "预算公开", "政府预算"), ("2", "预算公开", "部门预算")]


def test_a_catalog_under_the_task_table_on_one_sheet_is_a_table_of_its_own():
    # one sheet holding the task table and, further down, the 标准目录 with its caption rows and header: the
    # catalog's header and items were read as tasks of the first table
    rows = [["附件1"], ["浏阳市2022年政务公开任务分工表"], HEADER, *TASKS, [None], ["附件2"], ["浏阳市财政预决算领域标准目录"],
            ["填报单位：市财政局", None, None, "填报日期：2022年3月1日"], _CATALOG_HEADER[:8] + ["公开对象"],
            _catalog_row("1", "预算公开", "政府预算")[:9], _catalog_row("2", "", "部门预算")[:9],
            HEADER, TASKS[0]]   # the task header again, typed on below: no new table
    result = process(workbook_bytes({"表": rows}), "annex.xlsx")
    assert [(t.table, t.item) for t in result.tasks] == [(0, r[2]) for r in TASKS] + [(2, TASKS[0][2])]
    assert [(c.table, c.level1, c.level2, c.audience) for c in result.catalog] == [
        (1, "预算公开", "政府预算", ["全社会"]), (1, "预算公开", "部门预算", ["全社会"])]
    raw = SheetExtractor().extract(workbook_bytes({"表": rows}))
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)][-4:] == [
        "附件2", "浏阳市财政预决算领域标准目录", "填报单位：市财政局", "填报日期：2022年3月1日"]


@pytest.mark.parametrize("ext", BOTH)
def test_ticks_in_a_symbol_font_are_read_as_marks(ext, tmp_path):
    # a 标准目录 ticked in Wingdings: ü (✓) in a cell whose font is Wingdings, P (✓) in Wingdings 2, and
    # þ (☑) / ¨ (□) runs before each channel in a rich-text cell; the letters were read, so no audience, no
    # mode and one channel made of the whole cell
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(_CATALOG_HEADER[:8] + ["公开对象", None, "公开方式", None])
    sheet.append([None] * 8 + ["全社会", "特定群体", "主动", "依申请"])
    for ref in ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "H1:H2", "I1:J1", "K1:L1"]:
        sheet.merge_cells(ref)
    wingdings, plain = InlineFont(rFont="Wingdings"), InlineFont(rFont="宋体")
    channels = CellRichText([TextBlock(wingdings, "þ"), TextBlock(plain, "政府网站 "), TextBlock(wingdings, "¨"),
                             TextBlock(plain, "政府公报 "), TextBlock(wingdings, "þ"), TextBlock(plain, "两微一端")])
    sheet.append(_catalog_row("1", "预算公开", "政府预算")[:7] + [channels, "ü", None, "ü", None])
    sheet.append(_catalog_row("2", "", "部门预算")[:7] + ["■政府网站", None, "P", "P", "ü"])
    for ref, font in (("I3", "Wingdings"), ("K3", "Wingdings"), ("J4", "Wingdings 2"), ("K4", "Wingdings 2")):
        sheet[ref].font = Font(name=font)
    book.save(tmp_path / "annex.xlsx")
    if ext == "xls":   # the cells' fonts by their XF records (LibreOffice gives each rich cell one font)
        build_formats.soffice(tmp_path / "annex.xlsx", "xls", tmp_path)
    catalog = process((tmp_path / f"annex.{ext}").read_bytes(), f"annex.{ext}").catalog
    assert [(c.channels, c.audience, c.mode) for c in catalog] == [
        (["政府网站", "两微一端"], ["全社会"], ["主动公开"]), (["政府网站"], ["特定群体"], ["主动公开"])]


def test_a_note_typed_beside_the_table_is_no_column_of_it():
    # 填报说明 typed two columns right of the table, on its header row: the table took it as two more
    # columns, and every task lost its item, its support units and its roles
    rows = [[None, "浏阳市2022年政务公开任务分工表"], [None, *HEADER, None, None, "填报说明：", "1.完成时限为最迟时间"],
            *([None, *row] for row in TASKS)]
    book = workbook_bytes({"任务": rows}, merges={"任务": ["B1:F1"]})
    tasks = process(book, "annex.xlsx").tasks
    assert [(t.table, t.item, t.lead_units, t.deadline) for t in tasks] == [
        (0, "推进重大决策预公开", ["县发改委"], "2020-08-31"), (0, "公开重点工作进展情况", ["县政府办"], "2020-12-31"),
        (0, "公开审计发现问题整改结果", ["县审计局"], "2020-10-31")]
    # a column cleared inside the table (header and all) does not cut it in two
    cleared = [[*row[:3], None, *row[3:]] for row in [HEADER, *TASKS]]
    assert [t.lead_units for t in process(workbook_bytes({"任务": cleared}), "annex.xlsx").tasks] == [
        ["县发改委"], ["县政府办"], ["县审计局"]]


# --------------------------------------------------------------------------
# The same table stage under every format: rows the sheet fixes above must keep
# (a review's inputs; main reads them so too)
# --------------------------------------------------------------------------

def _page(*rows) -> bytes:
    """An HTML notice holding one table; a row's cell is a text or (text, attributes)."""
    cells = lambda row: "".join(f"<td {c[1]}>{c[0]}</td>" if isinstance(c, tuple) else f"<td>{c}</td>" for c in row)
    table = "\n".join(f"<tr>{cells(row)}</tr>" for row in rows)
    return (f'<html><head><meta charset="utf-8"><title>某某县政务公开</title></head><body><h1>某某县政务公开</h1>'
            f"<p>各乡镇人民政府，县直各单位：现将有关事项通知如下。</p><table border=1>{table}</table>"
            "<p>某某县人民政府办公室</p><p>2023年3月1日</p></body></html>").encode()


_LEVEL1_ONCE = [["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开主体"],
                ["1", "就业政策", "政策法规", "就业法律法规", "《就业促进法》", "县人社局"],
                ["2", "", "政策解读", "政策解读材料", "《条例》", "县人社局"],
                ["", "", "", "续：政策解读的其他材料", "", ""],
                ["3", "", "补贴申领", "补贴标准", "《条例》", "县人社局"]]


@pytest.mark.parametrize("data, name", [(as_docx(_LEVEL1_ONCE, title="某某县就业领域基层政务公开标准目录"), "annex.docx"), (_page(*_LEVEL1_ONCE), "annex.html")])
def test_a_catalog_row_of_one_text_in_one_column_keeps_its_first_level(data, name):
    # 一级事项 written once and left blank below (not merged: how PDFs and many Word and HTML tables come
    # out), a row holding only a 公开内容 that goes on: a row of one text across the table (a sheet's merge)
    # reset the 一级事项 and dropped the row, and every later item lost its 一级事项
    catalog = process(data, name).catalog
    assert [(c.level1, c.level2, c.content) for c in catalog] == [
        ("就业政策", "政策法规", "就业法律法规"), ("就业政策", "政策解读", "政策解读材料"),
        ("就业政策", None, "续:政策解读的其他材料"), ("就业政策", "补贴申领", "补贴标准")]


@pytest.mark.parametrize("seq", [True, False])
def test_a_catalog_row_of_a_second_level_item_alone_is_an_item(seq):
    rows = [["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开主体"],
            ["1", "就业政策", "政策法规", "就业法律法规", "《就业促进法》", "县人社局"],
            ["", "", "政策解读", "", "", ""],
            ["2", "", "办事指南", "办事流程", "《条例》", "县人社局"],
            ["3", "", "补贴申领", "补贴标准", "《条例》", "县人社局"]]
    catalog = process(_page(*(row[0 if seq else 1:] for row in rows)), "annex.html").catalog
    assert [(c.level1, c.level2) for c in catalog] == [
        ("就业政策", "政策法规"), ("就业政策", "政策解读"), ("就业政策", "办事指南"), ("就业政策", "补贴申领")]


_TASK_HEADER = ["序号", "工作任务", "责任单位", "完成时限"]


def test_a_task_row_of_labels_and_values_is_a_task():
    # every cell 标签：… (政策解读：… | 牵头单位：… | 完成时限：…) read as a form's footer and dropped
    rows = [_TASK_HEADER, ["1", "推进决策公开", "县发改委", "2023年12月"],
            ["2", "政务公开平台建设：加强政府网站管理", "县政务服务中心", "2023年12月"],
            ["", "政策解读：加强政策解读", "牵头单位：县政府办", "完成时限：2023年底"],
            ["3", "推进执行公开", "县发改委", "2023年12月"]]
    tasks = process(_page(*rows), "annex.html").tasks
    assert [t.item for t in tasks] == ["推进决策公开", "政务公开平台建设:加强政府网站管理", "政策解读:加强政策解读",
                                       "推进执行公开"]
    nolabel = [["工作任务", "责任单位", "完成时限"],
               ["决策公开：推进重大决策预公开", "牵头单位：县政府办", "2023年6月"],
               ["政策解读：加强政策解读", "牵头单位：县政府办；配合单位：各乡镇", "长期坚持"],
               ["平台建设：加强政府网站管理", "责任单位：县政务服务中心", "时限：2023年底"],
               ["数据开放：推进数据开放", "县大数据中心", "2023年12月"]]
    assert len(process(_page(*nolabel), "annex.html").tasks) == 4


def test_a_task_row_opening_with_a_bare_note_word_is_a_task():
    # 备注 without a colon, as the item of a row going on from the numbered item above: no note
    rows = [_TASK_HEADER, ["1", "推进决策公开", "县政府办", "2023年6月"], ["", "备注", "县政务服务中心", "长期坚持"],
            ["2", "推进执行公开", "县发改委", "2023年12月"], ["3", "推进结果公开", "县发改委", "2023年12月"]]
    tasks = process(_page(*rows), "annex.html").tasks
    assert [(t.group_no, t.item) for t in tasks] == [("1", "推进决策公开"), ("1", "备注"), ("2", "推进执行公开"),
                                                    ("3", "推进结果公开")]
    headed = [_TASK_HEADER, [("一、深化重点领域信息公开", "colspan=4")], ["1", "推进决策公开", "县发改委", "2023年12月"],
              [("说明", "colspan=4")], ["2", "做好说明解释工作", "县政府办", "长期坚持"]]
    assert [t.group for t in process(_page(*headed), "annex.html").tasks] == ["深化重点领域信息公开", "说明"]
