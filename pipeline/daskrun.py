"""The Dask engine: process() on a dask.distributed cluster, with the local pool's limits on each worker.

The client (this process) opens each input as the local engine does (no link
followed, size checked first) and sends its BYTES to the cluster, so workers on
other machines need no shared folder and the path checks happen once, where the
folder was listed. On a worker, each document runs in a long-lived child
process with the same time and memory limits as the local pool (one per Dask
worker process, replaced after a crash or a limit). A Dask worker killed
mid-run has its documents rescheduled by the scheduler on other workers; a
document whose workers keep dying gets an ``internal_error`` line, never
silence. Records come back in input order, so the outputs are byte-identical
to the local engine's.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Iterable, Iterator, Optional

from pipeline import executor
from pipeline.errors import InternalError
from pipeline.executor import WorkItem

log = logging.getLogger("govnotice")


@dataclass(frozen=True, slots=True)
class DaskSettings:
    """How the Dask engine behaves."""
    window_per_worker: int = 4      # documents submitted ahead per worker: bounds the bytes in flight
    host: str = "127.0.0.1"         # the local cluster listens on loopback only
    allowed_failures: int = 3       # Dask retries a document whose worker died this many times


SETTINGS = DaskSettings()
_child: Optional[executor.Worker] = None   # this Dask worker process's long-lived child
DAEMON_ADVICE = ("Dask worker(s) {} run as daemon processes, which cannot start the process that holds "
                 "each document's time and memory limits: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")


def _is_daemon() -> bool:
    """On a Dask worker: whether it is a daemon process (then it may not start children)."""
    import multiprocessing
    return bool(multiprocessing.current_process().daemon)


def dask_results(items: Iterable[WorkItem], options) -> Iterator[object]:
    """Records for the items in their order, computed on the cluster options.scheduler names (or a local one)."""
    import dask
    from distributed import Client, LocalCluster
    if not log.isEnabledFor(logging.DEBUG):   # the cluster's start and stop chatter is not the run's business
        logging.getLogger("distributed").setLevel(logging.ERROR)
    # A Dask worker is a daemon process by default, and a daemon may not start
    # the child that holds each document's limits.
    with dask.config.set({"distributed.scheduler.allowed-failures": SETTINGS.allowed_failures,
                          "distributed.worker.daemon": False}):
        if options.scheduler:
            with Client(options.scheduler) as client:
                yield from _stream(client, items, options)
            return
        with LocalCluster(n_workers=max(1, options.jobs), threads_per_worker=1, processes=True,
                          host=SETTINGS.host, dashboard_address=f"{SETTINGS.host}:0", memory_limit=0,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield from _stream(client, items, options)


def _stream(client, items: Iterable[WorkItem], options) -> Iterator[object]:
    """Submit a bounded window of documents ahead and yield their records in order."""
    daemons = [address for address, daemon in client.run(_is_daemon).items() if daemon]
    if daemons:
        raise ValueError(DAEMON_ADVICE.format(", ".join(sorted(daemons))))
    workers = max(1, len(client.scheduler_info().get("workers", {})) or options.jobs)
    window = workers * SETTINGS.window_per_worker
    queue: deque = deque()
    for item in items:
        loaded = executor.with_bytes(item, options.limits)
        if isinstance(loaded, WorkItem):
            future = client.submit(run_on_worker, loaded, options.limits, options.timeout, options.max_memory_mb,
                                   pure=False, key=f"govnotice-{item.index}-{time.monotonic_ns()}")
            queue.append((item.source, future))
        else:
            queue.append((item.source, loaded))
        while len(queue) > window:
            yield _outcome(*queue.popleft())
    while queue:
        yield _outcome(*queue.popleft())


def _outcome(source: str, pending) -> object:
    """The record of a submitted document; a document the cluster could not finish gets an error line."""
    if not hasattr(pending, "result"):
        return pending
    try:
        return pending.result()
    except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection: one document's line, not the run
        return executor.error_record(source, InternalError.code,
                                     f"Dask could not finish it: {type(exc).__name__}: {exc}")


def run_on_worker(item: WorkItem, limits, timeout: float, max_memory_mb: int) -> object:
    """On a Dask worker: process one document in this worker's limited child process."""
    global _child
    ctx = executor.fork_context()
    if ctx is None:   # no fork on this worker: in-process, without the time and memory limits
        return executor.guarded(item, limits)
    if _is_daemon():  # a worker that joined after the check in _stream
        raise RuntimeError(DAEMON_ADVICE.format("this"))
    if _child is None or _child.retiring or not _child.proc.is_alive():
        if _child is None:
            executor.preload()   # once per Dask worker process; every child forks with it loaded
        else:
            _child.stop()
        _child = executor.Worker(ctx, max_memory_mb, limits)
    _child.give(0, item)
    while True:
        wait(_child.waitables(), timeout=max(0.0, _child.started + timeout - time.monotonic()))
        record = _child.check(timeout)
        if record is not None:
            return executor.unpacked(record)
