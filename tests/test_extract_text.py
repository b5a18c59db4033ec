"""TextExtractor and the text-table helpers on the TXT variants and on small texts."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.base import Limits
from extractors.text import TextExtractor, decode_bytes, meta_pairs
from extractors.texttables import find_cell_tables, find_text_tables
from pipeline.errors import EmptyDocument, TooLarge
from pipeline.model import Paragraph, RawDocument
from _helpers import all_text, row_texts

VARIANTS = Path(__file__).resolve().parent.parent / "corpus" / "variants"


def read(name: str) -> RawDocument:
    return TextExtractor().extract((VARIANTS / name).read_bytes())


def txt(text: str, encoding: str = "utf-8") -> RawDocument:
    return TextExtractor().extract(text.encode(encoding))






TUNLIU_HEADER = ["序号", "工作任务", "具体任务", "主体责任单位", "主管单位", "完成时间"]


# --------------------------------------------------------------------------
# The five variants
# --------------------------------------------------------------------------

def test_tunliu_one_cell_per_line():
    doc = read("tunliu_2020_tasks.txt")
    assert [p.text for p in doc.paragraphs] == ["基层政务公开标准化规范化及政务公开工作任务进度安排"]
    (table,) = doc.tables
    # 25 task rows + the header typed in again at the top of pages 1-4
    assert (table.n_rows, table.n_cols) == (29, 6)
    assert [r for r in range(table.n_rows) if row_texts(table, r) == TUNLIU_HEADER] == [0, 4, 13, 22]
    assert table.spans_known is False      # text states no merges: a blank may mean "as above"
    assert row_texts(table, 1)[:3] == ["1", "组织实施", "（1）成立政务公开领导组"]
    assert row_texts(table, 2)[:2] == ["", ""]            # merged in the source: blank, not carried
    # item 8: one cell over a blank line and an untabbed line
    row8 = next(r for r in range(table.n_rows) if table.text(r, 2).startswith("（8）"))
    assert table.text(row8, 4) == "区直各有关部门\n\n同（3）"
    assert table.text(row8, 5) == "2020年9月下旬"
    assert table.text(5, 4) == "区政府办公室、区直各有关部门 同（3）"
    row18 = next(r for r in range(table.n_rows) if table.text(r, 2).startswith("（18）"))
    assert table.text(row18, 1) == "规范流动\n\n公开流程"
    assert table.text(table.n_rows - 1, 2) == "（25）建立健全政务舆情回应机制"


def test_jx_county_first_cell_without_tab():
    doc = read("jx_county_2022_tasks.txt")
    assert doc.paragraphs == []                     # the label lines above are the first cell
    (table,) = doc.tables
    assert (table.n_rows, table.n_cols) == (45, 4)   # no header row, 45 items
    first = table.text(0, 0).split("\n")
    assert first[0] == first[-1] == "政务公开事项标准目录简化及落实" and set(first[1:-1]) == {""}
    assert table.text(0, 1) == "调整并简化\n政务公开事项\n标准目录"
    assert table.text(0, 2).startswith("1.对照最新权责清单")
    assert table.text(0, 3).endswith("\n各乡（镇）人民政府")
    assert row_texts(table, 1)[:2] == ["", ""] and table.text(1, 3) == ""
    assert table.text(10, 0).startswith("规范政务公开工作流程\n") and table.text(10, 2).startswith("11.")
    assert table.text(10, 3).count("县政府各部门、县直各单位、") == 2   # label typed twice
    assert table.text(44, 2).startswith("45.")


def test_jiujiang_tab_separated_pages():
    doc = read("jiujiang_2020_annex1.txt")
    tables = doc.tables
    assert [(t.n_rows, t.n_cols) for t in tables] == [(8, 6), (7, 6), (6, 6), (5, 6), (7, 6), (4, 12)]
    for t in tables[:5]:     # the header line repeated on every page; trailing tab dropped
        assert row_texts(t, 0) == ["序 号", "工作 任务", "具体事项", "主体责任单位", "指导责任单位", "完成时间"]
    first = tables[0]
    # the text states no merges: the label pieces stay on the rows they face
    # (the table stage rejoins them, see tests/test_tables.py)
    assert not first.spans_known
    assert [row_texts(first, r)[:2] for r in (1, 2, 3)] == [["", "梳理基条子"], ["1", ""], ["", "项"]]
    assert first.text(2, 2).startswith("(2)") and first.text(3, 2).startswith("(3)")
    last_page = tables[4]
    assert last_page.text(5, 1) == "(居) 条 公开机 制"     # <u>条</u> kept as text
    assert "<u>" not in all_text(doc)
    assert tables[5].text(2, 0) == "1" and tables[5].text(3, 0) == "2"   # 序号 per row: no merge
    assert doc.meta == {}
    assert doc.paragraphs[-1].text.startswith("- 7. 公开对象")


def test_dongzhi_paragraphs_and_two_tables():
    doc = read("dongzhi_2020.txt")
    domains, tasks = doc.tables
    assert (domains.n_rows, domains.n_cols) == (27, 4)
    assert domains.text(20, 2) == "文化和旅游部\n国家文物局"
    assert (tasks.n_rows, tasks.n_cols) == (37, 6)
    assert row_texts(tasks, 0) == ["序号", "工作任务", "具体事项", "主体责任单位", "主管责任单位", "完成时间"]
    assert tasks.text(28, 2) == "（28）推行政务服务一次告知制度" and tasks.text(28, 5) == ""
    texts = [b.text if isinstance(b, Paragraph) else "<table>" for b in doc.blocks]
    i = texts.index("<table>")
    assert texts[i - 1] == "牵头县直单位清单"
    assert texts[i + 1:i + 4] == ["附件2", "基层政务公开标准化规范化工作任务分工及进度安排表", "<table>"]
    assert texts[-1] == "抄送：县委办公室、县人大常委会办公室、县政协办公室。"
    assert texts[0] == "东政办秘〔2020〕64号"


def test_donghu_page_dump():
    doc = read("donghu_2020.txt")
    assert doc.meta["索引號"] == "A25010-9857-4081-9798-4389-3938"
    assert doc.meta["發(fā)布機構"] == "東湖區(qū)百花洲街道"
    assert doc.meta["生成日期"] == "2020-07-08"
    assert "主題分類" not in doc.meta and "文件編號" not in doc.meta
    tasks, catalog = doc.tables
    assert (tasks.n_rows, tasks.n_cols) == (27, 6)
    assert row_texts(tasks, 0) == ["序號", "工作任務", "具體事項", "責任單位", "指導單位", "完成時間"]
    assert row_texts(tasks, 1)[:3] == ["1", "梳理基層政務公開事項", "(1)梳理規(guī)范基層政府權責清單"]
    assert row_texts(tasks, 2)[:2] == ["", ""] and tasks.text(2, 2).startswith("(2)")
    assert row_texts(tasks, 21)[:3] == ["8", "完善基層行政決策公眾參與機制", tasks.text(21, 2)]
    assert tasks.text(21, 2).startswith("(21)") and tasks.text(26, 5) == "2022年6月底前"
    assert catalog.n_rows == 3
    assert row_texts(catalog, 1)[:3] == ["1", "最低生活保障", "辦事指南"]
    assert row_texts(catalog, 2)[:3] == ["2", "", "審核信息"]     # 一级事项 merged in the source
    assert catalog.text(1, 7).count("\n") == 6                      # 7 check-box lines, one cell
    body = all_text(doc)
    for word in ("林口县", "沛县", "英超", "分享到", "網站標識碼", "微博"):
        assert word not in body, word
    assert "網站標識碼:3601020001" in doc.chrome_text
    assert "林口县" not in doc.chrome_text


# --------------------------------------------------------------------------
# Small texts, one quirk each
# --------------------------------------------------------------------------

def test_tab_separated_table():
    doc = txt("附件\n序号\t任务\t责任单位\t\n1\t编制目录\t县政府办\t\n2\t\t县财政局\t\n\n结束语")
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols) == (3, 3)        # empty trailing column dropped
    assert row_texts(table, 2) == ["2", "", "县财政局"]


SAVED_AS_TEXT = ("序号\t工作任务\t具体任务\t责任单位\t完成时间\r\n"
                 "1\t梳理事项\t梳理规范权责清单\t\"县政府办公室、\r\n县司法局\"\t2020年8月底前\r\n"
                 "2\t编制目录\t\"编制\"\"互联网+政务服务\"\"目录\"\t县政府办公室\t2020年10月底前\r\n"
                 "3\t\"公开\"平台\t建设专区\t县数据局\t2020年12月底前\r\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_cells_quoted_over_lines_as_excel_saves_text(encoding):
    # Excel / WPS "文本文件(制表符分隔)" and "Unicode 文本" quote a cell that holds a line break
    table = txt(SAVED_AS_TEXT, encoding).tables[0]
    assert table.n_rows == 4
    assert row_texts(table, 1) == ["1", "梳理事项", "梳理规范权责清单", "县政府办公室、\n县司法局", "2020年8月底前"]
    # quotes inside a quoted cell are doubled; quotes that are the cell's own text stay as written
    assert row_texts(table, 2)[2] == '编制"互联网+政务服务"目录'
    assert row_texts(table, 3)[1] == '"公开"平台'


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom(encoding):
    from pipeline.run import process
    tasks = process(SAVED_AS_TEXT.encode(encoding), "tasks.txt").tasks
    assert [(t.item_no, t.lead_units, t.deadline) for t in tasks] == [
        ("1", ["县政府办公室", "县司法局"], "2020-08-31"), ("2", ["县政府办公室"], "2020-10-31"),
        ("3", ["县数据局"], "2020-12-31")]


def test_a_stray_nul_in_utf8_text_is_no_utf16():
    # one NUL byte in a UTF-8 copy (even length, odd offset) must not turn the file into UTF-16
    data = bytearray(("关于印发政务公开工作要点的通知\n" + SAVED_AS_TEXT).encode())
    data[len(data) // 2 | 1] = 0
    data += b"" if len(data) % 2 == 0 else b"\n"
    from extractors.detect import utf16_without_bom
    assert utf16_without_bom(bytes(data)) is None


def test_one_cell_per_line_with_empty_and_multiline_cells():
    text = ("任务表\n\n\t序号\n\t任务\n\t单位\n\n\t1\n\t编制目录\n\t县政府办\n\n同（1）\n\n"
            "\t\n\t公开目录\n\t县财政局\n县民政局\n\n\n正文继续。")
    doc = txt(text)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols) == (3, 3)
    assert row_texts(table, 1) == ["1", "编制目录", "县政府办\n\n同（1）"]
    assert row_texts(table, 2) == ["", "公开目录", "县财政局\n县民政局"]
    assert doc.paragraphs[-1].text == "正文继续。"


def test_caption_between_two_cell_tables():
    text = "\t序号\n\t名称\n\n\t1\n\t甲\n\n\n附件2\n\t序号\n\t任务\n\t时间\n\n\t1\n\t乙\n\t8月"
    doc = txt(text)
    assert [type(b).__name__ for b in doc.blocks] == ["Table", "Paragraph", "Table"]
    assert doc.tables[0].n_cols == 2 and doc.tables[1].n_cols == 3


def test_one_cell_per_paragraph_table_in_plain_text():
    lines = ["附件", "序号", "工作任务", "具体事项", "责任单位", "完成时间",
             "1", "组织实施", "(1)成立领导组", "区政府办", "2020年7月",
             "(2)出台方案", "区政府办", "2020年8月", "注：本表由区政府办负责解释。"]
    doc = txt("\n\n".join(lines))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert row_texts(doc.tables[0], 2) == ["", "", "(2)出台方案", "区政府办", "2020年8月"]


def test_prose_is_not_a_table():
    text = "一、总体要求\n\n（一）指导思想\n\n以习近平新时代中国特色社会主义思想为指导。\n\n1.责任单位要落实。"
    doc = txt(text)
    assert doc.tables == [] and len(doc.paragraphs) == 4


def test_decoding():
    assert txt("政务公开", "gbk").paragraphs[0].text == "政务公开"
    assert txt("䶮", "gb18030").paragraphs[0].text == "䶮"
    doc = TextExtractor().extract(b"\xef\xbb\xbf" + "政务公开".encode())
    assert doc.paragraphs[0].text == "政务公开"
    doc = TextExtractor().extract(b"\xff\xfe" + "政务公开\r\n第二行".encode("utf-16-le"))
    assert [p.text for p in doc.paragraphs] == ["政务公开", "第二行"]
    assert decode_bytes("政务".encode("gbk"), "utf-8") == ("政务", "gb18030")
    assert decode_bytes("政务".encode(), "gbk") == ("政务", "utf-8")


def test_meta_pairs():
    assert meta_pairs("索引号：xxx发布机构：东至县") == [("索引号", "xxx"), ("发布机构", "东至县")]
    assert meta_pairs("本文的文号：东政办〔2020〕1号") == []
    assert meta_pairs("6.公开方式:指该类政务公开信息发布的方式,如主动公开、依申请公开。") == []
    assert meta_pairs("發(fā)布機構: 東湖區 生成日期: 2020-07-08") == [
        ("發(fā)布機構", "東湖區"), ("生成日期", "2020-07-08")]


def test_empty_and_oversized():
    with pytest.raises(EmptyDocument):
        TextExtractor().extract(b"")
    with pytest.raises(EmptyDocument):
        TextExtractor().extract(b" \n\t\n")
    with pytest.raises(TooLarge):
        TextExtractor().extract(b"x" * 200, Limits(max_file_bytes=100))


# --------------------------------------------------------------------------
# The helpers on their own
# --------------------------------------------------------------------------

def test_find_text_tables_returns_blocks_in_order():
    blocks = find_text_tables(["标题", "a\tb", "c\td", "", "尾"])
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Paragraph"]


def test_find_cell_tables_spans():
    units = ["前言", "序号", "任务", "单位", "1", "甲", "县政府", "2", "乙", "县财政局", "", "后记"]
    ((start, end, table),) = find_cell_tables(units)
    assert (start, units[end]) == (1, "")
    assert row_texts(table, 2) == ["2", "乙", "县财政局"]


def test_columns_set_apart_by_spaces():
    text = "\n".join([
        "附件", "",
        "序号  工作任务  具体事项  责任单位  完成时间",
        "1  梳理公开事项  （1）梳理权责清单  县司法局、县政务中心  2020年8月底前",
        "    （2）编制标准目录  县直各部门  2020年9月底前",
        "2\u3000完善公开方式\u3000（3）规范政府网站\u3000县政府办\u3000持续推进",
        "", "各单位要按照  分工抓好落实。"])
    doc = txt(text)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = doc.tables[0]
    assert row_texts(table, 0) == ["序号", "工作任务", "具体事项", "责任单位", "完成时间"]
    assert row_texts(table, 2) == ["", "", "（2）编制标准目录", "县直各部门", "2020年9月底前"]
    assert row_texts(table, 3) == ["2", "完善公开方式", "（3）规范政府网站", "县政府办", "持续推进"]
    assert doc.paragraphs[-1].text == "各单位要按照  分工抓好落实。"


def test_spaced_lines_without_a_header_stay_paragraphs():
    text = "\u3000\u3000一、总体要求\n柳林县人民政府办公室      2020年8月14日\n索引号：123    发布机构：县政府办\n附件  1  任务表"
    doc = txt(text)
    assert doc.tables == []
    assert [p.text for p in doc.paragraphs][0] == "一、总体要求"


RECORDS = ["历城区2021年政务公开工作要点", "二、深化重点领域信息公开",
           "3.做好财政预决算信息公开。（区财政局牵头，各街道配合）",
           "4.推进重大建设项目信息公开。", "牵头单位：区发展改革局", "责任单位：区直有关部门", "完成时限：2021年12月底前",
           "5.加强义务教育领域信息公开。", "牵头单位：区教体局", "责任单位：各街道办事处", "完成时限：长期坚持",
           "6.推进生态环境信息公开。", "牵头单位：市生态环境局历城分局", "完成时限：2021年第三季度",
           "三、保障措施", "各单位要高度重视，对照任务分工抓好落实。"]


@pytest.mark.parametrize("name", ["records.txt", "records.html"])
def test_tasks_written_as_records_of_labelled_lines(name):
    # item 3, whose units stand in a note inside its sentence, stays text (README: a known limit)
    from pipeline.run import process
    if name.endswith(".html"):
        data = ("<html><body>" + "".join(f"<p>{line}</p>" for line in RECORDS) + "</body></html>").encode("utf-8")
    else:
        data = "\n".join(RECORDS).encode("utf-8")
    tasks = process(data, name).tasks
    assert [(t.item_no, t.item, t.lead_units, t.support_units, t.deadline_text) for t in tasks] == [
        ("4", "推进重大建设项目信息公开。", ["区发展改革局"], ["区直有关部门"], "2021年12月底前"),
        ("5", "加强义务教育领域信息公开。", ["区教体局"], ["各街道办事处"], "长期坚持"),
        ("6", "推进生态环境信息公开。", ["市生态环境局历城分局"], [], "2021年第三季度")]


def test_records_of_other_fields_are_no_tasks_and_records_numbered_like_subheadings_are():
    from pipeline.run import process
    schedule = ["关于举办2022年全县干部培训班的通知", "1.第一期：乡村振兴专题培训班", "主办单位：县委组织部",
                "承办单位：县委党校", "时间：2022年3月15日至17日", "2.第二期：基层治理专题培训班",
                "主办单位：县委组织部", "承办单位：县委党校", "时间：2022年4月12日至14日"]
    assert process("\n".join(schedule).encode("utf-8"), "schedule.txt").tasks == []
    records = ["（一）推进重大建设项目信息公开。", "牵头单位：区发展改革局", "完成时限：2021年12月底前",
               "（二）加强义务教育领域信息公开。", "牵头单位：区教体局", "完成时限：长期坚持"]
    tasks = process("\n".join(records).encode("utf-8"), "records.txt").tasks
    assert [(t.item, t.lead_units, t.deadline_text) for t in tasks] == [
        ("推进重大建设项目信息公开。", ["区发展改革局"], "2021年12月底前"),
        ("加强义务教育领域信息公开。", ["区教体局"], "长期坚持")]


def test_labelled_lines_are_no_column_labels():
    # three field lines before a numbered item used to read as a header of a cell-per-line table
    assert find_cell_tables(RECORDS[3:14]) == []


# --------------------------------------------------------------------------
# Tab-separated rows that lack cells: placed under the columns their cells read like
# --------------------------------------------------------------------------

def test_short_tab_rows_go_under_the_columns_their_cells_read_like():
    """A browser leaves out the cells a rowspan covers; an editor drops a row's trailing empty cell."""
    from extractors.texttables import tab_table
    rows = [["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
            ["1", "推进决策公开", "(1)完善决策预公开", "县司法局", "2021年6月底前"],
            ["(2)做好政策解读", "县数据局", "持续推进"],                       # 序号 and 工作任务 left out
            ["2", "推进执行公开", "(3)公开重点改革任务", "县发改局"],          # its empty 完成时限 dropped
            ["3", "(4)公开审计结果", "县审计局", "2021年12月底前"],           # 工作任务 merged above left out
            ["二、优化政务服务"]]                                             # a group label stays at the left
    table = tab_table(rows)
    assert [[table.text(r, c) for c in range(5)] for r in range(2, 6)] == [
        ["", "", "(2)做好政策解读", "县数据局", "持续推进"],
        ["2", "推进执行公开", "(3)公开重点改革任务", "县发改局", ""],
        ["3", "", "(4)公开审计结果", "县审计局", "2021年12月底前"],
        ["二、优化政务服务", "", "", "", ""]]


def test_a_space_aligned_row_without_its_last_cell_keeps_its_cells_in_their_columns():
    """Copied from a rendered page: a task with no 完成时限 ends early; rows of a group lack the merged
    cells before them (padded on the left, as before)."""
    from extractors.texttables import spaced_to_tabs
    lines = ["序号  工作任务      具体事项              责任单位    完成时限",
             "1     推进决策公开  (1)完善决策预公开     县司法局    2021年6月底前",
             "                    (2)做好政策解读       县数据局    持续推进",
             "2     推进执行公开  (3)公开重点改革任务   县发改局",
             "                    (4)公开审计结果       县审计局    2021年12月底前"]
    assert [line.split("\t") for line in spaced_to_tabs(lines)[2:]] == [
        ["", "", "(2)做好政策解读", "县数据局", "持续推进"],
        ["2", "推进执行公开", "(3)公开重点改革任务", "县发改局", ""],
        ["", "", "(4)公开审计结果", "县审计局", "2021年12月底前"]]


def test_short_tab_rows_are_placed_by_numbers_items_and_times_only():
    """Plain text tells no column: a group row 一 | 推进决策公开 stays at the left. A leading 序号 may stand
    apart from the rest, and a row may leave out a unit between its item and its time."""
    from extractors.texttables import tab_table
    header = ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]
    full = [["1", "推进决策公开", "(1)完善决策预公开", "县司法局", "2021年6月底前"],
            ["2", "推进执行公开", "(2)公开重点改革任务", "县发改局", "2021年12月底前"]]
    table = tab_table([header, *full, ["一", "推进决策公开"], ["4", "(4)公开审计结果", "县审计局"],
                       ["(5)做好政策解读", "2021年9月底前"]])
    assert [[table.text(r, c) for c in range(5)] for r in range(3, 6)] == [
        ["一", "推进决策公开", "", "", ""],
        ["4", "", "(4)公开审计结果", "县审计局", ""],
        ["", "", "(5)做好政策解读", "", "2021年9月底前"]]


def test_a_group_heading_written_across_a_tab_table_is_a_row_of_it():
    """Word's "save as text" and a browser's copy write a row merged across the table (the group's heading
    一、…) without tabs: the table goes on below it, its header still over every row (before: the header
    line was left a paragraph and the table split in two headerless halves, 配合单位 read as guide units)."""
    from pipeline.run import process
    text = "\n".join([
        "附件", "2021年政务公开重点任务分工表",
        "序号\t重点任务\t具体事项\t牵头单位\t配合单位\t完成时限",
        "一、围绕重点工作推进政务公开",
        "1\t做好疫情防控信息公开\t及时发布疫情防控信息\t县卫健局\t各乡镇\t2021年12月底前",
        "2\t\t加强疫苗接种政策解读\t县卫健局\t\t持续推进",
        "二、加强政策解读回应",
        "3\t深化政策解读\t实行政策文件与解读方案同步组织\t县政府办\t县级各部门\t2021年6月30日",
        "4\t推进决策公开\t制定重大行政决策事项目录并公开\t县司法局\t县政府办\t2021年9月底前",
        "注：各单位按季度报送进展。"])
    doc = txt(text)
    (table,) = doc.tables
    assert table.n_rows == 7 and table.text(1, 0) == "一、围绕重点工作推进政务公开"
    assert doc.paragraphs[-1].text == "注：各单位按季度报送进展。"
    tasks = process(text.encode("utf-8"), "tasks.txt").tasks
    assert [(t.table, t.group, t.item_no) for t in tasks] == [
        (0, "围绕重点工作推进政务公开", "1"), (0, "围绕重点工作推进政务公开", "2"),
        (0, "加强政策解读回应", "3"), (0, "加强政策解读回应", "4")]
    assert [t.support_units for t in tasks] == [["各乡镇"], [], ["县级各部门"], ["县政府办"]]
    assert all(t.guide_units == [] for t in tasks)


def test_a_row_broken_at_the_line_breaks_of_a_cell_is_one_row_again():
    """Word's "save as text" and a browser's copy end a line at each paragraph or <br> inside a cell: the row
    goes on on the next line (tabs or none). The lines are one row again, the cell's lines joined (before:
    a unit and a half-item became rows of their own, the deadline landed on the wrong task). A row that a
    rowspan left short (it ends with its time) is no broken row."""
    from pipeline.run import process
    text = "\n".join([
        "序号\t重点任务\t具体事项\t牵头单位\t配合单位\t完成时限",
        "1\t做好疫情防控信息公开\t及时发布疫情防控信息\t县卫健局",
        "县委宣传部",
        "县融媒体中心\t各乡镇\t2021年12月底前",
        "2\t深化政策解读\t实行政策文件与解读方案同步组织",
        "同步审签\t县政府办\t县级各部门\t2021年6月30日",
        "3\t(3)公开解读材料\t县司法局\t2021年9月底前",
        "4\t推进决策公开\t制定重大行政决策事项目录并公开\t县司法局\t县政府办\t2021年9月底前"])
    (table,) = txt(text).tables
    assert table.n_rows == 5
    assert [table.text(1, c) for c in range(6)] == [
        "1", "做好疫情防控信息公开", "及时发布疫情防控信息", "县卫健局\n县委宣传部\n县融媒体中心", "各乡镇",
        "2021年12月底前"]
    assert table.text(2, 2) == "实行政策文件与解读方案同步组织\n同步审签" and table.text(2, 3) == "县政府办"
    tasks = process(text.encode("utf-8"), "tasks.txt").tasks
    assert [(t.item_no, t.deadline) for t in tasks] == [
        ("1", "2021-12-31"), ("2", "2021-06-30"), ("3", "2021-09-30"), ("4", "2021-09-30")]
    assert [t.lead_units for t in tasks[:2]] == [["县卫健局", "县委宣传部", "县融媒体中心"], ["县政府办"]]
    assert table.text(3, 0) == "3" and table.text(3, 5) == "2021年9月底前"   # short, not joined


@pytest.mark.parametrize("wide", [False, True])   # lined up in characters (a PDF's layout text) or display width
def test_a_space_aligned_row_with_an_empty_cell_inside_keeps_its_cells_under_their_columns(wide):
    """Text printed in columns leaves an empty cell as blank room: the cells after it stay under their own
    columns, as where they start says (before: they moved left, the item into 工作任务 and the unit
    under 具体事项)."""
    from unicodedata import east_asian_width
    rows = [["序号", "重点任务", "具体事项", "牵头单位", "配合单位", "完成时限"],
            ["1", "做好疫情防控信息公开", "及时发布疫情防控信息", "县卫健局", "各乡镇", "2021年12月底前"],
            ["2", "", "加强疫苗接种政策解读", "县卫健局", "", "持续推进"],
            ["3", "深化政策解读", "实行政策文件与解读方案同步组织", "县政府办", "县级各部门", "2021年6月30日"],
            ["4", "推进决策公开", "制定重大行政决策事项目录并公开", "县司法局", "县政府办", "2021年9月底前"]]
    size = (lambda s: sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)) if wide else len
    widths = [max(size(row[c]) for row in rows) + 3 for c in range(6)]
    lines = ["".join(cell + " " * (widths[c] - size(cell)) for c, cell in enumerate(row)).rstrip() for row in rows]
    (table,) = txt("\n".join(["附件", *lines])).tables
    assert row_texts(table, 2) == ["2", "", "加强疫苗接种政策解读", "县卫健局", "", "持续推进"]
    assert row_texts(table, 4) == rows[4]


def test_a_header_line_cut_at_a_label_s_line_break_is_one_header_again():
    """A label typed over two lines in its cell (牵头⏎单位, 完成⏎时限) cuts the header line of Word's "save as
    text" too: its lines are one header again (before: the table had a two-cell header, the 序号 and the
    group were read as supporting units and no item number was found)."""
    from pipeline.run import process
    text = "\n".join([
        "序号\t重点任务\t具体事项\t牵头", "单位\t配合单位\t完成", "时限",
        "1\t做好疫情防控信息公开\t及时发布疫情防控信息\t县卫健局\t各乡镇\t2021年12月底前",
        "2\t深化政策解读\t实行政策文件与解读方案同步组织\t县政府办\t县级各部门\t2021年6月30日",
        "3\t推进决策公开\t制定重大行政决策事项目录并公开\t县司法局\t县政府办\t2021年9月底前"])
    (table,) = txt(text).tables
    assert row_texts(table, 0) == ["序号", "重点任务", "具体事项", "牵头\n单位", "配合单位", "完成\n时限"]
    tasks = process(text.encode("utf-8"), "tasks.txt").tasks
    assert [(t.item_no, t.group, t.lead_units, t.support_units) for t in tasks] == [
        ("1", "做好疫情防控信息公开", ["县卫健局"], ["各乡镇"]), ("2", "深化政策解读", ["县政府办"], ["县级各部门"]),
        ("3", "推进决策公开", ["县司法局"], ["县政府办"])]


def test_the_last_label_s_tail_on_a_line_of_its_own_joins_the_header():
    """Only the header's last label is cut (完成⏎时限): its tail joins it; a group's heading under a whole
    header stays a row."""
    text = "\n".join([
        "序号\t工作任务\t具体事项\t责任单位\t完成", "时限",
        "1\t推进决策公开\t制定重大行政决策事项目录\t县司法局\t2021年6月底前",
        "2\t推进执行公开\t公开重点工作落实情况\t县发改局\t2021年12月底前"])
    (table,) = txt(text).tables
    assert row_texts(table, 0)[-1] == "完成\n时限" and table.n_rows == 3
    grouped = text.replace("完成\n时限", "完成时限\n党建引领")
    (table,) = txt(grouped).tables
    assert row_texts(table, 0)[-1] == "完成时限" and table.text(1, 0) == "党建引领"


def test_a_big5_text_without_a_declared_charset_is_read_as_big5():
    """Big5 bytes are valid GBK too, so a traditional-character text saved in Big5 decoded as GB18030 without
    an error, into rare characters: no title, no table. It is read as Big5 when that reading holds far more
    common characters; GBK text, even in traditional characters, stays GB18030."""
    from pipeline.run import process
    text = "\n".join([
        "青神縣人民政府辦公室關於印發青神縣2021年政務公開工作要點的通知", "青府辦發〔2021〕12號",
        "各鄉鎮人民政府，縣級各部門：", "現將《青神縣2021年政務公開工作要點》印發給你們，請認真貫徹落實。",
        "青神縣人民政府辦公室", "2021年5月10日",
        "序號\t工作任務\t具體事項\t責任單位\t完成時限",
        "1\t推進決策公開\t制定重大行政決策事項目錄\t縣司法局\t2021年6月底前",
        "2\t推進執行公開\t公開重點工作落實情況\t縣發改局\t2021年12月底前"])
    assert decode_bytes(text.encode("big5")) == (text, "big5hkscs")
    assert decode_bytes(text.encode("gbk"))[1] == "gb18030"
    result = process(text.encode("big5"), "notice.txt")
    assert result.document.title == "青神县人民政府办公室关于印发青神县2021年政务公开工作要点的通知"
    assert [(t.item, t.lead_units) for t in result.tasks] == [
        ("制定重大行政决策事项目录", ["县司法局"]), ("公开重点工作落实情况", ["县发改局"])]


@pytest.mark.parametrize("mark", ["— 3 —", "-3-", "3", "第3页", "第 3 页 共 5 页", "续表", "续表一"])
def test_a_page_mark_between_tab_rows_is_no_row_and_the_group_runs_on(mark):
    """A page number or 续表 line between two parts of a tab table is no group heading row: the blank group
    cell under it still means the group above."""
    from pipeline.run import process
    header = "序号\t工作任务\t具体事项\t责任单位\t完成时限"
    row = "{0}\t{1}\t（{0}）推进第{0}项政务公开重点工作\t县政府办\t2021年{2}月底前".format
    text = "\n".join(["附件", "任务分工表", header, row(1, "推进决策公开", 6), row(2, "", 7), mark, row(3, "", 8),
                      row(4, "推进管理公开", 9)])
    tasks = process(text.encode("utf-8"), "tasks.txt").tasks
    assert [t.group for t in tasks] == ["推进决策公开"] * 3 + ["推进管理公开"]
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]


def test_a_stray_byte_in_gbk_text_costs_one_character_not_the_file():
    """A CMS that cuts a summary in the middle of a character leaves a lone lead byte: every strict decoding
    fails. The page was then decoded as UTF-8 with replacement characters and refused as binary data; it is
    read as GB18030 with one replacement character."""
    from extractors.html import HtmlExtractor
    page = ('<html><head><meta charset="gbk"><meta name="description" content="DESC"></head><body>'
            "<p>县人民政府办公室关于印发2021年政务公开工作要点的通知</p></body></html>").encode("gbk")
    page = page.replace(b"DESC", "关于印发".encode("gbk") + b"\xb9")
    text, codec = decode_bytes(page, "gbk")
    assert codec == "gb18030" and text.count("\ufffd") == 1
    raw = HtmlExtractor().extract(page)
    assert raw.paragraphs[0].text == "县人民政府办公室关于印发2021年政务公开工作要点的通知"
    lines = "工作要点\n序号\t工作任务\n".encode("gbk") + b"\xff" + "1\t推进决策公开\n".encode("gbk")
    assert "推进决策公开" in txt_bytes(lines)


def txt_bytes(data: bytes) -> str:
    return all_text(TextExtractor().extract(data))


def test_a_row_a_rowspan_left_short_is_not_glued_to_the_next_row():
    """A browser's copy leaves a row short (做好决策解读 | 县司法局, its time under a rowspan): the next row,
    which starts with an item, is a row of its own, not the rest of a cut unit cell."""
    from pipeline.run import process
    text = "\n".join([
        "工作任务\t具体事项\t责任单位\t完成时限",
        "推进决策公开\t做好重大决策预公开\t县政府办\t2021年6月底前",
        "做好决策解读\t县司法局",
        "做好决策后评估\t县发改委\t2021年12月底前",
        "推进执行公开\t加强政策执行公开\t县财政局\t2021年9月底前",
        "公开执行结果\t县审计局",
        "公开督查结果\t县督查室\t长期坚持"])
    tasks = process(text.encode("utf-8"), "tasks.txt").tasks
    assert len(tasks) == 6
    assert not any("县司法局做好" in (t.item or "") or "县司法局\n做好" in (t.item or "") for t in tasks)
    assert any(t.item == "做好决策后评估" and t.lead_units == ["县发改委"] and t.deadline == "2021-12-31"
               for t in tasks)


def test_a_heading_or_caption_over_a_tables_own_header_starts_a_new_table():
    """A line between two tab tables followed by a header line of its own (二、县直部门任务清单, 表2 …) heads
    the second table: no row of the first (before: the second table's tasks got it as their group)."""
    from pipeline.run import process
    header = "序号\t工作任务\t具体事项\t责任单位\t完成时限"
    first = [header, "1\t推进决策公开\t做好重大决策预公开工作\t县政府办\t2021年6月底前",
             "2\t推进执行公开\t加强政策执行情况公开\t县发改委\t2021年12月底前"]
    second = [header, "1\t深化重点领域公开\t做好财政预决算公开\t县财政局\t2021年9月底前",
              "2\t加强政策解读\t做好政策解读工作\t县政府办\t持续推进"]
    for between in ("二、县直部门任务清单", "表2 县直部门2021年重点任务"):
        tasks = process("\n".join(first + [between] + second).encode("utf-8"), "tasks.txt").tasks
        assert [t.group for t in tasks] == ["推进决策公开", "推进执行公开", "深化重点领域公开", "加强政策解读"], between
        assert len(txt("\n".join(first + [between] + second)).tables) == 2
