"""One task laid out vertically (label | value rows, no header row) is one task record (issue 8)."""
import pytest

from pipeline.model import Table, build_grid
from pipeline.tables import layout_of
from pipeline.run import process
from _helpers import table_formats

FORMATS = table_formats("某某县政务公开专区建设任务")

ONE_TASK = [
    ["任务名称", "建设县级政务公开专区"],
    ["工作内容", "在县政务服务中心设立政务公开专区，提供政策查询和解读服务"],
    ["牵头单位", "县政府办公室"],
    ["责任单位", "县政务服务中心、县数据局"],
    ["完成时限", "2023年6月底前"],
]


def _tasks(fmt, rows):
    return process(FORMATS[fmt](rows), f"task.{fmt}").tasks


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_label_value_rows_give_one_task(fmt):
    tasks = _tasks(fmt, ONE_TASK)
    assert len(tasks) == 1
    t = tasks[0]
    assert (t.group, t.item) == ("建设县级政务公开专区", "在县政务服务中心设立政务公开专区,提供政策查询和解读服务")
    assert t.lead_units == ["县政府办公室"]
    assert t.support_units == ["县政务服务中心", "县数据局"]
    assert (t.deadline, t.deadline_kind) == ("2023-06-30", "date")


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_task_name_alone_is_the_item_and_labels_outside_the_lexicon_are_skipped(fmt):
    rows = [["序号", "3"], ["任务名称", "开展政务公开培训"], ["联系人", "王某"], ["责任单位", "县司法局"],
            ["办结时限", "长期坚持"]]
    (t,) = _tasks(fmt, rows)
    assert (t.item_no, t.item, t.group) == ("3", "开展政务公开培训", None)
    assert t.lead_units == ["县司法局"] and t.deadline_kind == "ongoing"


def test_two_tasks_stacked_and_pairs_side_by_side():
    rows = [[("任务名称", 1, 1), ("编制政务公开事项清单", 1, 1), ("完成时限", 1, 1), ("2023年3月", 1, 1)],
            [("责任单位", 1, 1), ("县政府办公室", 1, 3)],
            [("任务名称", 1, 1), ("更新政府信息公开指南", 1, 1), ("完成时限", 1, 1), ("2023年4月", 1, 1)],
            [("责任单位", 1, 1), ("县司法局", 1, 3)]]
    table = Table(build_grid(rows))
    layout = layout_of(table)
    assert layout.kind == "task" and len(layout.vertical) == 2
    from pipeline.tasks import TaskContext, task_records
    got = [(t.item, t.lead_units, t.deadline) for t in task_records(table, layout, 0, TaskContext("d"))]
    assert got == [("编制政务公开事项清单", ["县政府办公室"], "2023-03-31"),
                   ("更新政府信息公开指南", ["县司法局"], "2023-04-30")]


def test_a_metadata_block_is_not_a_task():
    rows = [["索引号", "001-2023-0005"], ["发布单位", "县政府办公室"], ["内容概述", "关于印发政务公开工作要点的通知"],
            ["发文日期", "2023年3月1日"]]
    assert layout_of(Table(build_grid([[(t, 1, 1) for t in row] for row in rows]))).kind is None


def test_caption_rows_across_a_vertical_table_are_skipped():
    rows = [[("重点任务一", 1, 2)], [("任务名称", 1, 1), ("编制政务公开事项清单", 1, 1)],
            [("责任单位", 1, 1), ("县政府办公室", 1, 1)],
            [("重点任务二", 1, 2)], [("任务名称", 1, 1), ("更新政府信息公开指南", 1, 1)],
            [("完成时限", 1, 1), ("2023年4月", 1, 1)]]
    table = Table(build_grid(rows))
    from pipeline.tasks import TaskContext, task_records
    got = [(t.item, t.lead_units, t.deadline) for t in task_records(table, layout_of(table), 0, TaskContext("d"))]
    assert got == [("编制政务公开事项清单", ["县政府办公室"], None), ("更新政府信息公开指南", [], "2023-04-30")]
