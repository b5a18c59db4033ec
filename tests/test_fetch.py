"""`govnotice fetch` against a real HTTP server on 127.0.0.1 serving pages built from the sample corpus."""
import csv
import io
import json
import os
import re
import socket
import zipfile

import pytest

from _site import CORPUS, FIXTURES, ROOT, Listener, Route, Site, build, gbk_zip
from normalizers.text import normalize
from pipeline.cli import build_parser, main
from pipeline.crawl import is_attachment
from pipeline.errors import Blocked, TooLarge
from pipeline.fetch import write_errors, write_rows
from pipeline.run import process
from pipeline.web import AddressPolicy, check_url, disposition_filename, is_public, page_links, zip_members

GOLD = CORPUS / "gold"
FAST = ["--allow-private", "--delay", "0", "--timeout", "2", "--retries", "1", "--backoff", "0", "--max-size", "1"]


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _manifest(folder):
    with open(folder / "manifest.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _gold(name):
    return json.loads((GOLD / f"{name}.gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Two runs of `fetch list.html --follow 实施方案 --extract STORE` against the site; what they left."""
    base = tmp_path_factory.mktemp("fetch")
    with Listener() as other, Site() as site:
        served = build(site, other.port)
        argv = ["fetch", f"{site.base}/list.html", "--follow", "实施方案", "-o", str(base / "dir"),
                "--extract", str(base / "store"), *FAST]
        first = main(argv)
        first_log, first_files = list(site.log), sorted(p.name for p in (base / "dir").iterdir())
        manifest_before = (base / "dir" / "manifest.csv").read_bytes()
        del site.log[:]
        second = main(argv)
        yield {"status": (first, second), "dir": base / "dir", "store": base / "store", "site": site,
               "served": served, "first_log": first_log, "first_files": first_files,
               "manifest_before": manifest_before, "other_connections": other.connections}


def _by_path(crawl):
    """Manifest rows keyed by the served path their URL names."""
    base = crawl["site"].base
    return {row["url"].removeprefix(base): row for row in _manifest(crawl["dir"])}


def test_the_sample_notices_come_out_with_their_tasks(crawl):
    assert crawl["status"] == (0, 0)
    rows = _by_path(crawl)
    documents = {d["source"]: d for d in _jsonl(crawl["store"] / "documents.jsonl")}
    for path, sample in crawl["served"].items():
        doc = documents[rows[path]["file"]]
        assert doc["n_tasks"] == len(_gold(sample)["tasks"]), (path, sample)
    # the .xls annex is a two-task table made for the test (tests/_site.py), read like the others
    xls = documents[rows["/files/annex4.xls"]["file"]]
    assert xls["n_tasks"] == 2
    tasks = _jsonl(crawl["store"] / "tasks.jsonl")
    assert len(tasks) == sum(len(_gold(s)["tasks"]) for s in crawl["served"].values()) + xls["n_tasks"]


def test_pages_are_decoded_whatever_their_charset_says(crawl):
    rows = _by_path(crawl)
    documents = {d["source"]: d for d in _jsonl(crawl["store"] / "documents.jsonl")}
    # GBK without a charset, and GBK served as UTF-8: titles read right, link texts kept right
    for path, sample in (("/notice/donghu.html", "donghu_2020.html"), ("/notice/dongzhi/index.html", "dongzhi_2020.html")):
        assert documents[rows[path]["file"]]["title"] == _gold(sample)["document"]["title"]
    assert rows["/files/download.jsp?id=1"]["link_text"] == "附件1：任务分工.docx"
    assert rows["/files/dz/annex.docx"]["link_text"] == "附件：东至县任务表.docx"  # through <base href>


def test_attachments_keep_bytes_and_type(crawl):
    rows = _by_path(crawl)
    folder = crawl["dir"]
    expected = {"/files/download.jsp?id=1": CORPUS / "tunliu_2020_tasks.docx",  # name from RFC 5987
                "/files/annex2.pdf": CORPUS / "jiujiang_2020_annex1.pdf",       # relative ../ link
                "/files/download.jsp?id=3": FIXTURES / "issue-fetch-annex.doc",  # GBK Content-Disposition
                "/files/annex4.xls": FIXTURES / "issue-fetch-annex.xls"}
    for path, original in expected.items():
        file = rows[path]["file"]
        assert file.endswith(original.suffix), path
        assert (folder / file).read_bytes() == original.read_bytes()
    zipped = [r for r in _manifest(folder) if r["link_text"].startswith("附件5")]
    assert [r["link_text"] for r in zipped] == ["附件5：材料打包.zip / 材料/附件5-1任务分解.docx"]
    assert (folder / zipped[0]["file"]).read_bytes() == (CORPUS / "jx_county_2022_tasks.docx").read_bytes()


def test_attachments_inherit_title_and_region_of_their_page(crawl):
    rows = _by_path(crawl)
    documents = {d["source"]: d for d in _jsonl(crawl["store"] / "documents.jsonl")}
    page = documents[rows["/notice/donghu.html"]["file"]]
    # the zipped annex states neither title nor county: it takes the page's
    annex = documents[rows["/files/annexes.zip"]["file"]]
    assert annex["title"] == page["title"]
    assert (annex["province"], annex["city"], annex["county"]) == (page["province"], page["city"], page["county"])
    assert annex["meta"]["附件"] == normalize(rows["/files/annexes.zip"]["link_text"])
    # an annex that names its own place and title keeps them
    tunliu = documents[rows["/files/download.jsp?id=1"]["file"]]
    assert tunliu["title"] == _gold("tunliu_2020_tasks.docx")["document"]["title"]
    assert tunliu["county"] == _gold("tunliu_2020_tasks.docx")["document"]["county"] != page["county"]


def test_extracted_documents_carry_their_url(crawl):
    rows = _by_path(crawl)
    documents = {d["source"]: d for d in _jsonl(crawl["store"] / "documents.jsonl")}
    for path in crawl["served"]:
        assert documents[rows[path]["file"]]["url"] == crawl["site"].base + path


def test_extracting_a_fetch_folder_skips_nothing_of_its_own(crawl, tmp_path, capsys):
    # the manifest and fetch's state (errors, validators, cached list pages) are not counted as skipped;
    # the kept .zip is (its notices were saved beside it)
    capsys.readouterr()
    assert main(["extract", str(crawl["dir"]), "-o", str(tmp_path / "store")]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "skipped" in line][0] == "govnotice: skipped 1 file: .zip (1)"
    assert err.splitlines()[-1].endswith(", 0 errors, 1 file skipped")


def test_every_failure_is_a_line_and_the_rest_goes_on(crawl):
    base = crawl["site"].base
    errors = {(e["url"].removeprefix(base), e["error"]) for e in _jsonl(crawl["dir"] / "fetch-errors.jsonl")}
    assert {("/files/missing.doc", "http_error"), ("/notice/missing.html", "http_error"),
            ("/files/slow.pdf", "timeout"), ("/files/huge.pdf", "too_large"),
            ("/notice/photo.html", "not_a_notice"), (f"{base}/private/plan.html".removeprefix(base), "robots"),
            ("file:///etc/passwd", "blocked"), ("http://169.254.169.254/latest/meta-data/iam.doc", "blocked")} <= errors
    assert (f"http://localhost:{crawl['site'].port}/notice/donghu.html", "blocked") in errors


def test_hostile_links_are_never_requested(crawl):
    assert crawl["other_connections"] == 0  # the second listener on 127.0.0.1 saw nobody
    requested = {path for path, _ in crawl["first_log"]}
    assert "/private/plan.html" not in requested  # robots.txt
    assert "/about.html" not in requested  # not matched by --follow
    assert crawl["site"].requested("/files/download.jsp?id=1") == [304]
    assert [s for p, s in crawl["first_log"] if p == "/files/download.jsp?id=1"] == [503, 200]  # retried


def test_a_second_run_downloads_nothing_new(crawl):
    site = crawl["site"]
    fresh = {path for path, status in site.log if status == 200}
    assert fresh <= {"/robots.txt", "/files/huge.pdf", "/files/slow.pdf"}  # no validators, or failed
    assert sorted(p.name for p in crawl["dir"].iterdir()) == crawl["first_files"]
    assert (crawl["dir"] / "manifest.csv").read_bytes() == crawl["manifest_before"]


def _depth_site(site):
    notice = (CORPUS / "dongzhi_2020.html").read_bytes()
    site.routes["/l0.html"] = Route('<a href="/l1.html">实施方案 第二页</a>'.encode(), {"Content-Type": "text/html"})
    site.routes["/l1.html"] = Route('<a href="/n.html">某县实施方案</a>'.encode(), {"Content-Type": "text/html"})
    site.routes["/n.html"] = Route(notice, {"Content-Type": "text/html"})
    site.routes["/direct.pdf"] = Route((CORPUS / "jiujiang_2020_annex1.pdf").read_bytes())


@pytest.mark.parametrize("depth", [1, 2])
def test_depth_is_the_number_of_levels_followed(tmp_path, depth):
    with Site() as site:
        _depth_site(site)
        argv = ["fetch", f"{site.base}/l0.html", "--follow", "实施方案", "-o", str(tmp_path), "--depth", str(depth)]
        main(argv + FAST)
        assert bool(site.requested("/n.html")) is (depth == 2)
    errors = {e["url"].removeprefix(site.base): e["error"] for e in _jsonl(tmp_path / "fetch-errors.jsonl")}
    if depth == 1:  # a link page reached as the last level is read as a notice and is none
        assert errors == {"/l1.html": "not_a_notice"}
    else:
        assert errors == {} and [r["url"] for r in _manifest(tmp_path)] == [f"{site.base}/n.html"]


def test_a_url_serving_a_file_is_a_notice_itself(tmp_path):
    with Site() as site:
        _depth_site(site)
        assert main(["fetch", f"{site.base}/direct.pdf", "-o", str(tmp_path), *FAST]) == 0
    rows = _manifest(tmp_path)
    assert len(rows) == 1 and rows[0]["file"].endswith(".pdf")
    assert (tmp_path / rows[0]["file"]).read_bytes() == (CORPUS / "jiujiang_2020_annex1.pdf").read_bytes()


# --------------------------------------------------------------------------
# The pieces, one quirk each
# --------------------------------------------------------------------------

@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("172.16.5.5", False),
    ("169.254.169.254", False), ("::1", False), ("::ffff:127.0.0.1", False), ("fe80::1", False),
    ("224.0.0.1", False), ("0.0.0.0", False), ("100.64.0.1", False), ("8.8.8.8", True), ("2400:3200::1", True)])
def test_only_global_addresses_are_public(address, public):
    assert is_public(address) is public


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://a.gov.cn/x.doc", "http://a.gov.cn:99999/x",
                                 "http:///nohost", "gopher://a.gov.cn/"])
def test_only_well_formed_http_urls_pass(url):
    with pytest.raises(Blocked):
        check_url(url)
    assert check_url(" https://a.gov.cn/x.html#top ") == "https://a.gov.cn/x.html"


def test_private_addresses_are_allowed_only_for_the_given_origins():
    policy = AddressPolicy(frozenset({("127.0.0.1", 8080)}))
    assert policy.choose("127.0.0.1", 8080, ["127.0.0.1"]) == "127.0.0.1"
    for host, port in (("127.0.0.1", 8081), ("localhost", 8080)):
        with pytest.raises(Blocked):
            policy.choose(host, port, ["127.0.0.1"])
    # a host answering with a private and a public address: only the public one is used
    assert AddressPolicy().choose("example.gov.cn", 80, ["10.0.0.1", "8.8.8.8"]) == "8.8.8.8"


@pytest.mark.parametrize("header, name", [
    (b"attachment; filename*=UTF-8''%E9%99%84%E4%BB%B61.docx", "附件1.docx"),
    (b"attachment; filename=\"a.doc\"; filename*=utf-8''%E9%99%84%E4%BB%B6.pdf", "附件.pdf"),
    (b'attachment; filename="' + "附件2任务.doc".encode("gbk") + b'"', "附件2任务.doc"),
    (b'attachment; filename="' + "附件3.wps".encode("utf-8") + b'"', "附件3.wps"),
    (b"attachment; filename=%E9%99%84%E4%BB%B6.xls", "附件.xls"),
    (b'attachment; filename="..\\\\..\\\\evil.doc"', "evil.doc"),
    (b"inline", None)])
def test_content_disposition_names(header, name):
    assert disposition_filename(header) == name


def test_links_resolve_against_base_and_page():
    page = ('<html><head><base href="http://a.gov.cn/files/"></head><body><a href="x.doc">附件1</a>'
            '<a href="/y.pdf">附件2</a><a href="javascript:print()">打印</a></body></html>').encode("gbk")
    links = page_links(page, "http://a.gov.cn/news/1.html")
    assert [(link.url, link.text) for link in links] == [
        ("http://a.gov.cn/files/x.doc", "附件1"), ("http://a.gov.cn/y.pdf", "附件2"), ("javascript:print()", "打印")]


def test_pictures_are_annexes_only_where_the_page_marks_them_so():
    page = ('<html><body><div><p>图片新闻：现场会召开</p><p><a href="p1.jpg">查看大图</a></p>'
            '<a href="p2.png"><img src="p2s.png"></a><a href="p3.mht">网页版</a></div>'
            '<div><p>附件：</p><p><a href="/f/a.doc">1.任务分工</a></p><p><a href="/f/b.jpg">2.任务表</a></p>'
            '<p><a href="/f/c.mhtml">3.进度表</a></p></div>'
            '<p><a href="/f/附件4.png">任务清单</a><a href="/f/e.jpeg">附件5：统计表</a></p></body></html>').encode()
    chosen = {link.url.rsplit("/", 1)[-1] for link in page_links(page, "http://a.gov.cn/n/1.html")
              if is_attachment(link)}
    assert chosen == {"a.doc", "b.jpg", "c.mhtml", "附件4.png", "e.jpeg"}


def test_dir_files_are_never_written_through_a_planted_temporary_name(tmp_path):
    # a predictable temporary name (.manifest.csv.tmpPID) lets another user plant a link on it
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "dir"
    out.mkdir()
    for name in ("manifest.csv", "fetch-errors.jsonl"):
        (out / f".{name}.tmp{os.getpid()}").symlink_to(victim)
    write_rows(out, {"a.pdf": {"file": "a.pdf", "url": "http://a.gov.cn/a.pdf"}})
    write_errors(out, [{"url": "http://a.gov.cn/b.pdf", "error": "timeout", "detail": "x"}])
    assert victim.read_text(encoding="utf-8") == "keep"
    assert [row["url"] for row in _manifest(out)] == ["http://a.gov.cn/a.pdf"]
    assert _jsonl(out / "fetch-errors.jsonl")[0]["error"] == "timeout"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]


def test_zip_members_over_the_limit_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.docx", b"\0" * 200_000)
    with pytest.raises(TooLarge):
        zip_members(bomb.getvalue(), max_member_bytes=100_000, max_members=10)
    assert zip_members(gbk_zip({"附件.doc": b"x"}), 100, 10) == [("附件.doc", b"x")]


# --------------------------------------------------------------------------
# What extract does with the manifest rows fetch writes
# --------------------------------------------------------------------------

def test_manifest_title_only_where_the_file_has_none():
    jx = (CORPUS / "jx_county_2022_tasks.docx").read_bytes()
    tunliu = (CORPUS / "tunliu_2020_tasks.docx").read_bytes()
    row = {"title": "某县关于印发实施方案的通知", "link_text": "附件1：任务分工"}
    assert process(jx, "a.docx", override=row).document.title == "某县关于印发实施方案的通知"
    assert process(tunliu, "b.docx", override=row).document.title == _gold("tunliu_2020_tasks.docx")["document"]["title"]
    assert process(jx, "a.docx", override=row).document.meta["附件"] == "附件1:任务分工"


def test_page_region_fills_in_but_never_contradicts():
    page = {"page_province": "江西省", "page_city": "南昌市", "page_county": "东湖区"}
    jx = process((CORPUS / "jx_county_2022_tasks.docx").read_bytes(), "a.docx", override=page).document
    assert (jx.province, jx.city, jx.county, jx.adcode) == ("江西省", "南昌市", "东湖区", "360102")
    tunliu = process((CORPUS / "tunliu_2020_tasks.docx").read_bytes(), "b.docx", override=page).document
    gold = _gold("tunliu_2020_tasks.docx")["document"]
    assert (tunliu.province, tunliu.county) == (gold["province"], gold["county"])


def test_loopback_is_blocked_without_allow_private(tmp_path, capsys):
    assert main(["fetch", "http://127.0.0.1:9/x.html", "-o", str(tmp_path)]) == 1
    errors = _jsonl(tmp_path / "fetch-errors.jsonl")
    assert [e["error"] for e in errors] == ["blocked"]
    assert "127.0.0.1:9/x.html: blocked" in capsys.readouterr().err


def test_a_refused_connection_is_an_error_line(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    assert main(["fetch", f"http://127.0.0.1:{port}/x.html", "-o", str(tmp_path), *FAST]) == 1
    assert [e["error"] for e in _jsonl(tmp_path / "fetch-errors.jsonl")] == ["refused"]


class _Clock:
    """Stands in for the time module in pipeline.client: time passes only by the pauses asked for."""

    def __init__(self):
        self.now, self.pauses = 1000.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


def test_politeness_delay_crawl_delay_backoff_and_agent(tmp_path, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("pipeline.client.time", clock)
    with Site() as site:
        _depth_site(site)
        site.routes["/direct.pdf"].fail_first = 2
        site.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 7\n")
        argv = ["fetch", f"{site.base}/n.html", f"{site.base}/direct.pdf", "-o", str(tmp_path), "--allow-private",
                "--delay", "3", "--retries", "2", "--backoff", "10"]
        assert main(argv) == 0
    assert site.requested("/direct.pdf") == [503, 503, 200]
    # robots.txt, then the page and the file each wait Crawl-delay 7 (it beats --delay 3); the retries
    # wait 10 then 20 s, by which time the host's delay has passed
    assert clock.pauses == [7, 7, 10, 20]
    assert len(site.agents) == 1 and site.agents.pop().startswith("govnotice/")


def test_readme_documents_every_fetch_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `govnotice fetch`", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(?:-\w`, `)?(--[\w-]+)", section, flags=re.M))
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    options = {s for a in sub.choices["fetch"]._actions for s in a.option_strings if s.startswith("--") and s != "--help"}
    assert documented == options
    actions = {s: a for a in sub.choices["fetch"]._actions for s in a.option_strings}
    rows = re.findall(r"^\| `(?:-\w`, `)?(--[\w-]+)[^|]*\|[^|]*\| ([^|]+) \|$", section, flags=re.M)
    numeric = [(o, d) for o, d in rows if isinstance(actions[o].default, (int, float))
               and not isinstance(actions[o].default, bool)]
    assert len(numeric) == 6 and all(d.strip() == f"{actions[o].default:g}" for o, d in numeric)
