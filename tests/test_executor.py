"""The local worker pool: long-lived workers, replaced when they must be, dying with their parent; safe reads."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from extractors.base import Limits
from pipeline import executor
from pipeline import run as runner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
MB = 1024 * 1024
NOTICE = "tunliu_2020_tasks.docx"


def _folder(tmp_path: Path, n: int = 3) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(n):   # distinct bytes: identical copies are not written twice
        (folder / f"n{k}.txt").write_bytes((CORPUS / "variants" / "jiujiang_2020_annex1.txt").read_bytes()
                                           + f"\n{k}\n".encode())
    return folder


def _rows(out: Path, name: str) -> list[dict]:
    import json
    return [json.loads(line) for line in (out / name).read_text(encoding="utf-8").splitlines()]


def _note_in_warnings(monkeypatch, note) -> None:
    """Each document's last warning becomes note(), as called in the process that read it."""
    real = runner.process

    def process(data, source, *args, **kwargs):
        result = real(data, source, *args, **kwargs)
        result.document.warnings.append(note())
        return result
    monkeypatch.setattr(runner, "process", process)


def _pid_in_warnings(monkeypatch) -> None:
    _note_in_warnings(monkeypatch, lambda: f"pid {os.getpid()}")


def _pids(out: Path) -> list[str]:
    return [w for d in _rows(out, "documents.jsonl") for w in d["warnings"] if w.startswith("pid ")]


def test_workers_are_long_lived_and_replaced_after_n_documents(tmp_path, monkeypatch):
    folder = _folder(tmp_path, 6)
    _pid_in_warnings(monkeypatch)
    runner.run([str(folder)], str(tmp_path / "one"), runner.Options(jobs=1))
    assert len(_pids(tmp_path / "one")) == 6 and len(set(_pids(tmp_path / "one"))) == 1
    monkeypatch.setattr(executor, "SETTINGS", executor.PoolSettings(docs_per_worker=2))
    runner.run([str(folder)], str(tmp_path / "two"), runner.Options(jobs=1))
    pids = _pids(tmp_path / "two")
    assert len(set(pids)) == 3 and pids[0] == pids[1] != pids[2] == pids[3]
    assert f"pid {os.getpid()}" not in pids   # documents ran in workers, not in the parent


def test_the_largest_files_go_first_and_records_keep_the_input_order(tmp_path, monkeypatch):
    # a long document handed out last would keep one worker busy while the others stand idle; the
    # first document goes out as soon as it is read (the worker would otherwise wait for the window)
    folder = tmp_path / "in"
    folder.mkdir()
    text = (CORPUS / "variants" / "jiujiang_2020_annex1.txt").read_bytes()
    for name, padding in (("a.txt", 0), ("b.txt", 40_000), ("c.txt", 5_000), ("d.txt", 20_000)):
        (folder / name).write_bytes(text + b"\n" * padding)
    log = tmp_path / "order.log"
    real = runner.process

    def process(data, source, *args, **kwargs):
        with open(log, "a", encoding="utf-8") as handle:   # written in the worker
            handle.write(source + "\n")
        return real(data, source, *args, **kwargs)
    monkeypatch.setattr(runner, "process", process)
    runner.run([str(folder)], str(tmp_path / "out"), runner.Options(jobs=1))
    read = [name for name in log.read_text(encoding="utf-8").split() if name in ("a.txt", "b.txt", "c.txt", "d.txt")]
    assert read == ["a.txt", "b.txt", "d.txt", "c.txt"]   # (the pool's own warm-up notice left out)
    assert [d["source"] for d in _rows(tmp_path / "out", "documents.jsonl")] == ["a.txt", "b.txt", "c.txt", "d.txt"]


def test_the_last_documents_wait_for_a_free_worker_rather_than_queue_behind_a_long_one(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    text = (CORPUS / "variants" / "jiujiang_2020_annex1.txt").read_bytes()
    for name, padding in (("big.txt", 30_000), ("medium.txt", 10_000), ("small.txt", 0)):
        (folder / name).write_bytes(text + b"\n" * padding)
    real = runner.process
    small_read = tmp_path / "small-read"

    def process(data, source, *args, **kwargs):
        # big.txt is a long document: it ends only once small.txt has been read (or after 60 s): queued
        # behind it, small.txt would wait those 60 s and be read by big.txt's worker
        waited = 0.0
        while source == "big.txt" and not small_read.exists() and waited < 60:
            time.sleep(0.05)
            waited += 0.05
        result = real(data, source, *args, **kwargs)
        result.document.warnings.append(f"pid {os.getpid()}")
        if source == "small.txt":
            small_read.touch()
        return result
    monkeypatch.setattr(runner, "process", process)
    runner.run([str(folder)], str(tmp_path / "out"), runner.Options(jobs=2, timeout=300))
    pid = {d["source"]: [w for w in d["warnings"] if w.startswith("pid ")] for d in _rows(tmp_path / "out", "documents.jsonl")}
    # every input was read ahead at once: small.txt, the last handed out, went to the worker that read
    # medium.txt once it was done, not into the queue of the worker busy with big.txt
    assert pid["small.txt"] == pid["medium.txt"] != pid["big.txt"]


def test_a_crash_costs_one_document_and_the_next_one_gets_a_fresh_worker(tmp_path, monkeypatch):
    folder = _folder(tmp_path, 4)
    real = runner.process

    def process(data, source, *args, **kwargs):
        if source == "n1.txt":
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(data, source, *args, **kwargs)
    monkeypatch.setattr(runner, "process", process)
    import faulthandler
    faulthandler.disable()
    try:
        summary = runner.run([str(folder)], str(tmp_path / "out"), runner.Options(jobs=1))
    finally:
        faulthandler.enable()
    assert summary.documents == 3
    assert [(e["source"], e["error"]) for e in _rows(tmp_path / "out", "errors.jsonl")] == [
        ("n1.txt", "internal_error")]
    assert [d["source"] for d in _rows(tmp_path / "out", "documents.jsonl")] == ["n0.txt", "n2.txt", "n3.txt"]


def _worker_reads(monkeypatch, odd: dict) -> None:
    """Worker pids in the warnings (as _pid_in_warnings) and something odd done for the named sources."""
    real = runner.process

    def process(data, source, *args, **kwargs):
        if source in odd:
            odd[source]()
        result = real(data, source, *args, **kwargs)
        result.document.warnings.append(f"pid {os.getpid()}")
        return result
    monkeypatch.setattr(runner, "process", process)


def _hog() -> None:
    bytes(8 * 1024 * MB)


@pytest.mark.parametrize("odd", ["hang", "memory"])
def test_the_document_queued_behind_a_lost_one_is_read_by_a_fresh_worker(odd, tmp_path, monkeypatch):
    """A worker holds the next document while it reads one (prefetch): when that one costs the worker
    (a time-out kills it, a MemoryError retires it), the queued document goes to another worker."""
    folder = _folder(tmp_path, 4)
    _worker_reads(monkeypatch, {"n1.txt": (lambda: time.sleep(300)) if odd == "hang" else _hog})
    vm_mb = psutil.Process().memory_info().vms // MB
    runner.run([str(folder)], str(tmp_path / "out"), runner.Options(jobs=1, timeout=5, max_memory_mb=vm_mb + 600))
    errors = _rows(tmp_path / "out", "errors.jsonl")
    assert [(e["source"], e["error"]) for e in errors] == [("n1.txt", "timeout" if odd == "hang" else "too_large")]
    documents = _rows(tmp_path / "out", "documents.jsonl")
    assert [d["source"] for d in documents] == ["n0.txt", "n2.txt", "n3.txt"]
    pids = [w for d in documents for w in d["warnings"] if w.startswith("pid ")]
    assert pids[0] != pids[1] == pids[2]   # n2 was in the first worker's hands: read again by the next


def test_a_document_queued_on_a_worker_that_has_just_died_is_taken_back():
    """The pool queues a document on a busy worker; if that worker died meanwhile, the send fails
    quietly, the document it was reading gets the crash line and the queued one goes elsewhere."""
    worker = executor.Worker(executor.fork_context(), 2048, Limits())
    reading = executor.WorkItem(0, "n0.txt", None, data="通知\n".encode())
    queued = executor.WorkItem(1, "n1.txt", None, data="通知。\n".encode())
    worker.give(0, reading)
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.join()
    worker.give(1, queued)   # into a closed pipe: no exception
    record = worker.check(60)
    assert (record.source, record.error) == ("n0.txt", "too_large")   # SIGKILL reads as the OOM killer's
    assert worker.take_back() == [(1, queued)]
    worker.kill()


def test_a_record_sent_just_before_its_worker_ends_is_read_not_reported_as_a_crash(monkeypatch):
    """A worker that meets a MemoryError sends its record and ends. If the pool looks at the pipe just
    before the record arrives and at the process just after it ended, the record must still be read."""
    def process(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(runner, "process", process)
    worker = executor.Worker(executor.fork_context(), 2048, Limits())
    worker.give(0, executor.WorkItem(0, "n0.txt", None, data="通知\n".encode()))
    worker.proc.join(60)   # it has sent its record and ended
    assert worker.proc.exitcode == 0
    looks = []
    real_poll, real_alive = worker.conn.poll, worker.proc.is_alive

    def poll(timeout=0.0):   # the first look of all comes before the record was sent
        looks.append("pipe")
        return len(looks) > 1 and real_poll(timeout)

    def is_alive():          # ... and before the worker ended
        looks.append("process")
        return len(looks) == 1 or real_alive()
    worker.conn.poll, worker.proc.is_alive = poll, is_alive
    record = executor.unpacked(worker.check(60))
    assert (record.source, record.error) == ("n0.txt", "too_large") and "memory" in record.detail
    assert worker.retiring
    worker.kill()


def test_the_queued_documents_clock_starts_when_the_worker_took_it_up():
    """A queued document's time limit counts from when the worker finished the one before, not from
    when the parent got round to collecting that one's record."""
    worker = executor.Worker(executor.fork_context(), 2048, Limits())
    worker.give(0, executor.WorkItem(0, "n0.txt", None, data="通知\n".encode()))
    worker.give(1, executor.WorkItem(1, "n1.txt", None, data="通知。\n".encode()))
    assert worker.conn.poll(60)   # the first record is there: the worker has taken up the second
    ready = time.monotonic()
    time.sleep(1)                 # the parent busy elsewhere
    assert executor.unpacked(worker.check(60)).document.source == "n0.txt"
    assert worker.started <= ready
    while worker.check(60) is None:
        time.sleep(0.01)
    worker.stop()


def test_a_worker_holds_the_next_document_while_it_reads_one(monkeypatch):
    """With one job the pool hands the worker two documents, never more (PoolSettings.prefetch)."""
    held = []
    real_give = executor.Worker.give

    def give(self, seq, item):
        real_give(self, seq, item)
        held.append(len(self.queue))
    monkeypatch.setattr(executor.Worker, "give", give)
    items = [executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode()) for k in range(6)]
    records = list(executor.LocalPool(1, 60, 2048, Limits()).map(items))
    assert [r.document.source for r in records] == [f"n{k}.txt" for k in range(6)]
    assert max(held) == 2 and held[:2] == [1, 2]


@pytest.mark.parametrize("jobs", [1, 2])
def test_inputs_are_read_only_a_little_ahead_of_the_workers(jobs, monkeypatch):
    """The first document goes out as soon as it is read, and the pool reads inputs (the runner hashes
    each) at most jobs * lookahead_per_job ahead of those handed out, however wide the window of results:
    reading the whole window first kept the workers waiting at the start of a run."""
    monkeypatch.setattr(executor, "SETTINGS", executor.PoolSettings(window_per_job=50, lookahead_per_job=3))
    pulled, ahead = [], []
    real_give = executor.Worker.give

    def give(self, seq, item):
        ahead.append(len(pulled) - len(ahead))   # read but not handed out, this one included
        real_give(self, seq, item)
    monkeypatch.setattr(executor.Worker, "give", give)

    def source():
        for k in range(40):
            pulled.append(k)
            yield executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode())
    records = list(executor.LocalPool(jobs, 60, 2048, Limits()).map(source()))
    assert [r.document.source for r in records] == [f"n{k}.txt" for k in range(40)]
    assert ahead[:jobs] == [1] * jobs and max(ahead) == 3 * jobs


def _slow_until_read(tmp_path, monkeypatch, last: str) -> None:
    """Make n0.txt a long document: it ends once the worker reading ``last`` has started it (60 s at most)."""
    started = tmp_path / "last-started"
    real = runner.process

    def process(data, source, *args, **kwargs):
        waited = 0.0
        while source == "n0.txt" and not started.exists() and waited < 60:
            time.sleep(0.05)
            waited += 0.05
        if source == last:
            started.touch()
        return real(data, source, *args, **kwargs)
    monkeypatch.setattr(runner, "process", process)


def test_a_free_worker_gets_its_next_document_while_the_caller_takes_a_run_of_records(tmp_path, monkeypatch):
    """A long document releases the records finished behind it all at once; the caller writes each to the
    store before it asks for the next. Meanwhile the workers done get their next documents: before, they
    stood idle until the caller had taken the whole run (12-20 ms at a time on the sample mix)."""
    _slow_until_read(tmp_path, monkeypatch, "n7.txt")   # n7: the last of the window
    monkeypatch.setattr(executor, "SETTINGS", executor.PoolSettings(window_per_job=4, prefetch=1))
    given = []
    real_give = executor.Worker.give

    def give(self, seq, item):
        given.append(item.index)
        real_give(self, seq, item)
    monkeypatch.setattr(executor.Worker, "give", give)
    items = [executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode()) for k in range(12)]
    records = executor.LocalPool(2, 120, 2048, Limits()).map(items)
    first = next(records)
    assert first.document.source == "n0.txt" and 8 not in given   # the window: n0-n7 only
    second = next(records)   # taking n1 lets the window move on: n8 is handed out at once
    assert second.document.source == "n1.txt" and 8 in given
    rest = list(records)
    assert [r.document.source for r in rest] == [f"n{k}.txt" for k in range(2, 12)]


def test_records_wait_for_their_turn_as_the_bytes_the_worker_sent(tmp_path, monkeypatch):
    """Records finished behind a slow document wait in the pool pickled (a quarter to a seventh of the
    memory of their objects) and are unpickled as they go out, in input order."""
    _slow_until_read(tmp_path, monkeypatch, "n4.txt")   # n4: the last one
    items = [executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode()) for k in range(5)]
    records = executor.LocalPool(2, 120, 2048, Limits()).map(items)
    first = next(records)
    waiting = records.gi_frame.f_locals["finished"]   # those read while n0 was: n1 at least
    assert first.document.source == "n0.txt" and waiting and all(type(r) is bytes for r in waiting.values())
    assert [r.document.source for r in records] == [f"n{k}.txt" for k in range(1, 5)]


def test_a_record_that_cannot_be_pickled_costs_its_document_not_the_worker(monkeypatch):
    real = runner.process

    def process(data, source, *args, **kwargs):
        result = real(data, source, *args, **kwargs)
        if source == "n1.txt":
            result.document.meta = {"unpicklable": lambda: None}
        return result
    monkeypatch.setattr(runner, "process", process)
    items = [executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode()) for k in range(3)]
    pool = executor.LocalPool(1, 60, 2048, Limits())
    pids = set()
    records = []
    for record in pool.map(items):
        records.append(record)
        pids.update(w.proc.pid for w in pool.workers)
    assert [getattr(r, "source", None) or r.document.source for r in records] == ["n0.txt", "n1.txt", "n2.txt"]
    assert records[1].error == "internal_error" and "pickle" in records[1].detail
    assert len(pids) == 1   # the same worker read all three


def test_at_the_end_every_worker_is_told_to_stop_before_any_is_waited_for(monkeypatch):
    """So that they exit side by side (about 5 ms each), not one after the other."""
    pool = executor.LocalPool(2, 60, 2048, Limits())
    told_when_waited = []
    real_stop = executor.Worker.stop

    def stop(self):
        told_when_waited.append([w.asked for w in pool.workers])
        real_stop(self)
    monkeypatch.setattr(executor.Worker, "stop", stop)
    items = [executor.WorkItem(k, f"n{k}.txt", None, data=f"通知{k}\n".encode()) for k in range(6)]
    workers = []
    for record in pool.map(items):
        workers = workers or list(pool.workers)
    assert told_when_waited == [[True, True], [True, True]]
    assert len(workers) == 2 and not any(w.proc.is_alive() for w in workers)


def test_nothing_to_read_loads_no_reader_and_starts_no_worker(monkeypatch):
    """A run again over a store that holds every input hands the pool an empty stream: no 0.16 s of
    readers and warm-up, no fork."""
    loaded = []
    monkeypatch.setattr(executor, "preload", lambda formats=None: loaded.append(formats))
    pool = executor.LocalPool(2, 60, 2048, Limits(), formats={"pdf"})
    assert list(pool.map(iter([]))) == [] and loaded == [] and pool.workers == []
    items = [executor.WorkItem(0, "n0.txt", None, data="通知\n".encode())]
    assert [r.document.source for r in pool.map(iter(items))] == ["n0.txt"] and loaded == [{"pdf"}]


def test_readers_load_with_the_collector_off_and_the_workers_and_caller_get_it_back(monkeypatch):
    """gc.freeze's recipe for a forking parent: collector off while the readers and tables load,
    frozen before the fork, on again in the workers; the caller's setting is left as it was."""
    import gc
    seen = []
    monkeypatch.setattr(executor, "preload", lambda formats=None: seen.append(gc.isenabled()))
    _note_in_warnings(monkeypatch, lambda: f"collector on: {gc.isenabled()}")
    items = [executor.WorkItem(0, "n0.txt", None, data="通知\n".encode())]
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            records = list(executor.LocalPool(1, 60, 2048, Limits()).map(iter(items)))
            assert records[0].document.warnings[-1] == "collector on: True"
            assert gc.isenabled() is enabled
        assert seen == [False, False]
    finally:
        gc.enable()


def test_records_come_back_from_a_worker_field_for_field():
    """Records are pickled as calls with their fields in order (model.Record.__reduce__): a field out of
    place would land in its neighbour's column."""
    import pickle
    from pipeline.model import ErrorRecord
    results = [runner.process((CORPUS / name).read_bytes(), name) for name in ("donghu_2020.html", "dongzhi_2020.html")]
    assert all(r.tasks for r in results) and any(r.catalog for r in results) and any(r.domains for r in results)
    for result in results:
        back = pickle.loads(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        assert back == result and back is not result   # dataclass equality: same class, every field equal
        assert [r.as_dict() for r in back.tasks] == [r.as_dict() for r in result.tasks]
    error = ErrorRecord("a.pdf", "unreadable", "broken font table")
    assert pickle.loads(pickle.dumps(error)).as_dict() == {"source": "a.pdf", "error": "unreadable",
                                                           "detail": "broken font table"}


def test_a_record_of_one_field_comes_back_from_pickling():
    """With a single name operator.attrgetter returns the value, not a tuple: the call's arguments
    (and the writer's row) must still be a tuple of one."""
    import dataclasses
    from pipeline.model import Record, field_values
    cls = dataclasses.dataclass(slots=True)(type("Lone", (Record,), {"__annotations__": {"doc_id": str}}))
    assert field_values(cls)(cls("d1")) == ("d1",)
    call, args = cls("d1").__reduce__()   # what pickle stores (a class made here cannot be looked up by name)
    assert call(*args) == cls("d1")


@pytest.mark.parametrize("shape", ["keyword-only field", "field outside __init__", "__post_init__", "no slots"])
def test_a_record_that_a_call_with_its_fields_cannot_rebuild_is_refused_when_pickled(shape):
    """Such a record would come back wrong, or fail to load in the writer: pickling it raises a
    TypeError that names the class instead."""
    import dataclasses
    import pickle
    from pipeline.model import Record
    extra = {"keyword-only field": {"note": dataclasses.field(default="", kw_only=True)},
             "field outside __init__": {"note": dataclasses.field(default="", init=False)}}.get(shape, {})
    namespace = {"__annotations__": {"doc_id": str, **{k: str for k in extra}}, **extra}
    if shape == "__post_init__":
        namespace["__post_init__"] = lambda self: None
    cls = dataclasses.dataclass(slots=shape != "no slots")(type("Odd", (Record,), namespace))
    with pytest.raises(TypeError, match="Odd cannot be pickled as a call"):
        pickle.dumps(cls("d1"))


def test_a_file_swapped_for_a_link_to_outside_after_listing_is_not_read(tmp_path, monkeypatch):
    folder = _folder(tmp_path, 2)
    secret = tmp_path / "secret.txt"
    secret.write_bytes((CORPUS / "variants" / "jiujiang_2020_annex1.txt").read_bytes() + "机密\n".encode())
    real_list = runner.list_inputs

    def list_then_swap(paths):
        listing = real_list(paths)
        (folder / "n1.txt").unlink()            # after the listing: the attacker's swap
        (folder / "n1.txt").symlink_to(secret)
        return listing
    monkeypatch.setattr(runner, "list_inputs", list_then_swap)
    runner.run([str(folder)], str(tmp_path / "out"), runner.Options(jobs=1))
    errors = _rows(tmp_path / "out", "errors.jsonl")
    assert [(e["source"], e["error"]) for e in errors] == [("n1.txt", "io_error")]
    assert "link" in errors[0]["detail"]
    assert "机密" not in (tmp_path / "out" / "tasks.jsonl").read_text(encoding="utf-8")


def test_a_file_turned_into_a_link_after_dispatch_is_not_followed(tmp_path):
    folder = _folder(tmp_path, 1)
    target = executor.target_of(folder / "n0.txt", folder)
    (folder / "n0.txt").unlink()
    (folder / "n0.txt").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("通知\n", encoding="utf-8")
    record = executor.guarded(executor.WorkItem(0, "n0.txt", None, target), Limits())
    assert record.error == "io_error" and "link" in record.detail


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    folder = _folder(tmp_path, 1)
    big = folder / "big.txt"
    with open(big, "wb") as handle:   # sparse: 3 GB on paper, nothing on disk
        handle.truncate(3 * 1024 * MB)
    vm_mb = psutil.Process().memory_info().vms // MB
    # Reading it whole would run into the worker's memory limit long before the size check.
    options = runner.Options(limits=Limits(max_file_bytes=MB), max_memory_mb=vm_mb + 300, jobs=1)
    runner.run([str(folder)], str(tmp_path / "out"), options)
    errors = _rows(tmp_path / "out", "errors.jsonl")
    assert [(e["source"], e["error"]) for e in errors] == [("big.txt", "too_large")]
    assert f"{3 * 1024 * MB} bytes (limit {MB})" in errors[0]["detail"]


HANGING_CLI = """
import sys, time
import pipeline.run as runner
real = runner.process
def hang(data, source, *args, **kwargs):
    if source == "n0.txt":
        time.sleep(600)
    return real(data, source, *args, **kwargs)
runner.process = hang
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_workers_die_with_their_parent(sig, tmp_path):
    folder = _folder(tmp_path, 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", HANGING_CLI, "extract", str(folder), "-o",
                               str(tmp_path / "out"), "--jobs", "1", "--timeout", "600"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[psutil.Process] = []
    deadline = time.monotonic() + 120   # a bound on waiting for the worker to start, not a speed check
    while not workers:
        assert parent.poll() is None and time.monotonic() < deadline, "no worker started"
        workers = psutil.Process(parent.pid).children()
        time.sleep(0.1)
    os.kill(parent.pid, sig)
    parent.wait(timeout=60)
    gone, alive = psutil.wait_procs(workers, timeout=60)
    for proc in alive:   # leave nothing behind whatever the outcome
        proc.kill()
    assert alive == []
