"""A batch into a large store costs what it adds: the rows of documents it leaves alone are copied
from the published export (pipeline/store.py ``Reuse``), and the files are byte for byte those a
full export of notices.db writes, whatever happened to the store or its files in between.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import store as store_module
from pipeline import read_store
from pipeline.cli import main
from pipeline.run import Options, run
from pipeline.store import SPANS_NAME, export_to

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TUNLIU_TXT = (CORPUS / "variants" / "tunliu_2020_tasks.txt").read_bytes()
# documents with tasks, catalog items and domains, in four formats
MIXED = ["dongzhi_2020.html", "tunliu_2020_tasks.docx", "jiujiang_2020_annex1.pdf", "donghu_2020.html"]


@pytest.fixture
def spliced(monkeypatch) -> list[str]:
    """The datasets each batch wrote by copying from the published export (one entry per dataset
    copied to the end: one refused on the way is not counted)."""
    done: list[str] = []
    splice = store_module._splice

    def spy(db, name, stored, order, plan, copies):
        lengths = splice(db, name, stored, order, plan, copies)
        if any(isinstance(source, store_module.Reuse) for source in copies):
            done.append(name)
        return lengths
    monkeypatch.setattr(store_module, "_splice", spy)
    return done


def assert_as_full_export(out: Path, tmp_path: Path) -> None:
    """Every export file of the store is byte for byte what a full export of its notices.db writes."""
    fresh = tmp_path / f"full-{len(list(tmp_path.glob('full-*')))}"
    fresh.mkdir()
    db = sqlite3.connect(out / "notices.db")
    try:
        formats = [f for f, marker in store_module.FORMAT_MARKERS.items() if (out / marker).exists()]
        names, _ = export_to(db, fresh, formats)
    finally:
        db.close()
    for name in names:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def read_notes(path: Path) -> dict:
    """The spans file's JSON (after its digest line)."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


def write_notes(path: Path, kept: dict) -> None:
    """A spans file as the store writes one: the digest line, then the JSON."""
    text = json.dumps(kept, separators=(",", ":"))
    path.write_text(store_module._NOTES_CHECK.format(hashlib.sha256(text.encode()).hexdigest()) + text)


def txt(folder: Path, k: int, extra: str = "") -> Path:
    """A distinct copy of the tunliu notice as TXT."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"notice{k:02d}.txt"
    path.write_bytes(TUNLIU_TXT + f"\n附注{k}{extra}\n".encode())
    return path


def batch(paths: list, out: Path, **options) -> None:
    run([str(p) for p in paths], str(out), Options(jobs=1, **options))


def test_batches_that_add_change_and_remove_documents_copy_the_rest(tmp_path, spliced):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([CORPUS / name for name in MIXED] + [txt(inputs, k) for k in (2, 4, 6)], out)
    assert spliced == []   # a new store: every row written
    assert read_notes(out / SPANS_NAME)["docs"]
    assert_as_full_export(out, tmp_path)

    # new documents before, between and after those held (sources sort notice00 < notice03 < notice09)
    batch([txt(inputs, k) for k in (0, 3, 9)], out)
    assert spliced == ["documents", "tasks", "catalog", "domains"]
    assert_as_full_export(out, tmp_path)

    # a changed file replaces its rows; an unreadable one adds an error line
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    batch([txt(inputs, 4, "改"), inputs / "broken.pdf"], out)
    assert_as_full_export(out, tmp_path)

    # the first and the last document in export order go
    assert main(["remove", str(out), "dongzhi_2020.html", "tunliu_2020_tasks.docx"]) == 0
    assert_as_full_export(out, tmp_path)
    assert main(["remove", str(out), "notice09.txt"]) == 0
    assert_as_full_export(out, tmp_path)

    # every document read again: each written anew, to the same bytes
    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    held = [CORPUS / name for name in MIXED[2:]] + [p for p in sorted(inputs.iterdir()) if p.name != "notice09.txt"]
    batch(held, out, rebuild=True)
    assert_as_full_export(out, tmp_path)
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before
    assert len(spliced) == 4 * 5


def test_a_batch_that_reads_nothing_leaves_the_export_and_its_spans_alone(tmp_path, spliced):
    out = tmp_path / "store"
    batch([txt(tmp_path / "in", 1)], out)
    spans = (out / SPANS_NAME).read_bytes()
    batch([txt(tmp_path / "in", 1)], out)
    assert (out / SPANS_NAME).read_bytes() == spans and spliced == []


@pytest.mark.parametrize("change", ["appended", "edited", "replaced", "linked", "spans garbled", "spans edited",
                                    "spans shifted", "spans moved", "spans missing",
                                    "store written by another program"])
def test_an_export_its_spans_do_not_describe_is_written_again_in_full(tmp_path, spliced, change):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([CORPUS / "dongzhi_2020.html"] + [txt(inputs, k) for k in range(3)], out)
    tasks = out / "tasks.jsonl"
    spans = out / SPANS_NAME
    if change == "appended":
        with open(tasks, "ab") as handle:
            handle.write(b'{"doc_id":"planted"}\n')
    elif change == "edited":   # the size changes: the file is not what was published
        tasks.write_bytes(tasks.read_bytes().replace(b"\n", b"\r\n", 1))
    elif change == "replaced":
        copy = tmp_path / "copy.jsonl"
        shutil.copy2(tasks, copy)
        os.replace(copy, tasks)   # same bytes and times, another file
    elif change == "linked":   # a link to a file of the same bytes is not followed
        shutil.copy2(tasks, tmp_path / "elsewhere.jsonl")
        tasks.unlink()
        tasks.symlink_to(tmp_path / "elsewhere.jsonl")
    elif change == "spans garbled":
        spans.write_text("{not json")
    elif change == "spans edited":   # by hand, the digest in their first line left as it was
        spans.write_text(spans.read_text().replace('"head":0', '"head":1', 1))
    elif change in ("spans shifted", "spans moved"):   # with a digest that matches: the rows are checked
        kept = read_notes(spans)
        entry = kept["files"]["tasks.jsonl"]
        first = next(k for k, n in enumerate(entry["lengths"]) if n)
        if change == "spans shifted":
            entry["head"] += 1
            entry["lengths"][first] -= 1
        else:   # the last row of the first document counted as the next one's
            rows = (tasks.read_bytes()[entry["head"]:entry["head"] + entry["lengths"][first]]).split(b"\n")
            entry["lengths"][first] -= len(rows[-2]) + 1
            entry["lengths"][first + 1] += len(rows[-2]) + 1
        write_notes(spans, kept)
    elif change == "spans missing":
        spans.unlink()
    else:
        db = sqlite3.connect(out / "notices.db")
        with db:
            db.execute("UPDATE tasks SET item = '另一个程序写的' WHERE rowid = (SELECT min(rowid) FROM tasks)")
        db.close()
    batch([txt(inputs, 5)], out)
    assert_as_full_export(out, tmp_path)
    # shifted, moved: the documents' rows were copied, the tasks' refused, and the whole export written again
    assert spliced == (["documents"] if change in ("spans shifted", "spans moved") else [])
    if change == "store written by another program":
        assert "另一个程序写的" in tasks.read_text(encoding="utf-8")
    batch([txt(inputs, 6)], out)   # the spans written after the full export serve the next batch
    assert_as_full_export(out, tmp_path)
    assert spliced[-4:] == ["documents", "tasks", "catalog", "domains"]


def test_a_format_asked_for_later_is_written_in_full_once(tmp_path, spliced):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([txt(inputs, 0)], out, formats=("jsonl",))
    batch([txt(inputs, 1)], out, formats=("jsonl",))
    assert spliced == ["documents", "tasks", "catalog", "domains"]
    batch([txt(inputs, 2)], out, formats=("jsonl", "csv"))
    assert len(spliced) == 4 and (out / "tasks.csv").exists()
    assert_as_full_export(out, tmp_path)
    batch([txt(inputs, 3)], out)
    assert len(spliced) == 8
    assert_as_full_export(out, tmp_path)


def test_a_store_with_a_workbook_is_exported_in_one_pass(tmp_path, spliced):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([txt(inputs, 0)], out, formats=("jsonl", "xlsx"))
    batch([txt(inputs, 1)], out)
    assert spliced == []
    assert_as_full_export(out, tmp_path)


def test_a_batch_keeps_the_database_locked_against_other_writers(tmp_path):
    """The header is read through a descriptor kept open: closing one would drop SQLite's POSIX locks."""
    out = tmp_path / "store"
    batch([txt(tmp_path / "in", 0)], out)
    batch([txt(tmp_path / "in", 1)], out)   # the spans are there: the batch reads the state digest too
    # POSIX locks belong to a process: the other writer has to be one (within one, SQLite itself keeps count)
    other = ("import sqlite3, sys\n"
             "db = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
             "try:\n"
             "    db.execute('BEGIN IMMEDIATE')\n"
             "    db.execute('COMMIT')\n"
             "    print('wrote')\n"
             "except sqlite3.OperationalError as exc:\n"
             "    print(exc)\n")
    with store_module.StoreWriter(out) as writer:
        answer = subprocess.run([sys.executable, "-c", other, str(out / "notices.db")], capture_output=True,
                                text=True, check=True).stdout
        assert answer.strip() == "database is locked"
        writer.remove("notice00.txt")
        writer.commit()
    assert_as_full_export(out, tmp_path)


def write_elsewhere(out: Path) -> None:
    """Another program changes a task of the store."""
    db = sqlite3.connect(out / "notices.db")
    with db:
        db.execute("UPDATE tasks SET item = '另一个程序写的' WHERE rowid = (SELECT min(rowid) FROM tasks)")
    db.close()


def test_a_write_just_after_the_commit_is_not_taken_for_exported(tmp_path, spliced, monkeypatch):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([txt(inputs, 0), txt(inputs, 1)], out)
    publish = store_module._publish

    def publish_then_write(folder):
        publish(folder)
        write_elsewhere(folder)
    monkeypatch.setattr(store_module, "_publish", publish_then_write)
    batch([txt(inputs, 2)], out)
    monkeypatch.setattr(store_module, "_publish", publish)
    assert not (out / SPANS_NAME).exists()
    batch([txt(inputs, 3)], out)
    assert "另一个程序写的" in (out / "tasks.jsonl").read_text(encoding="utf-8")
    assert_as_full_export(out, tmp_path)


def test_a_store_in_wal_mode_is_exported_in_full(tmp_path, spliced):
    """In WAL mode a commit leaves the header's counter alone: nothing tells another writer's commits."""
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([txt(inputs, 0), txt(inputs, 1)], out)
    db = sqlite3.connect(out / "notices.db")
    db.execute("PRAGMA journal_mode = wal")
    db.close()
    viewer = sqlite3.connect(out / "notices.db")   # a reader left open (Datasette): no checkpoint on close
    viewer.execute("SELECT COUNT(*) FROM tasks").fetchone()
    batch([txt(inputs, 2)], out)
    batch([txt(inputs, 3)], out)
    write_elsewhere(out)
    batch([txt(inputs, 4)], out)
    viewer.close()
    assert spliced == []
    assert "另一个程序写的" in (out / "tasks.jsonl").read_text(encoding="utf-8")
    assert_as_full_export(out, tmp_path)


def test_a_database_copied_over_the_store_is_not_taken_for_its_own(tmp_path, spliced):
    """Two stores of the same files under other names, after as many batches: the same documents, the
    same change counter; the sources and the reading tell them apart."""
    inputs = tmp_path / "in"
    first, second = txt(inputs, 0), txt(inputs, 1)
    renamed = inputs / "renamed.txt"
    shutil.copyfile(second, renamed)
    stores = {"a": tmp_path / "a", "b": tmp_path / "b"}
    batch([first, second], stores["a"])
    batch([first, renamed], stores["b"])
    spliced.clear()
    shutil.copyfile(stores["a"] / "notices.db", stores["b"] / "notices.db")   # same inode, same counter
    batch([txt(inputs, 2)], stores["b"])
    assert spliced == []
    assert_as_full_export(stores["b"], tmp_path)


@pytest.mark.parametrize("notes", ["fifo", "deep"])
def test_notes_that_are_no_file_of_spans_cost_only_the_copying(tmp_path, spliced, notes):
    out = tmp_path / "store"
    inputs = tmp_path / "in"
    batch([txt(inputs, 0)], out)
    (out / SPANS_NAME).unlink()
    if notes == "fifo":   # reading it would wait for a writer forever
        os.mkfifo(out / SPANS_NAME)
    else:
        (out / SPANS_NAME).write_text("[" * 200_000)
    batch([txt(inputs, 1)], out)
    assert spliced == [] and (out / SPANS_NAME).is_file()
    assert_as_full_export(out, tmp_path)


def test_a_file_of_the_store_named_as_an_input_is_left_out(tmp_path, capsys):
    """Reading notices.db in the writing process would close a descriptor of it: SQLite's locks would go."""
    out = tmp_path / "store"
    batch([txt(tmp_path / "in", 0)], out)
    link = tmp_path / "elsewhere.db"
    os.link(out / "notices.db", link)
    assert main(["extract", str(out / "notices.db"), str(out / "tasks.jsonl"), str(link), str(txt(tmp_path / "in", 1)),
                 "-o", str(out), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert err.count("a file of the output store") == 3 and "3 files skipped" in err
    assert [d["source"] for d in read_store(out)["documents"]] == ["notice00.txt", "notice01.txt"]
    assert_as_full_export(out, tmp_path)


def test_a_row_counted_as_a_removed_documents_is_not_lost(tmp_path, spliced):
    """Spans that give the last row of one document to the next, which the batch removes: the removed
    document's rows must begin where its span does too, or that row would go with it."""
    out = tmp_path / "store"
    batch([txt(tmp_path / "in", k) for k in range(3)], out)
    spans = out / SPANS_NAME
    kept = read_notes(spans)
    entry = kept["files"]["tasks.jsonl"]
    first = entry["lengths"][0]
    last_row = (out / "tasks.jsonl").read_bytes()[entry["head"]:entry["head"] + first].split(b"\n")[-2]
    entry["lengths"][0] -= len(last_row) + 1
    entry["lengths"][1] += len(last_row) + 1
    write_notes(spans, kept)
    assert main(["remove", str(out), "notice01.txt"]) == 0
    assert spliced == ["documents"]   # the tasks' spans refused: written in full
    assert_as_full_export(out, tmp_path)
