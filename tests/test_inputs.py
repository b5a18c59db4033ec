"""Issue 9 faults of the runner: input walking, file names, planted links, manifests, option values.

Each test builds the hostile input it needs in tmp_path and runs the real
command; before the fix each of them failed (aborted run, traceback, silent
loss or a write through a planted link).
"""
from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from pipeline import __version__
from pipeline.cli import main
from pipeline.store import PENDING
from test_store import CORPUS, ROOT, TUNLIU_TXT, assert_consistent, jsonl

DONGZHI = (CORPUS / "dongzhi_2020.html").read_bytes()


def _run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["extract", *argv])
    return status, capsys.readouterr().err


def test_a_gbk_file_name_is_read_like_any_other(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    gbk_name = "屯留任务表.txt".encode("gbk")
    with open(os.path.join(os.fsencode(folder), gbk_name), "wb") as handle:
        handle.write(TUNLIU_TXT)
    (folder / "dongzhi.html").write_bytes(DONGZHI)
    status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"))
    assert status == 0, err
    sources = [d["source"] for d in assert_consistent(tmp_path / "out")["documents"]]
    assert sources == ["dongzhi.html", "屯留任务表.txt"]


def test_planted_links_never_redirect_a_write(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    victim, evil = tmp_path / "victim.txt", tmp_path / "evil"
    victim.write_text("keep")
    evil.mkdir()
    (evil / "documents.jsonl").write_text('{"doc_id": "planted"}\n')
    (evil / "BATCH").write_text("1")
    # the old predictable temporary names, and the pending export a recovery would publish
    for name in ("tasks.jsonl", "documents.jsonl", "tasks.csv", "notices.db"):
        for pid in range(os.getpid() - 5, os.getpid() + 6):
            (out / f".{name}.tmp{pid}").symlink_to(victim)
    (out / PENDING).symlink_to(evil)
    (out / "tasks.csv").symlink_to(victim)
    status, err = _run(capsys, str(CORPUS / "dongzhi_2020.html"), "-o", str(out))
    assert status == 0, err
    assert victim.read_text() == "keep"
    assert (evil / "documents.jsonl").read_text() == '{"doc_id": "planted"}\n'
    assert not (out / "tasks.csv").is_symlink()
    assert [d["doc_id"] for d in assert_consistent(out)["documents"]] != ["planted"]


def _deep(folder: Path, depth: int, name: str) -> Path:
    """folder/name/name/... depth levels, made relative to an open descriptor (paths past PATH_MAX work)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as handle:
            handle.write(TUNLIU_TXT)
    finally:
        os.close(fd)
    return folder / name


def _remove_deep(top: Path, name: str) -> None:
    """Remove a tree made by _deep without recursion (shutil.rmtree recurses once per level)."""
    fds = [os.open(top, os.O_RDONLY)]
    while name in os.listdir(fds[-1]):
        fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
    for k in range(len(fds) - 1, -1, -1):
        for entry in os.listdir(fds[k]) if k else ():   # the top folder holds other things: leave them
            if entry != name:
                os.unlink(entry, dir_fd=fds[k])
        if k:
            os.close(fds[k])
            os.rmdir(name, dir_fd=fds[k - 1])
    os.close(fds[0])


def test_deep_folders_and_overlong_paths_cost_only_their_branch(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "top.html").write_bytes(DONGZHI)
    _deep(folder, 1100, "d")                     # 1,100 nested folders: read
    _deep(folder, 24, "x" * 200)                 # a path over 4,096 bytes: reported
    try:
        status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"))
    finally:
        _remove_deep(folder, "d")
        _remove_deep(folder, "x" * 200)
    assert status == 0, err
    assert "Traceback" not in err and "RecursionError" not in err
    held = assert_consistent(tmp_path / "out")
    sources = [d["source"] for d in held["documents"]]
    assert sources[0].startswith("d/d/") and sources[0].count("/") == 1100 and sources[1] == "top.html"
    assert [(e["error"], "File name too long" in e["detail"]) for e in held["errors"]] == [("io_error", True)]


def test_fifos_broken_links_and_unreadable_folders_are_never_silent(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "inside.html").write_bytes(DONGZHI)
    (folder / "good.html").write_bytes(DONGZHI)
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.pdf").symlink_to(tmp_path / "missing.pdf")
    os.chmod(folder / "locked", 0)
    if os.geteuid() == 0:   # root reads any folder: make listing this one fail as it would for a user
        real = os.scandir
        monkeypatch.setattr("pipeline.inputs.os.scandir", lambda p: real(p) if Path(p).name != "locked"
                            else (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    try:
        status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"))
    finally:
        os.chmod(folder / "locked", 0o755)
    assert status == 0, err
    errors = {e["source"]: (e["error"], e["detail"]) for e in jsonl(tmp_path / "out" / "errors.jsonl")}
    assert errors == {"gone.pdf": ("io_error", "broken link"),
                      "locked/": ("io_error", "cannot list folder: Permission denied")}
    assert "skipped pipe.txt: not a regular file" in err
    assert err.strip().splitlines()[-1].endswith("2 errors, 1 file skipped")


@pytest.mark.parametrize("encoding,delimiter", [("gbk", ","), ("utf-16", "\t"), ("utf-8-sig", ",")])
def test_manifests_as_excel_saves_them(encoding, delimiter, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TUNLIU_TXT)
    rows = [["file", "province", "city", "county", "url"], ["a.txt", "江西省", "九江市", "", "https://example.org/a"]]
    manifest = tmp_path / "m.csv"
    manifest.write_bytes("\r\n".join(delimiter.join(r) for r in rows).encode(encoding))
    status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"), "--manifest", str(manifest))
    assert status == 0, err
    doc = jsonl(tmp_path / "out" / "documents.jsonl")[0]
    assert (doc["province"], doc["city"], doc["adcode"], doc["url"]) == ("江西省", "九江市", "360400",
                                                                         "https://example.org/a")


def test_manifest_rows_that_cannot_be_used_are_named_by_line(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TUNLIU_TXT)
    (folder / "manifest.csv").write_text("file,province,city,county,url\na.txt,火星省,,,\nb.txt,江西省\n",
                                         encoding="utf-8")
    status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"))
    assert status == 0
    lines = err.splitlines()
    assert any("applying" in line and "manifest.csv" in line and "found in the input folder" in line
               for line in lines)
    assert any("line 2" in line and "火星省" in line for line in lines)
    assert any("line 3" in line and "2 of 5 columns" in line for line in lines)


@pytest.mark.parametrize("option,value", [("--jobs", "0"), ("--timeout", "nan"), ("--max-memory", "-1"),
                                          ("--timeout", "inf"), ("--max-file-size", "x"), ("--format", "pdf")])
def test_bad_option_values_are_usage_errors(option, value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["extract", str(CORPUS / "dongzhi_2020.html"), "-o", str(tmp_path / "out"), option, value])
    assert exit_.value.code == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"govnotice {__version__} (rules ")
    project = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{__version__}"' in project


def _stderr_on_a_terminal(*options: str, out: Path) -> str:
    """Run the command with stderr on a pseudo-terminal; what the terminal showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # a terminal has a size
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(CORPUS / "dongzhi_2020.html"),
                             str(CORPUS / "tunliu_2020_tasks.docx"), "-o", str(out), *options],
                            cwd=ROOT, stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    proc.wait()
    os.close(master)
    return shown.decode(errors="replace")


def test_progress_bar_on_a_terminal_only_and_not_with_quiet(tmp_path, capsys):
    bar = re.compile(r"\d/2 \[")
    shown = _stderr_on_a_terminal(out=tmp_path / "a")
    assert bar.search(shown) and "doc/s" in shown and "2 documents read" in shown
    quiet = _stderr_on_a_terminal("--quiet", out=tmp_path / "b")
    assert not bar.search(quiet) and "2 documents read" in quiet
    status, err = _run(capsys, str(CORPUS / "dongzhi_2020.html"), "-o", str(tmp_path / "c"))
    assert status == 0 and "1/1" not in err and "\r" not in err


def test_format_adds_exports_and_keeps_those_already_there(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, str(CORPUS / "dongzhi_2020.html"), "-o", str(out), "--format", "jsonl")[0] == 0
    assert not (out / "tasks.csv").exists() and not (out / "notices.xlsx").exists()
    assert _run(capsys, str(CORPUS / "donghu_2020.html"), "-o", str(out), "--format", "xlsx")[0] == 0
    assert (out / "notices.xlsx").exists() and not (out / "tasks.csv").exists()
    assert _run(capsys, str(CORPUS / "tunliu_2020_tasks.docx"), "-o", str(out), "--format", "csv")[0] == 0
    from openpyxl import load_workbook
    sheet = load_workbook(out / "notices.xlsx")["documents"]
    assert sheet.max_row - 1 == len(assert_consistent(out)["documents"]) == 3
    assert json.loads((out / "metadata.json").read_text(encoding="utf-8"))["databases"]["notices"]


def test_a_store_inside_the_input_folder_is_not_read_as_notices(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_bytes(DONGZHI)
    assert _run(capsys, str(folder), "-o", str(folder / "out"), "--format", "xlsx")[0] == 0
    (folder / "out" / "stray.txt").write_bytes(TUNLIU_TXT)   # inside the store: not an input
    status, err = _run(capsys, str(folder), "-o", str(folder / "out"))
    assert status == 0 and "skipped out: a govnotice store folder" in err
    assert [d["source"] for d in assert_consistent(folder / "out")["documents"]] == ["a.html"]


def _sources(store: Path) -> list[str]:
    return sorted(d["source"] for d in assert_consistent(store)["documents"])


@pytest.mark.parametrize("as_files", [False, True])
def test_two_inputs_with_one_source_are_both_stored(as_files, tmp_path, capsys):
    # finding 2: batches named 附件1.txt in two folders; before, one was lost without a word
    for name, data in (("d1", TUNLIU_TXT), ("d2", (CORPUS / "variants" / "dongzhi_2020.txt").read_bytes())):
        (tmp_path / name).mkdir()
        (tmp_path / name / "附件1.txt").write_bytes(data)
    inputs = [str(tmp_path / n / "附件1.txt") if as_files else str(tmp_path / n) for n in ("d1", "d2")]
    status, err = _run(capsys, *inputs, "-o", str(tmp_path / "store"))
    assert status == 0 and err.splitlines()[-1].startswith("2 documents read")
    assert _sources(tmp_path / "store") == ["d1/附件1.txt", "d2/附件1.txt"]


def test_a_clash_that_folder_names_cannot_settle_is_an_error_line(tmp_path, capsys):
    for parent, data in (("a", TUNLIU_TXT), ("b", DONGZHI)):
        (tmp_path / parent / "batch").mkdir(parents=True)
        (tmp_path / parent / "batch" / "附件1.html").write_bytes(data)
    store = tmp_path / "store"
    status, err = _run(capsys, str(tmp_path / "a" / "batch"), str(tmp_path / "b" / "batch"), "-o", str(store))
    assert status == 0 and "duplicate_source" in err
    held = assert_consistent(store)
    assert [d["source"] for d in held["documents"]] == ["batch/附件1.html"]
    assert [(e["source"], e["error"]) for e in held["errors"]] == [(str(tmp_path / "b/batch/附件1.html"),
                                                                    "duplicate_source")]
    assert err.splitlines()[-1].startswith("1 document read")


def test_a_file_named_on_the_command_line_is_stored_under_its_base_name(tmp_path, capsys, monkeypatch):
    # finding 3: "../d1/plan.txt" and "/abs/d1/plan.txt" are the same source
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "plan.txt").write_bytes(TUNLIU_TXT)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    store = tmp_path / "store"
    for typed in ("../d1/plan.txt", str(tmp_path / "d1" / "plan.txt"), "../d1/./plan.txt"):
        assert _run(capsys, typed, typed, "-o", str(store))[0] == 0   # a file given twice is read once
        assert _sources(store) == ["plan.txt"]


def test_copies_under_other_names_get_their_own_error_line(tmp_path, capsys):
    # finding 7 (each copy was told it was "named as a Word (DOCX) file") and 8 (.odt read as text)
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["fake.docx", "fake.ofd", "fake.odt", "fake.pdf", "fake.png", "fake.txt", "fake.xlsx", "fake2.png",
             "more.txt"]
    for name in names:
        (folder / name).write_bytes(TUNLIU_TXT)
    store = tmp_path / "store"
    status, err = _run(capsys, str(folder), "-o", str(store))
    held = assert_consistent(store)
    details = {e["source"]: e["detail"] for e in held["errors"]}
    claims = {"fake.docx": "a Word (DOCX)", "fake.ofd": "an OFD", "fake.odt": "an OpenDocument (.odt)",
              "fake.pdf": "a PDF", "fake.png": "an image (PNG/JPEG)", "fake2.png": "an image (PNG/JPEG)",
              "fake.xlsx": "an Excel (.xlsx)"}
    assert details == {name: f"named as {claim} file but holds plain text (a broken download?)"
                       for name, claim in claims.items()}
    assert [d["source"] for d in held["documents"]] == ["fake.txt"]   # more.txt is a copy of it
    assert status == 0
    assert err.splitlines()[-1].startswith("1 document read, 25 tasks, 0 catalog items, 0 domains, 7 errors, "
                                           "1 file skipped")


def test_manifest_region_names_that_do_not_exist_are_left_out(tmp_path, capsys):
    # finding 10: 江西省,火星市 was stored as city 火星市 with no adcode although the province is known
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_bytes(TUNLIU_TXT + name.encode())
    (tmp_path / "m.csv").write_text("file,province,city,county,url\na.txt,江西省,火星市,\n"
                                    "b.txt,火星省,九江市,\nc.txt,江西省,火星市,东湖区\n", encoding="utf-8")
    status, err = _run(capsys, str(folder), "-o", str(tmp_path / "out"), "--manifest", str(tmp_path / "m.csv"))
    assert status == 0
    regions = {d["source"]: (d["province"], d["city"], d["county"], d["adcode"])
               for d in jsonl(tmp_path / "out" / "documents.jsonl")}
    assert regions == {"a.txt": ("江西省", None, None, "360000"), "b.txt": (None, "九江市", None, "360400"),
                       "c.txt": ("江西省", None, "东湖区", "360102")}
    assert "line 2: no city 火星市 is known under 江西省; it is left out" in err
    assert "line 3: no province 火星省 is known; it is left out" in err


def test_the_folders_manifest_and_fetch_state_are_not_counted_as_skipped(tmp_path, capsys):
    # finding 6: extracting a fetch folder said "skipped 4 files: .csv (1), .json (1), .jsonl (1), no extension (1)"
    from pipeline.crawl import CACHE
    from pipeline.fetch import ERRORS_FILE
    from pipeline.inputs import FOLDER_FILES
    assert {CACHE, ERRORS_FILE, "manifest.csv"} <= FOLDER_FILES
    folder = tmp_path / "in"
    (folder / CACHE).mkdir(parents=True)
    (folder / CACHE / "0123456789abcdef").write_bytes(DONGZHI)
    (folder / "a.html").write_bytes(DONGZHI)
    (folder / "manifest.csv").write_text("file,province,city,county,url\na.html,,,,https://example.org/a\n",
                                         encoding="utf-8")
    (folder / ERRORS_FILE).write_text("", encoding="utf-8")
    (folder / ".fetch-state.json").write_text("{}", encoding="utf-8")
    (folder / "notes.md").write_text("not a notice", encoding="utf-8")
    status, err = _run(capsys, str(folder), "-o", str(tmp_path / "store"))
    assert status == 0
    assert "skipped 1 file: .md (1)" in err and err.splitlines()[-1].endswith(", 1 file skipped")
    assert [d["url"] for d in jsonl(tmp_path / "store" / "documents.jsonl")] == ["https://example.org/a"]
