"""Run ``process()`` over many inputs and stream each Result or ErrorRecord back in input order.

Two engines behind one function, ``results(inputs, options)``:

- ``local``: a pool of long-lived worker processes forked once the readers and
  the gazetteer are loaded. Each worker has a memory limit (RLIMIT_AS), dies with
  its parent, and is killed and replaced when a document runs over the time
  limit, after a crash, a MemoryError or ``docs_per_worker`` documents.
- ``dask``: the same work on a ``dask.distributed`` cluster (see pipeline/daskrun.py).

Whatever the engine and the number of jobs, each document goes through the
same ``process()`` and the results come back in input order, so the outputs are
byte-identical.
"""
from __future__ import annotations

import gc
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import time
import warnings
from collections import deque
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pipeline import lifeline
from pipeline.errors import GovnoticeError, InternalError, Timeout, TooLarge, CannotOpen
from pipeline.model import ErrorRecord
from pipeline.safeio import Target, read_target, target_of

log = logging.getLogger("govnotice")
MAX_DETAIL = 300


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """How the local pool behaves."""
    # A worker is replaced after this many documents, so that its heap stays bounded. A worker's peak
    # was 85-93 MB whether it read 100, 1,000 or 2,000 documents, and each replacement (a fork, then
    # pages copied on write and caches filled again) cost about 70 ms: at 100 a run of 2,000 took 4% longer.
    docs_per_worker: int = 1000
    # Results waiting for their turn, per job: bounds memory on a slow document. They wait pickled: a
    # sample notice's records take about 7.6 KB on average (30 KB as objects), the 900 tasks of the 50-page
    # table of tests/bench 84 KB (600 KB). At 4 a worker often stood idle behind one long PDF (0.6 s in a
    # 3.5 s run of the sample mix). At 16, in some runs, 2-3 times for 15-30 ms, once the other worker
    # had read the 32 short documents behind that PDF: of a --jobs 2 run's reading, 0.062-0.142 s (mean
    # 0.088 over 8 runs) was not spent on documents or the writer, against 0.063-0.075 s (mean 0.069)
    # at 64. At 128 and 256 the writer fell further behind instead (0.04-0.07 s left after the last
    # document, against 0.03 s at 64).
    window_per_job: int = 64
    # Documents in a worker's hands: the one it reads and the next, so that it starts the next at once
    # instead of waiting for the parent to wake, take its record and hand it another (1-2 ms each).
    prefetch: int = 2
    # Inputs read (each one hashed) ahead of the workers, per job: the largest of them goes first.
    # Reading as far ahead as the window lets would hash 128 inputs (jobs 2) before a worker's
    # second document went out.
    lookahead_per_job: int = 16
    idle_poll: float = 0.5          # longest wait between checks of the time limits


SETTINGS = PoolSettings()


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One document to process: where its bytes are (or the bytes themselves), its source and manifest row."""
    index: int
    source: str
    override: Optional[dict]
    target: Optional[Target] = None
    data: Optional[bytes] = None


# --------------------------------------------------------------------------
# One document, inside a worker
# --------------------------------------------------------------------------

def error_record(source: str, code: str, detail: str) -> ErrorRecord:
    """An errors.jsonl row whose detail is one short line (it is also the stderr message)."""
    detail = " ".join(detail.split())
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL - 1] + "…"
    return ErrorRecord(source, code, detail or code)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """warnings.showwarning replacement: a library's advice to its caller goes to the debug log."""
    log.debug("%s:%s: %s: %s", filename, lineno, category.__name__, message)


def guarded(item: WorkItem, limits) -> object:
    """process() on one item with every failure turned into an ErrorRecord."""
    from pipeline import run as runner   # looked up per call: tests patch runner.process before the fork
    try:
        data = item.data if item.data is not None else read_target(item.target, limits.max_file_bytes)
        with warnings.catch_warnings():
            # e.g. bs4's many-line XMLParsedAsHTMLWarning: about our use of the
            # library, not about the input, and stderr holds one line per message
            warnings.showwarning = _log_warning
            return runner.process(data, item.source, limits, item.override)
    except Exception as exc:  # noqa: BLE001 - every failure is named by failure_record
        return failure_record(item.source, exc)


def with_bytes(item: WorkItem, limits) -> object:
    """The item carrying its file's bytes (for a worker on another machine), or the ErrorRecord of the read."""
    try:
        return replace(item, data=read_target(item.target, limits.max_file_bytes), target=None)
    except Exception as exc:  # noqa: BLE001 - every failure is named by failure_record
        return failure_record(item.source, exc)


def failure_record(source: str, exc: BaseException) -> ErrorRecord:
    """The errors.jsonl row for an exception met while reading or processing one document."""
    if isinstance(exc, GovnoticeError):
        return error_record(source, exc.code, str(exc) or exc.__doc__ or exc.code)
    if isinstance(exc, MemoryError):
        return error_record(source, TooLarge.code, "ran out of the per-document memory limit (--max-memory)")
    if isinstance(exc, RecursionError):
        return error_record(source, TooLarge.code, "structure nested too deeply")
    if isinstance(exc, OSError):
        return error_record(source, CannotOpen.code, f"cannot read file: {exc.strerror or exc}")
    # a bug must cost one document, not the run
    log.debug("internal error on %s", source, exc_info=exc)
    return error_record(source, InternalError.code, f"{type(exc).__name__}: {exc}")


def _serve(conn, parent_pid: int, max_memory_mb: int, limits) -> None:
    """Worker process body: take items until told to stop, send back one record each."""
    # Ctrl-C reaches the whole process group: the parent stops the workers and
    # cleans up, a worker printing its own traceback would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.enable()   # whatever the caller's setting: a worker's heap stays bounded over its documents
    lifeline.die_with_parent(parent_pid)
    _limit_memory(max_memory_mb)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            break
        if item is None:
            break
        record = guarded(item, limits)
        # after a MemoryError the heap may be in pieces: hand over and make way for a fresh worker
        retire = isinstance(record, ErrorRecord) and record.error == TooLarge.code and "memory" in record.detail
        # with when it finished: the clock of the document queued behind this one starts there. The
        # record goes pickled inside the message: the pool holds it so until its turn comes (as bytes it
        # takes a quarter to a seventh of the memory its objects take).
        try:
            payload = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a record that cannot travel costs its document, not the worker
            payload = pickle.dumps(failure_record(item.source, exc), pickle.HIGHEST_PROTOCOL)
            retire = retire or isinstance(exc, MemoryError)
        conn.send((payload, retire, time.monotonic()))
        if retire:
            break
    conn.close()


def _limit_memory(max_memory_mb: int) -> None:
    try:
        import resource
        cap = max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError) as exc:
        log.debug("memory limit not set: %s", exc)


def death_record(source: str, exitcode: Optional[int]) -> ErrorRecord:
    """The error for a worker that ended without sending a result."""
    if exitcode == -signal.SIGKILL:  # the kernel's out-of-memory killer sends SIGKILL
        return error_record(source, TooLarge.code, "worker process was killed (out of memory?)")
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        return error_record(source, InternalError.code, f"worker process crashed ({name})")
    return error_record(source, InternalError.code, f"worker process ended without a result (exit code {exitcode})")


# --------------------------------------------------------------------------
# The local pool
# --------------------------------------------------------------------------

class Worker:
    """A long-lived worker process and the documents in its hands: the one it reads, and those queued behind it."""

    def __init__(self, ctx, max_memory_mb: int, limits):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_serve, args=(child, os.getpid(), max_memory_mb, limits), daemon=True)
        self.proc.start()
        child.close()
        self.queue: deque[tuple[int, WorkItem]] = deque()   # (place in the pool's input order, item)
        self.started = 0.0   # when the first item in hand began (for a queued one: when its predecessor's record came)
        self.given = 0
        self.retiring = False
        self.asked = False   # told to finish (stop)

    @property
    def item(self) -> Optional[WorkItem]:
        """The document the worker is reading, or None when it holds none."""
        return self.queue[0][1] if self.queue else None

    @property
    def seq(self) -> int:
        """The place of the document it is reading in the pool's input order."""
        return self.queue[0][0]

    def give(self, seq: int, item: WorkItem) -> None:
        """Hand the worker a document (read when the ones before it are done)."""
        if not self.queue:
            self.started = time.monotonic()
        self.queue.append((seq, item))
        self.given += 1
        try:
            self.conn.send(item)
        except OSError as exc:
            # it died while reading the one before (a queued document is handed to a worker that is
            # busy): check() reports that death, and take_back() hands this document to another worker
            log.debug("worker %s gone before it took %s: %s", self.proc.pid, item.source, exc)

    def check(self, timeout: float) -> Optional[object]:
        """The record for the document being read once there is one (result, crash or time-out), else None.
        A record from the worker comes as the pickled bytes it sent (see ``unpacked``).

        After a crash or a time-out the worker is retiring: the documents queued behind the one that
        cost it are not read by it (``take_back`` returns them for another worker).
        """
        assert self.queue
        finished = None
        # alive or not is looked at before the pipe: a worker that sends its record and ends (a retiring
        # one) in between would otherwise be found dead with its record unread, and reported as a crash
        alive = self.proc.is_alive()
        if self.conn.poll(0):
            try:
                record, self.retiring, finished = self.conn.recv()
            except (EOFError, OSError):   # the worker died while sending
                self.proc.join()
                record, self.retiring = death_record(self.item.source, self.proc.exitcode), True
        elif not alive:
            self.proc.join()
            record, self.retiring = death_record(self.item.source, self.proc.exitcode), True
        elif time.monotonic() - self.started > timeout:
            self.kill()
            record = error_record(self.item.source, Timeout.code, f"took longer than {timeout:g} s (--timeout)")
            self.retiring = True
        else:
            return None
        self.queue.popleft()
        # CLOCK_MONOTONIC is one clock for every process of the machine: the queued document's time
        # limit counts from when the worker took it up, not from when this process looked
        self.started = min(finished, time.monotonic()) if finished is not None else time.monotonic()
        return record

    def take_back(self) -> list[tuple[int, WorkItem]]:
        """The queued documents of a retiring worker, to be handed to another one."""
        left = list(self.queue) if self.retiring else []
        if left:
            self.queue.clear()
        return left

    def waitables(self) -> list:
        """What multiprocessing.connection.wait should watch for this worker."""
        return [self.conn, self.proc.sentinel]

    def ask_to_stop(self) -> bool:
        """Tell an idle worker to finish, without waiting for it; True once told."""
        if not self.asked and self.proc.is_alive() and not self.queue:
            try:
                self.conn.send(None)
            except OSError:
                pass   # already gone: stop() reaps it
            self.asked = True
        return self.asked

    def stop(self) -> None:
        """Ask an idle worker to finish; kill it if it does not."""
        if self.ask_to_stop():
            self.proc.join(2)
        self.kill()

    def kill(self) -> None:
        """Stop the worker at once."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _size(item: WorkItem) -> int:
    """An item's bytes as known before it is read (its cost, roughly)."""
    return item.target.size if item.target is not None else len(item.data or b"")


def unpacked(record: object) -> object:
    """A record as a worker sent it (pickled) or as the pool made it (a crash, a time-out)."""
    return pickle.loads(record) if type(record) is bytes else record


def preload(formats: Optional[set[str]] = None) -> None:
    """Import the readers (of ``formats``; None: all) and warm the lazy tables here, so forked workers start with them."""
    from extractors import REGISTRY, extractor_for
    from pipeline import run as runner
    for fmt in REGISTRY:
        if formats is None or fmt in formats:   # a reader not named here is imported by the worker that meets it
            extractor_for(fmt)
    sample = "关于印发政务公开工作要点的通知\n序号\t工作任务\t责任单位\t完成时限\n1\t公开预算\t县财政局\t2020年底前\n"
    try:   # one tiny notice through process() loads the gazetteer, unit lexicon and converters
        runner.process(sample.encode("utf-8"), "warm-up.txt")
    except GovnoticeError as exc:
        log.debug("warm-up document not read: %s", exc)


def fork_context():
    """The fork start method, or None where the platform has none."""
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


class LocalPool:
    """Up to ``jobs`` long-lived workers; ``map`` streams records in input order."""

    def __init__(self, jobs: int, timeout: float, max_memory_mb: int, limits, settings: Optional[PoolSettings] = None,
                 formats: Optional[set[str]] = None):
        self.formats = formats
        self.jobs, self.timeout, self.max_memory_mb, self.limits = max(1, jobs), timeout, max_memory_mb, limits
        self.settings = settings or SETTINGS
        self.ctx = fork_context()
        self.workers: list[Worker] = []

    def map(self, items: Iterable[WorkItem]) -> Iterator[object]:
        """Records for the items, in their order; at most jobs * window_per_job results held at once
        (pickled, as the workers sent them)."""
        items = iter(items)
        first = next(items, None)
        if first is None:   # nothing to read (a run again over a store that holds every input): no worker
            return
        items = itertools.chain([first], items)
        # The readers and rule tables are loaded with the collector off, then left out of garbage
        # collection while the pool runs (the recipe of gc.freeze's documentation): the loading
        # makes no garbage worth a pass (its passes cost the parent about 30 ms of the start-up), and a collector
        # walking these objects in a worker would copy every page it shares with this process.
        collecting = gc.isenabled()
        gc.disable()
        try:
            preload(self.formats)
            gc.freeze()
        finally:
            if collecting:
                gc.enable()
        source = enumerate(items)
        finished: dict[int, object] = {}
        next_out = 0
        window = self.jobs * self.settings.window_per_job
        self.ahead: list[tuple[int, WorkItem]] = []      # read from the source, not given yet
        self.read, self.exhausted = 0, False
        self.returned: list[tuple[int, WorkItem]] = []   # taken back from retiring workers, to give again
        try:
            while self.ahead or not self.exhausted or self.returned or any(w.queue for w in self.workers) \
                    or finished:
                self._dispatch(source, next_out + window)
                finished.update(self._collect())
                # workers just freed get their next document before the caller spends
                # its time on these results (the store write), so they never wait for it
                self._dispatch(source, next_out + window)
                while next_out in finished:
                    yield unpacked(finished.pop(next_out))
                    next_out += 1
                    # the caller has written that record (a store insert, up to a few ms): a worker that
                    # finished meanwhile gets its next document now, not after the whole run of records
                    # ready here (a long document releases dozens at once: both workers stood idle 12-20 ms)
                    finished.update(self._collect(wait_for=0.0))
                    self._dispatch(source, next_out + window)
        finally:
            self.close()
            gc.unfreeze()

    def _dispatch(self, source: Iterator[tuple[int, WorkItem]], limit: int) -> None:
        """Give workers with room the items below ``limit``: those taken back first, then the largest file.

        An empty-handed worker gets a document as soon as one is read (each input is hashed first);
        then up to jobs * lookahead_per_job are read ahead, and the largest of them goes to the next
        worker with room. Largest first keeps a long document from starting last, with the other
        workers idle until it ends: the last ones handed out are the short ones.
        """
        while self.returned or self.ahead or self._read(source, limit, 1):
            worker = self._free_worker(idle_only=True)
            if worker is None:
                break
            self._give(worker)
        self._read(source, limit, self.jobs * self.settings.lookahead_per_job - len(self.ahead))
        while self.returned or self.ahead:
            worker = self._free_worker()
            if worker is None:
                break
            self._give(worker)

    def _read(self, source: Iterator[tuple[int, WorkItem]], limit: int, most: Optional[int] = None) -> int:
        """Read items from the source into ``ahead`` while their place is below ``limit`` (at most
        ``most`` of them); how many were read."""
        n = 0
        while not self.exhausted and self.read < limit and (most is None or n < most):
            entry = next(source, None)
            if entry is None:
                self.exhausted = True
            else:
                self.ahead.append(entry)
                self.read += 1
                n += 1
        return n

    def _give(self, worker: Worker) -> None:
        """Hand the worker a document taken back from another one, else the largest one read."""
        if self.returned:
            worker.give(*self.returned.pop(0))
        else:
            largest = max(range(len(self.ahead)), key=lambda k: _size(self.ahead[k][1]))
            worker.give(*self.ahead.pop(largest))

    def _free_worker(self, idle_only: bool = False) -> Optional[Worker]:
        """A worker with room for a document: an empty-handed one first (started or replaced as needed),
        then (unless ``idle_only``) one that is reading but has nothing queued."""
        for k, worker in enumerate(self.workers):
            if not worker.queue:
                if worker.retiring or worker.given >= self.settings.docs_per_worker or not worker.proc.is_alive():
                    worker.stop()
                    worker = self.workers[k] = Worker(self.ctx, self.max_memory_mb, self.limits)
                return worker
        if len(self.workers) < self.jobs:
            self.workers.append(Worker(self.ctx, self.max_memory_mb, self.limits))
            return self.workers[-1]
        if idle_only or (self.exhausted and self.jobs > 1):
            # the last documents go to whichever worker is free first: queued behind a long one, a
            # document keeps its worker busy while the others, done, stand idle (up to 90 ms a run)
            return None
        for worker in self.workers:
            if len(worker.queue) < self.settings.prefetch and not worker.retiring \
                    and worker.given < self.settings.docs_per_worker and worker.proc.is_alive():
                return worker
        return None

    def _collect(self, wait_for: Optional[float] = None) -> list[tuple[int, object]]:
        """Wait for a record or the next time limit (at most ``wait_for`` seconds when given), then the
        (index, record) pairs that are ready."""
        busy = [w for w in self.workers if w.queue]
        if not busy:
            return []
        now = time.monotonic()
        soonest = min(w.started + self.timeout - now for w in busy)
        longest = self.settings.idle_poll if wait_for is None else wait_for
        wait([x for w in busy for x in w.waitables()], timeout=max(0.0, min(soonest, longest)))
        done = []
        for worker in busy:
            while worker.queue:
                index = worker.seq
                record = worker.check(self.timeout)
                if record is None:
                    break
                done.append((index, record))
                if worker.retiring:
                    self.returned.extend(worker.take_back())
                    self.returned.sort(key=lambda pair: pair[0])
                    break
        return done

    def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones at once)."""
        for worker in self.workers:   # all told first: they exit side by side (5 ms each)
            worker.ask_to_stop()
        for worker in self.workers:
            worker.stop()
        self.workers = []


# --------------------------------------------------------------------------
# Inputs to items, and the one entry point
# --------------------------------------------------------------------------

def work_items(inputs: Iterable[tuple], manifest: dict, bad: dict[int, ErrorRecord]) -> Iterator[WorkItem]:
    """A WorkItem per input (file, source[, folder]); an input refused already is put in ``bad`` instead."""
    for index, entry in enumerate(inputs):
        file, source = Path(entry[0]), entry[1]
        folder = entry[2] if len(entry) > 2 else None
        override = manifest.get(source) or manifest.get(file.name)
        try:
            target = target_of(file, folder)
        except CannotOpen as exc:
            bad[index] = error_record(source, exc.code, str(exc))
            target = None
        yield WorkItem(index, source, override, target)


def results(inputs: Iterable[tuple], options, formats: Optional[set[str]] = None) -> Iterator[object]:
    """Records (Result or ErrorRecord) for the inputs in their order, computed by the engine of ``options``
    (``formats``: those the inputs are likely in, when the inputs are a stream; see likely_formats)."""
    bad: dict[int, ErrorRecord] = {}
    items = (item for item in work_items(inputs, options.manifest, bad) if item.index not in bad)
    engine = getattr(options, "engine", "local")
    if engine == "dask":
        from pipeline.daskrun import dask_results
        records = dask_results(items, options)
    elif fork_context() is None:   # no fork (Windows): in-process, without the time and memory limits
        records = (guarded(item, options.limits) for item in items)
    else:
        records = LocalPool(options.jobs, options.timeout, options.max_memory_mb, options.limits,
                            formats=formats if formats is not None else likely_formats(inputs)).map(items)
    yield from _merge(records, bad)


def likely_formats(inputs: Iterable[tuple]) -> Optional[set[str]]:
    """The formats the input names suggest (None when the inputs are a stream that cannot be looked at twice)."""
    if not isinstance(inputs, (list, tuple)):
        return None
    from extractors import EXTENSIONS
    return {EXTENSIONS.get(Path(entry[0]).suffix.lower(), "") for entry in inputs}


def _merge(records: Iterator[object], bad: dict[int, ErrorRecord]) -> Iterator[object]:
    """Put the refused inputs' errors back at their place among the records."""
    next_index = 0
    for record in records:
        while next_index in bad:
            yield bad.pop(next_index)
            next_index += 1
        yield record
        next_index += 1
    yield from (bad[k] for k in sorted(bad))
