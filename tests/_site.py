"""A local web site for the fetch tests: a real HTTP server on 127.0.0.1 serving pages built from the corpus."""
from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
# issue-fetch-annex.doc: corpus/tunliu_2020_tasks.docx through `soffice --headless --convert-to doc`;
# issue-fetch-annex.xls: a 3-row task table written by openpyxl, through `soffice --convert-to xls`
FIXTURES = ROOT / "tests" / "fixtures" / "fetch"


@dataclass
class Route:
    """One URL of the site."""
    body: bytes
    headers: dict = field(default_factory=dict)
    status: int = 200
    delay: float = 0.0
    fail_first: int = 0        # answer 503 this many times first
    length: bool = True        # send Content-Length (else the body ends when the connection closes)


class Site:
    """The routes, and a log of (path, status) for every request answered."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, int]] = []
        self.agents: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def requested(self, path: str) -> list[int]:
        """Statuses answered for a path, in order."""
        return [status for p, status in self.log if p == path]


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            site.agents.add(self.headers.get("User-Agent", ""))
            route = site.routes.get(self.path)
            if route is None:
                return self._send(404, {}, b"not found")
            if route.fail_first:
                route.fail_first -= 1
                return self._send(503, {}, b"busy")
            time.sleep(route.delay)
            etag = '"%s"' % hashlib.sha1(route.body).hexdigest()[:16]
            if route.status == 200 and self.headers.get("If-None-Match") == etag:
                return self._send(304, {"ETag": etag}, b"")
            self._send(route.status, {"ETag": etag, **route.headers}, route.body, route.length)

        def _send(self, status, headers, body, length=True):
            site.log.append((self.path, status))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    if isinstance(value, bytes):  # a raw (e.g. GBK) header value, as some servers send
                        self._headers_buffer.append(name.encode() + b": " + value + b"\r\n")
                    else:
                        self.send_header(name, value)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout, size limit): what the test wants

        def log_message(self, *args):
            pass
    return Handler


class Listener:
    """A second port on 127.0.0.1 that only counts the connections made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sock.close()


class _GbkName(zipfile.ZipInfo):
    """A member name written as GBK bytes (zipfile itself writes UTF-8 and sets the flag)."""
    __slots__ = ()

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits


def gbk_zip(members: dict[str, bytes]) -> bytes:
    """A zip whose member names are GBK bytes without the UTF-8 flag, as Chinese Windows tools write them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = _GbkName(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _annexes(links: list[tuple[str, str]]) -> str:
    return "<div class=\"fujian\">" + "".join(f'<p><a href="{href}">{text}</a></p>' for href, text in links) + "</div>"


def build(site: Site, other_port: int) -> dict[str, str]:
    """Serve the notice site; returns {path: corpus sample served there} for the notices and attachments."""
    donghu = (CORPUS / "donghu_2020.html").read_bytes().replace(b'<meta charset="gbk">', b"")
    hostile = [("file:///etc/passwd", "附件9：passwd"),
               ("http://169.254.169.254/latest/meta-data/iam.doc", "附件10：云.doc"),
               (f"http://127.0.0.1:{other_port}/secret.doc", "附件11：内网.doc"),
               ("javascript:void(0)", "附件12：打印")]
    annexes = _annexes([("/files/download.jsp?id=1", "附件1：任务分工.docx"), ("../files/annex2.pdf", "附件2：进度安排.pdf"),
                        ("/files/download.jsp?id=3", "附件3：任务清单"), ("/files/annex4.xls", "附件4：统计表.xls"),
                        ("/files/annexes.zip", "附件5：材料打包.zip"), ("/files/missing.doc", "附件6：已删除.doc"),
                        ("/files/slow.pdf", "附件7：慢.pdf"), ("/files/huge.pdf", "附件8：大.pdf"), *hostile])
    # GBK without any charset, page or header
    donghu = donghu.replace(b"</body>", annexes.encode("gbk") + b"</body>")
    site.routes["/notice/donghu.html"] = Route(donghu, {"Content-Type": "text/html"})
    # GBK bytes served as UTF-8 (header and page both wrong), links relative to <base>
    dongzhi = (CORPUS / "dongzhi_2020.html").read_text(encoding="utf-8")
    dongzhi = dongzhi.replace("<head>", '<head><base href="/files/dz/">', 1)
    dongzhi = dongzhi.replace("</body>", _annexes([("annex.docx", "附件：东至县任务表.docx")]) + "</body>")
    site.routes["/notice/dongzhi/index.html"] = Route(dongzhi.encode("gbk"),
                                                      {"Content-Type": "text/html; charset=utf-8"})
    site.routes["/go?id=dongzhi"] = Route(b"", {"Location": "/notice/dongzhi/index.html"}, status=302)
    site.routes["/files/dz/annex.docx"] = Route((CORPUS / "variants" / "dongzhi_2020.docx").read_bytes())
    rfc5987 = "attachment; filename*=UTF-8''" + quote("附件1：任务分工.docx")
    site.routes["/files/download.jsp?id=1"] = Route((CORPUS / "tunliu_2020_tasks.docx").read_bytes(),
                                                    {"Content-Disposition": rfc5987}, fail_first=1)
    site.routes["/files/annex2.pdf"] = Route((CORPUS / "jiujiang_2020_annex1.pdf").read_bytes(),
                                             {"Content-Type": "application/pdf"})
    site.routes["/files/download.jsp?id=3"] = Route(
        (FIXTURES / "issue-fetch-annex.doc").read_bytes(),
        {"Content-Disposition": b'attachment; filename="' + "附件3任务清单.doc".encode("gbk") + b'"'})
    site.routes["/files/annex4.xls"] = Route((FIXTURES / "issue-fetch-annex.xls").read_bytes())
    site.routes["/files/annexes.zip"] = Route(gbk_zip({
        "材料/附件5-1任务分解.docx": (CORPUS / "jx_county_2022_tasks.docx").read_bytes(),
        "材料/说明.gif": b"GIF89a\x01\x00\x01\x00"}))  # not a notice format: skipped
    site.routes["/files/slow.pdf"] = Route(b"%PDF-1.4 late", delay=8.0)  # well past the tests' 2 s timeout, also on a busy machine
    site.routes["/files/huge.pdf"] = Route(b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), length=False)
    # a photo-news page: its pictures are photos, not annexes (README "govnotice fetch")
    site.routes["/notice/photo.html"] = Route('<html><body><p>图片新闻</p><a href="a.jpg"><img src="a.jpg"></a>'
                                              '<p><a href="a.jpg">查看大图</a></p></body></html>'.encode())
    site.routes["/notice/a.jpg"] = Route(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", {"Content-Type": "image/jpeg"})
    site.routes["/about.html"] = Route("<html><body>关于我们</body></html>".encode())
    site.routes["/private/plan.html"] = Route(donghu)
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
    items = [("notice/donghu.html", "东湖区关于全面推进基层政务公开标准化规范化的实施方案"),
             ("/go?id=dongzhi", "东至县全面推进基层政务公开标准化规范化工作实施方案"),
             ("/about.html", "关于我们"), ("/private/plan.html", "某县实施方案"),
             ("/notice/missing.html", "已撤下的实施方案"), ("/notice/photo.html", "图片新闻：实施方案解读"),
             (f"http://localhost:{site.port}/notice/donghu.html", "实施方案（另一个主机名）"),
             *[(href, "实施方案 " + text) for href, text in hostile]]
    listing = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in items)
    site.routes["/list.html"] = Route(f'<html><head><meta charset="utf-8"></head><body><ul>{listing}</ul></body></html>'
                                      .encode(), {"Content-Type": "text/html; charset=utf-8"})
    return {"/notice/donghu.html": "donghu_2020.html", "/notice/dongzhi/index.html": "dongzhi_2020.html",
            "/files/dz/annex.docx": "dongzhi_2020.docx", "/files/download.jsp?id=1": "tunliu_2020_tasks.docx",
            "/files/annex2.pdf": "jiujiang_2020_annex1.pdf", "/files/annexes.zip": "jx_county_2022_tasks.docx",
            "/files/download.jsp?id=3": "tunliu_2020_tasks.docx"}  # the .doc of it, read through LibreOffice
