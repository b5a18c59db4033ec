"""Catalog (标准目录) and domain tables of our own making: wordings, tick styles and shapes beyond the samples."""
import pytest

from extractors.texttables import find_cell_tables
from pipeline.catalog import catalog_records, channel_names, domain_name, domain_records, time_limit_days
from pipeline.model import Table, build_grid
from pipeline.run import process
from pipeline.tables import layout_of


def grid(rows, spans=None):
    """A Table from rows of text; spans maps (r, c) -> (rowspan, colspan) for origin cells."""
    spans = spans or {}
    covered = set()
    for (r, c), (rs, cs) in spans.items():
        covered |= {(r + i, c + j) for i in range(rs) for j in range(cs)} - {(r, c)}
    laid = [[(text, *spans.get((r, c), (1, 1))) for c, text in enumerate(row) if (r, c) not in covered]
            for r, row in enumerate(rows)]
    return Table(build_grid(laid))


def catalog_of(table):
    layout = layout_of(table)
    assert layout.kind == "catalog", layout
    return catalog_records(table, layout, 0, "d")


def domains_of(table):
    layout = layout_of(table)
    assert layout.kind == "domain", layout
    return domain_records(table, layout, 0, "d")


# The 26 guidelines' template: two header rows, 公开层级 at the end (not in the contract).
TOP = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
       "公开对象", "", "公开方式", "", "公开层级", ""]
SUB = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请", "县级", "乡级"]
HEAD_SPANS = {(0, 0): (2, 1), (0, 1): (1, 2), **{(0, c): (2, 1) for c in range(3, 8)},
              (0, 8): (1, 2), (0, 10): (1, 2), (0, 12): (1, 2)}


def test_template_with_level_columns():
    t = grid([TOP, SUB,
              ["1", "政策文件", "规范性文件", "文件全文", "《条例》", "信息形成或变更之日起20个工作日内", "县住建局",
               "■政府网站 □政府公报\n■两微一端", "√", "", "√", "", "√", "√"],
              ["2", "", "政策解读", "解读材料", "《条例》", "自形成或者变更之日起20个工作日内", "县住建局",
               "政府网站、公开栏", "", "✓", "", "✓", "", "√"]],
             {**HEAD_SPANS, (2, 1): (2, 1)})
    rows = catalog_of(t)
    assert [(r.seq, r.level1, r.level2) for r in rows] == [("1", "政策文件", "规范性文件"), ("2", "政策文件", "政策解读")]
    assert rows[0].content == "文件全文" and rows[0].basis == "《条例》" and rows[0].subject == "县住建局"
    assert (rows[0].time_limit_days, rows[0].time_limit_unit) == (20, "workday")
    assert rows[0].channels == ["政府网站", "两微一端"]
    assert rows[1].channels == ["政府网站", "公开栏"]          # no marks: every listed channel
    assert (rows[0].audience, rows[0].mode) == (["全社会"], ["主动公开"])
    assert (rows[1].audience, rows[1].mode) == (["特定群体"], ["依申请公开"])


def test_level_ticks_never_stand_in_for_unreadable_audience():
    top = TOP[:8] + ["", "", "", "", "公开层级", ""]
    sub = SUB[:8] + ["", "", "", "", "县级", "乡级"]
    t = grid([top, sub, ["1", "财政", "预算", "报告", "《预算法》", "实时", "县财政局", "■政府网站",
                         "", "", "", "", "√", "√"]],
             {(0, 0): (2, 1), (0, 1): (1, 2), **{(0, c): (2, 1) for c in range(3, 8)}, (0, 12): (1, 2)})
    rows = catalog_of(t)
    assert rows[0].audience == [] and rows[0].mode == []


def test_other_wordings_and_tick_styles():
    t = grid([["序号", "一级事项", "事项名称", "公开标准", "公开依据", "公开时限", "责任主体", "公开渠道和载体",
               "公开对象", "", "公开方式", "", "备注"],
              ["", "", "", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请", ""],
              ["1", "财政预决算", "预算公开", "预算报告", "《预算法》", "实时", "县财政局", "政府网站\n政务新媒体",
               "是", "", "是", "", ""],
              ["2", "", "决算公开", "决算报告", "《预算法》", "每年6月前", "县财政局", "政府网站√ 政府公报□",
               "●", "●", "", "●", "无"],
              ["3", "", "三公经费", "三公经费", "《预算法》", "长期", "县财政局", "☑政府网站", "", "■", "☑", "", ""]],
             {(0, 0): (2, 1), **{(0, c): (2, 1) for c in range(1, 8)}, (0, 8): (1, 2), (0, 10): (1, 2),
              (0, 12): (2, 1)})
    rows = catalog_of(t)
    assert [r.level1 for r in rows] == ["财政预决算"] * 3     # blank cells below carry the level down
    assert [r.level2 for r in rows] == ["预算公开", "决算公开", "三公经费"]
    assert [r.content for r in rows] == ["预算报告", "决算报告", "三公经费"]
    assert [r.subject for r in rows] == ["县财政局"] * 3
    assert [r.channels for r in rows] == [["政府网站", "政务新媒体"], ["政府网站"], ["政府网站"]]
    assert [r.audience for r in rows] == [["全社会"], ["全社会", "特定群体"], ["特定群体"]]
    assert [r.mode for r in rows] == [["主动公开"], ["依申请公开"], ["主动公开"]]
    assert [r.time_limit for r in rows] == ["实时", "每年6月前", "长期"]
    assert all(r.time_limit_days is None and r.time_limit_unit is None for r in rows)


def test_audience_and_mode_written_as_text():
    t = grid([["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道",
               "公开对象", "公开方式", "公开层级"],
              ["1", "规划", "总体规划", "规划文本", "《城乡规划法》", "批准后20日内", "县自然资源局", "政府网站",
               "全社会", "主动公开", "县级、乡级"],
              ["2", "", "详细规划", "图件", "《城乡规划法》", "及时", "县自然资源局", "政府网站",
               "全社会、特定群体", "依申请", "县级"]])
    rows = catalog_of(t)
    assert [r.audience for r in rows] == [["全社会"], ["全社会", "特定群体"]]
    assert [r.mode for r in rows] == [["主动公开"], ["依申请公开"]]
    assert (rows[0].time_limit_days, rows[0].time_limit_unit) == (20, "day")


@pytest.mark.parametrize("text, expected", [
    ("信息形成或变更之日起20个工作日内", (20, "workday")),
    ("自形成或者变更之日起20个工作日内", (20, "workday")),
    ("制定或获取信息之日10个工作日内", (10, "workday")),
    ("获取信息之日起10个工\n作", (10, "workday")),        # 工作日 cut short in a bad text layer
    ("自信息形成之日起二十个工作日内", (20, "workday")),
    ("公示期满后7日内", (7, "day")),
    ("2019年1月1日起15天内", (15, "day")),
    ("每月10日前", (None, None)),                          # a date, not a duration
    ("实时", (None, None)), ("及时", (None, None)), ("长期", (None, None)),
    ("按年度", (None, None)), ("每年3月前", (None, None)), ("", (None, None)),
])
def test_time_limit_forms(text, expected):
    assert time_limit_days(text) == expected


def test_channel_cells():
    assert channel_names("□政府网站    ■政府公报\n■两微一端    □广播电视") == ["政府公报", "两微一端"]
    assert channel_names("政府网站√\n政府公报□\n公开栏✓") == ["政府网站", "公开栏"]
    assert channel_names("政府网站、政务新媒体；社区/村公示栏") == ["政府网站", "政务新媒体", "社区/村公示栏"]
    assert channel_names("") == []
    # a narrow PDF cell wraps names: up to the next box is one name
    assert channel_names("□政府网\n站 ■两微一\n端 □发布会\n■政务服务中\n心") == ["两微一端", "政务服务中心"]


@pytest.mark.parametrize("text, expected", [
    ("重大建设项目领域基层政务公开标准目录", "重大建设项目"),
    ("重大建设项目领域基层政务公开标准指引", "重大建设项目"),
    ("《公共资源交易领域基层政务公开标准指引》", "公共资源交易"),
    ("义务教育领域", "义务教育"),
    ("税收管理", "税收管理"),
])
def test_domain_names(text, expected):
    assert domain_name(text) == expected


def test_domain_table_with_support_column():
    t = grid([["序号", "领域", "国务院部门", "县级牵头单位", "配合单位"],
              ["1", "重大建设项目领域基层政务公开标准指引", "国家发展\n改革委", "县发改委", "县住建局、县自然资源局"],
              ["2", "公共文化服务领域", "文化和旅游部\n国家文物局", "县文旅局", ""]])
    rows = domains_of(t)
    assert [(r.seq, r.domain) for r in rows] == [("1", "重大建设项目"), ("2", "公共文化服务")]
    assert [r.ministry for r in rows] == ["国家发展改革委", "文化和旅游部国家文物局"]   # wrapped lines joined
    assert [r.lead_units for r in rows] == [["县发改委"], ["县文旅局"]]


def test_domain_ministry_column_read_from_its_content():
    # 标准指引制定部门 reads like a unit header: its cells (部, 委, 总局) tell it apart from the leads
    t = grid([["试点领域", "标准指引制定部门", "责任单位"],
              ["重大建设项目", "国家发展改革委", "县发改委"],
              ["义务教育领域基层政务公开标准目录", "教育部", "县教体局"],
              ["税收管理", "税务总局", "县税务局、县财政局"]])
    rows = domains_of(t)
    assert [r.ministry for r in rows] == ["国家发展改革委", "教育部", "税务总局"]
    assert [r.lead_units for r in rows] == [["县发改委"], ["县教体局"], ["县税务局", "县财政局"]]
    assert all(r.seq is None for r in rows)


CATALOG_PAGE = """<html><head><meta charset="utf-8"><title>标准目录</title></head><body><div class="content">
<p>某县城乡规划领域基层政务公开标准目录</p><table border="1">
<tr><td rowspan="2">序号</td><td colspan="2">公开事项</td><td rowspan="2">公开内容（要素）</td><td rowspan="2">公开依据</td>
<td rowspan="2">公开时限</td><td rowspan="2">公开主体</td><td rowspan="2">公开渠道和载体</td><td colspan="2">公开对象</td>
<td colspan="2">公开方式</td><td colspan="2">公开层级</td></tr>
<tr><td>一级事项</td><td>二级事项</td><td>全社会</td><td>特定群体</td><td>主动</td><td>依申请</td><td>县级</td><td>乡级</td></tr>
<tr><td>1</td><td rowspan="2">規劃管理</td><td>控制性詳細規劃</td><td>规划文本、图件</td><td>《城乡规划法》</td>
<td>自批准之日起二十个工作日内</td><td>县自然资源局</td><td>政府网站、公开栏</td><td>✓</td><td></td><td>✓</td><td></td><td>✓</td><td></td></tr>
<tr><td>2</td><td>建设项目规划许可</td><td>许可证信息</td><td>《城乡规划法》</td><td>及时</td><td>县自然资源局</td>
<td>■政府网站<br>□政府公报<br>■两微一端</td><td></td><td>✓</td><td></td><td>✓</td><td>✓</td><td>✓</td></tr>
</table></div></body></html>"""


def test_catalog_page_end_to_end():
    rows = process(CATALOG_PAGE.encode("utf-8"), "catalog.html").catalog
    assert [(r.seq, r.level1, r.level2) for r in rows] == [
        ("1", "规划管理", "控制性详细规划"), ("2", "规划管理", "建设项目规划许可")]
    assert [r.channels for r in rows] == [["政府网站", "公开栏"], ["政府网站", "两微一端"]]
    assert [r.audience for r in rows] == [["全社会"], ["特定群体"]]
    assert [r.mode for r in rows] == [["主动公开"], ["依申请公开"]]
    assert [(r.time_limit_days, r.time_limit_unit) for r in rows] == [(20, "workday"), (None, None)]


DOMAIN_PAGE = """<html><head><meta charset="utf-8"></head><body><div class="content">
<p>某县推进基层政务公开标准化规范化工作实施方案</p><table border="1">
<tr><td>序号</td><td>试点领域</td><td>标准指引制定部门</td><td>责任单位</td></tr>
<tr><td>1</td><td>重大建设项目领域基层政务公开标准指引</td><td>国家发展改革委</td><td>县发展改革局</td></tr>
<tr><td>2</td><td>公共文化服务领域</td><td>文化和旅游部<br>国家文物局</td><td>县文化旅游体育局、县文物所</td></tr>
</table></div></body></html>"""


def test_domain_page_end_to_end():
    rows = process(DOMAIN_PAGE.encode("utf-8"), "domains.html").domains
    assert [(r.seq, r.domain, r.ministry) for r in rows] == [
        ("1", "重大建设项目", "国家发展改革委"), ("2", "公共文化服务", "文化和旅游部国家文物局")]
    assert rows[1].lead_units == ["县文化旅游体育局", "县文物所"]


def test_page_dump_two_row_header_is_flattened():
    # one cell per paragraph: top header row (公开/事项 split over two lines), then the
    # sub-labels, then rows whose trailing empty tick cells were dropped
    units = ["序号", "公开", "事项", "公开内容", "公开时限", "公开主体", "公开渠道", "公开对象", "公开方式",
             "一级事项", "二级事项", "全社会", "特定群体", "主动公开", "依申请公开",
             "1", "社会救助", "办事指南", "申请条件", "20个工作日内", "县民政局", "■政府网站", "□政府公报", "√",
             "2", "审核信息", "名单", "及时", "县民政局", "■政府网站", "",
             "注释：", "1.说明"]
    (start, end, table), = find_cell_tables(units)
    assert (start, units[end]) == (0, "注释：")
    rows = catalog_of(table)
    assert [(r.level1, r.level2, r.content) for r in rows] == [
        ("社会救助", "办事指南", "申请条件"), ("社会救助", "审核信息", "名单")]
    assert [r.channels for r in rows] == [["政府网站"], ["政府网站"]]
    assert rows[0].audience == ["全社会"] and (rows[0].time_limit_days, rows[0].time_limit_unit) == (20, "workday")
