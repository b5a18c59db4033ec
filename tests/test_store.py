"""Issue 9: the store that grows batch by batch, its schema, exports, and its consistency under attack.

Consistency means: every JSONL and CSV file of a store holds exactly the rows
of notices.db (``assert_consistent``), whatever happened to the run that wrote
them (killed, out of disk space, racing another run).
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import exporters as exporters_module
from pipeline import read_store
from pipeline.cli import main
from pipeline.run import Options, extract, run
from pipeline import schema
from pipeline.schema import DATASETS
from pipeline.store import LOCK_NAME, Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TUNLIU_TXT = (CORPUS / "variants" / "tunliu_2020_tasks.txt").read_bytes()
EXPORTED = ["documents", "tasks", "catalog", "domains"]


def jsonl(path: Path) -> list[dict]:
    """Rows of a JSONL file (lines end at \\n only: a text may hold U+2028, which splitlines() would cut at)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def csv_rows(path: Path) -> list[dict]:
    """Rows of a CSV export."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def assert_consistent(out: Path, clean: bool = True) -> dict[str, list[dict]]:
    """Every export of the store holds exactly the rows of notices.db (and, if clean, no staging is left)."""
    held = read_store(out)
    for name in DATASETS:
        assert jsonl(out / f"{name}.jsonl") == held[name], name
    for name in EXPORTED:
        if (out / f"{name}.csv").exists():
            keys = [(r["doc_id"], r.get("table"), r.get("row")) for r in csv_rows(out / f"{name}.csv")]
            assert keys == [(r["doc_id"], str(r.get("table")) if "table" in r else None,
                             str(r.get("row")) if "row" in r else None) for r in held[name]], name
    if clean:
        assert not [p for p in out.iterdir() if p.name.startswith(".export")], "staging left behind"
    assert_indexed(out)
    return held


def assert_indexed(out: Path) -> None:
    """task_units and tasks_fts hold exactly the committed tasks, and the per-row triggers are in place."""
    db = sqlite3.connect(out / "notices.db")
    try:
        units = set(db.execute('SELECT doc_id, "table", "row", role, position, unit FROM task_units'))
        expected = {(doc_id, table, row, role, k, unit)
                    for doc_id, table, row, *lists in db.execute(
                        'SELECT doc_id, "table", "row", lead_units, guide_units, support_units FROM tasks')
                    for role, text in zip(("lead", "guide", "support"), lists)
                    for k, unit in enumerate(json.loads(text))}
        assert units == expected
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"tasks_units_ai", "tasks_units_ad"} <= triggers
        if not schema.jieba_fts(db):
            assert {"tasks_fts_ai", "tasks_fts_ad"} <= triggers
            # rank 1: the index is checked against the tasks table too (a row missing or left over fails)
            db.execute("INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        db.close()


def notices(folder: Path, n: int, start: int = 0) -> Path:
    """n distinct copies of the tunliu notice as TXT (a distinct last line each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(start, start + n):
        (folder / f"notice{k:02d}.txt").write_bytes(TUNLIU_TXT + f"\n附注{k}\n".encode())
    return folder


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of a store folder (the lock file aside) and its bytes; notices.db by its SQL dump.

    A rolled-back transaction may leave other bytes in free pages (SQLite does
    not journal them), so the database is compared by what it holds.
    """
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != LOCK_NAME}
    if "notices.db" in files:
        db = sqlite3.connect(out / "notices.db")
        files["notices.db"] = "\n".join(db.iterdump()).encode()
        db.close()
    return files


# --------------------------------------------------------------------------
# A store that grows
# --------------------------------------------------------------------------

def test_two_batches_give_the_union_and_a_rerun_reads_nothing(tmp_path):
    out = tmp_path / "store"
    first = run([str(CORPUS / "dongzhi_2020.html")], str(out))
    second = run([str(CORPUS / "tunliu_2020_tasks.docx"), str(CORPUS / "donghu_2020.html")], str(out))
    held = assert_consistent(out)
    assert {d["source"] for d in held["documents"]} == {"dongzhi_2020.html", "tunliu_2020_tasks.docx",
                                                         "donghu_2020.html"}
    assert len(held["tasks"]) == first.tasks + second.tasks
    again = run([str(CORPUS / "tunliu_2020_tasks.docx"), str(CORPUS / "donghu_2020.html")], str(out))
    assert (again.documents, again.unchanged) == (0, 2)
    assert "2 already in the store" in again.line()
    assert read_store(out) == held


def test_a_changed_file_replaces_its_rows_and_rebuild_reads_all(tmp_path):
    folder = notices(tmp_path / "in", 2)
    out = tmp_path / "store"
    run([str(folder)], str(out))
    old_id = {d["source"]: d["doc_id"] for d in read_store(out)["documents"]}["notice01.txt"]
    (folder / "notice01.txt").write_bytes(TUNLIU_TXT.replace("县".encode(), "区".encode()) + b"\n")
    changed = run([str(folder)], str(out))
    assert (changed.documents, changed.unchanged) == (1, 1)
    held = assert_consistent(out)
    assert [d["source"] for d in held["documents"]] == ["notice00.txt", "notice01.txt"]
    assert old_id not in {t["doc_id"] for t in held["tasks"]}
    assert len(held["tasks"]) == 2 * held["documents"][0]["n_tasks"]
    rebuilt = run([str(folder)], str(out), Options(rebuild=True))
    assert (rebuilt.documents, rebuilt.unchanged) == (2, 0)
    assert read_store(out) == held


def test_identical_copies_are_hashed_before_dispatch_and_read_once(tmp_path, monkeypatch, capsys):
    folder = notices(tmp_path / "in", 1)
    shutil.copy(folder / "notice00.txt", folder / "copy.txt")
    dispatched = []
    from pipeline import run as runner
    real = runner._results

    def results(inputs, options, listed):
        def watched():
            for entry in inputs:
                dispatched.append(entry[1])
                yield entry
        return real(watched(), options, listed)
    monkeypatch.setattr(runner, "_results", results)
    assert main(["extract", str(folder), "-o", str(tmp_path / "out")]) == 0
    assert dispatched == ["copy.txt"], "a copy was dispatched"
    assert "notice00.txt: same bytes as copy.txt" in capsys.readouterr().err


def test_reading_starts_before_the_last_input_is_hashed(tmp_path, monkeypatch, capsys):
    """Inputs are hashed as the workers ask for more, not all before the first is read: a year's notices
    would be read through once before any work began, and again by the workers."""
    from pipeline import run as runner
    folder = notices(tmp_path / "in", 40)
    reading = tmp_path / "reading"
    real_process, real_hash = runner.process, runner.file_hash

    def process(data, source, *args, **kwargs):
        if source.startswith("notice"):   # (not the pool's warm-up notice)
            reading.touch()
        return real_process(data, source, *args, **kwargs)

    waited = []

    def file_hash(file, *args, **kwargs):
        if file.name == "notice39.txt":   # the last input: by now some document is being read
            deadline = time.monotonic() + 60   # a bound on waiting, not a speed check
            while not reading.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            waited.append(reading.exists())
        return real_hash(file, *args, **kwargs)
    monkeypatch.setattr(runner, "process", process)
    monkeypatch.setattr(runner, "file_hash", file_hash)
    assert main(["extract", str(folder), "-o", str(tmp_path / "out")]) == 0
    assert waited == [True]
    assert len(read_store(tmp_path / "out")["documents"]) == 40


@pytest.mark.parametrize("readable", [True, False])
def test_a_copy_hashed_after_its_first_was_read_is_still_told(tmp_path, monkeypatch, capsys, readable):
    """With a window of two documents, the last input is hashed long after the first one's record came:
    the copy gets its note, or the same error line when the first was unreadable."""
    from pipeline import executor
    monkeypatch.setattr(executor, "SETTINGS", executor.PoolSettings(window_per_job=1, prefetch=1))
    folder = notices(tmp_path / "in", 12)
    suffix = ".txt" if readable else ".png"   # text named as an image: unreadable
    (folder / f"a_first{suffix}").write_bytes(TUNLIU_TXT)
    (folder / f"z_copy{suffix}").write_bytes(TUNLIU_TXT)
    assert main(["extract", str(folder), "-o", str(tmp_path / "out"), "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    held = read_store(tmp_path / "out")
    sources = [d["source"] for d in held["documents"]]
    if readable:
        assert f"z_copy.txt: same bytes as a_first.txt" in err
        assert "a_first.txt" in sources and "z_copy.txt" not in sources
        assert err.splitlines()[-1].endswith("1 file skipped")
    else:
        errors = {e["source"]: e["detail"] for e in held["errors"]}
        assert set(errors) == {"a_first.png", "z_copy.png"} and errors["a_first.png"] == errors["z_copy.png"]
        assert err.splitlines()[-1].endswith("2 errors, 0 files skipped")


def test_a_document_that_became_a_late_copy_of_an_unreadable_file_keeps_its_error_line(tmp_path, monkeypatch,
                                                                                        capsys):
    """z_copy.txt was a notice; it now holds the bytes of an unreadable file hashed long before it. Its old
    rows go and the first file's error line is written for it (the removal used to come after the line,
    and took it away)."""
    from pipeline import executor
    monkeypatch.setattr(executor, "SETTINGS", executor.PoolSettings(window_per_job=1, prefetch=1))
    folder = notices(tmp_path / "in", 12)
    (folder / "a_first.txt").write_bytes(b"")   # unreadable: an empty file
    (folder / "z_copy.txt").write_bytes(TUNLIU_TXT)
    out = tmp_path / "out"
    assert main(["extract", str(folder), "-o", str(out), "--jobs", "1"]) == 0
    assert "z_copy.txt" in [d["source"] for d in read_store(out)["documents"]]
    (folder / "z_copy.txt").write_bytes(b"")
    assert main(["extract", str(folder), "-o", str(out), "--jobs", "1", "--rebuild"]) == 0
    held = assert_consistent(out)
    assert "z_copy.txt" not in [d["source"] for d in held["documents"]]
    assert sorted(e["source"] for e in held["errors"]) == ["a_first.txt", "z_copy.txt"]


def test_remove_takes_a_document_out_of_the_store(tmp_path, capsys):
    out = tmp_path / "store"
    run([str(notices(tmp_path / "in", 3))], str(out))
    doc_id = read_store(out)["documents"][2]["doc_id"]
    assert main(["remove", str(out), "notice00.txt", doc_id]) == 0
    assert "2 removed" in capsys.readouterr().err
    held = assert_consistent(out)
    assert [d["source"] for d in held["documents"]] == ["notice01.txt"]
    with Store(out) as store:
        # child rows go by ON DELETE CASCADE and the tasks triggers
        for table in ("tasks", "catalog", "domains", "provenance", "task_units"):
            assert store.query(f"SELECT COUNT(*) AS n FROM {table} WHERE doc_id = ?", (doc_id,)) == [{"n": 0}]
        left = store.query("SELECT COUNT(*) AS n FROM tasks")[0]["n"]
        assert store.query("SELECT COUNT(*) AS n FROM tasks_fts")[0]["n"] == left > 0
    assert main(["remove", str(out), "nothing.txt"]) == 1


def test_a_batch_indexes_what_it_keeps_whatever_it_replaces(tmp_path):
    """The writer indexes its batch in bulk: replaced, re-added and dropped documents leave the index exact."""
    from pipeline.model import ErrorRecord
    from pipeline.run import process
    from pipeline.store import StoreWriter
    out = tmp_path / "store"
    run([str(notices(tmp_path / "in", 2))], str(out))
    changed = TUNLIU_TXT.replace("区".encode(), "县".encode())
    with StoreWriter(out) as batch:
        # notice01 holds the highest rowids: its replacement's tasks take the same rowids again
        batch.add(process(changed + b"\n1\n", "notice01.txt"))
        batch.add(process(changed + b"\n2\n", "added.txt"))
        batch.add_error(ErrorRecord("added.txt", "unreadable", "gone again in the same batch"))
        batch.add(process(changed + b"\n3\n", "twice.txt"))
        batch.add(process(changed + b"\n4\n", "twice.txt"))
        batch.commit()
    held = assert_consistent(out)
    assert [d["source"] for d in held["documents"]] == ["notice00.txt", "notice01.txt", "twice.txt"]
    with Store(out) as store:
        assert {t["source"] for t in store.search("县财政局")} == {"notice01.txt", "twice.txt"}
        assert {t["source"] for t in store.search("区财政局")} == {"notice00.txt"}
        # the triggers are back for any other writer: a task added by hand is indexed and its units listed
        columns = [c for c in DATASETS["tasks"].columns()]
        made = {"table": "9", "item": "'手工加入的事项'", "lead_units": "'[\"手工单位\"]'",
                "guide_units": "'[]'", "support_units": "'[]'"}
        store.db.execute(f"INSERT INTO tasks ({', '.join(map(schema.q, columns))}) SELECT "
                         f"{', '.join(made.get(c, schema.q(c)) for c in columns)} FROM tasks LIMIT 1")
        assert [t["item"] for t in store.search("手工加入")] == ["手工加入的事项"]
        assert store.query("SELECT unit FROM task_units WHERE \"table\" = 9") == [{"unit": "手工单位"}]
    assert_indexed(out)


def test_an_error_line_is_kept_until_the_file_reads(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.7\n garbage")
    out = tmp_path / "store"
    run([str(folder)], str(out))
    assert [e["source"] for e in assert_consistent(out)["errors"]] == ["a.pdf"]
    (folder / "a.pdf").write_bytes((CORPUS / "variants" / "tunliu_2020_tasks.pdf").read_bytes())
    run([str(folder)], str(out))
    held = assert_consistent(out)
    assert held["errors"] == [] and [d["source"] for d in held["documents"]] == ["a.pdf"]


def test_python_api_extract_and_read_store(tmp_path):
    summary = extract(CORPUS / "tunliu_2020_tasks.docx", tmp_path / "store", jobs=1)
    assert summary.documents == 1
    with Store(tmp_path / "store") as store:
        assert store.tasks() == read_store(tmp_path / "store")["tasks"]
        assert len(store.tasks()) == summary.tasks > 0


# --------------------------------------------------------------------------
# Schema: keys, unit table, views, full-text search
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    """The sample corpus in one store."""
    out = tmp_path_factory.mktemp("corpus") / "store"
    run([str(CORPUS)], str(out), Options(formats=("jsonl", "csv", "xlsx")))
    return out


def test_keys_types_and_indexes(corpus_store):
    db = sqlite3.connect(corpus_store / "notices.db")
    info = {r[1]: r for r in db.execute('PRAGMA table_info("tasks")')}
    assert info["table"][2] == info["row"][2] == "INTEGER" and info["item"][2] == "TEXT"
    assert [info[c][5] for c in ("doc_id", "table", "row")] == [1, 2, 3]    # the primary key
    assert [r[2] for r in db.execute('PRAGMA foreign_key_list("tasks")')] == ["documents"]
    indexed = {r[2] for r in db.execute("SELECT * FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    assert {"documents", "tasks", "task_units"} <= indexed
    plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN SELECT * FROM task_units WHERE unit = 'x'"))
    assert "task_units_unit" in plan
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO tasks (doc_id, source, \"table\", \"row\", lead_units, guide_units, support_units, "
                    "deadline_kind, flags) SELECT doc_id, source, \"table\", \"row\", '[]', '[]', '[]', 'none', '[]' "
                    "FROM tasks LIMIT 1")


def test_every_task_led_by_a_unit_is_one_query(corpus_store):
    tasks = read_store(corpus_store)["tasks"]
    unit = "县政府办公室"
    expected = sorted((t["doc_id"], t["table"], t["row"]) for t in tasks if unit in t["lead_units"])
    assert expected
    with Store(corpus_store) as store:
        rows = store.query('SELECT doc_id, "table", "row" FROM unit_tasks WHERE unit = ? AND role = ?',
                           (unit, "lead"))
        assert sorted((r["doc_id"], r["table"], r["row"]) for r in rows) == expected
        joined = store.query("SELECT COUNT(*) AS n, COUNT(issuer) AS issuers FROM tasks_documents")
    assert joined[0]["n"] == len(tasks) and joined[0]["issuers"] > 0


@pytest.mark.parametrize("words", ["权责清单", "政务公开", "县政府办公室"])
def test_full_text_search_finds_chinese_words(corpus_store, words):
    tasks = read_store(corpus_store)["tasks"]
    fields = ("item", "group", "subgroup")
    expected = sorted((t["doc_id"], t["table"], t["row"]) for t in tasks
                      if any(words in (t[f] or "") for f in fields) or
                      any(words in u for u in t["lead_units"] + t["guide_units"] + t["support_units"]))
    assert expected
    with Store(corpus_store) as store:
        rows = store.query('SELECT t.doc_id, t."table", t."row" FROM tasks_fts JOIN tasks t '
                           'ON t.rowid = tasks_fts.rowid WHERE tasks_fts MATCH ?', (f'"{words}"',))
    assert sorted((r["doc_id"], r["table"], r["row"]) for r in rows) == expected


def test_jsonl_rows_match_the_json_schemas(corpus_store):
    from jsonschema import Draft202012Validator
    for name, cls in DATASETS.items():
        schema = json.loads((ROOT / "pipeline" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert list(schema["properties"]) == cls.columns(), name
        validator = Draft202012Validator(schema)
        for path in (corpus_store / f"{name}.jsonl", ROOT / "outputs" / f"{name}.jsonl"):
            for row in jsonl(path):
                errors = [e.message for e in validator.iter_errors(row)]
                assert not errors, f"{path.name}: {errors}"
    bad = {**jsonl(corpus_store / "tasks.jsonl")[0], "deadline_kind": "soon"}
    assert not Draft202012Validator(json.loads((ROOT / "pipeline" / "schemas" / "tasks.schema.json").read_text())).is_valid(bad)


# texts that JSON and CSV writers must escape or quote, and spreadsheet formulas
AWKWARD = ['a"b', "back\\slash", "line\nbreak\ttab\r", "\x00\x01\x1f\x7f", "\u2028\u2029", "😀", "=1+2",
           " @lead", "", '", "', '["x", "y"]', "x;y"]


def _awkward_store(corpus_store: Path, tmp_path: Path) -> sqlite3.Connection:
    """A copy of the corpus store whose first tasks hold the awkward texts, alone and in unit lists."""
    from pipeline.store import _as_json, connect
    shutil.copy(corpus_store / "notices.db", tmp_path / "notices.db")
    db = connect(tmp_path / "notices.db")
    rowids = [r for (r,) in db.execute("SELECT rowid FROM tasks ORDER BY rowid LIMIT ?", (len(AWKWARD),))]
    for k, (rowid, text) in enumerate(zip(rowids, AWKWARD)):
        units = [text, *AWKWARD[:k]] if k % 2 else [text]
        db.execute("UPDATE tasks SET item = ?, lead_units = ?, guide_units = ? WHERE rowid = ?",
                   (text, _as_json(units), _as_json([k, text]) if k % 3 == 0 else "[]", rowid))
    return db


def test_stored_rows_export_as_their_decoded_dicts_would(corpus_store, tmp_path):
    # The store exports JSONL lines built by SQLite and CSV cells from the stored JSON text; each must
    # equal what the exporters write for the same rows decoded into dicts (the path of other callers).
    from pipeline.store import dataset_rows, export_to
    db = _awkward_store(corpus_store, tmp_path)
    (tmp_path / "stored").mkdir()
    export_to(db, tmp_path / "stored", ["jsonl", "csv"])
    for name in DATASETS:
        rows = list(dataset_rows(db, name))
        lines = (tmp_path / "stored" / f"{name}.jsonl").read_text(encoding="utf-8").split("\n")
        assert lines == [exporters_module._json_line(row) for row in rows] + [""], name
        assert [json.loads(line) for line in lines[:-1]] == rows, name
        if name == "errors":
            continue
        folder = tmp_path / f"dicts-{name}"
        folder.mkdir()
        exporter = exporters_module.CsvExporter(folder)
        exporter.start_dataset(name, DATASETS[name].columns())
        for row in rows:
            exporter.export_item(row)
        exporter.finish_exporting()
        assert (tmp_path / "stored" / f"{name}.csv").read_bytes() == (folder / f"{name}.csv").read_bytes(), name
    tasks = jsonl(tmp_path / "stored" / "tasks.jsonl")
    assert {t["item"] for t in tasks} >= set(AWKWARD)
    db.close()


@given(st.lists(st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2)), max_size=5))
@settings(max_examples=300, deadline=None)
def test_a_stored_list_makes_the_cell_its_decoded_list_makes(value):
    from pipeline.store import _as_json
    assert exporters_module._stored_list_cell(_as_json(value)) == exporters_module.cell_text(value)


@given(st.one_of(st.lists(st.one_of(st.text(), st.sampled_from(AWKWARD), st.integers(), st.none(),
                                   st.lists(st.text(max_size=3), max_size=2))),
                 st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)))
@settings(max_examples=500, deadline=None)
def test_a_list_or_object_is_stored_as_json_dumps_writes_it(value):
    # plain string lists skip the encoder: the text must still be the encoder's, byte for byte
    from pipeline.store import _as_json
    assert _as_json(value) == json.dumps(value, ensure_ascii=False)


def test_jsonl_lines_are_compact_json():
    # one style for every JSONL file: the store's lines (SQLite) and the compare outputs (Python)
    assert exporters_module._json_line({"a": [1, "x"], "b": None}) == '{"a":[1,"x"],"b":null}'
    line = (ROOT / "outputs" / "tasks.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))


def test_xlsx_has_a_sheet_per_dataset_frozen_header_dates_and_widths(corpus_store):
    from openpyxl import load_workbook
    book = load_workbook(corpus_store / "notices.xlsx")
    assert book.sheetnames == list(DATASETS)
    tasks = book["tasks"]
    assert tasks.freeze_panes == "A2"
    header = [c.value for c in tasks[1]]
    assert header == DATASETS["tasks"].columns()
    deadlines = [row[header.index("deadline")] for row in tasks.iter_rows(min_row=2, values_only=True)]
    assert any(d is not None for d in deadlines)
    assert all(d is None or hasattr(d, "year") for d in deadlines)
    widths = {c: tasks.column_dimensions[chr(ord("A") + k)].width for k, c in enumerate(header[:26])}
    assert widths["item"] > widths["row"] >= 6 and widths["item"] <= 60
    assert tasks.max_row - 1 == len(jsonl(corpus_store / "tasks.jsonl"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("县政府办公室ＡＢ１２abc 12-,（）。…"), max_size=70), min_size=1, max_size=12),
       st.integers(6, 80))
def test_xlsx_column_width_is_the_widest_text_counted_in_full(tmp_path_factory, texts, max_width):
    """The exporter stops counting a text's characters where the count could not change the width: the
    column still gets min(max(widest display width + 2, min_width), max_width)."""
    from openpyxl import load_workbook
    settings_ = exporters_module.XlsxSettings(max_width=max_width)
    folder = tmp_path_factory.mktemp("xlsx")
    exporter = exporters_module.XlsxExporter(folder, settings_)
    exporter.start_exporting()
    exporter.start_dataset("tasks", ["c"])
    for text in texts:
        exporter.export_item({"c": text})
    exporter.finish_exporting()
    cells = [exporters_module.cell_text(t) for t in texts]   # as written: a formula's start neutralised
    widest = max([exporters_module._display_width("c")] + [exporters_module._display_width(c) for c in cells])
    width = load_workbook(folder / "notices.xlsx")["tasks"].column_dimensions["A"].width
    assert width == min(max(widest + 2, settings_.min_width), settings_.max_width)


# --------------------------------------------------------------------------
# Exporters: one contract, every exporter
# --------------------------------------------------------------------------

ITEMS = [
    {"doc_id": "a", "text": "=HYPERLINK(\"http://x\")", "units": ["县政府", "+1"], "deadline": "2020-08-31", "n": 3},
    {"doc_id": "b", "text": "  -2+3", "units": [], "deadline": None, "n": 0},
    {"doc_id": "c", "text": "＠SUM(A1)", "units": ["@x"], "deadline": "2021-01-01", "n": -1},
    {"doc_id": "d", "text": "普通文字 = 不是公式", "units": ["＝县", "县"], "deadline": None, "n": 12},
]
NEUTRAL = {"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "  -2+3": "'  -2+3",
           "＠SUM(A1)": "'＠SUM(A1)", "普通文字 = 不是公式": "普通文字 = 不是公式"}


def _read_jsonl(folder: Path) -> list[dict]:
    return jsonl(folder / "items.jsonl")


def _read_csv(folder: Path) -> list[dict]:
    return csv_rows(folder / "items.csv")


def test_xlsx_bytes_depend_only_on_the_rows(corpus_store, tmp_path):
    # finding 5: no clock in docProps/core.xml nor in the zip entries
    import zipfile
    from pipeline.exporters import FIXED_TIME
    from pipeline.store import export_to
    with zipfile.ZipFile(corpus_store / "notices.xlsx") as book:
        assert {info.date_time for info in book.infolist()} == {FIXED_TIME.timetuple()[:6]}
        core = book.read("docProps/core.xml").decode()
    assert core.count(FIXED_TIME.isoformat() + "Z") == 2   # created and modified
    db = sqlite3.connect(corpus_store / "notices.db")
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        export_to(db, tmp_path / name, ["xlsx"])
    db.close()
    exported = [(tmp_path / name / "notices.xlsx").read_bytes() for name in ("a", "b")]
    assert exported[0] == exported[1] == (corpus_store / "notices.xlsx").read_bytes()


def test_large_zip_entries_are_copied_through_with_the_same_contents(corpus_store, tmp_path, monkeypatch):
    """Entries over exporters._STREAMED (64 MB: a large sheet) are copied in pieces, not read whole:
    with the threshold at 0 every entry goes that way, and the workbook holds the same."""
    import zipfile
    from pipeline.exporters import FIXED_TIME
    from pipeline.store import export_to
    monkeypatch.setattr(exporters_module, "_STREAMED", 0)
    db = sqlite3.connect(corpus_store / "notices.db")
    export_to(db, tmp_path, ["xlsx"])
    db.close()
    with zipfile.ZipFile(tmp_path / "notices.xlsx") as streamed, zipfile.ZipFile(corpus_store / "notices.xlsx") as whole:
        assert [i.filename for i in streamed.infolist()] == [i.filename for i in whole.infolist()]
        assert {i.date_time for i in streamed.infolist()} == {FIXED_TIME.timetuple()[:6]}
        assert all(streamed.read(i.filename) == whole.read(i.filename) for i in whole.infolist())
    assert _read_xlsx_sheet(tmp_path, "tasks") == _read_xlsx_sheet(corpus_store, "tasks")


def test_an_abandoned_workbook_leaves_no_sheet_behind(tmp_path):
    """A failure halfway (here a row that cannot be written, after a whole sheet) closes the started
    sheets and removes their temporary files at once, not when the process exits."""
    from openpyxl.worksheet import _writer
    from pipeline.exporters import XlsxExporter, XlsxSettings
    before = list(_writer.ALL_TEMP_FILES)
    exporter = XlsxExporter(tmp_path)
    exporter.start_exporting()
    exporter.start_dataset("items", list(ITEMS[0]))
    for item in ITEMS:
        exporter.export_item(item)
    exporter.start_dataset("more", ["doc_id"])
    with pytest.raises(AttributeError):
        exporter.export_item(None)
    exporter.abandon()
    assert _writer.ALL_TEMP_FILES == before and not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="max_rows"):
        XlsxSettings(max_rows=1)


def _read_xlsx_sheet(folder: Path, name: str) -> list[tuple]:
    from openpyxl import load_workbook
    return list(load_workbook(folder / "notices.xlsx")[name].iter_rows(values_only=True))


def test_a_dataset_longer_than_a_sheet_goes_on_in_the_next(tmp_path):
    """Excel holds 1,048,576 rows a sheet: a longer dataset continues in "items (2)", header, frozen row,
    date cells and fitted widths in each, the rows in order (a sheet of 3 rows stands in for Excel's)."""
    from datetime import date
    from openpyxl import load_workbook
    from pipeline.exporters import XlsxExporter, XlsxSettings
    exporter = XlsxExporter(tmp_path, XlsxSettings(max_rows=3))
    exporter.start_exporting()
    exporter.start_dataset("items", list(ITEMS[0]))
    for item in ITEMS:
        exporter.export_item(item)
    exporter.start_dataset("more", ["doc_id"])
    exporter.export_item({"doc_id": "e"})
    exporter.finish_exporting()
    book = load_workbook(tmp_path / "notices.xlsx")
    assert book.sheetnames == ["items", "items (2)", "more"]
    rows = []
    for sheet in (book["items"], book["items (2)"]):
        values = list(sheet.iter_rows(values_only=True))
        assert sheet.freeze_panes == "A2" and values[0] == tuple(ITEMS[0]) and len(values) <= 3
        assert sheet.column_dimensions["B"].width >= 6
        rows += [dict(zip(values[0], v)) for v in values[1:]]
    assert [r["doc_id"] for r in rows] == ["a", "b", "c", "d"]
    assert [r["deadline"] and r["deadline"].date() for r in rows] == [date(2020, 8, 31), None, date(2021, 1, 1), None]
    assert book["items (2)"]["D2"].number_format == "yyyy-mm-dd"


def _read_xlsx(folder: Path) -> list[dict]:
    from openpyxl import load_workbook
    sheet = load_workbook(folder / "notices.xlsx")["items"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


class ExporterContract:
    """Every exporter writes what it is given, in order, and only spreadsheets neutralise formulas."""
    fmt = ""
    spreadsheet = True

    def export(self, folder: Path) -> list[dict]:
        exporter = exporters_module.EXPORTERS[self.fmt](folder)
        exporter.start_exporting()
        exporter.start_dataset("items", list(ITEMS[0]))
        for item in ITEMS:
            exporter.export_item(item)
        exporter.finish_exporting()
        return {"jsonl": _read_jsonl, "csv": _read_csv, "xlsx": _read_xlsx}[self.fmt](folder)

    def test_rows_come_back_in_order(self, tmp_path):
        assert [r["doc_id"] for r in self.export(tmp_path)] == [i["doc_id"] for i in ITEMS]

    def test_formulas(self, tmp_path):
        texts = [r["text"] for r in self.export(tmp_path)]
        assert texts == [NEUTRAL[i["text"]] if self.spreadsheet else i["text"] for i in ITEMS]

    def test_lists(self, tmp_path):
        units = [r["units"] for r in self.export(tmp_path)]
        if self.spreadsheet:
            assert units[0] == "县政府;+1" and units[2] == "'@x" and units[3] == "'＝县;县"
            assert units[1] in ("", None)
        else:
            assert units == [i["units"] for i in ITEMS]

    def test_an_exporter_does_not_write_over_a_planted_file(self, tmp_path):
        victim = tmp_path / "victim"
        victim.write_text("keep")
        name = exporters_module.EXPORTERS[self.fmt](tmp_path).files(["items"])[0]
        (tmp_path / name).symlink_to(victim)
        with pytest.raises(FileExistsError):
            self.export(tmp_path)
        assert victim.read_text() == "keep"


class TestJsonLines(ExporterContract):
    fmt, spreadsheet = "jsonl", False


class TestCsv(ExporterContract):
    fmt = "csv"


class TestXlsx(ExporterContract):
    fmt = "xlsx"

    def test_dates_and_numbers_keep_their_type(self, tmp_path):
        rows = self.export(tmp_path)
        assert [r["n"] for r in rows] == [3, 0, -1, 12]
        assert rows[0]["deadline"].date().isoformat() == "2020-08-31"


# --------------------------------------------------------------------------
# Datasette serves the store
# --------------------------------------------------------------------------

def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def datasette(corpus_store):
    """`datasette serve notices.db -m metadata.json` on 127.0.0.1 at a free port; its base URL."""
    import httpx
    port = _free_port()
    exe = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen([str(exe), "serve", str(corpus_store / "notices.db"), "-m",
                             str(corpus_store / "metadata.json"), "-h", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:   # until it answers (or dies): no clock here, the server decides
            if proc.poll() is not None:
                pytest.fail("datasette ended: " + proc.stderr.read().decode())
            try:
                httpx.get(base + "/-/versions.json", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_datasette_serves_labelled_tables_search_and_units(datasette, corpus_store):
    import httpx
    tasks = read_store(corpus_store)["tasks"]
    found = httpx.get(datasette + "/notices/tasks.json",
                      params={"_search": "权责清单", "_shape": "array", "_size": "max"}).json()
    assert sorted((r["doc_id"], r["table"], r["row"]) for r in found) == \
        sorted((t["doc_id"], t["table"], t["row"]) for t in tasks if "权责清单" in (t["item"] or "") + (t["group"] or ""))
    sql = "SELECT COUNT(*) AS n FROM unit_tasks WHERE unit = :unit AND role = 'lead'"
    led = httpx.get(datasette + "/notices.json", params={"sql": sql, "unit": "县政府办公室", "_shape": "array"}).json()
    assert led == [{"n": sum("县政府办公室" in t["lead_units"] for t in tasks)}]
    page = httpx.get(datasette + "/notices/tasks").text
    assert "Tasks" in page and "deadline_kind" in page
    facets = httpx.get(datasette + "/notices/tasks.json").json()["facet_results"]
    assert {"province", "deadline_kind", "lead_units"} <= set(facets)


def test_an_export_only_notices_db_of_an_older_version_is_set_aside(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with sqlite3.connect(out / "notices.db") as db:   # what govnotice wrote before the store
        db.execute('CREATE TABLE documents ("doc_id", "source")')
    assert main(["extract", str(CORPUS / "dongzhi_2020.html"), "-o", str(out)]) == 0
    assert "kept as notices.db.before-store" in capsys.readouterr().err
    assert len(assert_consistent(out)["documents"]) == 1
    with sqlite3.connect(out / "notices.db.before-store") as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("documents",)]


@pytest.mark.parametrize("trigram", [True, False], ids=["trigram", "jieba"])
def test_search_finds_the_tasks_that_hold_a_word(trigram, tmp_path, monkeypatch):
    # a SQLite without the trigram tokenizer (before 3.34) gets jieba words instead
    monkeypatch.setattr("pipeline.schema.trigram_supported", lambda db: trigram)
    run([str(CORPUS / "dongzhi_2020.html"), str(CORPUS / "tunliu_2020_tasks.docx")], str(tmp_path / "s"))
    with Store(tmp_path / "s") as store:
        from pipeline.schema import jieba_fts
        assert jieba_fts(store.db) is not trigram
        tasks = store.tasks()
        for word in ("权责清单", "政务公开", "信息公开"):
            expected = [t for t in tasks if word in (t["item"] or "") + (t["group"] or "")]
            assert expected, word
            assert store.search(word) == expected, word


def test_a_new_manifest_row_reads_its_document_again(tmp_path, capsys):
    folder = notices(tmp_path / "in", 2)
    out = tmp_path / "store"
    assert main(["extract", str(folder), "-o", str(out), "--quiet"]) == 0
    (tmp_path / "m.csv").write_text("file,province,city,county,url\nnotice01.txt,江西省,九江市,,https://x.cn/1\n",
                                    encoding="utf-8")
    assert main(["extract", str(folder), "-o", str(out), "--manifest", str(tmp_path / "m.csv")]) == 0
    assert "1 document read" in capsys.readouterr().err
    docs = {d["source"]: d for d in assert_consistent(out)["documents"]}
    assert (docs["notice01.txt"]["city"], docs["notice01.txt"]["url"]) == ("九江市", "https://x.cn/1")
    assert docs["notice00.txt"]["url"] is None
