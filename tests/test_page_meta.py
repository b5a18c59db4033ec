"""A web page's metadata box (索引号, 发文字号, 成文日期 …) however it is laid out, kept out of the tasks,
and the page's own headline against a column name. Files: tests/html/issue-*.html and
tests/txt/issue-*.txt, built by tests/fixtures/build_page_meta.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.html import HtmlExtractor
from extractors.text import TextExtractor, box_pairs, is_meta_line, labelled_row, meta_pairs
from pipeline.run import process

TESTS = Path(__file__).resolve().parent
TITLE = "某县人民政府办公室关于印发某县2022年政务公开工作要点的通知"
BOX = {"索引号": "000014349/2022-12001", "信息分类": "综合政务", "发文机关": "某县人民政府办公室",
       "成文日期": "2022-03-18", "发文字号": "某府办字〔2022〕15号", "发布日期": "2022-03-21"}
# the annex table of every page: (item, lead unit, deadline)
TASKS = [("做好财政预决算信息公开。", ["县财政局"], "每年12月31日前"),
         ("推进重大建设项目信息公开。", ["县发改委"], "2022年第三季度"),
         ("做好义务教育领域信息公开。", ["县教育局"], "6月底前")]
LETTER = "各乡镇人民政府，县政府各部门：《某县2022年政务公开工作要点》已经县政府同意，现印发给你们，请认真贯彻落实。" * 3


def run(name: str):
    path = TESTS / name
    return process(path.read_bytes(), path.name)


def tasks_of(result) -> list[tuple]:
    return [(t.table, t.item, t.lead_units, t.deadline_text) for t in result.tasks]


# --------------------------------------------------------------------------
# 1. Labels without a colon: <dt>/<dd>, <th>/<td>, <td>/<td>
# --------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["dl", "th", "td"])
def test_box_labels_without_colons_are_read_from_the_cells(layout):
    result = run(f"html/issue-meta-box-{layout}-without-colons.html")
    doc = result.document
    assert doc.meta == BOX
    assert (doc.doc_number, doc.issue_date) == ("某府办字〔2022〕15号", "2022-03-18")
    # the year of a deadline written without one comes from the 成文日期 the box gives
    last = result.tasks[-1]
    assert (last.deadline, last.deadline_kind, last.flags) == ("2022-06-30", "date", ["year_inferred"])


def test_cells_that_are_no_box_give_no_pairs():
    assert box_pairs([["序号", "公开事项", "公开时限", "公开方式"], ["1", "财政预算", "20个工作日", "主动公开"]]) is None
    assert box_pairs([["工作任务", "具体内容"], ["县政府办", "负责日常监管"]]) is None
    # a layout table: an info line in a row of its own, the article in another
    assert box_pairs([["发布时间：2022-03-29 来源：县政府办"], ["各乡镇人民政府：现将方案印发给你们，请认真贯彻落实。"]]) is None
    assert box_pairs([["索引号", "x", "发布机构", "y"], ["文号", "", "有效性", "有效"]]) == [
        ("索引号", "x"), ("发布机构", "y"), ("文号", ""), ("有效性", "有效")]


# --------------------------------------------------------------------------
# 2. The box inside the article: meta, never a task table
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["issue-meta-table-in-article.html", "issue-meta-table-in-article-without-colons.html"])
def test_box_inside_the_article_is_meta_not_a_task_table(name):
    result = run(f"html/{name}")
    assert tasks_of(result) == [(0, item, units, deadline) for item, units, deadline in TASKS]
    assert result.document.meta == BOX and result.document.doc_number == "某府办字〔2022〕15号"
    raw = HtmlExtractor().extract((TESTS / "html" / name).read_bytes())
    assert len(raw.tables) == 1 and "000014349/2022-12001" in raw.chrome_text


# --------------------------------------------------------------------------
# 3. A column's name as the page's <h1>
# --------------------------------------------------------------------------

def test_column_name_headline_gives_way_to_a_formal_page_title():
    raw = HtmlExtractor().extract((TESTS / "html" / "issue-h1-column-name.html").read_bytes())
    assert raw.title_hint == TITLE
    assert all(p.text != "通知公告" for p in raw.paragraphs)
    assert run("html/issue-h1-column-name.html").document.title == TITLE


def test_column_name_is_the_hint_when_the_page_title_is_no_formal_title():
    page = ('<html><head><meta charset="utf-8"><title>通知公告_某县人民政府</title></head><body>'
            f'<h1>通知公告</h1><div id="zoom"><p>{LETTER}</p></div></body></html>')
    assert HtmlExtractor().extract(page.encode()).title_hint == "通知公告"


def test_first_headline_that_is_not_a_column_name_wins():
    page = ('<html><head><meta charset="utf-8"><title>某县人民政府</title></head><body>'
            f'<h1>信息公开目录</h1><h1>{TITLE}</h1><div id="zoom"><p>{LETTER}</p></div></body></html>')
    assert HtmlExtractor().extract(page.encode()).title_hint == TITLE


# --------------------------------------------------------------------------
# 4. A page copied as text, the pairs set apart by tabs
# --------------------------------------------------------------------------

def test_tab_separated_box_and_footer_are_meta_and_chrome_not_tasks():
    result = run("txt/issue-page-copy-tab-meta.txt")
    assert tasks_of(result) == [(0, item, units, deadline) for item, units, deadline in TASKS]
    doc = result.document
    assert doc.doc_number == "某府办字〔2022〕17号"
    assert {k: doc.meta[k] for k in ("索引号", "成文日期", "文号", "信息来源")} == {
        "索引号": "000014349/2022-00412", "成文日期": "2022年04月09日", "文号": "某府办字〔2022〕17号",
        "信息来源": "县政府办"}
    raw = TextExtractor().extract((TESTS / "txt" / "issue-page-copy-tab-meta.txt").read_bytes())
    assert "网站标识码：3600000001" in raw.chrome_text


@pytest.mark.parametrize("line, flat", [
    ("索 引 号：\tx/2022-1\t主题分类：\t政务公开", "索引号：x/2022-1  主题分类：政务公开"),
    ("文　　号：\t\t发布日期：\t2022年04月12日", "文号：  发布日期：2022年04月12日"),
    ("主办：某县人民政府办公室\t网站标识码：3600000001\t赣ICP备05004561号-1",
     "主办：某县人民政府办公室  网站标识码：3600000001  赣ICP备05004561号-1"),
    ("序号\t工作任务\t具体事项\t牵头单位\t配合单位\t完成时限", None),
    ("序号\t公开事项\t公开内容\t公开依据\t公开时限\t公开主体\t公开方式", None),
    ("1\t加强政策解读\t政策文件与解读材料同步\t县政府办\t县直各单位\t长期坚持", None),
    ("牵头单位：县政府办\t完成时限：2022年底前", None),
])
def test_labelled_row(line, flat):
    assert labelled_row(line) == flat


# --------------------------------------------------------------------------
# 5. A value ends at the next label, known or not, and at the page's tools
# --------------------------------------------------------------------------

def test_values_end_where_the_page_furniture_begins():
    doc = run("html/issue-meta-value-runs-into-counter.html").document
    assert {k: doc.meta[k] for k in ("索引号", "信息来源", "来源")} == {
        "索引号": "000014349/2022-04512", "信息来源": "县政府办", "来源": "某县政府办"}


@pytest.mark.parametrize("line, pairs", [
    ("发布时间：2021-04-20\u3000来源：县政府办\u3000浏览次数：1362\u3000【字体：大 中 小】",
     [("发布时间", "2021-04-20"), ("来源", "县政府办")]),
    ("来源：泰和县政府办作者：刘某某点击：245【字体：大中小】", [("来源", "泰和县政府办")]),
    ("信息来源：县政府办浏览次数：802", [("信息来源", "县政府办")]),
    ("索 引 号：000014349/2021-04512分 类：政务公开", [("索引号", "000014349/2021-04512")]),
    ("文号：赣府字【2021】3号 发布时间：2021-04-12 09:15", [("文号", "赣府字【2021】3号"), ("发布时间", "2021-04-12 09:15")]),
    ("文号：东政办〔2020〕1号发文日期：2020-08-03", [("文号", "东政办〔2020〕1号"), ("发文日期", "2020-08-03")]),
])
def test_meta_pairs_end_at_other_labels(line, pairs):
    assert meta_pairs(line) == pairs
    assert is_meta_line(line)


def test_a_label_value_table_of_another_document_inside_the_article_stays_the_articles():
    # a 废止决定 tabulates the repealed document's 文号/成文日期/发文机关: no label only sites use, so no box
    page = ("<html><head><meta charset='utf-8'><title>某县人民政府关于废止部分规范性文件的决定_某县人民政府</title></head>"
            "<body><h1>某县人民政府关于废止部分规范性文件的决定</h1><div id='zoom'>"
            "<p>经县人民政府研究，决定废止下列规范性文件，自公布之日起停止执行。请各单位做好衔接工作。</p>"
            "<table border=1><tr><td>文件名称</td><td>某县人民政府关于加强城市管理的通知</td></tr>"
            "<tr><td>文号</td><td>某府发〔2015〕3号</td></tr><tr><td>成文日期</td><td>2015年3月1日</td></tr>"
            "<tr><td>发文机关</td><td>某县人民政府</td></tr><tr><td>处理意见</td><td>废止</td></tr></table>"
            "<p>某县人民政府</p><p>2022年6月10日</p></div></body></html>")
    from pipeline.run import process
    doc = process(page.encode("utf-8"), "repeal.html").document
    assert (doc.doc_number, doc.issue_date) == (None, "2022-06-10")
    assert "文号" not in doc.meta
