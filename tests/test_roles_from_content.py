"""Column roles read from what the columns hold, when the header words are in no list (issue 8).

Each table is built here in DOCX, HTML, PDF and TXT with header wordings that
the lexicon does not know (checked below), so only the content can name them.
"""
import pytest

from pipeline.columns import ContentSettings, role_of
from pipeline.run import process
from _helpers import table_formats

# Header wordings per role that appear in no list of the lexicon.
SEQ = ["行次", "项次", "栏次", "号", "No.", "标号", "号码", "条号", "点号", "位次", "行号", "项号", "件次", "第几项",
       "流水号", "排位", "计数", "次第", "编码", "代码", "索引", "#"]
GROUP = ["板块", "所属板块", "专项", "方面", "主题", "改革方向", "条线", "篇章", "大类", "分类", "专题", "维度",
         "模块", "攻坚方向", "重点方向", "政策方向", "所属专题", "行动", "专项行动", "战役", "重点板块", "发展方向"]
ITEM = ["实施路径", "主要做法", "推进路径", "落实路径", "行动计划", "实施步骤", "推进方式", "主攻方向", "关键环节",
        "实现途径", "执行方案", "操作办法", "推进思路", "行动方案", "落实办法", "实施办法", "推进计划", "创新做法",
        "主要抓手", "着力点", "突破口", "实施细则"]
UNIT = ["谁来抓", "落实者", "执行机关", "办理机关", "承担机构", "实施机构", "主办机关", "经办机构", "执行机构", "归口机关",
        "主抓机构", "挂帅机关", "推进机构", "落实机关", "组织实施者", "承担者", "主办方", "实施方", "执行方", "承接机构",
        "归口科室", "领办机关"]
DEADLINE = ["何时完成", "完成日期", "截止日期", "办结日期", "交账日期", "完工日期", "兑现日期", "到期日", "推进节奏",
            "落实日程", "日程", "办理期", "交付日期", "完结日期", "预计完成", "计划完成", "办结期", "收官日期", "达成日期",
            "上线日期", "竣工日期", "交卷日期"]
HEADERS = list(zip(SEQ, GROUP, ITEM, UNIT, DEADLINE))

BODY = [
    ["1", "一、优化营商环境", "推行企业开办全程网上办理，压缩办理时限至一个工作日", "县市场监管局、县政务服务中心", "2023年6月底前"],
    ["2", "一、优化营商环境", "建立涉企政策集中发布平台并及时更新解读材料", "县发展改革委", "长期坚持"],
    ["3", "二、提升服务效能", "推动高频政务服务事项实现跨省通办和就近可办", "县政务服务中心", "2023年9月30日"],
    ["4", "二、提升服务效能", "完善热线与部门业务系统之间的工单流转机制", "县政府办公室、县数据局", "2023年12月"],
]
WANT = [
    ("1", "优化营商环境", "推行企业开办全程网上办理,压缩办理时限至一个工作日", ["县市场监管局", "县政务服务中心"], "2023-06-30", "date"),
    ("2", "优化营商环境", BODY[1][2], ["县发展改革委"], None, "ongoing"),
    ("3", "提升服务效能", BODY[2][2], ["县政务服务中心"], "2023-09-30", "date"),
    ("4", "提升服务效能", BODY[3][2], ["县政府办公室", "县数据局"], "2023-12-31", "date"),
]
TITLE = "某某县2023年优化营商环境重点工作台账"


FORMATS = table_formats(TITLE)


def tasks_of(fmt, rows, merge_col=None):
    result = process(FORMATS[fmt](rows, merge_col), f"plan.{fmt}")
    return result.tasks


def test_the_header_wordings_are_in_no_list():
    for wordings in (SEQ, GROUP, ITEM, UNIT, DEADLINE):
        assert len(set(wordings)) >= 20
        assert [w for w in wordings if role_of(w)] == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("header", HEADERS, ids=[h[2] for h in HEADERS])
def test_unknown_header_wordings_are_read_from_the_content(fmt, header):
    tasks = tasks_of(fmt, [list(header)] + BODY, merge_col=1)
    got = [(t.item_no, t.group, t.item, t.lead_units, t.deadline, t.deadline_kind) for t in tasks]
    assert got == WANT
    assert all(t.group_no is None for t in tasks)  # 序号 numbers every row, not the groups


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_only_text_column_with_an_unknown_header(fmt):
    rows = [["行次", "主要做法", "谁来抓", "何时完成"]] + [[r[0], r[2], r[3], r[4]] for r in BODY]
    tasks = tasks_of(fmt, rows)
    assert [(t.item_no, t.item, t.group) for t in tasks] == [(w[0], w[2], None) for w in WANT]
    assert [t.lead_units for t in tasks] == [w[3] for w in WANT]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_known_group_header_is_not_taken_for_an_unknown_item_column(fmt):
    # 重点任务 is a known grouping word; 实施路径 is not: the groups must not slide into the items
    rows = [["序号", "重点任务", "实施路径", "责任单位", "完成时限"]] + BODY
    tasks = tasks_of(fmt, rows, merge_col=1)
    assert [(t.group, t.item) for t in tasks] == [(w[1], w[2]) for w in WANT]


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_headerless_table_without_numbering_is_read_from_the_content(fmt):
    rows = [[r[1], r[2], r[3], r[4]] for r in BODY]
    tasks = tasks_of(fmt, rows, merge_col=0)
    assert [(t.group, t.item, t.lead_units, t.deadline) for t in tasks] == [w[1:5] for w in WANT]


def test_generic_header_is_overruled_by_dates_in_its_column():
    rows = [["序号", "重点任务", "具体事项", "责任单位", "工作"]] + BODY
    tasks = tasks_of("html", rows, merge_col=1)
    assert [t.deadline for t in tasks] == [w[4] for w in WANT]


def test_settings_accept_a_dict_and_refuse_unknown_keys():
    assert ContentSettings.of({"item_min_length": 30}).item_min_length == 30
    with pytest.raises(ValueError, match="unknown"):
        ContentSettings.of({"item_length": 30})
    # a column repeating each value over two rows groups them, unless the threshold asks for more
    from pipeline.tables import layout_of
    from pipeline.model import Table, build_grid
    table = Table(build_grid([[(t, 1, 1) for t in row] for row in [list(HEADERS[0])] + BODY]))
    assert layout_of(table).roles == {0: "seq", 1: "group", 2: "item", 3: "lead", 4: "deadline"}
    assert layout_of(table, {"group_repeat": 0.25}).roles == {0: "seq", 2: "item", 3: "lead", 4: "deadline"}


def test_readme_lists_every_content_setting_with_its_default():
    import re
    from dataclasses import fields
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\s*\| `(\w+)` \|[^|]*\| ([\d.]+) \|$", readme, flags=re.M))
    documented = {f.name: f.default for f in fields(ContentSettings)}
    assert {name: float(rows[name]) for name in documented if name in rows} == documented


def test_unnamed_header_repeated_on_the_next_page_is_not_a_task():
    from pipeline.model import Paragraph, Table, build_grid
    from pipeline.tables import layout_of, logical_tables
    from pipeline.tasks import TaskContext, task_records

    def part(rows):
        return Table(build_grid([[(t, 1, 1) for t in row] for row in rows]))
    header = list(HEADERS[5])
    tables = logical_tables([part([header] + BODY[:2]), Paragraph("— 2 —"), part([header] + BODY[2:])])
    assert len(tables) == 1
    layout = layout_of(tables[0])
    tasks = task_records(tables[0], layout, 0, TaskContext("d"))
    assert [t.item_no for t in tasks] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("header", HEADERS[::4], ids=[h[2] for h in HEADERS[::4]])
def test_unruled_pdf_table_under_an_unknown_header(header):
    from _helpers import make_pdf, pdf_text
    rows = [(header[0], header[2], header[3], header[4]),
            ("1", "梳理本县政务公开事项清单并公布", "县政府办公室", "2023年3月"),
            ("2", "编制重点领域基层政务公开目录", "县司法局", "2023年6月"),
            ("3", "开展政策解读和回应关切工作", "县政务服务中心", "长期坚持")]
    ops = [pdf_text(250, 750, TITLE)]
    for i, row in enumerate(rows):
        ops += [pdf_text(x, 700 - 20 * i, cell) for x, cell in zip((60, 120, 300, 450), row)]
    tasks = process(make_pdf([ops]), "plan.pdf").tasks
    assert [(t.item_no, t.item, t.lead_units, t.deadline_kind) for t in tasks] == [
        (r[0], r[1], [r[2]], "ongoing" if r[3] == "长期坚持" else "date") for r in rows[1:]]


@pytest.mark.parametrize("header", HEADERS[1::4], ids=[h[2] for h in HEADERS[1::4]])
def test_space_aligned_text_table_under_an_unknown_header(header):
    # text copied from a rendered page: columns set apart by runs of spaces
    lines = [TITLE, "", "    ".join((header[0], header[2], header[3], header[4]))]
    lines += ["    ".join((r[0], r[2], r[3], r[4])) for r in BODY]
    tasks = process("\n".join(lines).encode("utf-8"), "plan.txt").tasks
    assert [(t.item_no, t.item, t.lead_units, t.deadline) for t in tasks] == [
        (w[0], w[2], w[3], w[4]) for w in WANT]


SUPPORT = ["县数据局", "县司法局", "各乡镇人民政府", "县财政局"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_topic_word_header_over_the_items_beside_an_unknown_group_column(fmt):
    # 惠民项目 is a grouping word by the lexicon, but its column holds the items; 攻坚方向 groups them
    rows = [["序号", "攻坚方向", "惠民项目", "责任单位", "完成时限"]] + BODY
    tasks = tasks_of(fmt, rows, merge_col=1)
    assert [(t.group, t.item) for t in tasks] == [(w[1], w[2]) for w in WANT]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_columns_in_another_order_and_a_second_unit_column(fmt):
    rows = [["板块", "实施路径", "何时完成", "主抓机构", "参办机构"]] + \
           [[r[1], r[2], r[4], r[3], s] for r, s in zip(BODY, SUPPORT)]
    tasks = tasks_of(fmt, rows, merge_col=0)
    assert [(t.group, t.item, t.lead_units, t.deadline) for t in tasks] == [w[1:5] for w in WANT]
    assert [t.support_units for t in tasks] == [[s] for s in SUPPORT]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_short_items_under_an_unknown_header_are_not_dropped(fmt):
    rows = [["行次", "主要做法", "谁来抓", "何时完成"]] + [[r[0], r[2][:6], r[3], r[4]] for r in BODY]
    tasks = tasks_of(fmt, rows)
    assert [(t.item_no, t.item, t.lead_units) for t in tasks] == [(w[0], w[2][:6], w[3]) for w in WANT]
