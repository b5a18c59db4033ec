"""Whole notices of our own making, written unlike the samples: the rules must hold beyond them."""
import io

import docx

from pipeline.run import process

HTML_NOTICE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知-临潼区人民政府网</title></head>
<body><div class="nav"><a href="/">首页</a> 政务公开</div>
<div class="article">
<p>临政办发〔2021〕12号</p>
<p>西安市临潼区人民政府办公室关于印发临潼区2021年政务公开工作要点的通知</p>
<p>各街道办事处，区政府各工作部门：</p><p>现将要点印发给你们，请认真贯彻落实。</p>
<p>西安市临潼区人民政府办公室</p><p>2021年4月2日</p>
<p>附件</p><p>重点任务分解表</p>
<table>
<tr><th>序号</th><th>重点任务</th><th>工作措施</th><th>牵头单位</th><th>配合单位</th><th>完成期限</th></tr>
<tr><td rowspan="2">一</td><td rowspan="2">（一）深化决策公开</td><td>1．制定重大行政决策事项目录</td>
<td>区司法局</td><td>区政府各工作部门</td><td>2021年6月底前</td></tr>
<tr><td>2．开展政策解读</td><td>区政府办公室</td><td>区融媒体中心、区政务服务中心</td><td>长期坚持</td></tr>
</table>
<p>— 2 —</p>
<table>
<tr><th>序号</th><th>重点任务</th><th>工作措施</th><th>牵头单位</th><th>配合单位</th><th>完成期限</th></tr>
<tr><td>二</td><td>（二）规范依申请公开</td><td>3．修订依申请公开办理流程</td>
<td>区政府办公室牵头，区司法局配合</td><td></td><td>2021年9月30日</td></tr>
</table>
</div><div class="footer">网站标识码：6101150001 陕ICP备00000000号</div></body></html>"""


def test_html_notice_with_other_wordings_and_a_continued_table():
    result = process(HTML_NOTICE.encode("utf-8"), "lintong.html")
    doc = result.document
    assert (doc.province, doc.city, doc.county, doc.adcode) == ("陕西省", "西安市", "临潼区", "610115")
    assert doc.doc_number == "临政办发〔2021〕12号"
    assert doc.issue_date == "2021-04-02"
    rows = [(t.table, t.row, t.group, t.item_no, t.item) for t in result.tasks]
    assert rows == [(0, 0, "深化决策公开", "1", "制定重大行政决策事项目录"),
                    (0, 1, "深化决策公开", "2", "开展政策解读"),
                    (0, 2, "规范依申请公开", "3", "修订依申请公开办理流程")]
    first, second, third = result.tasks
    assert first.support_units == ["区政府各工作部门"]
    assert second.support_units == ["区融媒体中心", "区政务服务中心"] and second.deadline_kind == "ongoing"
    assert third.lead_units == ["区政府办公室"] and third.support_units == ["区司法局"]
    assert third.deadline == "2021-09-30"
    assert all(t.county == "临潼区" for t in result.tasks)


def _docx(rows, spans=()):
    d = docx.Document()
    d.add_paragraph("婺源县2022年政务公开重点工作任务清单")
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for (r1, c1), (r2, c2) in spans:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_headerless_table_with_deadlines_and_two_grouping_columns():
    rows = [["政务公开平台建设", "网站集约化", "1.完成县政府网站集约化迁移", "县数字经济发展中心", "2022年6月底前"],
            ["", "", "2.优化网站检索功能", "县数字经济发展中心", "2022年9月底前"],
            ["基层政务公开", "标准目录", "3.更新26个领域标准目录", "县直有关单位、各乡镇人民政府", "2022年12月"]]
    data = _docx(rows, spans=[((0, 0), (1, 0)), ((0, 1), (1, 1))])
    result = process(data, "wuyuan.docx")
    got = [(t.group, t.subgroup, t.item_no, t.lead_units, t.deadline) for t in result.tasks]
    assert got == [
        ("政务公开平台建设", "网站集约化", "1", ["县数字经济发展中心"], "2022-06-30"),
        ("政务公开平台建设", "网站集约化", "2", ["县数字经济发展中心"], "2022-09-30"),
        ("基层政务公开", "标准目录", "3", ["县直有关单位", "各乡镇人民政府"], "2022-12-31")]
    assert result.document.county == "婺源县" and result.document.adcode == "361130"


def test_text_table_with_columns_in_another_order():
    text = ("关于印发2021年政务公开工作要点的通知\n\n"
            "完成时间\t责任单位\t工作任务\t序号\n"
            "2021年3月\t县政府办公室\t制定年度工作要点\t1\n"
            "2021年全年\t县直各部门\t持续推进政策解读\t2\n")
    result = process(text.encode("gb18030"), "plain.txt")
    got = [(t.item_no, t.item, t.lead_units, t.deadline, t.deadline_kind) for t in result.tasks]
    assert got[0] == ("1", "制定年度工作要点", ["县政府办公室"], "2021-03-31", "date")
    assert got[1] == ("2", "持续推进政策解读", ["县直各部门"], "2021-12-31", "date")


def test_html_page_without_named_article_keeps_a_table_with_one_long_cell():
    # no content-named container: the body finder must not descend into the task table's longest cell
    html = ("<html><head><meta charset='utf-8'></head><body><div><div class='x1'>"
            "<p>关于印发工作要点的通知</p><p>各单位：现印发。</p><table>"
            "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
            "<tr><td>1</td><td>" + "做好政策解读工作" * 60 + "</td><td>县政府办</td><td>2021年6月</td></tr>"
            "<tr><td>2</td><td>开展培训</td><td>县司法局</td><td>2021年9月</td></tr>"
            "</table></div><div class='foot'>版权所有</div></div></body></html>")
    result = process(html.encode("utf-8"), "plain.html")
    assert [t.item_no for t in result.tasks] == ["1", "2"]
    assert result.tasks[1].lead_units == ["县司法局"]


def test_html_table_straight_in_the_body():
    html = ("<html><head><meta charset='utf-8'></head><body><table>"
            "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
            "<tr><td>1</td><td>做好解读</td><td>县政府办</td><td>2021年6月</td></tr>"
            "<tr><td>2</td><td>开展培训</td><td></td><td>2021年9月</td></tr></table></body></html>")
    result = process(html.encode("utf-8"), "bare.html")
    assert [(t.item, t.lead_units) for t in result.tasks] == [("做好解读", ["县政府办"]), ("开展培训", [])]


GBK_PAGE = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知-宁陵县人民政府</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="box"><div class="tit">宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知</div>
<div class="info">发布时间:2021-03-18 来源:县政府办</div>
<div id="zoom"><p>各乡镇人民政府,县政府各部门:</p>
<p>现将《宁陵县2021年政务公开工作要点》印发给你们,请结合实际,认真贯彻落实。</p>
<p style="text-align:right">宁陵县人民政府办公室</p><p style="text-align:right">2021年3月15日</p>
<p>(此件公开发布)</p>
<p style="text-align:center"><strong>宁陵县2021年政务公开工作要点</strong></p>
<p>为深入推进全县政务公开工作,现提出如下要点。</p><p>一、推进决策公开。重要决策事项在决策前向社会公开征求意见。</p>
</div></div><div class="footer">主办:宁陵县人民政府办公室</div></body></html>"""


def test_html_notice_whose_title_block_stands_outside_the_article():
    # the article holds the letter, its signature and the annex's heading; the notice's title is the page's
    doc = process(GBK_PAGE.encode("gbk"), "ningling.html").document
    assert doc.title == "宁陵县人民政府办公室关于印发宁陵县2021年政务公开工作要点的通知"
    assert (doc.issuer, doc.issue_date, doc.county) == ("宁陵县人民政府办公室", "2021-03-15", "宁陵县")
