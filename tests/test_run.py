"""pipeline.run: process() is a pure function of bytes and path; run() writes the same files every time.

Also the output contract of SPEC.md "What comes out" as the exporters write
it: CSV with a BOM and `;`-joined lists, JSONL with arrays and nulls,
notices.db with the four tables, and the same notice in two formats giving
the same task rows.
"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.model import CatalogRecord, DocumentRecord, DomainRecord, TaskRecord
from pipeline.run import Options, doc_id_of, process, run

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
INPUTS = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".pdf", ".docx", ".html", ".txt"))
DATASETS = {"documents": DocumentRecord, "tasks": TaskRecord, "catalog": CatalogRecord, "domains": DomainRecord}
TASK_FIELDS = ("group_no", "group", "item_no", "item", "lead_units", "guide_units", "support_units",
               "deadline", "deadline_kind")


def _as_data(result) -> dict:
    return {"document": result.document.as_dict(), "tasks": [t.as_dict() for t in result.tasks],
            "catalog": [c.as_dict() for c in result.catalog], "domains": [d.as_dict() for d in result.domains]}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    """process() of every corpus file, keyed by its path relative to the corpus."""
    return {p.relative_to(CORPUS).as_posix(): _as_data(process(p.read_bytes(), p.relative_to(CORPUS).as_posix()))
            for p in INPUTS}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    """One run over the whole corpus."""
    out = tmp_path_factory.mktemp("run") / "out"
    summary = run([str(CORPUS)], str(out))
    assert summary.errors == 0 and summary.documents == len(INPUTS)
    return out


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------
# process(): pure
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_process_is_a_pure_function_of_bytes_and_path(path, results):
    source = path.relative_to(CORPUS).as_posix()
    again = _as_data(process(path.read_bytes(), source))
    assert again == results[source]
    assert again["document"]["doc_id"] == doc_id_of(path.read_bytes())
    assert again["document"]["source"] == source


def test_the_path_changes_only_the_source(results):
    data = (CORPUS / "dongzhi_2020.html").read_bytes()
    moved = _as_data(process(data, "elsewhere/renamed.html"))
    original = results["dongzhi_2020.html"]
    assert moved["document"]["source"] == "elsewhere/renamed.html"
    assert {**moved["document"], "source": None} == {**original["document"], "source": None}
    assert {t["source"] for t in moved["tasks"]} == {"elsewhere/renamed.html"}
    assert [{**t, "source": None} for t in moved["tasks"]] == [{**t, "source": None} for t in original["tasks"]]


# --------------------------------------------------------------------------
# run(): deterministic, whatever the parallelism
# --------------------------------------------------------------------------

def test_two_runs_write_byte_identical_files(outdir, tmp_path):
    again = tmp_path / "again"
    run([str(CORPUS)], str(again), Options(jobs=1))
    for name in DATASETS:
        for ext in ("jsonl", "csv"):
            assert (again / f"{name}.{ext}").read_bytes() == (outdir / f"{name}.{ext}").read_bytes(), name
    assert (again / "errors.jsonl").read_bytes() == (outdir / "errors.jsonl").read_bytes() == b""


def test_rows_follow_input_order(outdir):
    sources = [d["source"] for d in _jsonl(outdir / "documents.jsonl")]
    assert sources == sorted(p.relative_to(CORPUS).as_posix() for p in INPUTS)
    order = {d["doc_id"]: k for k, d in enumerate(_jsonl(outdir / "documents.jsonl"))}
    keys = [(order[t["doc_id"]], t["table"], t["row"]) for t in _jsonl(outdir / "tasks.jsonl")]
    assert keys == sorted(keys)


# --------------------------------------------------------------------------
# The files as SPEC.md describes them
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_jsonl_rows_have_every_field_lists_as_arrays_and_nulls(name, outdir, results):
    rows = _jsonl(outdir / f"{name}.jsonl")
    assert len(rows) == sum(len(r[name]) if name != "documents" else 1 for r in results.values())
    columns = DATASETS[name].columns()
    for row in rows:
        assert list(row) == columns
        for key, value in row.items():
            assert value != "", f"{name}.{key}: an empty string where null belongs"
            assert not isinstance(value, str) or value != "None"
    list_fields = {"documents": ["warnings"], "tasks": ["lead_units", "guide_units", "support_units", "flags"],
                   "catalog": ["channels", "audience", "mode"], "domains": ["lead_units"]}[name]
    assert all(isinstance(row[f], list) for row in rows for f in list_fields)


def test_missing_values_are_null_in_jsonl(outdir):
    tasks = _jsonl(outdir / "tasks.jsonl")
    docs = {d["doc_id"]: d for d in _jsonl(outdir / "documents.jsonl")}
    # a page number exists for PDF rows only; elsewhere it is null, not 0 or ""
    assert {t["page"] is None for t in tasks if docs[t["doc_id"]]["format"] != "pdf"} == {True}
    assert all(isinstance(t["page"], int) for t in tasks if docs[t["doc_id"]]["format"] == "pdf")
    assert any(t["deadline"] is None for t in tasks)
    assert all(d["meta"] is not None and isinstance(d["meta"], dict) for d in docs.values())


@pytest.mark.parametrize("name", DATASETS)
def test_csv_has_a_bom_one_header_and_the_jsonl_values(name, outdir):
    raw = (outdir / f"{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == DATASETS[name].columns()
    records = _jsonl(outdir / f"{name}.jsonl")
    assert len(rows) - 1 == len(records)
    for cells, record in zip(rows[1:], records):
        for cell, (key, value) in zip(cells, record.items()):
            if isinstance(value, list):
                assert cell == ";".join(value), key
            elif value is None:
                assert cell == "", key
            elif isinstance(value, dict):
                assert (json.loads(cell) if cell else {}) == value, key
            else:
                assert cell == str(value), key


def test_csv_joins_several_units_with_semicolons(outdir):
    rows = list(csv.DictReader(io.StringIO((outdir / "tasks.csv").read_text(encoding="utf-8-sig"), newline="")))
    several = [r for r in rows if r["lead_units"].count(";") >= 1]
    assert several, "the corpus has tasks with more than one lead unit"
    assert all(all(part.strip() == part and part for part in r["lead_units"].split(";")) for r in several)


def test_sqlite_has_the_four_tables_with_the_jsonl_counts(outdir):
    with sqlite3.connect(outdir / "notices.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables >= set(DATASETS) | {"errors"}
        for name, cls in DATASETS.items():
            count = db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            assert count == len(_jsonl(outdir / f"{name}.jsonl")), name
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")')]
            assert columns == cls.columns()
        first = db.execute('SELECT lead_units, page FROM tasks ORDER BY rowid LIMIT 1').fetchone()
    assert first[0] == json.dumps(_jsonl(outdir / "tasks.jsonl")[0]["lead_units"], ensure_ascii=False)


# --------------------------------------------------------------------------
# One notice, two formats: the same task rows
# --------------------------------------------------------------------------

@pytest.mark.parametrize("first,second", [
    ("tunliu_2020_tasks.docx", "variants/tunliu_2020_tasks.pdf"),
    ("dongzhi_2020.html", "variants/dongzhi_2020.docx"),
])
def test_the_same_notice_in_two_formats_gives_the_same_tasks(first, second, results):
    def rows(source: str) -> list[tuple]:
        return [tuple(json.dumps(t[f], ensure_ascii=False) for f in TASK_FIELDS) for t in results[source]["tasks"]]
    a, b = rows(first), rows(second)
    assert len(a) == len(b) > 0
    for k, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"row {k}: " + ", ".join(f"{f}: {u} != {v}" for f, u, v in zip(TASK_FIELDS, x, y) if u != v)
