"""The rows a batch adds are rendered from its documents' Results on a thread of their own while SQLite
indexes them at the commit (pipeline/rendering.py), and copied into the export: the files
are byte for byte those a full export of notices.db writes, whatever the rows hold.
"""
from __future__ import annotations

import errno
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import rendering
from pipeline import store as store_module
from pipeline.model import CatalogRecord, DocumentRecord, DomainRecord, Result, TaskRecord
from pipeline.errors import StoreError
from pipeline.run import Options, run
from pipeline.schema import layout
from pipeline.store import StoreWriter
from tests.test_splice import assert_as_full_export
from tests.test_store import AWKWARD

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture
def copied(monkeypatch) -> list[str]:
    """The datasets whose rows the export copied from the renderer's spool, each with "all" when every
    document's rows came from there (as "tasks: all")."""
    done: list[str] = []
    splice = store_module._splice

    def spy(db, name, stored, order, plan, copies):
        lengths = splice(db, name, stored, order, plan, copies)
        spools = [k for k, source in enumerate(copies) if isinstance(source, rendering.Spool)]
        rendered = [doc_id for doc_id in order if plan[doc_id] in spools]
        if rendered:
            done.append(f"{name}: all" if len(rendered) == len(order) else name)
        return lengths
    monkeypatch.setattr(store_module, "_splice", spy)
    return done


ALL = ["documents: all", "tasks: all", "catalog: all", "domains: all"]


def samples() -> list[Path]:
    """Every sample notice and variant (PDF, DOCX, HTML, TXT)."""
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".pdf", ".docx", ".html", ".txt"))


def notice(k: int, text: str = "", **task) -> Result:
    """A document of one task, one catalog item and one domain, with ``text`` in every text field."""
    doc_id = f"{k:016x}"
    document = DocumentRecord(doc_id, f"notice{k:02d}{text[:3]}.txt", "txt", title=text or None, issuer=text,
                              meta={"发布机构": text, text: "x"} if text else {}, n_tasks=1,
                              warnings=[text] if text else [])
    fields = {"source": document.source, "title": text, "item": text, "group": text, "lead_units": [text, "县财政局"],
              "guide_units": [text] if text else [], "deadline_text": text, **task}
    return Result(document,
                  tasks=[TaskRecord(doc_id, table=0, row=1, **fields), TaskRecord(doc_id, table=0, row=0)],
                  catalog=[CatalogRecord(doc_id, table=1, row=0, level1=text, content=text)],
                  domains=[DomainRecord(doc_id, table=2, row=0, domain=text, lead_units=[text])])


def rows_of(result: Result) -> dict[str, list[tuple]]:
    """A Result's rows as StoreWriter.add reads them: per dataset, each record's field values."""
    return {name: [layout(type(r))[2](r) for r in records]
            for name, records in (("documents", [result.document]), ("tasks", result.tasks),
                                  ("catalog", result.catalog), ("domains", result.domains))}


def batch(results: list[Result], out: Path, formats=("jsonl", "csv")) -> None:
    with StoreWriter(out, formats) as writer:
        for result in results:
            writer.add(result)
        writer.commit()


def test_the_samples_rows_are_copied_from_the_renderer(tmp_path, copied):
    out = tmp_path / "store"
    run([str(p) for p in samples()], str(out), Options(jobs=1, formats=("jsonl", "csv")))
    assert copied == ALL
    assert_as_full_export(out, tmp_path)


def test_awkward_text_is_rendered_as_sqlite_exports_it(tmp_path, copied):
    # quotes, backslashes, control characters and NUL, line separators, text outside the BMP, formulas,
    # separators and JSON lookalikes, in text columns, unit lists and the meta object
    out = tmp_path / "store"
    batch([notice(k, text) for k, text in enumerate(AWKWARD)], out)
    assert copied == ALL
    assert_as_full_export(out, tmp_path)


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=4))
@settings(max_examples=60, deadline=None)
def test_any_text_is_rendered_as_sqlite_exports_it(texts):
    # (a lone surrogate has no UTF-8: the store refuses it before any export)
    results = [notice(k, text) for k, text in enumerate(texts)]
    assert all(rendering.render_rows(rows_of(r), ("jsonl", "csv")) is not None for r in results)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "store"
        batch(results, out)
        assert_as_full_export(out, Path(tmp))


def test_a_value_sqlite_would_convert_is_written_from_the_store(tmp_path, copied):
    # a page number as text, a title as a number: SQLite stores 3 and "5", so rendering the Result as it
    # is would differ; that document's rows come from the store, the others' from the renderer
    assert rendering.render_rows(rows_of(notice(1, "x")), ("jsonl",)) is not None
    assert rendering.render_rows(rows_of(notice(1, "x", page="3")), ("jsonl",)) is None
    assert rendering.render_rows(rows_of(notice(1, "x", title=5)), ("jsonl",)) is None
    assert rendering.render_rows(rows_of(notice(1, "x", flags=[True])), ("jsonl",)) is None
    out = tmp_path / "store"
    batch([notice(0, "a"), notice(1, "b", page="3"), notice(2, "c", title=5)], out)
    assert copied == ["documents", "tasks", "catalog", "domains"]   # not all: two from the store
    assert_as_full_export(out, tmp_path)


def assert_written_from_the_store(tmp_path: Path, copied: list[str], caplog, said: str, documents: int = 3) -> None:
    """A batch of documents whose rows all come from the store, with one line saying why."""
    out = tmp_path / "store"
    with caplog.at_level("INFO", logger="govnotice"):
        batch([notice(k, "a") for k in range(documents)], out)
    assert copied == []
    assert caplog.text.count(said) == 1
    assert_as_full_export(out, tmp_path)


def test_rendering_that_fails_costs_the_copying_only(tmp_path, monkeypatch, copied, caplog):
    def broken(rows, formats):
        raise OSError("no space left on device")
    monkeypatch.setattr(rendering, "render_rows", broken)
    assert_written_from_the_store(tmp_path, copied, caplog,
                                  "rows not rendered beside the indexing (OSError: no space left on device)")


def test_documents_replaced_or_removed_in_the_batch_are_rendered_as_they_end(tmp_path, copied):
    out = tmp_path / "store"
    batch([notice(k, "old") for k in range(4)], out)
    with StoreWriter(out, ("jsonl", "csv")) as writer:
        writer.add(notice(4, "new"))
        changed = notice(5, "changed")
        changed.document.source = "notice01old.txt"   # the same file, new bytes: replaces notice 1
        writer.add(changed)
        writer.add(notice(6, "gone"))
        writer.remove("notice06gon.txt")
        writer.add(notice(7, "twice"))
        writer.add(notice(7, "twice"))
        writer.commit()
    # the second batch: its new documents from the spool, the others from the published export
    assert copied == ALL + ["documents", "tasks", "catalog", "domains"]
    assert_as_full_export(out, tmp_path)
    sources = [line.split('"source":')[1].split(",")[0] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert sources == ['"notice00old.txt"', '"notice01old.txt"', '"notice02old.txt"', '"notice03old.txt"',
                       '"notice04new.txt"', '"notice07twi.txt"']


def test_a_store_with_a_workbook_holds_no_results(tmp_path, monkeypatch):
    # the workbook takes every row from the store, and the JSONL and CSV come in the same pass
    made = []
    temporary = rendering._temporary
    monkeypatch.setattr(rendering, "_temporary", lambda folder: made.append(folder) or temporary(folder))
    with StoreWriter(tmp_path / "store", ("jsonl", "xlsx")) as writer:
        writer.add(notice(0, "a"))
        assert writer.held is None
        writer.commit()
    assert made == []   # neither rows held nor a spool
    batch([notice(1, "b")], tmp_path / "other")
    assert len(made) == 9   # without it: the rows held, and a spool file per JSONL and CSV file (4 datasets)


def test_a_commit_that_fails_stops_the_renderer(tmp_path, monkeypatch):
    out = tmp_path / "store"
    batch([notice(0, "a")], out)
    before = {name: (out / name).read_bytes() for name in ("documents.jsonl", "tasks.csv")}
    entered, failing, renderers, rendered = threading.Event(), threading.Event(), [], []
    render = rendering.render_rows

    def long(rows, formats):   # a long document, still in hand when the commit fails
        entered.set()
        failing.wait(30)
        time.sleep(0.2)
        rendered.append(rows)
        return render(rows, formats)

    def interrupted(self):
        renderers.append(self.renderer)   # started, and rendering the first of 49 documents
        assert entered.wait(30)
        failing.set()
        raise KeyboardInterrupt
    monkeypatch.setattr(rendering, "render_rows", long)
    monkeypatch.setattr(StoreWriter, "_index_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with StoreWriter(out, ("jsonl", "csv")) as writer:
            for k in range(1, 50):
                writer.add(notice(k, "b"))
            writer.commit()
    # the thread ended with the document in hand (joined, not left running), its files closed
    (renderer,) = renderers
    assert not renderer.thread.is_alive() and len(rendered) == 1 and renderer.spool is None
    assert not writer.renderer and not writer.held
    assert {name: (out / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".export-")) == []


def test_records_of_another_document_are_refused_before_anything_is_written(tmp_path):
    # the store files a record under its own doc_id: rendered with this document, it would be misplaced
    out = tmp_path / "store"
    stray = notice(1, "a")
    stray.tasks.append(TaskRecord(f"{0:016x}", table=0, row=5, item="stray"))
    with StoreWriter(out, ("jsonl", "csv")) as writer:
        writer.add(notice(0, "a"))
        with pytest.raises(ValueError, match="records of other documents"):
            writer.add(stray)
        writer.add(notice(2, "b"))
        writer.commit()
    assert "stray" not in (out / "tasks.jsonl").read_text()
    assert (out / "documents.jsonl").read_text().count("\n") == 2
    assert_as_full_export(out, tmp_path)


def test_no_thread_for_the_renderer_costs_the_copying_only(tmp_path, monkeypatch, copied, caplog):
    start = threading.Thread.start

    def refused(self):
        if self.name == "govnotice-render":
            raise RuntimeError("can't start new thread")
        start(self)
    monkeypatch.setattr(threading.Thread, "start", refused)
    assert_written_from_the_store(tmp_path, copied, caplog,
                                  "rows not rendered beside the indexing (RuntimeError: can't start new thread)")


def record_exports(monkeypatch, events: list[str]) -> None:
    """Note each export the store starts, with how many sources it copies rows from."""
    export_to = store_module.export_to

    def exporting(db, target, formats, copies=()):
        events.append(f"export copying from {len(copies)}")
        return export_to(db, target, formats, copies)
    monkeypatch.setattr(store_module, "export_to", exporting)


def test_a_disk_too_full_for_the_spool_and_the_export_drops_the_spool(tmp_path, monkeypatch, caplog):
    from pipeline import exporters
    real = exporters._Sink.copy
    calls, events = [], []

    def full(self, source, start, length):
        calls.append(length)
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(exporters._Sink, "copy", full)
    close = rendering.Spool.close

    def closing(self):
        events.append("spool closed")
        close(self)
    record_exports(monkeypatch, events)
    monkeypatch.setattr(rendering.Spool, "close", closing)
    out = tmp_path / "store"
    with caplog.at_level("INFO", logger="govnotice"):
        batch([notice(k, "a") for k in range(3)], out)
    assert calls and "no room for the export beside the rendered rows (No space left on device)" in caplog.text
    # the spool gives its room back before every row is written again
    assert events == ["export copying from 1", "spool closed", "export copying from 0"]
    monkeypatch.setattr(exporters._Sink, "copy", real)
    assert_as_full_export(out, tmp_path)


def test_a_disk_too_full_to_copy_the_published_rows_fails_the_batch(tmp_path, monkeypatch):
    # no spool to give way: writing every row again would need the same room, so the batch fails at once
    from pipeline import exporters
    out = tmp_path / "store"
    batch([notice(k, "a") for k in range(3)], out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    events = []

    def full(self, source, start, length):
        raise OSError(errno.ENOSPC, "No space left on device")
    record_exports(monkeypatch, events)
    monkeypatch.setattr(exporters._Sink, "copy", full)
    with pytest.raises(StoreError, match=r"cannot write the store .*: No space left on device; it is unchanged"):
        with StoreWriter(out, ("jsonl", "csv")) as writer:
            writer.remove("notice01a.txt")
            writer.commit()
    assert events == ["export copying from 1"]   # the published rows, and no second try
    assert sorted(p.name for p in out.iterdir()) == sorted(before)   # no staging folder left either
    assert {name: (out / name).read_bytes() for name in before} == before


def full_disk_after(monkeypatch, first: int) -> None:
    """The batch's temporary files after the ``first`` ones on a disk that is always full (/dev/full):
    writes go into a file's buffer until it first fills and fail then, and again as it closes with
    bytes left in it. The rows held are the first file made, then the spool's."""
    made = []
    temporary = rendering._temporary

    def make(folder):
        made.append(folder)
        # a buffer of 4 KB, as st_blksize gives here: smaller than the 40 documents' rows in any file
        return temporary(folder) if len(made) <= first else open("/dev/full", "w+b", buffering=4096)  # noqa: SIM115
    monkeypatch.setattr(rendering, "_temporary", make)


@pytest.mark.parametrize("first, said", [
    (0, "rows not kept for rendering beside the indexing (No space left on device)"),
    (1, "rows not rendered beside the indexing (OSError: [Errno 28] No space left on device)"),
])
def test_a_disk_always_full_costs_the_rendering_only(tmp_path, monkeypatch, copied, caplog, first, said):
    full_disk_after(monkeypatch, first)
    assert_written_from_the_store(tmp_path, copied, caplog, said, documents=40)   # more than a buffer holds


def test_no_room_to_hold_the_rows_costs_the_rendering_only(tmp_path, monkeypatch, copied, caplog):
    def full(self, doc_id, rows):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(rendering.Held, "add", full)
    assert_written_from_the_store(tmp_path, copied, caplog,
                                  "rows not kept for rendering beside the indexing (No space left on device)")


def test_a_spool_file_a_crash_left_with_a_name_is_removed_by_the_next_batch(tmp_path):
    out = tmp_path / "store"
    batch([notice(0, "a")], out)
    left = out / f"{rendering.SPOOL_PREFIX}abc123"
    left.write_bytes(b"rows of a killed run")
    batch([notice(1, "b")], out)
    assert not left.exists()
    assert_as_full_export(out, tmp_path)
