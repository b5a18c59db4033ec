"""Task tables whose columns say more than one role each: a time given as 开始时间 | 完成时间, a second 序号
column for the items, and a 配合单位 column that many rows leave blank (read from real files)."""
from __future__ import annotations

from pipeline.run import process
from tests._office_files import workbook_bytes


def _tasks(data: bytes, name: str):
    return process(data, name).tasks


def test_a_time_in_two_columns_is_one_span_ending_at_the_completion():
    rows = [["序号", "工作内容", "责任单位", "时间安排", None],
            [None, None, None, "开始时间", "完成时间"],
            ["1", "制定年度政务公开工作方案", "县政府办", "2021年3月1日", "2021年4月30日"],
            ["2", "开展政务公开专题培训", "县政府办", "2021年5月1日", ""],
            ["3", "组织开展第三方评估", "县政府办", "", "2021年12月31日"]]
    data = workbook_bytes({"Sheet1": rows}, {"Sheet1": ["A1:A2", "B1:B2", "C1:C2", "D1:E1"]})
    tasks = _tasks(data, "schedule.xlsx")
    assert [(t.deadline_text, t.deadline, t.deadline_start, t.deadline_kind) for t in tasks] == [
        ("2021年4月30日", "2021-04-30", "2021-03-01", "date"),
        (None, None, None, "none"),          # a start alone names no deadline
        ("2021年12月31日", "2021-12-31", None, "date")]


def test_a_start_beside_an_ongoing_or_referring_end_is_no_deadline():
    rows = [["序号", "工作内容", "责任单位", "开始时间", "完成时间"],
            ["1", "制定年度政务公开工作方案", "县政府办", "2021年3月", "长期坚持"],
            ["2", "开展政务公开专题培训", "县政府办", "2021年1月", "2021年6月底前"],
            ["3", "组织开展第三方评估", "县政府办", "2021年1月", "同上"]]
    tasks = _tasks(workbook_bytes({"Sheet1": rows}), "schedule.xlsx")
    assert [(t.deadline, t.deadline_start, t.deadline_kind) for t in tasks] == [
        (None, None, "ongoing"), ("2021-06-30", "2021-01-01", "date"), ("2021-06-30", "2021-01-01", "date")]


def test_a_second_number_column_numbers_the_items():
    rows = [["序号", "工作任务", "序号", "具体任务", "牵头单位", "完成时限"],
            ["1", "优化营商环境信息公开", "1", "公开涉企优惠政策", "县发改局", "2022年6月底前"],
            [None, None, "2", "公开行政许可事项清单", "县行政审批局", "2022年9月底前"],
            ["2", "加强政策解读", "3", "落实政策解读“三同步”", "县政府办", "长期坚持"]]
    data = workbook_bytes({"Sheet1": rows}, {"Sheet1": ["A2:A3", "B2:B3"]})
    tasks = _tasks(data, "two-numbers.xlsx")
    assert [(t.group_no, t.group, t.item_no) for t in tasks] == [
        ("1", "优化营商环境信息公开", "1"), ("1", "优化营商环境信息公开", "2"), ("2", "加强政策解读", "3")]


def test_a_blank_supporting_unit_in_a_text_table_names_none():
    lines = ["序号\t重点任务\t工作要求\t牵头单位\t配合单位\t时间节点"]
    for k in range(1, 9):
        support = "县财政局" if k % 2 else ""   # half the tasks have no supporting unit
        lines.append(f"{k}\t任务组{k}\t推进第{k}项重点信息公开\t县政府办公室\t{support}\t2022年12月底前")
    tasks = _tasks(("\n".join(lines) + "\n").encode("utf-8"), "tasks.txt")
    assert len(tasks) == 8
    assert [t.support_units for t in tasks] == [["县财政局"] if k % 2 else [] for k in range(1, 9)]


# --------------------------------------------------------------------------
# Word tables: a continued part, a heading row over a group column, a caption over a continued table
# --------------------------------------------------------------------------

def _docx(parts: list, tmp_path) -> bytes:
    """A .docx of paragraphs (str) and tables (list of rows; a cell None continues the cell above it)."""
    import docx
    document = docx.Document()
    for part in parts:
        if isinstance(part, str):
            document.add_paragraph(part)
            continue
        table = document.add_table(rows=len(part), cols=len(part[0]))
        for r, row in enumerate(part):
            for c, text in enumerate(row):
                if text is None:
                    table.cell(r - 1, c).merge(table.cell(r, c))
                else:
                    table.cell(r, c).text = text
    path = tmp_path / "notice.docx"
    document.save(path)
    return path.read_bytes()


HEADER = ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]


def test_a_continued_part_opening_with_a_row_of_the_group_above_joins_its_table(tmp_path):
    first = [HEADER, ["1", "组织实施", "成立工作专班", "市政府办", "2021年6月底前"],
             ["2", "梳理事项", "梳理规范基层政府权责清单", "市委编办", "2021年6月底前"]]
    # the second part opens with a row of group 2 (its group cells blank): unit and 事项 words, but a date
    second = [["", "", "梳理规范重点领域公开事项", "市直有关部门", "2021年7月底前"],
              ["3", "编制目录", "编制本级政务公开事项标准目录", "各镇人民政府", "2021年9月底前"]]
    result = process(_docx(["附件", first, "", second], tmp_path), "split.docx")
    assert result.domains == []
    assert [(t.table, t.group_no, t.group, t.item) for t in result.tasks] == [
        (0, "1", "组织实施", "成立工作专班"), (0, "2", "梳理事项", "梳理规范基层政府权责清单"),
        (0, "2", "梳理事项", "梳理规范重点领域公开事项"), (0, "3", "编制目录", "编制本级政务公开事项标准目录")]


def test_a_heading_row_over_a_group_column_is_the_group_and_the_column_the_subgroup(tmp_path):
    rows = [HEADER,
            ["一、聚焦优化营商环境"] * 5,
            ["1", "助企纾困政策公开", "集中公开减税降费政策", "县税务局", "2022年6月底前"],
            [None, None, "开展惠企政策精准推送", "县发改局", "2022年9月底前"],
            ["二、聚焦保障改善民生"] * 5,
            ["2", "教育信息公开", "公开义务教育招生范围", "县教育局", "2022年7月底前"]]
    data = _docx(["某县2022年政务公开重点任务分解表", rows], tmp_path)
    import docx
    document = docx.Document(__import__("io").BytesIO(data))
    table = document.tables[0]
    for r in (1, 4):   # the heading rows: one cell across the table
        table.cell(r, 0).merge(table.cell(r, 4)).text = rows[r][0]
    out = tmp_path / "headed.docx"
    document.save(out)
    tasks = process(out.read_bytes(), "headed.docx").tasks
    assert [(t.group_no, t.group, t.subgroup, t.item) for t in tasks] == [
        ("一", "聚焦优化营商环境", "助企纾困政策公开", "集中公开减税降费政策"),
        ("一", "聚焦优化营商环境", "助企纾困政策公开", "开展惠企政策精准推送"),
        ("二", "聚焦保障改善民生", "教育信息公开", "公开义务教育招生范围")]


def test_a_table_continued_under_its_header_after_a_caption_row_joins(tmp_path):
    caption = ["武功县2021年政务公开重点任务分工表"] * 5
    first = [caption, HEADER, ["1", "政策解读", "重要政策文件同步发布解读材料", "县政府办", "2021年6月底前"]]
    second = [HEADER, ["", "", "开展政策解读进基层活动", "县委宣传部", "2021年9月底前"]]
    data = _docx([first, "续表", second], tmp_path)
    import docx
    document = docx.Document(__import__("io").BytesIO(data))
    document.tables[0].cell(0, 0).merge(document.tables[0].cell(0, 4)).text = caption[0]
    out = tmp_path / "continued.docx"
    document.save(out)
    tasks = process(out.read_bytes(), "continued.docx").tasks
    assert [(t.table, t.row, t.group_no, t.group) for t in tasks] == [(0, 0, "1", "政策解读"), (0, 1, "1", "政策解读")]


def test_a_numbered_heading_above_a_sheets_header_groups_its_rows():
    sheets = {"一": [["一、推进决策公开", None, None, None], ["序号", "具体事项", "责任单位", "完成时限"],
                    ["1", "编制年度重大行政决策事项目录", "县司法局", "2022年3月底前"],
                    ["2", "重大决策草案公开征求意见", "县直各部门", "长期坚持"]],
              "二": [["二、推进执行公开", None, None, None], ["序号", "具体事项", "责任单位", "完成时限"],
                    ["1", "公开重点改革任务执行情况", "县发改局", "2022年12月底前"]]}
    data = workbook_bytes(sheets, {"一": ["A1:D1"], "二": ["A1:D1"]})
    tasks = _tasks(data, "groups.xlsx")
    assert [(t.group_no, t.group, t.item_no) for t in tasks] == [
        ("一", "推进决策公开", "1"), ("一", "推进决策公开", "2"), ("二", "推进执行公开", "1")]
