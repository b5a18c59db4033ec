"""Regressions an exploratory tester found running `govnotice fetch` against a mock county site: list entries
cut short, notices shown in an <iframe>, annex names in the query or beside a size, error pages served with
status 200, GBK queries, changed attachments, robots.txt with a BOM, icon links, pdf.js viewers, onclick
links, encoded Content-Disposition names; and the page info line beside a metadata box (extract).
Served from a real HTTP server on 127.0.0.1 (tests/_site.py); pages built here, files from the corpus."""
import base64
import csv
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from _site import CORPUS, FIXTURES, Route, Site, gbk_zip
from pipeline.cli import main
from pipeline.crawl import is_attachment
from pipeline.run import process
from pipeline.web import Link, disposition_filename, page_links

TESTS = Path(__file__).resolve().parent
FAST = ["--allow-private", "--delay", "0", "--timeout", "2", "--retries", "0", "--backoff", "0"]
TITLE = "某县人民政府办公室关于印发某县政务公开工作要点的通知"
DOCX = CORPUS / "tunliu_2020_tasks.docx"
DOCX2 = CORPUS / "jx_county_2022_tasks.docx"
DOCX3 = CORPUS / "variants" / "dongzhi_2020.docx"
PDF = CORPUS / "jiujiang_2020_annex1.pdf"
PDF2 = CORPUS / "variants" / "tunliu_2020_tasks.pdf"
PDF3 = TESTS / "pdfs" / "issue-split-row.pdf"
DOC = FIXTURES / "issue-fetch-annex.doc"
XLS = FIXTURES / "issue-fetch-annex.xls"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(body: str, title: str = TITLE, charset: str = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f"<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>各乡镇人民政府，县直各单位：</p><p>现将有关文件印发给你们，请认真贯彻落实。</p>{body}</body></html>")


def _manifest(folder: Path) -> list[dict]:
    with open(folder / "manifest.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _errors(folder: Path, base: str) -> dict[str, dict]:
    lines = (folder / "fetch-errors.jsonl").read_text(encoding="utf-8").splitlines()
    return {e["url"].removeprefix(base): e for e in map(json.loads, lines)}


def _by_path(folder: Path, base: str) -> dict[str, dict]:
    return {row["url"].removeprefix(base): row for row in _manifest(folder)}


# --------------------------------------------------------------------------
# A notice whose annexes are linked in the ways county sites link them
# --------------------------------------------------------------------------

ANNEXES = "".join(f"<p>{a}</p>" for a in [
    # an icon link first, then the link that names the annex (8)
    f'<a href="/up/{quote("附件1.docx")}"><img src="/img/doc.gif"></a><a href="/up/附件1.docx">附件1：任务分工表.docx</a>',
    # the file named only in the query (3)
    '<a href="/module/download/downfile.jsp?classid=0&amp;filename=2204081533.docx">重点任务分工表</a>',
    # the name with its size after it (3)
    '<a href="/up/down?id=77">进度安排表.pdf （97.4KB）</a>',
    # ;jsessionid after the name (3)
    '<a href="/up/plan.doc;jsessionid=8F3A2B">重点任务进度安排</a>',
    # the URL in onclick (10)
    '<a href="javascript:void(0)" onclick="window.open(\'/up/annex_v2.docx\')">附件5：任务分工表（修订稿）</a>',
    # an expression, not a literal: nothing to follow
    '<a href="javascript:void(0)" onclick="window.open(\'/up/get?id=\' + fid)">附件6：任务表</a>',
    # an error page served with 200 for a .doc link (4)
    '<a href="/up/gone.doc">附件7：任务落实台账.doc</a>',
    # a page of tables published as .xls (an export): kept, as the page it is
    '<a href="/up/export.xls">附件8：任务清单.xls</a>'])


@pytest.fixture(scope="module")
def annexes(tmp_path_factory):
    """`fetch` of the notice page; its folder and the site."""
    out = tmp_path_factory.mktemp("annexes")
    with Site() as site:
        site.routes["/n/1.html"] = Route(_page('<div class="fj"><p>附件：</p>' + ANNEXES + "</div>").encode(), HTML)
        site.routes[f"/up/{quote('附件1.docx')}"] = Route(DOCX.read_bytes())
        site.routes["/module/download/downfile.jsp?classid=0&filename=2204081533.docx"] = Route(DOCX2.read_bytes())
        site.routes["/up/down?id=77"] = Route(PDF.read_bytes(), {"Content-Type": "application/octet-stream"})
        site.routes["/up/plan.doc;jsessionid=8F3A2B"] = Route(DOC.read_bytes())
        site.routes["/up/annex_v2.docx"] = Route(DOCX3.read_bytes())
        site.routes["/up/gone.doc"] = Route("<html><head><title>提示信息</title></head><body><p>对不起，您访问的文件"
                                            "不存在或已被删除！</p></body></html>".encode(), HTML)
        site.routes["/up/export.xls"] = Route((CORPUS / "donghu_2020.html").read_bytes(),
                                              {"Content-Type": "application/vnd.ms-excel"})
        assert main(["fetch", f"{site.base}/n/1.html", "-o", str(out), *FAST]) == 0
    yield {"dir": out, "site": site, "rows": _by_path(out, site.base), "errors": _errors(out, site.base)}


def test_an_icon_link_first_does_not_lose_the_annex_name(annexes):
    row = annexes["rows"][f"/up/{quote('附件1.docx')}"]
    assert row["link_text"] == "附件1：任务分工表.docx"
    assert (annexes["dir"] / row["file"]).read_bytes() == DOCX.read_bytes()


@pytest.mark.parametrize("path, original", [
    ("/module/download/downfile.jsp?classid=0&filename=2204081533.docx", DOCX2),
    ("/up/down?id=77", PDF),
    ("/up/plan.doc;jsessionid=8F3A2B", DOC)])
def test_annexes_named_in_the_query_beside_a_size_or_before_params_are_fetched(annexes, path, original):
    row = annexes["rows"][path]
    assert row["file"].endswith(original.suffix)
    assert (annexes["dir"] / row["file"]).read_bytes() == original.read_bytes()


def test_the_size_after_an_annex_name_is_not_part_of_its_text(annexes):
    assert annexes["rows"]["/up/down?id=77"]["link_text"] == "进度安排表.pdf"


def test_a_url_given_as_a_literal_in_onclick_is_followed(annexes):
    row = annexes["rows"]["/up/annex_v2.docx"]
    assert row["link_text"] == "附件5：任务分工表（修订稿）"
    assert not [p for p, _ in annexes["site"].log if p.startswith("/up/get")]


def test_an_error_page_served_for_a_file_is_an_error_line_and_nothing_is_saved(annexes):
    assert "/up/gone.doc" not in annexes["rows"]
    error = annexes["errors"]["/up/gone.doc"]
    assert error["error"] == "http_error" and "不存在" in error["detail"]
    assert not [p for p in annexes["dir"].iterdir() if p.suffix == ".doc" and b"<html" in p.read_bytes()[:200]]
    # a page of tables under a file's name is no error page: kept, as a page
    export = annexes["rows"]["/up/export.xls"]
    assert export["file"].endswith(".html")


def test_every_annex_of_the_page_is_in_the_manifest(annexes):
    assert set(annexes["rows"]) == {
        "/n/1.html", f"/up/{quote('附件1.docx')}", "/module/download/downfile.jsp?classid=0&filename=2204081533.docx",
        "/up/down?id=77", "/up/plan.doc;jsessionid=8F3A2B", "/up/annex_v2.docx", "/up/export.xls"}


# --------------------------------------------------------------------------
# List pages, embedded files, charsets
# --------------------------------------------------------------------------

def test_a_list_entry_cut_short_is_matched_by_its_title_attribute(tmp_path):
    cut = TITLE[:16] + "..."
    with Site() as site:
        listing = (f'<ul><li><a href="/n/1.html" title="{TITLE}" target="_blank">{cut}</a></li>'
                   '<li><a href="/n/2.html" title="某县召开政务公开工作推进会">某县召开政务公开工作推进会</a></li></ul>')
        site.routes["/list.html"] = Route(_page(listing, "通知公告").encode(), HTML)
        site.routes["/n/1.html"] = Route(_page('<p><a href="/up/a.pdf">附件：任务清单.pdf</a></p>').encode(), HTML)
        site.routes["/up/a.pdf"] = Route(PDF.read_bytes())
        # 工作要点 stands only in the full title, after the cut
        assert main(["fetch", f"{site.base}/list.html", "--follow", "工作要点", "-o", str(tmp_path), *FAST]) == 0
        assert site.requested("/n/1.html") == [200] and not site.requested("/n/2.html")
    links = page_links(site.routes["/list.html"].body, f"{site.base}/list.html")
    assert [link.text for link in links] == [TITLE, "某县召开政务公开工作推进会"]


@pytest.mark.parametrize("element", [
    '<iframe src="/up/{name}" width="100%" height="800"></iframe>',
    '<embed src="/up/{name}" type="application/pdf" width="100%" height="900">',
    '<object data="/up/{name}" type="application/pdf"></object>',
    # a pdf.js viewer, in a frame or linked: its file, not the viewer's page (9)
    '<iframe src="/pdfjs/web/viewer.html?file=/up/{name}"></iframe>',
    '<a href="/pdfjs/web/viewer.html?file=%2Fup%2F{name}" target="_blank">全文.pdf</a>'])
def test_a_notice_shown_in_the_page_is_fetched_as_its_attachment(tmp_path, element):
    name = "quanwen.pdf"
    with Site() as site:
        site.routes["/n/1.html"] = Route(_page(f'<div class="pdf">{element.format(name=name)}</div>').encode(), HTML)
        site.routes[f"/up/{name}"] = Route(PDF2.read_bytes(), {"Content-Type": "application/pdf"})
        site.routes[f"/pdfjs/web/viewer.html?file=/up/{name}"] = Route(b"<html><body>PDF.js viewer</body></html>", HTML)
        site.routes[f"/pdfjs/web/viewer.html?file=%2Fup%2F{name}"] = site.routes[f"/pdfjs/web/viewer.html?file=/up/{name}"]
        assert main(["fetch", f"{site.base}/n/1.html", "-o", str(tmp_path), *FAST]) == 0
        assert not [p for p, _ in site.log if p.startswith("/pdfjs/")]
    rows = _by_path(tmp_path, site.base)
    assert set(rows) == {"/n/1.html", f"/up/{name}"}
    assert (tmp_path / rows[f"/up/{name}"]["file"]).read_bytes() == PDF2.read_bytes()


def test_an_embedded_file_takes_its_encoded_served_name_as_link_text(tmp_path):
    name = "附件：实施方案全文.pdf"
    encoded = "=?UTF-8?B?" + base64.b64encode(name.encode()).decode() + "?="
    with Site() as site:
        site.routes["/n/1.html"] = Route(_page('<iframe src="/view?id=9&amp;file=quanwen.pdf"></iframe>').encode(), HTML)
        site.routes["/view?id=9&file=quanwen.pdf"] = Route(PDF3.read_bytes(),
                                                   {"Content-Disposition": f'inline; filename="{encoded}"'})
        assert main(["fetch", f"{site.base}/n/1.html", "-o", str(tmp_path), *FAST]) == 0
    assert _by_path(tmp_path, site.base)["/view?id=9&file=quanwen.pdf"]["link_text"] == name


def test_a_raw_query_is_encoded_in_the_page_charset_and_the_path_in_utf8(tmp_path):
    body = ('<div class="fj"><p><a href="/dl.jsp?filename=任务分工.doc">附件1：任务分工.doc</a></p>'
            '<p><a href="/up/附件2.pdf">附件2：任务清单.pdf</a></p></div>')
    gbk_query = "/dl.jsp?filename=" + quote("任务分工.doc", encoding="gbk")
    with Site() as site:
        site.routes["/n/1.html"] = Route(_page(body, charset="gbk").encode("gbk"), {"Content-Type": "text/html"})
        site.routes[gbk_query] = Route(DOC.read_bytes())
        site.routes[f"/up/{quote('附件2.pdf')}"] = Route(PDF.read_bytes())
        assert main(["fetch", f"{site.base}/n/1.html", "-o", str(tmp_path), *FAST]) == 0
        assert site.requested(gbk_query) == [200]
    rows = _by_path(tmp_path, site.base)
    assert (tmp_path / rows[gbk_query]["file"]).read_bytes() == DOC.read_bytes()
    assert rows[gbk_query]["link_text"] == "附件1：任务分工.doc"


def test_robots_txt_with_a_bom_is_honoured(tmp_path):
    with Site() as site:
        site.routes["/robots.txt"] = Route(b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /admin/\r\n", {"Content-Type": "text/plain"})
        site.routes["/admin/n.html"] = Route(_page('<a href="/up/a.pdf">附件.pdf</a>').encode(), HTML)
        assert main(["fetch", f"{site.base}/admin/n.html", "-o", str(tmp_path), *FAST]) == 1
        assert not site.requested("/admin/n.html")
    assert _errors(tmp_path, site.base)["/admin/n.html"]["error"] == "robots"


# --------------------------------------------------------------------------
# Re-fetching after an attachment changed
# --------------------------------------------------------------------------

def test_a_changed_attachment_replaces_its_old_version(tmp_path, capsys):
    out, store = tmp_path / "dir", tmp_path / "store"
    body = '<div class="fj"><p>附件：</p><p><a href="/up/task.docx">附件1：任务分工.docx</a></p>' \
           '<p><a href="/up/pack.zip">附件2：材料.zip</a></p></div>'
    with Site() as site:
        site.routes["/n/1.html"] = Route(_page(body).encode(), HTML)
        site.routes["/up/task.docx"] = Route(DOCX.read_bytes())
        site.routes["/up/pack.zip"] = Route(gbk_zip({"附件2-1.docx": DOCX2.read_bytes(), "附件2-2.pdf": PDF.read_bytes()}))
        argv = ["fetch", f"{site.base}/n/1.html", "-o", str(out), *FAST]
        assert main(argv) == 0
        first = {p.name for p in out.iterdir()}
        site.routes["/up/task.docx"] = Route(DOCX3.read_bytes())
        site.routes["/up/pack.zip"] = Route(gbk_zip({"附件2-1.docx": DOCX2.read_bytes()}))
        assert main(argv) == 0
    rows = _manifest(out)
    by_url = {}
    for row in rows:
        by_url.setdefault(row["url"].removeprefix(site.base), []).append(row["file"])
    assert sorted(by_url) == ["/n/1.html", "/up/pack.zip", "/up/task.docx"]
    assert [len(files) for files in by_url.values()] == [1, 1, 1]
    assert (out / by_url["/up/task.docx"][0]).read_bytes() == DOCX3.read_bytes()
    # the old versions are gone from DIR, so extract reads each URL once
    gone = first - {p.name for p in out.iterdir()}
    assert len(gone) == 3  # the old .docx, the old zip and its .pdf member
    assert main(["extract", str(out), "-o", str(store)]) == 0
    documents = [json.loads(line) for line in (store / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(d["url"].removeprefix(site.base) for d in documents) == ["/n/1.html", "/up/pack.zip", "/up/task.docx"]


# --------------------------------------------------------------------------
# The pieces
# --------------------------------------------------------------------------

@pytest.mark.parametrize("header, name", [
    (b"attachment; filename*=\"UTF-8''" + quote("附件2：任务清单.pdf").encode() + b'"', "附件2：任务清单.pdf"),
    (b'attachment; filename="=?UTF-8?B?' + base64.b64encode("附件3.docx".encode()) + b'?="', "附件3.docx"),
    (b"attachment; filename==?GBK?B?" + base64.b64encode("任务表.xls".encode("gbk")) + b"?=", "任务表.xls"),
    (b'attachment; filename="=?UTF-8?B?' + base64.b64encode("附件".encode()) + b"?= =?UTF-8?Q?1=E8=A1=A8?=.doc\"",
     "附件1表.doc"),
    (b'attachment; filename="a=?b.doc"', "a=?b.doc")])
def test_encoded_content_disposition_names(header, name):
    assert disposition_filename(header) == name


@pytest.mark.parametrize("url, text, annex", [
    ("http://a.gov.cn/down.jsp?id=3&filename=2204081533.docx", "任务分工表", True),
    ("http://a.gov.cn/down?id=77", "标准目录.xlsx （35.2KB）", True),
    ("http://a.gov.cn/down?id=78", "标准目录.pdf [1.2 MB]", True),
    ("http://a.gov.cn/up/plan.doc;jsessionid=8F3A2B", "进度安排", True),
    ("http://a.gov.cn/list.jsp?page=2&back=index.html", "下一页", False),
    ("http://a.gov.cn/news/1.html", "会议召开（2022年）", False)])
def test_attachment_names_in_the_query_beside_a_size_or_before_params(url, text, annex):
    assert is_attachment(Link(url, text)) is annex


def test_links_take_the_best_text_a_literal_onclick_and_skip_expressions():
    page = ('<a href="/f/a.doc"><img src="i.gif"></a><a href="/f/a.doc">附件1：任务分工</a><a href="/f/a.doc">下载</a>'
            '<a href="#" onclick="location.href=\'/f/b.pdf\';return false;">附件2</a>'
            '<a href="javascript:void(0)" onclick="window.open(\'/f/c?id=\'+id)">附件3</a>'
            '<a href="http://[bad/x.doc">附件4.doc</a>').encode()
    links = page_links(page, "http://a.gov.cn/n/1.html")
    assert [(link.url, link.text) for link in links] == [
        ("http://a.gov.cn/f/a.doc", "附件1：任务分工"), ("http://a.gov.cn/f/b.pdf", "附件2"),
        ("javascript:void(0)", "附件3"), ("http://[bad/x.doc", "附件4.doc")]


# --------------------------------------------------------------------------
# extract: the info line under the headline, beside a metadata box
# --------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["before", "after"])
def test_info_line_under_the_headline_is_split_beside_a_box(where):
    path = TESTS / "html" / f"issue-info-line-under-headline-box-{where}.html"
    meta = process(path.read_bytes(), path.name).document.meta
    assert (meta["发布时间"], meta["来源"], meta["索引号"]) == ("2022-04-08", "县政府办", "001234567/2022-00018")


def test_a_character_the_page_charset_lacks_goes_as_a_browser_sends_it():
    from pipeline.web import resolve
    # Big5 has no 📄: a browser sends &#128196; percent-encoded whole, so the query keeps its .doc name
    url = resolve("http://x.gov.cn/a/b.html", "down.jsp?name=a\U0001F4C4b.doc&id=7", "big5")
    assert url == "http://x.gov.cn/a/down.jsp?name=a%26%23128196%3Bb.doc&id=7"


def test_a_title_attribute_stands_in_for_link_text_only_within_bounds():
    import lxml.html
    from pipeline.web import anchor_text
    huge = lxml.html.fromstring(f'<a href="x.doc" title="{"通知" * 100000}">通知...</a>')
    assert len(anchor_text(huge)) <= 300
    dot = lxml.html.fromstring('<a href="x.doc" title="关于印发某县政务公开实施方案的通知">1.</a>')
    assert anchor_text(dot) == "1."   # a bare number is no start of the title
