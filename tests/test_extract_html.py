"""HtmlExtractor on the sample pages and on small pages built for one quirk each."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.html import HtmlExtractor, declared_charset, flatten_deep, max_depth, span_value
from pipeline.errors import EmptyDocument, TooLarge
from pipeline.run import process
from extractors.base import Limits
from pipeline.model import Paragraph, RawDocument
from _helpers import all_text, row_texts

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SPAM = ("林口县", "沛县", "淮阳县", "英超", "欧美")


def read(name: str) -> RawDocument:
    return HtmlExtractor().extract((CORPUS / name).read_bytes())


def page(body: str, head: str = '<meta charset="utf-8">', encoding: str = "utf-8") -> RawDocument:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return HtmlExtractor().extract(html.encode(encoding))






@pytest.fixture(scope="module")
def donghu() -> RawDocument:
    return read("donghu_2020.html")


@pytest.fixture(scope="module")
def dongzhi() -> RawDocument:
    return read("dongzhi_2020.html")


# --------------------------------------------------------------------------
# donghu_2020.html: GBK, traditional, chrome all around, two annex tables
# --------------------------------------------------------------------------

def test_donghu_is_decoded_from_gbk(donghu):
    text = all_text(donghu)
    assert "東湖區(qū)人民政府辦公室" in text
    assert "\ufffd" not in text


def test_donghu_tables_and_shapes(donghu):
    tasks, catalog = donghu.tables
    # header + 26 task rows (group 8 restated at item 21 stays a row of its own)
    assert (tasks.n_rows, tasks.n_cols) == (27, 6) and tasks.spans_known
    assert row_texts(tasks, 0) == ["序號", "工作任務", "具體事項", "責任單位", "指導單位", "完成時間"]
    assert tasks.text(1, 2) == "(1)梳理規(guī)范基層政府權責清單"
    # rowspan=3: one Cell object covers rows 1-3 of 序號 and 工作任務
    assert tasks.grid[3][0] is tasks.grid[1][0] and tasks.text(3, 1) == "梳理基層政務公開事項"
    assert tasks.is_continuation(3, 1) and not tasks.is_continuation(21, 0)
    assert tasks.text(21, 0) == "8" and tasks.text(21, 2).startswith("(21)")
    assert tasks.text(26, 5) == "2022年6月底前"
    # 标准目录 template: two header rows, colspans, check-box lines kept as lines
    assert (catalog.n_rows, catalog.n_cols) == (4, 12)
    assert catalog.text(0, 1) == "公開\n事項" and catalog.grid[0][1] is catalog.grid[0][2]
    assert row_texts(catalog, 1)[1:3] == ["一級事項", "二級事項"]
    assert catalog.grid[3][1] is catalog.grid[2][1]   # 最低生活保障 spans both rows
    assert catalog.text(2, 7).splitlines()[1].startswith("■兩微一端")
    assert catalog.text(2, 8) == ""


def test_donghu_meta_block(donghu):
    assert donghu.meta == {
        "索引號": "A25010-9857-4081-9798-4389-3938",
        "發(fā)布機構": "東湖區(qū)百花洲街道",
        "生成日期": "2020-07-08",
        "有效性": "有效",
        "公開范圍": "面向全社會",
        "公開方式": "主動公開",
    }   # keys as written; 主題分類 and 文件編號 are empty on the page and left out


def test_donghu_chrome_is_kept_out(donghu):
    body = all_text(donghu)
    for word in SPAM + ("分享到", "網站標識碼", "當前位置", "微博", "手機掃碼", "索引號"):
        assert word not in body, word
    assert "網站標識碼:3601020001" in donghu.chrome_text
    assert "贛ICP備05005744號-2" in donghu.chrome_text
    assert "南昌東湖網站" in donghu.chrome_text          # <meta name=SiteName>
    for word in SPAM:
        assert word not in donghu.chrome_text, word


def test_donghu_body_and_title(donghu):
    paragraphs = [p.text for p in donghu.paragraphs]
    assert paragraphs[0].startswith("東湖區(qū)人民政府辦公室印發(fā)")
    assert "2020年7月3日" in paragraphs
    assert "" not in paragraphs and all(p == p.strip() for p in paragraphs)
    assert donghu.title_hint == ("東湖區(qū)人民政府辦公室印發(fā)《東湖區(qū)關于全面推進基層政務公開"
                                 "標準化規(guī)范化的實施方案》的通知")
    # blocks keep document order: annex caption, table, next annex, table, notes
    kinds = [type(b).__name__ for b in donghu.blocks]
    first_table = kinds.index("Table")
    assert donghu.blocks[first_table - 1].text.startswith("基層政務公開標準化")
    assert isinstance(donghu.blocks[-1], Paragraph) and donghu.blocks[-1].text.startswith("7.公開對象")


# --------------------------------------------------------------------------
# dongzhi_2020.html: UTF-8, broken title, domain table, task table
# --------------------------------------------------------------------------

def test_dongzhi_tables(dongzhi):
    domains, tasks = dongzhi.tables
    assert (domains.n_rows, domains.n_cols) == (27, 4)
    assert row_texts(domains, 0) == ["序号", "试点领域基层政务公开标准目录", "编制国务院部门", "牵头县直单位"]
    assert domains.text(20, 2) == "文化和旅游部\n国家文物局"
    assert (tasks.n_rows, tasks.n_cols) == (37, 6)
    assert row_texts(tasks, 0) == ["序号", "工作任务", "具体事项", "主体责任单位", "主管责任单位", "完成时间"]
    assert tasks.grid[6][1] is tasks.grid[1][1] and tasks.text(6, 1) == "编制政务公开事项目录"
    assert tasks.text(28, 5) == "" and tasks.text(36, 5) == "持续推进"


def test_dongzhi_body_title_and_chrome(dongzhi):
    paragraphs = [p.text for p in dongzhi.paragraphs]
    title = "东至县人民政府办公室关于印发东至县全面推进基层政务公开标准化规范化工作实施方案的通知"
    assert dongzhi.title_hint == title
    assert paragraphs[0] == title                     # the <h1>, outside the article div
    assert "东政办秘〔2020〕64号" in paragraphs
    assert paragraphs[-1].startswith("抄送")
    assert dongzhi.meta == {}
    body = all_text(dongzhi)
    for word in ("打印本页", "关闭窗口", "您当前的位置", "版权所有"):
        assert word not in body
    assert "东至县人民政府 版权所有" in dongzhi.chrome_text


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------

BODY = "<div id='zoom'><p>东至县人民政府办公室关于印发工作方案的通知</p></div>"


def test_gbk_page_declared_utf8():
    doc = page(BODY, head='<meta charset="utf-8">', encoding="gbk")
    assert doc.paragraphs[0].text == "东至县人民政府办公室关于印发工作方案的通知"


def test_utf8_page_declared_gbk():
    doc = page(BODY, head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    assert doc.paragraphs[0].text == "东至县人民政府办公室关于印发工作方案的通知"


def test_gb18030_only_character_in_gb2312_page():
    body = "<p>䶮字是GB18030才有的字，镕也是</p>"
    doc = page(body, head='<meta charset="gb2312">', encoding="gb18030")
    assert doc.paragraphs[0].text == "䶮字是GB18030才有的字，镕也是"


def test_bom_wins_over_declaration():
    html = '<html><head><meta charset="gbk"></head><body><p>政务公开</p></body></html>'
    doc = HtmlExtractor().extract(b"\xef\xbb\xbf" + html.encode("utf-8"))
    assert doc.paragraphs[0].text == "政务公开"
    doc = HtmlExtractor().extract(b"\xff\xfe" + html.encode("utf-16-le"))
    assert doc.paragraphs[0].text == "政务公开"


def test_declared_charset_sniffing():
    assert declared_charset(b'<meta charset="GBK">') == "GBK"
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />') == "gb2312"
    assert declared_charset(b'<?xml version="1.0" encoding="GB18030"?><html>') == "GB18030"
    assert declared_charset(b"<html><p>no declaration</p>") is None


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

def test_rowspan_colspan_and_bad_values():
    body = """<div class="content"><table>
      <tr><th>序号</th><th colspan="2">具体要求</th><th>完成时间</th></tr>
      <tr><td rowspan="0">1</td><td>(1)</td><td>梳理清单</td><td rowspan="abc">8月底</td></tr>
      <tr><td>(2)</td><td>编制目录<br>并公开</td><td rowspan="99999">9月底</td></tr>
      <tr><td colspan="99999">注</td><td colspan="-3">x</td></tr>
    </table></div>"""
    table = page(body).tables[0]
    assert table.grid[0][1] is table.grid[0][2] and table.text(0, 1) == "具体要求"
    assert table.grid[3][0] is table.grid[1][0]           # rowspan=0: to the end of the table
    assert table.text(1, 3) == "8月底" and table.grid[2][3] is not table.grid[1][3]
    assert table.text(2, 2) == "编制目录\n并公开"          # <br> inside a cell
    assert table.grid[2][3].rowspan == 2                   # 99999 clamped to the rows left
    # colspan=99999 clamped to the widest row (4 cells), colspan=-3 read as 1
    assert table.n_rows == 4 and table.n_cols == 1 + 4 + 1
    assert [table.text(3, c) for c in range(6)] == ["1", "注", "注", "注", "注", "x"]


def test_span_value():
    assert span_value("3", True) == 3
    assert span_value(" 2;", False) == 2
    assert span_value("abc", True) == 1
    assert span_value("0", False) == 1
    assert span_value("0", True) > 1000
    assert span_value("99999999999", False) == 1000
    assert span_value(None, True) == 1


def test_paragraphs_inside_cells_become_lines():
    body = ("<div id='zoom'><table><tr><td><p>区直各有关部门</p><p>&nbsp;</p><p>同（3）</p></td>"
            "<td><div>a</div>b</td></tr></table></div>")
    table = page(body).tables[0]
    assert table.text(0, 0) == "区直各有关部门\n\n同（3）"
    assert table.text(0, 1) == "a\nb"


def test_nested_table_goes_into_the_cell():
    body = """<div class="article"><table>
      <tr><td>序号</td><td>责任单位</td></tr>
      <tr><td>1</td><td>县政府办<table><tr><td>县财政局</td><td>牵头</td></tr>
          <tr><td>县民政局</td><td>配合</td></tr></table></td></tr></table></div>"""
    doc = page(body)
    assert len(doc.tables) == 1
    assert doc.tables[0].text(1, 1) == "县政府办\n县财政局 牵头\n县民政局 配合"


def test_layout_table_is_unwrapped():
    body = """<table><tr><td><div id="zoom"><p>关于印发方案的通知</p>
      <table><tr><td>序号</td><td>工作任务</td></tr><tr><td>1</td><td>编制目录</td></tr></table>
      <p>抄送：县委办公室</p></div></td></tr></table>"""
    doc = page(body)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert doc.tables[0].text(1, 1) == "编制目录"
    single = page("<div class='content'><table><tr><td>只有一格的排版表</td></tr>"
                  "<tr><td>第二行</td></tr></table></div>")
    assert [p.text for p in single.paragraphs] == ["只有一格的排版表", "第二行"]
    assert single.tables == []


def test_huge_table_cell():
    big = "县政府办公室、" * (5 * 1024 * 1024 // 21)
    body = f"<div id='zoom'><table><tr><td>序号</td><td>{big}</td></tr><tr><td>1</td><td>x</td></tr></table></div>"
    doc = page(body)   # read in full; its time is in tests/bench/bench_normalizers.py (big_cell.html)
    assert doc.tables[0].text(0, 1) == big


def test_one_cell_per_paragraph_table():
    labels = ["序号", "工作任务", "具体事项", "责任单位", "完成时间"]
    cells = labels + ["1", "梳理事项", "(1)梳理权责清单", "区审批局", "2020年7月底前",
                      "(2)梳理服务清单", "区政府办", "2020年8月底前",
                      "2", "编制目录", "(3)编制目录", "区直各部门", "2020年9月底前"]
    body = ("<div id='zoom'><p>附件1</p><p>任务分工</p>" + "".join(f"<p>{c}</p>" for c in cells)
            + "<p>抄送：县委办公室。</p></div>")
    doc = page(body)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols) == (4, 5) and not table.spans_known
    assert row_texts(table, 0) == labels
    # the row without 序号/工作任务 (merged in the source) keeps its cells on the right
    assert row_texts(table, 2) == ["", "", "(2)梳理服务清单", "区政府办", "2020年8月底前"]
    assert row_texts(table, 3)[:2] == ["2", "编制目录"]


# --------------------------------------------------------------------------
# Chrome, hidden spam, metadata
# --------------------------------------------------------------------------

def test_hidden_spam_is_dropped_everywhere():
    body = """
      <style>.lk{display:none} @media (max-width:600px){.wide{display:none}}</style>
      <div class="nav">首页 | 政务公开</div>
      <div class="content"><p>正文第一段，东至县人民政府。</p>
        <p class="wide">宽屏才显示的正文</p>
        <span style="display: none">隐藏的沛县</span><p style="font-size:0px">字号为零的林口县</p>
        <p style="position:absolute;left:-9999px">屏幕外的淮阳县</p><p hidden>属性隐藏的英超</p></div>
      <div class="lk">样式表隐藏的贺兰县|邢台县|沂水县|阳谷县|桑植县|皋兰县</div>
      <div class="footer">网站标识码：3417210001 皖ICP备0000号</div>"""
    doc = page(body)
    text = all_text(doc)
    assert "正文第一段" in text and "宽屏才显示的正文" in text
    for word in ("沛县", "林口县", "淮阳县", "英超", "贺兰县", "首页", "网站标识码"):
        assert word not in text, word
        if word not in ("首页", "网站标识码"):
            assert word not in doc.chrome_text, word
    assert "网站标识码：3417210001" in doc.chrome_text and "首页" in doc.chrome_text


def test_article_is_the_content_block_with_most_text():
    body = """<div class="content-title">短标题</div>
      <div id="sidebar"><p>热点新闻一</p><p>热点新闻二</p></div>
      <div class="TRS_Editor"><p>第一段正文内容比较长，说明这是正文。</p><p>第二段正文。</p></div>"""
    doc = page(body)
    assert [p.text for p in doc.paragraphs] == ["第一段正文内容比较长，说明这是正文。", "第二段正文。"]
    assert "热点新闻一" in doc.chrome_text and "短标题" in doc.chrome_text


def test_density_fallback_without_content_names():
    body = """<div><a href="/">首页</a> <a href="/a">新闻</a> <a href="/b">公开</a></div>
      <div><div><p>这是一篇没有任何内容类名的正文，第一段。</p><p>第二段也在这里。</p></div></div>
      <div><a href="/c">友情链接</a></div>"""
    doc = page(body)
    assert [p.text for p in doc.paragraphs] == ["这是一篇没有任何内容类名的正文，第一段。", "第二段也在这里。"]
    assert "友情链接" in doc.chrome_text


def test_table_based_meta_block_and_title_suffix():
    body = """<table class="xxgk"><tr><td>索引号：</td><td>11341721-2020-00123</td>
        <td>发文字号：</td><td>东政办秘〔2020〕64号</td></tr>
        <tr><td>发布日期：</td><td>2020-08-14</td><td>主题分类：</td><td></td></tr></table>
      <dl><dt>成文日期：</dt><dd>2020-08-14</dd></dl>
      <div id="zoom"><p>各乡镇人民政府，县政府各部门：现将《方案》印发给你们，请认真贯彻落实。</p></div>"""
    doc = page(body, head='<meta charset="utf-8"><title>关于印发方案的通知_东至县人民政府</title>')
    assert doc.meta == {"索引号": "11341721-2020-00123", "发文字号": "东政办秘〔2020〕64号",
                        "发布日期": "2020-08-14", "成文日期": "2020-08-14"}
    assert doc.title_hint == "关于印发方案的通知"


def test_title_keeps_a_dash_that_is_not_a_site_suffix():
    doc = page("<div id='zoom'><p>正文</p></div>",
               head="<meta charset='utf-8'><title>2020-2022年政务公开工作要点</title>")
    assert doc.title_hint == "2020-2022年政务公开工作要点"


# --------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------

def test_xxe_is_never_resolved():
    html = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<html><body><div id="zoom"><p>a &e; b</p><p>正文</p></div></body></html>')
    doc = HtmlExtractor().extract(html.encode())
    everything = all_text(doc) + doc.chrome_text + str(doc.meta)
    assert "root:" not in everything
    assert "ENTITY" not in everything and "]>" not in everything
    assert "正文" in everything


def test_deeply_nested_html_finishes():
    depth = 200_000
    html = ("<html><body><div id='zoom'><p>开头</p>" + "<div>" * depth + "最深处的文字"
            + "</div>" * depth + "<p>结尾</p></div></body></html>")
    doc = HtmlExtractor().extract(html.encode())   # its time: tests/bench/bench_normalizers.py (deep.html)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "开头" and texts[-1] == "结尾"
    assert any("最深处的文字" in t for t in texts)


def test_flatten_deep_keeps_text_and_bounds_depth():
    markup = "<div>" * 1000 + "x" + "</div>" * 1000
    flat = flatten_deep(markup, limit=50)
    assert max_depth(flat) == 50 and "x" in flat
    assert flatten_deep("<div><p>a<p>b</div>", limit=50) == "<div><p>a<p>b</div>"
    # unclosed <p>/<li>/<td> do not count as depth: the parser closes them
    assert max_depth("<p>a" * 5000) == 0


@pytest.mark.parametrize("markup", [
    "<div>" * 1000 + "x" + "</div>" * 1000,
    "<DIV><Span>" * 300 + "<br/><img src=a><p>b" * 50 + "</span></div>" * 300,
    "<div><a<span>x</span></div><div/>" * 40 + "<table><tr><td><div>" * 120,
    "<p>a<li>b<td>c" * 2000,
    (CORPUS / "donghu_2020.html").read_bytes().decode("gb18030"),
    (CORPUS / "dongzhi_2020.html").read_text("utf-8"),
])
def test_depth_bound_never_below_the_depth(markup: str) -> None:
    """The cheap bound that lets a page skip the depth walk is never below the walked depth,
    and a page is flattened exactly when it is deeper than the limit."""
    from extractors.html import depth_bound
    assert depth_bound(markup) >= max_depth(markup)
    for limit in (3, 50, 400):
        flat = flatten_deep(markup, limit)
        assert (flat == markup) == (max_depth(markup) <= limit)


def test_empty_and_oversized_input():
    with pytest.raises(EmptyDocument):
        HtmlExtractor().extract(b"")
    with pytest.raises(EmptyDocument):
        HtmlExtractor().extract(b"<html><body><script>var a=1;</script></body></html>")
    with pytest.raises(TooLarge):
        HtmlExtractor().extract(b"<p>x</p>" * 100, Limits(max_file_bytes=100))


# --------------------------------------------------------------------------
# Page headline against the notice's own title; Word tables pasted as <p>s
# --------------------------------------------------------------------------

NOTICE_TITLE = "某县人民政府办公室关于印发政务公开工作实施方案的通知"


def test_short_headline_does_not_go_before_the_formal_title():
    doc = page(f'<h1>某县政务公开实施方案</h1><div id="zoom"><p>某政办发〔2020〕1号</p>'
               f'<p>{NOTICE_TITLE}</p><p>各乡镇人民政府：</p></div>')
    assert [p.text for p in doc.paragraphs][:2] == ["某政办发〔2020〕1号", NOTICE_TITLE]
    assert doc.title_hint == "某县政务公开实施方案"


def test_formal_headline_still_opens_an_article_without_one():
    doc = page(f'<h1>{NOTICE_TITLE}</h1><div id="zoom"><p>某政办发〔2020〕1号</p><p>各乡镇人民政府：</p></div>')
    assert doc.paragraphs[0].text == NOTICE_TITLE


def test_pasted_table_without_serial_column_keeps_group_cells_in_their_rows():
    cells = ["附件：某县任务分工表", "工作任务", "具体事项", "责任单位", "完成时间",
             "梳理公开事项", "（1）梳理权责清单", "县司法局", "2020年8月底前",
             "（2）编制标准目录", "县直各部门", "2020年9月底前",
             "完善公开方式", "（3）规范政府网站", "县政府办", "持续推进", "注：按时报送。"]
    doc = page('<div class="TRS_Editor">' + "".join(f"<p>{c}</p>" for c in cells) + "</div>")
    (table,) = doc.tables
    assert [row_texts(table, r) for r in range(table.n_rows)] == [
        ["工作任务", "具体事项", "责任单位", "完成时间"],
        ["梳理公开事项", "（1）梳理权责清单", "县司法局", "2020年8月底前"],
        ["", "（2）编制标准目录", "县直各部门", "2020年9月底前"],
        ["完善公开方式", "（3）规范政府网站", "县政府办", "持续推进"],
    ]
    assert doc.paragraphs[0].text == "附件：某县任务分工表" and doc.paragraphs[-1].text == "注：按时报送。"


@pytest.mark.parametrize("markup", [
    (CORPUS / "donghu_2020.html").read_bytes().decode("utf-8", "replace"),
    # text and elements after </body> and </html>, a <style> and <meta> in the body, no <head>
    '<p>a<span>b</span></p><style>.x{display:none}</style><meta name="k" content="v"></body><div>late</div>'
    '</html><table><tr><td>t</td></tr></table>',
    "plain text without a single element",
])
def test_all_tags_is_find_all_in_one_traversal(markup: str) -> None:
    """The reader's one traversal finds what bs4's find_all(True) finds, in the same order, and
    the root's own elements as the run of them that starts at the root."""
    from bs4 import BeautifulSoup
    from extractors.html import all_tags
    soup = BeautifulSoup(markup, "lxml")
    for root in (soup.body or soup, soup):
        every, inside = all_tags(soup, root)
        assert every == soup.find_all(True)
        assert [id(t) for t in every] == [id(t) for t in soup.find_all(True)]
        assert [id(t) for t in inside] == [id(t) for t in [root, *root.find_all(True)]]
    if soup.body is not None:
        first = soup.body.find(True)
        if first is not None:   # an inner element as the root: its run ends before the elements after it
            _, inside = all_tags(soup, first)
            assert [id(t) for t in inside] == [id(t) for t in [first, *first.find_all(True)]]


_LAZY_CHECK = """
import sys
import extractors.html
from bs4 import BeautifulSoup
import soupsieve   # an import statement reads the module's __spec__: that alone must not run it
before = "soupsieve.css_parser" in sys.modules
doc = extractors.html.HtmlExtractor().extract('<p class="a">一</p><p>二</p>'.encode())
after_read = "soupsieve.css_parser" in sys.modules
soup = BeautifulSoup('<div><p class="a">一</p><p>二</p></div>', "lxml")
picked = [p.get_text() for p in soup.select("p.a")]
print(before, after_read, picked == ["一"], "soupsieve.css_parser" in sys.modules, soupsieve.__name__)
"""


def test_soupsieve_loads_only_when_a_selector_is_used() -> None:
    """`import extractors.html` leaves soupsieve's selector parser unloaded (start-up cost), reading a
    page does not load it, and .select() still works when something calls it."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", _LAZY_CHECK], capture_output=True, text=True, cwd=root,
                         env={"PYTHONPATH": str(root), "PATH": ""}, check=True).stdout.split()
    assert out == ["False", "False", "True", "True", "soupsieve"]


_THREADED_FIRST_USE = """
import sys, threading
import extractors.html
from bs4 import BeautifulSoup
soup = BeautifulSoup('<p class="a">一</p>', "lxml")
start, found = threading.Barrier(8), []
def select():
    start.wait()   # eight threads ask for the selector parser at once
    try:
        found.append(len(soup.select("p.a")))
    except Exception as exc:
        found.append(repr(exc))
threads = [threading.Thread(target=select) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(found)
"""


def test_threads_that_first_use_soupsieve_together_all_get_the_whole_module() -> None:
    # the first reader runs the module's code; the others wait for it, never see it half run
    import subprocess
    import sys
    root = Path(__file__).resolve().parent.parent
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", _THREADED_FIRST_USE], capture_output=True, text=True, cwd=root,
                             env={"PYTHONPATH": str(root), "PATH": ""}, check=True).stdout.strip()
        assert out == str([1] * 8)


def test_word_width_row_under_a_group_cell_adds_no_columns():
    # Word's web-page markup ends each table with an empty row of widths (<tr height=0>); the last group
    # cell's rowspan runs into it, and the table goes on after a page break in a second <table>
    widths = '<tr height="0">' + '<td width="60"></td>' * 4 + "</tr>"
    head = "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
    page = ("<html><body><div class='TRS_Editor'><p>某县2023年政务公开重点任务分工表</p>"
            f"<table>{head}<tr><td>1</td><td>（1）公开决策目录</td><td>县政府办公室</td><td>2023年3月底前</td></tr>"
            f"<tr><td rowspan='2'>2</td><td>（2）做好政策解读</td><td>县直各部门</td><td>持续推进</td></tr>{widths}</table>"
            "<p><br clear='all' style='page-break-before:always'></p>"
            f"<table>{head}<tr><td></td><td>（3）回应社会关切</td><td>县委网信办</td><td>2023年6月底前</td></tr>{widths}"
            "</table></div></body></html>")
    tasks = process(page.encode(), "x.html").tasks
    assert [(t.table, t.row, t.item_no, t.lead_units) for t in tasks] == [
        (0, 0, "1", ["县政府办公室"]), (0, 1, "2", ["县直各部门"]), (0, 2, "3", ["县委网信办"])]


LINK_ONLY_PAGE = """<!DOCTYPE html><html><head><meta charset="UTF-8"><title>石台县人民政府办公室关于印发石台县2023年政务公开工作要点的通知_石台县人民政府</title></head>
<body><header><nav><a href="/">首页</a><a href="/public/">政府信息公开</a></nav></header>
<div class="container"><div class="detail-meta"><table class="table-meta">
<tr><td>索引号：</td><td>11341722003183526X/202304-00012</td><td>组配分类：</td><td>政府文件</td></tr>
<tr><td>发布机构：</td><td>石台县政府办</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>文号：</td><td>石政办〔2023〕8号</td><td>发文日期：</td><td>2023-04-12</td></tr></table></div>
<div class="article"><h1>石台县人民政府办公室关于印发石台县2023年政务公开工作要点的通知</h1>
<div class="article-info"><span>发布时间：2023-04-13 10:05</span><span>来源：县政府办</span></div>
<div class="article-content"><p><a href="/files/附件1.docx">附件1.docx</a></p></div></div>
<div class="related-links"><ul><li><a href="/x1.html">石台县人民政府办公室关于印发石台县2022年政务公开工作要点的通知</a></li></ul></div></div>
<footer><p>主办单位：石台县人民政府办公室</p></footer></body></html>"""


def test_a_page_whose_article_is_only_a_link_keeps_its_metadata_box():
    # the article is too short to choose: the container picked holds the 索引号/文号/发文日期 box
    doc = process(LINK_ONLY_PAGE.encode(), "shitai.html").document
    assert (doc.doc_number, doc.issue_date, doc.county) == ("石政办〔2023〕8号", "2023-04-12", "石台县")
    assert doc.meta["索引号"] == "11341722003183526X/202304-00012" and doc.meta["发布机构"] == "石台县政府办"


def test_labels_inside_the_text_stay_out_of_the_pages_metadata():
    # a notice listing the documents it cleaned up, each with its 文号: the page's own box has none
    page = ("<html><body><table class='xxgk'><tr><td>索引号：</td><td>11341721003183526X/202304-00012</td>"
            "<td>发布机构：</td><td>东至县政府办</td></tr></table>"
            "<div class='article'><p>东至县人民政府关于公布规范性文件清理结果的通知</p>"
            "<p>各乡镇人民政府，县政府各部门：</p><p>现将清理结果公布如下。</p>"
            "<p>文件名称：《东至县政务公开办法》 文号：东政〔2015〕3号</p><p>发文机关：东至县人民政府 成文日期：2012年5月4日</p>"
            "</div></body></html>")
    meta = HtmlExtractor().extract(page.encode()).meta
    assert meta == {"索引号": "11341721003183526X/202304-00012", "发布机构": "东至县政府办"}
    assert process(page.encode(), "x.html").document.doc_number is None


# --------------------------------------------------------------------------
# A sheet saved as a web page (Excel's "Save as Web Page", a CMS's export to .xls): no title but its caption row
# --------------------------------------------------------------------------

SHEET_PAGE = Path(__file__).resolve().parent / "html" / "issue-sheet-saved-as-web-page.xls"


def test_a_sheet_saved_as_a_web_page_takes_its_title_and_region_from_the_caption_row():
    result = process(SHEET_PAGE.read_bytes(), SHEET_PAGE.name)
    doc = result.document
    assert doc.format == "html"
    assert doc.title == "安吉县2022年政务公开工作任务分工表"
    assert (doc.province, doc.city, doc.county, doc.adcode) == ("浙江省", "湖州市", "安吉县", "330523")
    assert [(t.item, t.lead_units, t.support_units, t.deadline) for t in result.tasks] == [
        ("做好政府信息主动公开,及时发布规范性文件", ["县司法局"], ["县政府办"], "2022-06-30"),
        ("推进财政预决算公开,细化公开到项目", ["县财政局"], ["各乡镇(街道)"], "2022-12-31"),
        ("完善政务公开专区建设,提供查阅服务", ["县档案馆"], ["县数据资源局"], None)]


def test_caption_rows_of_a_web_page_table_are_paragraphs_before_it_and_stay_in_it():
    raw = HtmlExtractor().extract(SHEET_PAGE.read_bytes())
    assert [type(b).__name__ for b in raw.blocks] == ["Paragraph", "Paragraph", "Table"]
    assert [b.text for b in raw.blocks[:2]] == ["附件2", "安吉县2022年政务公开工作任务分工表"]
    assert raw.tables[0].text(1, 0) == "安吉县2022年政务公开工作任务分工表"
    # a page that says something before the table keeps its own paragraphs: the caption is no title there
    page = SHEET_PAGE.read_bytes().decode("gb2312").replace("<table", "<p>安吉县2022年政务公开工作任务分工表</p><table", 1)
    raw = HtmlExtractor().extract(page.encode("utf-8"))
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)] == ["安吉县2022年政务公开工作任务分工表"]


def test_a_page_with_a_title_of_its_own_keeps_it_over_its_table_caption():
    """A 关于印发X的通知 <title> over an article that is only the table captioned X (the headline a column name)."""
    page = ("<html><head><meta charset='utf-8'><title>关于印发安吉县2022年政务公开重点任务分工表的通知_安吉县人民政府"
            "</title></head><body><h1>通知公告</h1><div class='content'><table border='1'>"
            "<tr><td colspan='4'>安吉县2022年政务公开重点任务分工表</td></tr>"
            "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
            "<tr><td>1</td><td>做好政府信息主动公开</td><td>县司法局</td><td>2022年6月底前</td></tr>"
            "</table></div></body></html>").encode("utf-8")
    raw = HtmlExtractor().extract(page)
    assert [type(b).__name__ for b in raw.blocks] == ["Table"]
    assert process(page, "notice.html").document.title == "关于印发安吉县2022年政务公开重点任务分工表的通知"


# --------------------------------------------------------------------------
# A document saved as a web page by Word or LibreOffice: the heading lines stand before the table's wrapper
# --------------------------------------------------------------------------

HTML_DIR = Path(__file__).resolve().parent / "html"


def test_a_docx_saved_as_a_web_page_by_libreoffice_takes_its_title_from_the_line_above_the_table():
    """LibreOffice writes an empty <title> and the heading as a centred <p> before <center><table>."""
    path = HTML_DIR / "issue-docx-saved-as-web-page-by-libreoffice.html"
    result = process(path.read_bytes(), path.name)
    assert result.document.title == "基层政务公开标准化规范化及政务公开工作任务进度安排"
    assert (result.document.county, result.document.adcode) == ("屯留区", "140405")   # from the units
    assert len(result.tasks) == 25


def test_a_word_web_page_titled_by_its_annex_label_takes_its_title_from_the_paragraphs_before_the_table():
    """Word's filtered HTML: <title>附件2</title>, then 附件2 and the heading (with a bookmark anchor in it)
    in paragraphs before <div align=center><table>, GB2312."""
    path = HTML_DIR / "issue-word-filtered-web-page-titled-annex.htm"
    raw = HtmlExtractor().extract(path.read_bytes())
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)] == ["附件2", "泾阳县2021年政务公开重点工作任务分工表"]
    doc = process(path.read_bytes(), path.name).document
    assert (doc.title, doc.county, doc.adcode) == ("泾阳县2021年政务公开重点工作任务分工表", "泾阳县", "610423")


_BARE_TABLE = ("<div class='box'><table border='1'><tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
               + "".join(f"<tr><td>{k}</td><td>推进第{k}项政务公开重点工作任务</td><td>县政务服务中心</td><td>2022年6月底前</td></tr>"
                         for k in range(1, 13)) + "</table></div>")


@pytest.mark.parametrize("before", [
    "<div>首页 &gt; <a href='/zwgk/'>政务公开</a> &gt; <a href='/tzgg/'>通知公告</a></div>",   # a breadcrumb
    "<p>为深入贯彻落实政务公开工作部署，现将有关任务分工如下，请各单位认真抓好落实。</p>",   # a sentence
    "<table><tr><td>索引号</td><td>001</td></tr></table>"])   # another table
def test_lines_before_a_bare_table_stop_at_a_link_a_sentence_or_a_table(before):
    page = f"<html><head><meta charset='utf-8'></head><body><p>安吉县政务公开任务分工表</p>{before}{_BARE_TABLE}</body></html>"
    raw = HtmlExtractor().extract(page.encode("utf-8"))
    assert "安吉县政务公开任务分工表" not in [b.text for b in raw.blocks if isinstance(b, Paragraph)]
    # with nothing between, the heading line is the document's
    plain = page.replace(before, "")
    assert process(plain.encode("utf-8"), "page.html").document.title == "安吉县政务公开任务分工表"


@pytest.mark.parametrize("before, title", [
    # a site's or office's name above the heading is page furniture: no part of the title
    ("<div>泾阳县人民政府</div><p>安吉县政务公开任务分工表</p>", "安吉县政务公开任务分工表"),
    # LibreOffice's page header
    ("<div title='header'><p>泾阳县人民政府办公室</p></div><p>安吉县政务公开任务分工表</p>", "安吉县政务公开任务分工表"),
    # a breadcrumb written without links
    ("<div>首页 &gt; 政务公开 &gt; 通知公告</div>", None)])
def test_lines_before_a_bare_table_leave_out_page_furniture(before, title):
    page = f"<html><head><meta charset='utf-8'><title></title></head><body>{before}{_BARE_TABLE}</body></html>"
    assert process(page.encode("utf-8"), "page.html").document.title == title


@pytest.mark.parametrize("label", ["附件二", "附件2-1", "附件2："])
def test_a_title_tag_holding_only_an_annex_label_gives_way_to_the_heading(label):
    page = (f"<html><head><meta charset='utf-8'><title>{label}</title></head><body><p>{label}</p>"
            f"<p>安吉县政务公开任务分工表</p>{_BARE_TABLE}</body></html>")
    assert process(page.encode("utf-8"), "page.html").document.title == "安吉县政务公开任务分工表"


_LAYOUT_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>宜良县人民政府</title></head><body>
<table width="980"><tr><td width="200"><table><tr><td><a href="/a">政务动态</a></td></tr>
<tr><td><a href="/b">关于印发宜良县防汛抗旱应急预案的通知</a></td></tr></table></td>
<td><table width="100%"><tr><td>您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/tz">通知公告</a></td></tr>
<tr><td align="center" {title_attrs}>宜良县人民政府办公室关于印发宜良县2021年政务公开工作要点的通知</td></tr>
<tr><td align="center">发布时间：2021-05-12 09:30 来源：县政府办 【<a href="javascript:window.print()">打印</a>】</td></tr>
<tr><td id="fontzoom">
<p>各乡镇人民政府，县级各部门：</p>
<p>现将《宜良县2021年政务公开工作要点》印发给你们，请认真贯彻落实。</p>
<p align="right">宜良县人民政府办公室</p><p align="right">2021年5月10日</p>
<p align="center">宜良县2021年政务公开工作要点</p>
<p>为深入贯彻落实全省政务公开工作部署，结合我县实际，制定本要点。</p>
</td></tr></table></td></tr></table></body></html>"""


def test_a_task_table_inside_a_layout_table_with_a_spacer_column_is_a_table_of_its_own():
    """A layout table of two columns (an empty spacer cell beside the cell that holds the task table) is
    walked into, as a one-column wrapper is (before: the task table became the lines of one cell of a
    two-column "table" and no task was found)."""
    inner = ("<table border='1'><tr><th>序号</th><th>工作任务</th><th>责任单位</th><th>完成时限</th></tr>"
             "<tr><td>1</td><td>推进决策公开</td><td>县司法局</td><td>2021年6月底前</td></tr>"
             "<tr><td>2</td><td>推进执行公开</td><td>县发改局</td><td>2021年12月底前</td></tr></table>")
    body = (f"<div class='TRS_Editor'><p>附件</p><p>2021年政务公开重点任务分工表</p><table width='100%'>"
            f"<tr><td width='10'>&nbsp;</td><td>{inner}</td></tr><tr><td></td><td></td></tr></table></div>")
    raw = page(body)
    (table,) = raw.tables
    assert (table.n_rows, table.n_cols) == (3, 4)
    html = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    tasks = process(html.encode("utf-8"), "page.html").tasks
    assert [(t.item, t.lead_units, t.deadline) for t in tasks] == [
        ("推进决策公开", ["县司法局"], "2021-06-30"), ("推进执行公开", ["县发改局"], "2021-12-31")]


def test_a_column_name_over_the_article_is_no_headline():
    """The name of the page's column (a link of its navigation, 政府信息公开目录) set over the article names a
    kind of document at its end but is no headline: the title stays the body's."""
    data = _LAYOUT_PAGE.replace("{title_attrs}", "").replace(
        "宜良县人民政府办公室关于印发宜良县2021年政务公开工作要点的通知</td>", "宜良县政府信息公开目录</td>").replace(
        '<a href="/a">政务动态</a>', '<a href="/a">宜良县政府信息公开目录</a>').encode("gb18030")
    assert HtmlExtractor().extract(data).title_hint == "宜良县人民政府"


def test_a_font_size_zero_wrapper_whose_children_set_their_own_size_is_shown():
    """`font-size:0` on a wrapper is a layout idiom (no gaps between inline blocks): its children set their
    own size and show (before: the whole article was taken for hidden text and lost). Text hidden by a tiny
    font with no such child stays hidden."""
    body = ("<div class='article-content'><div style='font-size:0;'>"
            "<div style='font-size:16px;line-height:2'><p>各乡镇人民政府，县级各部门：</p>"
            "<p>现将《2021年政务公开工作要点》印发给你们，请认真贯彻落实。</p></div>"
            "<span style='font-size:0px'>英超直播</span>"
            "<table border='1' style='font-size:14px'><tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
            "<tr><td>1</td><td>推进决策公开</td><td>县司法局</td><td>2021年6月底前</td></tr>"
            "<tr><td>2</td><td>推进执行公开</td><td>县发改局</td><td>2021年12月底前</td></tr></table></div></div>")
    raw = page(body)
    assert "现将《2021年政务公开工作要点》印发给你们，请认真贯彻落实。" in [p.text for p in raw.paragraphs]
    assert len(raw.tables) == 1
    assert "英超" not in all_text(raw)


def test_spam_under_a_font_size_zero_wrapper_stays_hidden_whatever_its_children_set():
    """A `font-size:0` wrapper is shown only when every text inside sits in a child of readable size (the
    layout idiom); its own text, a child sized 0pt/0%/0em, or one with line-height:0 is spam's hiding place."""
    letter = "<p>现将《2021年政务公开工作要点》印发给你们，请认真贯彻落实。</p>"
    for spam in ('澳门葡京赌场<span style="font-size:0pt">真人百家乐</span>',
                 '澳门葡京赌场<span style="font-size:0%">真人百家乐</span>',
                 '澳门葡京赌场<span style="font-size:0em">真人百家乐</span>',
                 '澳门葡京赌场真人百家乐<a href="http://x.com" style="font-size:12px"> </a>',
                 '澳门葡京赌场真人百家乐<b style="font-size:1.5em"></b>',
                 '澳门葡京赌场<span style="font-size:14px;color:#fff;line-height:0">真人百家乐</span>'):
        text = all_text(page(f"<div class='article-content'>{letter}<div style='font-size:0'>{spam}</div></div>"))
        assert "现将" in text and "澳门" not in text and "百家乐" not in text, spam
    shown = page(f"<div class='article-content'>{letter}<div style='font-size:0'>"
                 "<span style='display:inline-block;font-size:14px'>正常显示的版式文字内容</span></div></div>")
    assert "正常显示的版式文字内容" in all_text(shown)
