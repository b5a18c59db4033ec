"""Issue 7: the sample notices as .doc, .wps, .xlsx, .xls, .et and OFD give the gold's records.

The converted samples are made once per session by tests/fixtures/build_formats.py
(LibreOffice for .doc/.xls, openpyxl for .xlsx, an OFD writer from the PDFs).
LibreOffice is a required tool: without it these tests fail, they are not skipped.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from extractors import EXTENSIONS, NOTICE_EXTENSIONS, detect_format
from extractors.base import Limits
from extractors.office import convert_to_docx
from extractors.ofd import OfdExtractor, delta_steps
from extractors.sheet import SheetExtractor, cell_text
from pipeline.errors import (EmptyDocument, EncryptedDocument, MissingTool, Timeout, TooLarge,
                             UnreadableDocument, UnsupportedFormat)
from pipeline.run import process
from _office_files import (HEADER, TASKS, UNOPENABLE_DOC, empty_rows_xlsx, huge_range_xlsx, locked_doc,
                           locked_xlsx, ofd_bomb, ofd_bytes, ofd_xxe, text_object, workbook_bytes)

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "corpus" / "gold"
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import build_formats  # noqa: E402

# built file -> the gold file it must match
DOCX_GOLD = {"tunliu_2020_tasks": "tunliu_2020_tasks.docx", "jx_county_2022_tasks": "jx_county_2022_tasks.docx",
             "dongzhi_2020": "dongzhi_2020.docx"}
CASES = [(f"{stem}.{ext}", gold) for stem, gold in DOCX_GOLD.items() for ext in ("doc", "wps", "xlsx", "xls", "et")]
CASES += [("donghu_2020-mht.doc", "donghu_2020.html"), ("dongzhi_2020.mht", "dongzhi_2020.html"),
          ("tunliu_2020_tasks.ofd", "tunliu_2020_tasks.pdf"), ("jiujiang_2020_annex1.ofd", "jiujiang_2020_annex1.pdf")]
FORMAT = {"doc": "doc", "wps": "wps", "xlsx": "xlsx", "xls": "xls", "et": "xls", "ofd": "ofd", "mht": "mht"}
# A workbook holds the notice's tables only: the letter's title, number, issuer and date are not in it.
WHOLE_NOTICE = {"doc", "wps", "ofd", "mht"}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The samples converted into every format (a few LibreOffice runs)."""
    folder = tmp_path_factory.mktemp("formats")
    build_formats.build(folder)
    return folder


def _diff(section: str, want_rows: list[dict], got_rows: list[dict], skip: set[str]) -> list[str]:
    out = [f"{section}: {len(got_rows)} rows, gold has {len(want_rows)}"] if len(want_rows) != len(got_rows) else []
    for i, (want, got) in enumerate(zip(want_rows, got_rows)):
        for field, value in want.items():
            if field in skip:
                continue
            have = got.get(field)
            if field == "flags":
                value, have = sorted(value), sorted(have)
            if value != have:
                out.append(f"{section}[{i}].{field}: want {value!r}, got {have!r}")
    return out


@pytest.mark.parametrize("name, gold_name", CASES, ids=[c[0] for c in CASES])
def test_converted_sample_gives_the_gold_records(built, name, gold_name):
    gold = json.loads((GOLD / f"{gold_name}.gold.json").read_text(encoding="utf-8"))
    data = (built / name).read_bytes()
    result = process(data, name)
    ext = "mht" if "-mht." in name else name.rsplit(".", 1)[1]
    assert result.document.format == FORMAT[ext]
    skip = {"page", "doc_id"}
    diffs = []
    for section in ("tasks", "catalog", "domains"):
        diffs += _diff(section, gold.get(section, []), [r.as_dict() for r in getattr(result, section)], skip)
    if ext in WHOLE_NOTICE:
        doc = result.document.as_dict()
        diffs += [f"document.{f}: want {v!r}, got {doc.get(f)!r}" for f, v in gold["document"].items()
                  if f not in ("doc_id", "source", "format") and doc.get(f) != v]
    assert not diffs, "\n".join(diffs)


def test_word_2003_xml_under_a_doc_name_is_read_through_libreoffice(built):
    # Not compared cell by cell: the sample's round trip through LibreOffice's Word 2003 XML
    # filter shifts its vertically merged cells (the .doc round trip keeps them).
    gold = json.loads((GOLD / "tunliu_2020_tasks.docx.gold.json").read_text(encoding="utf-8"))
    result = process((built / "tunliu_2020_tasks-word2003xml.doc").read_bytes(), "notice.doc")
    assert result.document.format == "doc"
    assert len(result.tasks) == len(gold["tasks"])
    assert result.document.title == gold["document"]["title"]
    assert [t.item_no for t in result.tasks[:1]] == [gold["tasks"][0]["item_no"]]


def test_every_format_is_walked_in_a_folder():
    for suffix in (".doc", ".wps", ".xls", ".xlsx", ".et", ".ofd"):
        assert suffix in EXTENSIONS and suffix in NOTICE_EXTENSIONS


# --------------------------------------------------------------------------
# Detection by bytes
# --------------------------------------------------------------------------

def test_detection_looks_into_containers(built):
    # names that lie: the bytes decide
    assert detect_format((built / "tunliu_2020_tasks.doc").read_bytes(), "a.xls") == "doc"
    assert detect_format((built / "tunliu_2020_tasks.xls").read_bytes(), "a.doc") == "xls"
    assert detect_format((built / "tunliu_2020_tasks.xlsx").read_bytes(), "a.docx") == "xlsx"
    assert detect_format((built / "tunliu_2020_tasks.ofd").read_bytes(), "a.zip") == "ofd"
    assert detect_format((built / "tunliu_2020_tasks.wps").read_bytes(), "a.wps") == "wps"


def test_detection_refuses_what_it_cannot_read(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes/readme.txt", "附件")
    with pytest.raises(UnsupportedFormat):
        detect_format(archive.read_bytes(), "a.zip")
    with pytest.raises(EncryptedDocument):
        detect_format(locked_xlsx(), "locked.xlsx")
    with pytest.raises(EncryptedDocument):
        detect_format(locked_doc(), "locked.doc")
    noise = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16
    with pytest.raises(UnreadableDocument, match="OLE"):
        detect_format(noise, "x.doc")


def test_web_archive_without_a_page_is_empty():
    archive = (b'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="b"\n\n--b\n'
               b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n")
    assert detect_format(archive, "notice.doc") == "mht"
    with pytest.raises(EmptyDocument, match="no HTML page"):
        process(archive, "notice.doc")


# --------------------------------------------------------------------------
# .doc / .wps through LibreOffice
# --------------------------------------------------------------------------

def test_doc_libreoffice_cannot_open_is_unreadable():
    with pytest.raises(UnreadableDocument, match="LibreOffice"):
        process(UNOPENABLE_DOC.read_bytes(), UNOPENABLE_DOC.name)


SLEEP = shutil.which("sleep")


def _fake_soffice(folder: Path, body: str) -> Path:
    """A 'soffice' on a private PATH that runs the shell body (to stand for a hung LibreOffice)."""
    folder.mkdir(exist_ok=True)
    script = folder / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return folder


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pids: list[int]) -> list[int]:
    """The pids still alive after they were given up to a minute to go (a busy machine is slow)."""
    for _ in range(600):
        if not any(_alive(p) for p in pids):
            return []
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _pids(path: Path) -> list[int]:
    for _ in range(600):
        if path.is_file() and len(path.read_text().split()) >= 2:
            return [int(p) for p in path.read_text().split()]
        time.sleep(0.1)
    raise AssertionError("the fake converter never started")


def test_hung_conversion_is_a_timeout_and_its_whole_group_is_killed(tmp_path, monkeypatch):
    pidfile = tmp_path / "pids"
    bin_dir = _fake_soffice(tmp_path / "bin", f"{SLEEP} 600 & echo $$ $! > {pidfile}; wait")
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(Timeout, match="killed"):
        convert_to_docx(b"\xd0\xcf\x11\xe0", ".doc", Limits(convert_timeout=3.0))
    pids = _pids(pidfile)
    assert len(set(pids)) == 2 and _wait_gone(pids) == []


def _convert_in_worker(data: bytes) -> None:
    convert_to_docx(data, ".doc", Limits(convert_timeout=600))


def test_converter_dies_with_a_killed_worker(tmp_path, monkeypatch):
    pidfile = tmp_path / "pids"
    bin_dir = _fake_soffice(tmp_path / "bin", f"echo $$ $$ > {pidfile}; exec {SLEEP} 600")
    monkeypatch.setenv("PATH", str(bin_dir))
    worker = multiprocessing.get_context("fork").Process(target=_convert_in_worker, args=(b"x",))
    worker.start()
    pids = _pids(pidfile)
    assert all(_alive(p) for p in pids)  # still converting when its worker is killed
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    assert _wait_gone(pids) == []


def test_missing_libreoffice_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingTool, match="libreoffice-writer-nogui"):
        convert_to_docx(b"x", ".doc", Limits())


# --------------------------------------------------------------------------
# Spreadsheets: one quirk each
# --------------------------------------------------------------------------

def _tasks(data: bytes, name: str = "t.xlsx") -> list[dict]:
    return [t.as_dict() for t in process(data, name).tasks]


def test_serial_dates_become_deadlines(tmp_path):
    rows = [HEADER] + [row[:4] + [datetime(2020, 12, 31)] for row in TASKS]
    data = workbook_bytes({"任务": rows}, formats={"任务": {f"E{r}": "yyyy-mm-dd" for r in range(2, 5)}})
    (tmp_path / "dates.xlsx").write_bytes(data)
    as_xls = build_formats.soffice(tmp_path / "dates.xlsx", "xls", tmp_path).read_bytes()  # BIFF8 keeps 44196
    for workbook, name in ((data, "dates.xlsx"), (as_xls, "dates.xls")):
        tasks = _tasks(workbook, name)
        assert [t["deadline"] for t in tasks] == ["2020-12-31"] * 3, name
        assert tasks[0]["deadline_text"] == "2020年12月31日"


def test_whole_numbers_stored_as_floats_read_as_written():
    rows = [HEADER] + [[float(row[0])] + row[1:] for row in TASKS]
    assert [t["group_no"] or t["item_no"] for t in _tasks(workbook_bytes({"任务": rows}))] == ["1", "2", "3"]
    assert cell_text(2.5) == "2.5" and cell_text(1.0) == "1" and cell_text(0.1 + 0.2) == "0.3"


def test_title_row_merged_across_two_header_rows_no_serial_column_and_several_sheets():
    title = ["东至县2020年政务公开重点工作任务分解表"]
    head1 = ["工作任务", "具体事项", "责任分工", None, "完成时限"]
    head2 = [None, None, "牵头单位", "配合单位", None]
    first = [title, [], head1, head2] + [row[1:3] + [row[3], "县政务公开办"] + row[4:] for row in TASKS]
    second = [["工作任务", "具体事项", "责任单位", "完成时限"], ["依申请公开", "规范依申请公开办理", "县司法局", "长期坚持"]]
    data = workbook_bytes({"分解表": first, "补充任务": second},
                          merges={"分解表": ["A1:E1", "A3:A4", "B3:B4", "C3:D3", "E3:E4"]})
    raw = SheetExtractor().extract(data)
    assert raw.title_hint == title[0]
    tasks = _tasks(data)
    assert [(t["table"], t["item"], t["lead_units"], t["support_units"]) for t in tasks] == [
        (0, "推进重大决策预公开", ["县发改委"], ["县政务公开办"]),
        (0, "公开重点工作进展情况", ["县政府办"], ["县政务公开办"]),
        (0, "公开审计发现问题整改结果", ["县审计局"], ["县政务公开办"]),
        (1, "规范依申请公开办理", ["县司法局"], []),
    ]
    assert tasks[3]["deadline_kind"] == "ongoing"


def test_hidden_sheets_and_empty_rows_are_skipped():
    hidden = [HEADER, ["9", "不应读出", "隐藏表中的任务", "县某局", "2020年1月底前"]]
    shown = [HEADER, [], TASKS[0], [None] * 5, TASKS[1], TASKS[2]]
    data = workbook_bytes({"旧版": hidden, "任务": shown}, hidden=("旧版",))
    raw = SheetExtractor().extract(data)
    assert len(raw.tables) == 1 and raw.tables[0].n_rows == 4
    assert "hidden sheets not read: 旧版" in raw.warnings
    assert [t["item"] for t in _tasks(data)] == [row[2] for row in TASKS]


def test_a_million_empty_rows_cost_nothing_and_a_huge_used_range_is_refused():
    assert [t["item"] for t in _tasks(empty_rows_xlsx())] == [row[2] for row in TASKS]
    with pytest.raises(TooLarge, match="used range"):
        SheetExtractor().extract(huge_range_xlsx())


def test_workbook_with_no_cells_is_empty():
    with pytest.raises(EmptyDocument):
        SheetExtractor().extract(workbook_bytes({"空表": []}))


# --------------------------------------------------------------------------
# OFD
# --------------------------------------------------------------------------

def test_ofd_text_objects_become_paragraphs_in_place():
    lines = [text_object(20, 20 + 8 * i, text) for i, text in
             enumerate(["关于做好政务公开工作的通知", "各乡镇人民政府：", "现将有关事项通知如下。"])]
    raw = OfdExtractor().extract(ofd_bytes("".join(lines)))
    assert [p.text for p in raw.paragraphs] == ["关于做好政务公开工作的通知", "各乡镇人民政府：", "现将有关事项通知如下。"]


def test_ofd_text_scaled_by_a_ctm_lands_where_it_is_drawn():
    words = ["关于做好政务公开工作的通知", "各乡镇人民政府：", "现将有关事项通知如下。"]
    plain = OfdExtractor().extract(ofd_bytes("".join(text_object(20, 20 + 8 * i, w) for i, w in enumerate(words))))
    # the middle line written in points through a CTM: it must still read between the others
    scaled = [text_object(20, 20 + 8 * i, w, ctm=0.3528 if i == 1 else 1.0) for i, w in enumerate(words)]
    raw = OfdExtractor().extract(ofd_bytes("".join(reversed(scaled))))
    assert [p.text for p in raw.paragraphs] == [p.text for p in plain.paragraphs] == words


def test_ofd_delta_shorthand_is_expanded():
    assert delta_steps("g 3 4.5 2 g 2 1") == [4.5, 4.5, 4.5, 2.0, 1.0, 1.0]


def test_ofd_xxe_is_refused_and_leaks_nothing(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="DOCTYPE"):
        OfdExtractor().extract(ofd_xxe(secret))


def test_ofd_zip_bomb_is_refused_before_inflating():
    with pytest.raises(TooLarge, match="OFD"):
        OfdExtractor().extract(ofd_bomb(8), Limits(max_unzipped_bytes=1 << 20))


def test_doc_is_read_inside_a_memory_limited_worker(built, tmp_path):
    # the CLI's worker runs under RLIMIT_AS (--max-memory, 1 GiB by default): LibreOffice must start there
    from pipeline.cli import main
    assert main(["extract", str(built / "tunliu_2020_tasks.doc"), "-o", str(tmp_path), "--quiet"]) == 0
    documents = [json.loads(line) for line in (tmp_path / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["format"], d["n_tasks"]) for d in documents] == [("doc", 25)]
