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
    assert [(t.deadline, t.deadline_start, t.deadline_kind) for t in tasks] == [
        ("2021-04-30", "2021-03-01", "date"),
        (None, None, "unparsed"),          # a start alone names no deadline
        ("2021-12-31", None, "date")]
    assert tasks[0].deadline_text == "2021年3月1日至2021年4月30日"


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
