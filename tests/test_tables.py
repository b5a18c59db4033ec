"""Table stage on tables of our own making: other wordings, orders, shapes than the samples."""
from datetime import date

from pipeline.model import Paragraph, Table, build_grid
from pipeline.tables import layout_of, logical_tables
from pipeline.tasks import TaskContext, task_records


def grid(rows, spans=None):
    """A Table from rows of text; spans maps (r, c) -> (rowspan, colspan) for origin cells."""
    spans = spans or {}
    covered = set()
    for (r, c), (rs, cs) in spans.items():
        covered |= {(r + i, c + j) for i in range(rs) for j in range(cs)} - {(r, c)}
    laid = []
    for r, row in enumerate(rows):
        laid.append([(text, *spans.get((r, c), (1, 1))) for c, text in enumerate(row) if (r, c) not in covered])
    return Table(build_grid(laid))


def tasks_of(table, issue=None):
    layout = layout_of(table)
    assert layout.kind == "task", layout
    return task_records(table, layout, 0, TaskContext("d", issue))


def test_other_header_wordings():
    t = grid([["序号", "主要任务", "工作要求", "牵头单位", "配合单位", "时间节点"],
              ["1", "一、健全制度", "1.制定公开清单", "县政府办公室", "县司法局、县财政局", "2021年3月底前"],
              ["", "", "2.公开清单", "县政府办公室", "县数据局", "2021年6月"]],
             spans={(1, 0): (2, 1), (1, 1): (2, 1)})
    rows = tasks_of(t)
    assert [r.item for r in rows] == ["制定公开清单", "公开清单"]
    assert [r.item_no for r in rows] == ["1", "2"]
    assert all(r.group == "健全制度" and r.group_no == "1" for r in rows)
    assert rows[0].lead_units == ["县政府办公室"]
    assert rows[0].support_units == ["县司法局", "县财政局"]
    assert rows[1].deadline == "2021-06-30"


def test_columns_in_another_order():
    t = grid([["完成时限", "责任单位", "具体任务", "工作任务", "序号"],
              ["2020年底前", "区民政局", "(1)建立台账", "台账管理", "1"],
              ["2021年6月底前", "区财政局", "(2)更新台账", "", ""]])
    rows = tasks_of(t)
    assert [(r.group_no, r.group, r.item_no, r.item) for r in rows] == [
        ("1", "台账管理", "1", "建立台账"), ("1", "台账管理", "2", "更新台账")]
    assert [r.lead_units for r in rows] == [["区民政局"], ["区财政局"]]
    assert [r.deadline for r in rows] == ["2020-12-31", "2021-06-30"]


def test_table_without_seq_column():
    t = grid([["工作任务", "具体事项", "责任单位", "完成时间"],
              ["公开平台", "(1)优化网站", "县信息中心", "2020年12月"],
              ["", "(2)设立专区", "县政务服务中心", "2021年4月底前"]])
    rows = tasks_of(t)
    assert [r.group for r in rows] == ["公开平台", "公开平台"]
    assert all(r.group_no is None for r in rows)
    assert rows[1].item == "设立专区" and rows[1].deadline == "2021-04-30"


def test_table_split_over_three_pages_is_joined_and_headers_dropped():
    header = ["序号", "工作任务", "具体事项", "主体责任单位", "完成时间"]
    parts = [
        grid([header, ["1", "梳理事项", "(1)梳理清单", "各乡镇", "2020年8月底前"]]),
        grid([header, ["", "", "(2)公开清单", "各乡镇", "2020年9月底前"]]),
        grid([header, ["2", "编制目录", "(3)编制目录", "县直各部门", "2020年10月底前"]]),
    ]
    blocks = [Paragraph("附件1"), parts[0], Paragraph("— 1 —"), parts[1], Paragraph("- 2 -"), parts[2],
              Paragraph("附件2"), grid([["甲", "乙"], ["1", "2"]])]
    tables = logical_tables(blocks)
    assert len(tables) == 2
    assert tables[0].n_rows == 6
    rows = tasks_of(tables[0])
    assert [(r.group_no, r.group, r.item_no) for r in rows] == [
        ("1", "梳理事项", "1"), ("1", "梳理事项", "2"), ("2", "编制目录", "3")]


def test_tables_separated_by_text_are_not_joined():
    header = ["序号", "工作任务", "具体事项", "责任单位", "完成时间"]
    blocks = [grid([header, ["1", "甲", "(1)乙", "县教育局", "2020年"]]), Paragraph("附件2 任务清单"),
              grid([header, ["1", "丙", "(1)丁", "县公安局", "2021年"]])]
    assert len(logical_tables(blocks)) == 2


def test_seq_numbering_every_row_gives_item_no():
    t = grid([["序号", "工作任务", "责任单位", "完成时限"],
              ["1", "建立政务公开领导组", "县政府办公室", "2020年7月"],
              ["2", "出台实施方案", "县政府办公室", "2020年8月"]])
    rows = tasks_of(t)
    assert [(r.item_no, r.item, r.group_no, r.group) for r in rows] == [
        ("1", "建立政务公开领导组", None, None), ("2", "出台实施方案", None, None)]


def test_header_spanning_number_and_text_columns():
    t = grid([["序号", "工作任务", "具体要求", "", "责任单位", "完成时限"],
              ["1", "公开平台", "1", "优化信息检索功能", "县数据局", "2021年"],
              ["", "", "2", "整合办事入口", "县数据局", "2021年"]],
             spans={(0, 2): (1, 2), (1, 0): (2, 1), (1, 1): (2, 1)})
    rows = tasks_of(t)
    assert [(r.item_no, r.item) for r in rows] == [("1", "优化信息检索功能"), ("2", "整合办事入口")]
    assert all(r.group == "公开平台" for r in rows)


def test_lead_and_responsible_columns_split_roles():
    t = grid([["序号", "工作任务", "具体事项", "牵头单位", "责任单位", "完成时间"],
              ["1", "目录", "(1)编制目录", "县政府办公室", "县直各部门、各乡镇", "2020年10月"]])
    row = tasks_of(t)[0]
    assert row.lead_units == ["县政府办公室"]
    assert row.support_units == ["县直各部门", "各乡镇"]


def test_progress_and_remarks_columns_are_not_deadlines():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "当前进度", "备注"],
              ["1", "目录", "(1)编制目录", "县政府办公室", "2020年10月已完成", "无"]])
    row = tasks_of(t)[0]
    assert row.deadline is None and row.deadline_kind == "none"


def test_full_width_heading_row_sets_the_group():
    t = grid([["序号", "具体任务", "责任单位", "完成时限"],
              ["一、组织保障", "", "", ""],
              ["1", "成立领导小组", "县政府办公室", "2020年8月"],
              ["二、公开平台", "", "", ""],
              ["2", "建设专栏", "县数据局", "长期坚持"]],
             spans={(1, 0): (1, 4), (3, 0): (1, 4)})
    rows = tasks_of(t)
    assert [(r.item_no, r.item, r.group) for r in rows] == [
        ("1", "成立领导小组", "组织保障"), ("2", "建设专栏", "公开平台")]
    assert rows[1].deadline_kind == "ongoing"


def test_cross_references_resolve_to_that_rows_units():
    t = grid([["序号", "工作任务", "具体任务", "主体责任单位", "主管单位", "完成时间"],
              ["1", "梳理", "（1）梳理清单", "各乡镇", "县发改局、县教育局", "2020年7月下旬"],
              ["", "", "（2）公开清单", "各乡镇", "县政府办公室 同（1）", "2020年8月"],
              ["", "", "（3）更新清单", "同上", "县政府办公室", "2020年9月"]],
             spans={(1, 0): (3, 1), (1, 1): (3, 1)})
    rows = tasks_of(t)
    assert rows[1].guide_units == ["县政府办公室", "县发改局", "县教育局"]
    assert rows[2].lead_units == ["各乡镇"]


def test_headerless_table_recognised_from_content():
    t = grid([["组织实施", "领导机制", "1.成立领导小组并明确职责分工", "县政府办公室、县司法局"],
              ["", "", "2.制定年度工作要点并印发", "县政府办公室"],
              ["公开平台", "网站专栏", "3.开设基层政务公开专栏", "县数字经济发展中心"]],
             spans={(0, 0): (2, 1), (0, 1): (2, 1)})
    rows = tasks_of(t)
    assert [(r.group, r.subgroup, r.item_no) for r in rows] == [
        ("组织实施", "领导机制", "1"), ("组织实施", "领导机制", "2"), ("公开平台", "网站专栏", "3")]
    assert rows[0].lead_units == ["县政府办公室", "县司法局"]
    assert all(r.deadline_kind == "none" for r in rows)


def test_deadline_flags_use_the_issue_date():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时间"],
              ["1", "甲", "(1)乙", "县教育局", "2020年6月底前"],
              ["", "", "(2)丙", "县教育局", "9月底前"]])
    rows = tasks_of(t, issue=date(2020, 8, 14))
    assert "deadline_before_issue" in rows[0].flags
    assert rows[1].deadline == "2020-09-30" and "year_inferred" in rows[1].flags


def test_group_label_split_over_rows_of_a_text_table():
    # pdfplumber-style text: a merged cell's lines land on the rows they face
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时间"],
              ["", "梳理", "(1)甲", "县政府", "2020年"],
              ["1", "", "(2)乙", "县政府", "2020年"],
              ["", "事项", "(3)丙", "县政府", "2020年"],
              ["2", "编制", "(4)丁", "县政府", "2020年"],
              ["", "", "(5)戊", "县政府", "2020年"],
              ["_", "落实其他", "(6)己", "县政府", "2020年"],
              ["3", "领域", "(7)庚", "县政府", "2020年"]])
    t.spans_known = False
    rows = tasks_of(t)
    assert [(r.group_no, r.group) for r in rows] == [
        ("1", "梳理事项")] * 3 + [("2", "编制")] * 2 + [("3", "落实其他领域")] * 2


def test_people_and_standards_columns_are_not_units_or_items():
    t = grid([["序号", "重点任务", "具体措施", "牵头领导", "牵头单位", "完成标准", "完成时限"],
              ["1", "平台建设", "(1)建设专栏", "张三", "县数据局", "专栏上线", "2021年"]])
    layout = layout_of(t)
    assert layout.roles[3] == "other" and layout.roles[5] == "other"
    row = tasks_of(t)[0]
    assert row.lead_units == ["县数据局"] and row.item == "建设专栏" and row.group == "平台建设"


def test_short_data_rows_are_not_taken_for_headers():
    t = grid([["序号", "工作任务", "责任单位", "完成时限"],
              ["1", "做好政策解读", "县政府办", "2021年6月"],
              ["2", "规范政务公开工作", "县直各部门", "长期坚持"],
              ["3", "深化重点领域信息公开", "各有关单位", "2021年底前"]])
    rows = tasks_of(t)
    assert [r.item_no for r in rows] == ["1", "2", "3"]


def test_caption_row_above_the_header():
    t = grid([["2021年政务公开工作任务分解表", "", "", "", ""],
              ["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
              ["1", "加强政策解读", "(1)做好解读", "县政府办", "2021年6月"]],
             spans={(0, 0): (1, 5)})
    row = tasks_of(t)[0]
    assert (row.group_no, row.group, row.item_no, row.item) == ("1", "加强政策解读", "1", "做好解读")


def test_three_caption_rows_above_the_header():
    t = grid([["附件2", "", "", "", ""], ["某县2023年政务公开工作要点", "", "", "", ""], ["重点任务分工方案", "", "", "", ""],
              ["序号", "重点任务", "具体措施", "牵头单位", "完成时限"],
              ["1", "推进决策公开", "完善重大行政决策预公开制度", "县司法局", "2023年6月底前"]],
             spans={(0, 0): (1, 5), (1, 0): (1, 5), (2, 0): (1, 5)})
    row = tasks_of(t)[0]
    assert (row.group, row.item_no, row.item, row.lead_units) == ("推进决策公开", "1", "完善重大行政决策预公开制度", ["县司法局"])


def test_a_forms_filled_in_lines_above_the_header_are_no_task():
    # a 台账 as it is filled in: caption, then 填报单位 and 填报时间, then the header
    t = grid([["2023年政务公开工作任务台账", "", "", "", "", ""],
              ["填报单位(盖章):县政府办公室", "", "", "", "填报时间:2023年3月20日", ""],
              ["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限"],
              ["1", "推进决策公开", "完善重大行政决策预公开制度", "县司法局", "县直各有关单位", "2023年6月底前"],
              ["2", "加强政策解读", "创新政策解读方式", "县委宣传部", "县融媒体中心", "长期坚持"]],
             spans={(0, 0): (1, 6), (1, 0): (1, 4), (1, 4): (1, 2)})
    rows = tasks_of(t)
    assert [(r.group, r.item_no, r.item) for r in rows] == [("推进决策公开", "1", "完善重大行政决策预公开制度"),
                                                             ("加强政策解读", "2", "创新政策解读方式")]
    assert [(r.lead_units, r.support_units) for r in rows] == [(["县司法局"], ["县直各有关单位"]),
                                                               (["县委宣传部"], ["县融媒体中心"])]


def test_a_spanning_header_over_its_number_and_text_labelled_below():
    # 具体事项 over 编号 | 内容: the numbers are the items', 序号 numbers the merged groups
    t = grid([["序号", "工作任务", "具体事项", "", "责任单位", "完成时限"],
              ["", "", "编号", "内容", "", ""],
              ["1", "推进决策公开", "1.", "完善重大行政决策预公开制度", "县司法局", "2021年6月底前"],
              ["", "", "2.", "做好政策解读工作", "县直各部门", "持续推进"],
              ["2", "加强政策解读", "3.", "建立舆情回应机制", "县委网信办", "2021年9月底前"]],
             spans={(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 2), (0, 4): (2, 1), (0, 5): (2, 1),
                    (2, 0): (2, 1), (2, 1): (2, 1)})
    rows = tasks_of(t)
    assert [(r.group_no, r.group, r.item_no, r.item) for r in rows] == [
        ("1", "推进决策公开", "1", "完善重大行政决策预公开制度"), ("1", "推进决策公开", "2", "做好政策解读工作"),
        ("2", "加强政策解读", "3", "建立舆情回应机制")]


def test_a_schedule_of_quarters_ticked_under_a_spanning_header():
    # the quarter labels are the header's lower row, not a task; each row's deadline is the periods it ticks
    t = grid([["序号", "工作任务", "责任单位", "进度安排", "", "", ""],
              ["", "", "", "第一季度", "第二季度", "第三季度", "第四季度"],
              ["1", "编制政务公开事项标准目录", "县政府办公室", "√", "√", "", ""],
              ["2", "开展政府网站季度检查", "县政务服务中心", "√", "√", "√", "√"],
              ["3", "完成年度报告", "县政府办公室", "", "", "", ""]],
             spans={(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (2, 1), (0, 3): (1, 4)})
    rows = tasks_of(t, date(2023, 3, 1))
    assert [(r.group_no, r.item_no, r.item) for r in rows] == [
        (None, "1", "编制政务公开事项标准目录"), (None, "2", "开展政府网站季度检查"), (None, "3", "完成年度报告")]
    assert [(r.deadline_text, r.deadline, r.deadline_kind) for r in rows] == [
        ("第一季度、第二季度", "2023-06-30", "date"), ("第一季度、第二季度、第三季度、第四季度", "2023-12-31", "date"),
        (None, None, "none")]


def test_a_caption_above_a_headerless_table_is_neither_a_task_nor_a_group():
    caption = "2020年政务公开重点工作任务分工表"
    merged = grid([[caption, "", "", ""],
                   ["1", "制定重大行政决策事项目录并向社会公开", "县政府办", "2020年8月底前"],
                   ["2", "开展重大决策预公开征求意见", "各乡镇政府", "2020年9月底前"]], spans={(0, 0): (1, 4)})
    alone = grid([[caption, "", "", ""], *[[t.text(r, c) for c in range(4)] for t in [merged] for r in (1, 2)]])
    for table in (merged, alone):   # merged across the table, or alone in its first cell (a sheet's A1)
        rows = tasks_of(table)
        assert [(r.group, r.item_no, r.item, r.lead_units) for r in rows] == [
            (None, "1", "制定重大行政决策事项目录并向社会公开", ["县政府办"]), (None, "2", "开展重大决策预公开征求意见", ["各乡镇政府"])]
    # a numbered group heading across the top is no caption: its rows stay rows of the table
    heading = grid([["一、推进决策公开", "", "", ""], *[[merged.text(r, c) for c in range(4)] for r in (1, 2)]],
                   spans={(0, 0): (1, 4)})
    assert layout_of(heading).header_rows == 0
    # unnumbered group headings across the table: the first is no caption either, nor a first task
    groups = grid([["推进决策公开", "", "", ""], ["1", "制定重大行政决策事项目录并向社会公开", "县政府办", "2020年8月底前"],
                   ["推进执行公开", "", "", ""], ["2", "公开重点项目建设进展情况", "县发改委", "2020年12月底前"]],
                  spans={(0, 0): (1, 4), (2, 0): (1, 4)})
    assert layout_of(groups).header_rows == 0
    first_task = grid([["建立健全政务公开工作领导机制", "", "", ""], *[[merged.text(r, c) for c in range(4)] for r in (1, 2)]])
    assert layout_of(first_task).header_rows == 0
    # a note or a form line across the bottom, or a caption naming 任务, leave the caption a caption
    body = [["1", "制定重大行政决策事项目录并向社会公开", "县政府办", "2020年8月底前"],
            ["2", "开展重大决策预公开征求意见", "各乡镇政府", "2020年9月底前"],
            ["3", "公开重点项目建设进展情况", "县发改委", "2020年12月底前"],
            ["4", "做好政策解读和回应关切工作", "县直各部门", "长期坚持"]]
    for last, top in (("注：完成情况于年底报送。", caption), ("填报单位：县政府办公室", caption), ("", "东至县2020年政务公开重点工作任务")):
        rows, spans = [[top, "", "", ""], *body], {(0, 0): (1, 4)}
        if last:
            rows.append([last, "", "", ""])
            spans[(5, 0)] = (1, 4)
        got = [(r.group, r.item_no) for r in tasks_of(grid(rows, spans=spans))]
        assert got == [(None, "1"), (None, "2"), (None, "3"), (None, "4")], (last, top)


def test_deadlines_written_as_references_or_repeated_in_a_merged_cell():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
              ["1", "推进决策公开", "(1)制定重大行政决策事项目录", "县政府办\n县政府办", "2020年8月底前\n2020年8月底前"],
              ["", "", "(2)开展决策预公开", "", ""],
              ["2", "加强政策解读", "(3)做好政策解读", "县政府办", "同上"],
              ["", "", "(4)回应社会关切", "县委网信办", "同（1）"],
              ["", "", "(5)开展培训", "县政府办", "同上"]],
             spans={(1, 0): (2, 1), (1, 1): (2, 1), (1, 3): (2, 1), (1, 4): (2, 1), (3, 0): (3, 1), (3, 1): (3, 1)})
    rows = tasks_of(t, date(2020, 5, 1))
    assert not any("garbled_text" in r.flags for r in rows)
    assert [(r.deadline_text, r.deadline, r.deadline_kind) for r in rows] == [
        ("2020年8月底前", "2020-08-31", "date"), ("2020年8月底前", "2020-08-31", "date"),
        ("同上", "2020-08-31", "date"), ("同(1)", "2020-08-31", "date"), ("同上", "2020-08-31", "date")]


def test_group_rows_written_unmerged_under_chinese_numbers():
    t = grid([["序号", "具体事项", "责任单位", "完成时限"], ["一", "推进决策公开", "", ""],
              ["1", "制定重大行政决策事项目录", "县政府办", "2020年8月底前"],
              ["二", "推进执行公开", "", ""], ["2", "公开重点项目进展情况", "县发改委", "长期坚持"]])
    assert [(r.group_no, r.group, r.item_no, r.item) for r in tasks_of(t)] == [
        ("一", "推进决策公开", "1", "制定重大行政决策事项目录"), ("二", "推进执行公开", "2", "公开重点项目进展情况")]


def test_tasks_numbered_in_chinese_stay_tasks_when_one_has_no_units():
    # 一 二 三 number the tasks themselves: a task with blank unit and deadline cells is no group row
    t = grid([["序号", "具体事项", "责任单位", "完成时限"], ["一", "制定重大行政决策事项目录", "县政府办", "2020年8月底前"],
              ["二", "建立政务公开工作考核评估机制", "", ""], ["三", "公开重点项目建设进展情况", "县发改委", "2020年12月底前"]])
    assert [(r.group, r.item_no) for r in tasks_of(t)] == [(None, "一"), (None, "二"), (None, "三")]
    # tasks numbered 1.1 / 1.2, or not at all, under 一 / 二 group rows: those rows are groups
    for numbers in (("1.1", "1.2", "2.1"), ("", "", "")):
        t = grid([["序号", "具体事项", "责任单位", "完成时限"], ["一", "推进决策公开", "", ""],
                  [numbers[0], "制定重大行政决策事项目录", "县政府办", "2020年8月底前"],
                  [numbers[1], "开展决策预公开", "县司法局", "2020年9月底前"], ["二", "推进执行公开", "", ""],
                  [numbers[2], "公开重点项目进展情况", "县发改委", "长期坚持"]])
        assert [r.group for r in tasks_of(t)] == ["推进决策公开", "推进决策公开", "推进执行公开"], numbers


def test_two_levels_of_group_rows_give_group_and_subgroup():
    t = grid([["序号", "具体事项", "责任单位", "完成时限"], ["一、推进决策公开", "", "", ""], ["（一）完善决策机制", "", "", ""],
              ["1", "制定重大行政决策事项目录", "县政府办", "2020年8月底前"], ["（二）加强解读回应", "", "", ""],
              ["2", "做好重要政策文件解读工作", "各乡镇政府", "2020年9月底前"], ["二、推进执行公开", "", "", ""],
              ["3", "公开重点项目进展情况", "县发改委", "长期坚持"]],
             spans={(r, 0): (1, 4) for r in (1, 2, 4, 6)})
    assert [(r.group_no, r.group, r.subgroup, r.item_no) for r in tasks_of(t)] == [
        ("一", "推进决策公开", "完善决策机制", "1"), ("一", "推进决策公开", "加强解读回应", "2"),
        ("二", "推进执行公开", None, "3")]
    # under an unnumbered heading (重点工作任务) the (一) headings are the groups themselves
    t = grid([["序号", "具体事项", "责任单位", "完成时限"], ["重点工作任务", "", "", ""], ["（一）推进决策公开", "", "", ""],
              ["1", "制定重大行政决策事项目录", "县政府办", "2020年8月底前"], ["（二）推进执行公开", "", "", ""],
              ["2", "公开重点项目进展情况", "县发改委", "长期坚持"]], spans={(r, 0): (1, 4) for r in (1, 2, 4)})
    assert [(r.group_no, r.group, r.subgroup) for r in tasks_of(t)] == [
        ("一", "推进决策公开", None), ("二", "推进执行公开", None)]


def test_a_merged_item_column_beside_one_that_is_not_groups_the_items():
    # 主要内容 and 具体任务 both name the item; merged over rows, 主要内容 groups the tasks of 具体任务
    t = grid([["序号", "工作任务", "主要内容", "具体任务", "牵头单位", "完成时间"],
              ["1", "推进决策公开", "（一）完善决策机制", "1.制定重大行政决策事项目录", "县政府办", "2020年8月底前"],
              ["", "", "", "2.开展决策预公开", "各乡镇政府", "2020年9月底前"],
              ["", "", "(二)加强解读回应", "3.做好政策解读", "县直各单位", "长期坚持"]],
             spans={(1, 0): (3, 1), (1, 1): (3, 1), (1, 2): (2, 1)})
    assert [(r.group, r.subgroup, r.item_no, r.item) for r in tasks_of(t)] == [
        ("推进决策公开", "完善决策机制", "1", "制定重大行政决策事项目录"), ("推进决策公开", "完善决策机制", "2", "开展决策预公开"),
        ("推进决策公开", "加强解读回应", "3", "做好政策解读")]
    # one 具体事项 merged over the two requirement rows of a tall task is still the item column
    t = grid([["序号", "具体事项", "工作要求", "责任单位", "完成时限"],
              ["1", "制定重大行政决策事项目录", "年初公布目录并动态调整", "县政府办", "2020年3月底前"],
              ["2", "推进重点项目信息公开", "公开批准和实施信息", "县发改委", "2020年6月底前"],
              ["", "", "公开招投标和施工信息", "县住建局", "2020年9月底前"],
              ["3", "做好政策解读", "解读材料与文件同步公开", "县直各部门", "长期坚持"]],
             spans={(2, 0): (2, 1), (2, 1): (2, 1)})
    assert [r.item for r in tasks_of(t)][:2] == ["制定重大行政决策事项目录", "推进重点项目信息公开"]
    # 主要内容 merged over 2, 1, 2 … rows (most rows in merged cells) groups the 具体任务
    sizes, names = (2, 1, 2, 1, 2, 1), ("推进决策公开", "推进执行公开", "推进管理公开", "推进服务公开", "推进结果公开", "加强政策解读")
    rows, spans, r = [["序号", "主要内容", "具体任务", "责任单位", "完成时限"]], {}, 1
    for g, size in enumerate(sizes):
        for k in range(size):
            rows.append([str(r), names[g] if k == 0 else "", f"落实第{r}项具体工作任务要求", "县政府办", "2020年底前"])
            r += 1
        if size > 1:
            spans[(r - size, 1)] = (size, 1)
    got = tasks_of(grid(rows, spans=spans))
    assert [(x.group, x.item) for x in got][:3] == [("推进决策公开", "落实第1项具体工作任务要求"),
                                                   ("推进决策公开", "落实第2项具体工作任务要求"), ("推进执行公开", "落实第3项具体工作任务要求")]


def test_numbered_heading_rows_group_the_tasks_below():
    t = grid([["序号", "工作任务", "责任单位", "完成时限"],
              ["一", "加强政策解读", "", ""],
              ["1", "做好政策解读工作", "县政府办", "2021年6月"],
              ["二", "规范依申请公开", "", ""],
              ["2", "修订办理流程", "县司法局", "2021年9月"]],
             spans={(1, 1): (1, 3), (3, 1): (1, 3)})
    rows = tasks_of(t)
    assert [(r.group_no, r.group, r.item_no, r.item) for r in rows] == [
        ("一", "加强政策解读", "1", "做好政策解读工作"), ("二", "规范依申请公开", "2", "修订办理流程")]


def test_two_grouping_columns_without_an_item_column():
    t = grid([["序号", "重点工作", "工作任务", "责任单位", "完成时限"],
              ["1", "加强政策解读", "做好解读", "县政府办", "2021年6月"],
              ["2", "", "开展培训", "县政府办", "2021年9月"]],
             spans={(1, 1): (2, 1)})
    rows = tasks_of(t)
    assert [(r.group, r.item) for r in rows] == [("加强政策解读", "做好解读"), ("加强政策解读", "开展培训")]


def test_long_bracketed_header_and_other_deadline_wordings():
    t = grid([["序号", "工作任务", "责任单位（排在第一位的为牵头单位）", "责任人", "进度要求"],
              ["1", "做好解读", "县政府办、县司法局", "张三", "2021年6月底前"]])
    row = tasks_of(t)[0]
    assert row.lead_units == ["县政府办", "县司法局"]
    assert row.deadline == "2021-06-30"


def test_unrecognised_deadline_header_found_from_its_dates():
    t = grid([["序号", "工作任务", "责任单位", "推进安排表"],
              ["1", "做好解读", "县政府办", "2021年6月底前"],
              ["2", "开展培训", "县司法局", "长期坚持"]])
    assert layout_of(t).roles.get(3) == "deadline"
    assert [r.deadline_kind for r in tasks_of(t)] == ["date", "ongoing"]


def test_notes_and_totals_rows_are_not_tasks():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
              ["1", "解读", "(1)做好解读", "县政府办", "2021年6月"],
              ["合计", "", "1项", "", ""],
              ["", "注：各单位要按时报送进展情况。", "", "", ""]],
             spans={(2, 0): (1, 2), (3, 1): (1, 4)})
    assert [r.item for r in tasks_of(t)] == ["做好解读"]


def test_item_number_styles():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
              ["1", "解读", "①做好解读", "县政府办", "2021年6月"],
              ["", "", "2)开展培训", "县政府办", "2021年6月"]],
             spans={(1, 0): (2, 1), (1, 1): (2, 1)})
    assert [(r.item_no, r.item) for r in tasks_of(t)] == [("1", "做好解读"), ("2", "开展培训")]


def test_group_numbering_styles_are_stripped():
    from pipeline.tasks import strip_group_number
    from normalizers.text import normalize
    got = [strip_group_number(normalize(t)) for t in ("壹、加强解读", "Ⅱ.加强解读", "（三）加强解读", "第四部分 加强解读")]
    assert got == ["加强解读"] * 4


def test_domain_column_in_a_task_table_groups_the_tasks():
    t = grid([["序号", "重点领域", "具体任务", "牵头单位", "完成时限"],
              ["1", "义务教育", "(1)公开招生政策", "县教体局", "2021年8月"]])
    row = tasks_of(t)[0]
    assert (row.group, row.item, row.lead_units) == ("义务教育", "公开招生政策", ["县教体局"])


def test_caption_repeated_at_a_page_top_is_not_a_group():
    caption, header = "2020年政务公开重点任务分工表", ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]
    part1 = grid([[caption] + [""] * 4, header, ["1", "解读", "(1)做好解读", "县政府办", "2020年6月"]],
                 spans={(0, 0): (1, 5)})
    part2 = grid([[caption] + [""] * 4, header, ["", "", "(2)开展培训", "县政府办", "2020年9月"]],
                 spans={(0, 0): (1, 5)})
    (table,) = logical_tables([part1, Paragraph("— 1 —"), part2])
    rows = tasks_of(table)
    assert [(r.group_no, r.group, r.item) for r in rows] == [("1", "解读", "做好解读"), ("1", "解读", "开展培训")]


def test_a_two_row_header_repeated_at_a_page_top_is_no_task():
    # an unruled PDF page: the spanning 责任单位 is read into the upper row only, both rows repeated
    upper = ["序号", "工作任务", "具体事项", "责任单位", "", "完成时限"]
    lower = ["", "", "", "牵头单位", "配合单位", ""]
    part1 = Table(build_grid([[(t, 1, 1) for t in row] for row in [
        upper, lower, ["1", "推进决策公开", "1.完善决策预公开", "市司法局", "各乡镇人民政府", "2021年6月底前"]]]))
    part2 = Table(build_grid([[(t, 1, 1) for t in row] for row in [
        upper, lower, ["", "", "2.做好政策解读", "市数据资源局", "", "持续推进"]]]))
    (table,) = logical_tables([part1, Paragraph("— 2 —"), part2])
    rows = tasks_of(table)
    assert [(r.group, r.item_no, r.item, r.lead_units, r.support_units) for r in rows] == [
        ("推进决策公开", "1", "完善决策预公开", ["市司法局"], ["各乡镇人民政府"]),
        ("推进决策公开", "2", "做好政策解读", ["市数据资源局"], [])]


def test_cross_reference_means_this_groups_item_when_numbering_restarts():
    t = grid([["序号", "工作任务", "具体事项", "责任单位", "完成时限"],
              ["一", "教育", "(1)公开招生", "县教育局", "2021年"],
              ["", "", "(2)公开收费", "同(1)", "2021年"],
              ["二", "民政", "(1)公开低保", "县民政局", "2021年"],
              ["", "", "(2)公开救助", "同(1)", "2021年"]],
             spans={(1, 0): (2, 1), (1, 1): (2, 1), (3, 0): (2, 1), (3, 1): (2, 1)})
    rows = tasks_of(t)
    assert [r.lead_units for r in rows] == [["县教育局"], ["县教育局"], ["县民政局"], ["县民政局"]]


def test_merged_unit_cell_continued_empty_at_a_page_top_keeps_its_units():
    # Word leaves a merged cell's text on the page where it began; the rest is drawn empty
    header = ["工作任务", "具体事项", "责任单位"]
    page1 = grid([header, ["公开", "1.编制清单", "各乡(镇)人民政府"]])
    page2 = grid([["", "2.公开清单", ""], ["", "3.更新清单", ""]], spans={(0, 0): (2, 1), (0, 2): (2, 1)})
    page1.row_pages, page2.row_pages = [1, 1], [2, 2]
    (table,) = logical_tables([page1, Paragraph("- 1 -"), page2])
    rows = tasks_of(table)
    assert [r.lead_units for r in rows] == [["各乡(镇)人民政府"]] * 3
    # an empty cell of one row at a page top is empty, not carried
    page3 = grid([["", "2.公开清单", ""]])
    page3.row_pages = [2]
    (table,) = logical_tables([grid([header, ["公开", "1.编制清单", "县政府办"]]), page3])
    assert [r.lead_units for r in tasks_of(table)] == [["县政府办"], []]


def test_a_blank_unit_cell_of_one_row_at_a_page_top_carries_the_cell_above_in_a_column_filled_everywhere():
    """Word prints a unit cell merged over rows on both sides of a page break once, above it: the one row
    below it shows a blank that looks like a cell of its own. In a column that names units for every
    other task (four or more), that blank is the merged cell's rest; where the column leaves another row
    blank, or fills too few to tell, it is empty."""
    header = ["工作任务", "具体事项", "责任单位", "完成时限"]
    body = [["公开", f"{k}.编制清单", f"县局{k}", "2021年"] for k in range(1, 5)]
    top = [["", "5.公开清单", "", ""], ["", "6.更新清单", "县政府办", "2021年"]]

    def units(rows_before, rows_after):
        page1, page2 = grid([header, *rows_before]), grid(rows_after)
        page1.row_pages, page2.row_pages = [1] * page1.n_rows, [2] * page2.n_rows
        (table,) = logical_tables([page1, Paragraph("- 1 -"), page2])
        rows = tasks_of(table)
        return [r.lead_units for r in rows], [r.deadline_text for r in rows]
    lead, deadlines = units(body, top)
    assert lead == [["县局1"], ["县局2"], ["县局3"], ["县局4"], ["县局4"], ["县政府办"]]
    assert deadlines[4] is None   # a deadline left blank is none: tasks without one are common
    gap = [row[:] for row in body]
    gap[1][2] = ""                # the column leaves a row blank elsewhere: the blank at the top is empty
    assert units(gap, top)[0][4] == []
    assert units(body[:2], top)[0][2] == []   # three rows filled (two above, one below): too few to tell
    # a 配合单位 left blank at a page top is none, however full the column is elsewhere
    header5 = ["工作任务", "具体事项", "牵头单位", "配合单位", "完成时限"]
    page1 = grid([header5, *[["公开", f"{k}.编制清单", "县政府办", f"县局{k}", "2021年"] for k in range(1, 5)]])
    page2 = grid([["", "5.公开清单", "县政府办", "", "2021年"]])
    page1.row_pages, page2.row_pages = [1] * 5, [2]
    (table,) = logical_tables([page1, page2])
    assert [r.support_units for r in tasks_of(table)][4] == []


def test_group_label_cut_by_a_page_break_is_joined():
    header = ["序号", "工作任务", "具体事项", "责任单位"]
    page1 = grid([header, ["7", "完善基层政务公开与村", "(16)编制清单", "各乡镇"]])
    page2 = grid([["", "(居)务公开协同发展机制", "(17)健全制度", "各乡镇"],
                  ["8", "推进网站建设", "(18)优化平台", "县信息中心"]])
    page1.row_pages, page2.row_pages = [1, 1], [2, 2]
    (table,) = logical_tables([page1, page2])
    rows = tasks_of(table)
    assert [(r.group_no, r.group) for r in rows] == [
        ("7", "完善基层政务公开与村(居)务公开协同发展机制")] * 2 + [("8", "推进网站建设")]


def _fold_pairwise(blocks) -> list[Table]:
    """Continued tables joined two at a time, as the stage did before it joined each run once."""
    from extractors.base import is_trivial
    from pipeline.tables import _continues, join
    tables, joinable = [], False
    for block in blocks:
        if isinstance(block, Paragraph):
            joinable = joinable and is_trivial(block)
            continue
        if joinable and tables and _continues(tables[-1], block):
            tables[-1] = join(tables[-1], block)
        else:
            tables.append(block)
        joinable = True
    return tables


def _shape(table: Table) -> list:
    return [[(c.text, c.row, c.col, c.rowspan, c.colspan, id(c)) for c in row] for row in table.grid], \
        [table.page_of(r) for r in range(table.n_rows)], table.page, table.spans_known


def test_a_table_over_many_pages_is_joined_as_two_at_a_time_would():
    import sys
    from pathlib import Path
    from extractors import Limits, extractor_for
    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    from bench_throughput import task_table_pdf   # 6 pages, the header repeated on each
    blocks = extractor_for("pdf").extract(task_table_pdf(pages=6, rows=4), Limits()).blocks
    ours, folded = logical_tables(blocks), _fold_pairwise(blocks)
    assert len(ours) == len(folded) == 1 and ours[0].n_rows > 6 * 4
    # same texts, positions and pages; merged cells shared the same way (ids compared by position)
    def canon(t):
        grid, pages, page, known = _shape(t)
        first = {}
        return [[cell[:5] + (first.setdefault(cell[5], (r, k)),) for k, cell in enumerate(row)]
                for r, row in enumerate(grid)], pages, page, known
    assert canon(ours[0]) == canon(folded[0])


from hypothesis import given, settings, strategies as st  # noqa: E402

from pipeline.lexicon import ROLE_WORDS, role_of_words  # noqa: E402

_WORDS = sorted({w for _, words in ROLE_WORDS for w in words})


def _role_by_words(header: str):
    """The lexicon's rule as written: the first role one of whose words the wording holds."""
    return next((role for role, words in ROLE_WORDS if any(w in header for w in words)), None)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet="区政府办公室单位时间序号工作任务完成责任年月日 1（）", max_size=4)),
                max_size=5))
def test_role_of_words_is_the_first_role_whose_word_occurs(parts: list[str]) -> None:
    """The compiled role patterns pick the role the word lists name, for wordings built from the
    lexicon's own words, their fragments and other characters."""
    header = "".join(parts)
    assert role_of_words(header) == _role_by_words(header)


def _scanned(table):
    """The table as OCR gives it: every cell flagged as read from a page image."""
    import dataclasses
    cells = {}
    rows = [[cells.setdefault(id(c), dataclasses.replace(c, ocr=True)) for c in row] for row in table.grid]
    return Table(rows)


def test_a_scans_lost_first_group_number_comes_back_from_the_next():
    rows = [["序号", "工作任务", "具体事项", "责任单位"],
            ["", "围绕助力经济发展加强公开", "及时公开减税降费政策", "县税务局"],   # 一: a stroke OCR finds no text in
            ["", "", "公开重大建设项目批准信息", "县发改局"],
            ["二", "围绕保障民生加强公开", "公开就业创业政策", "县人社局"]]
    spans = {(1, 0): (2, 1), (1, 1): (2, 1)}
    scanned = [(t.group_no, t.group) for t in tasks_of(_scanned(grid(rows, spans)))]
    assert scanned == [("一", "围绕助力经济发展加强公开")] * 2 + [("二", "围绕保障民生加强公开")]
    # a text layer states what it states: no number is made up
    assert [t.group_no for t in tasks_of(grid(rows, spans))] == [None, None, "二"]


def test_a_subgroup_label_split_over_lines_of_a_text_table_is_put_together_under_a_heading():
    rows = [["序号", "工作任务", "具体事项", "责任单位"],
            ["一、推进决策公开", "", "", ""],
            ["", "完善决策", "制定重大决策事项目录", "县司法局"],
            ["1", "机制", "开展决策预公开", "县发改局"],
            ["", "", "公开决策结果", "县政府办"],
            ["2", "扩大公众参与", "邀请利益相关方列席会议", "县政府办"]]
    table = Table(grid(rows).grid, spans_known=False)   # rebuilt from text: no merges stated
    assert [(t.group_no, t.group, t.subgroup) for t in tasks_of(table)] == \
        [("一", "推进决策公开", "完善决策机制")] * 3 + [("一", "推进决策公开", "扩大公众参与")]


def test_a_header_ocr_read_one_character_off_still_repeats_the_header():
    """序号 read as 序亭号 on one page of a scan: the part still continues the table (typed text must match)."""
    from pipeline.model import one_slip_apart, same_header_text
    assert one_slip_apart("序号", "序亭号") and one_slip_apart("责任单位", "责仕单位") and one_slip_apart("完成时限", "完成时")
    assert not one_slip_apart("序号", "序亭亭号") and not one_slip_apart("责任单位", "单位责任")
    assert same_header_text("序号", "序亭号", ocr=True) and not same_header_text("序号", "序亭号", ocr=False)
    assert not same_header_text("号", "亭", ocr=True)   # one character: no slip allowed

    header = ["序号", "工作任务", "责任单位", "完成时限"]
    page1 = grid([header, ["1", "推进决策公开", "县司法局", "2021年6月底前"]])
    page2 = grid([["序亭号", "工作任务", "责任单位", "完成时限"], ["2", "推进执行公开", "县发改局", "2021年12月底前"]])
    page1.row_pages, page2.row_pages = [1, 1], [2, 2]
    for cell in page2.grid[0]:
        cell.ocr = True
    assert len(logical_tables([page1, page2])) == 1
    for cell in page2.grid[0]:
        cell.ocr = False
    assert len(logical_tables([page1, page2])) == 2


def test_a_repeated_header_ocr_read_one_character_off_is_no_rest_of_a_cut_row():
    """Before, the slipped header did not count as repeated: it was taken for the rest of the row cut by
    the page break and glued onto it (…工作具体任务, 主体责任单位 among the units), on every page after."""
    from extractors.pdf import _repeated_rows
    header = ["序号", "工作任务", "具体任务", "主体责任单位"]
    page1 = grid([header, ["1", "组织实施", "(1)成立领导组", "各乡镇"]])
    page2 = grid([["序亭号", "工作任务", "具体任务", "主体责任单位"], ["2", "优化升级", "(2)出台方案", "各乡镇"]])
    for table in (page1, page2):
        for row in table.grid:
            for cell in row:
                cell.ocr = True
    assert _repeated_rows(page1, page2) == 1
