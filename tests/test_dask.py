"""The Dask engine on a LocalCluster (2 workers on 127.0.0.1): the local runner's outputs, byte for byte."""
from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import distributed  # noqa: F401  (a dependency: missing, the tests fail rather than skip)
import psutil
import pytest

from pipeline import run as runner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUTPUTS = ("documents.jsonl", "tasks.jsonl", "catalog.jsonl", "domains.jsonl", "errors.jsonl",
           "documents.csv", "tasks.csv", "catalog.csv", "domains.csv")


def _inputs(tmp_path: Path) -> Path:
    """The sample notices, plus a truncated PDF so that an error line travels back too."""
    folder = tmp_path / "in"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("gold", "*.md"))
    (folder / "truncated.pdf").write_bytes((CORPUS / "jiujiang_2020_annex1.pdf").read_bytes()[:3000])
    return folder


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _dask_workers() -> list[psutil.Process]:
    """The Dask worker processes the LocalCluster's nannies started (children of this process)."""
    return [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]


def test_dask_engine_writes_the_local_runners_files(tmp_path):
    folder = _inputs(tmp_path)
    runner.run([str(folder)], str(tmp_path / "local"), runner.Options(jobs=2))
    summary = runner.run([str(folder)], str(tmp_path / "dask"), runner.Options(jobs=2, engine="dask"))
    assert summary.documents == 12 and summary.errors == 1
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")


def test_a_dask_worker_killed_mid_run_loses_no_document(tmp_path, monkeypatch):
    folder = _inputs(tmp_path)
    runner.run([str(folder)], str(tmp_path / "local"), runner.Options(jobs=1))
    real_record = runner._record
    killed: list[int] = []

    def record_then_kill(item, *args):
        real_record(item, *args)
        if not killed:   # after the first record: the others are queued or running on the workers
            busy = [p for p in _dask_workers() if p.children()] or _dask_workers()
            killed.append(busy[0].pid)
            os.kill(busy[0].pid, signal.SIGKILL)
    monkeypatch.setattr(runner, "_record", record_then_kill)
    summary = runner.run([str(folder)], str(tmp_path / "dask"), runner.Options(jobs=2, engine="dask"))
    assert killed
    assert summary.documents == 12 and summary.errors == 1
    assert _files(tmp_path / "dask") == _files(tmp_path / "local")


def _cluster(daemon: bool):
    import dask
    from distributed import LocalCluster
    with dask.config.set({"distributed.worker.daemon": daemon}):
        return LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", memory_limit=0)


def test_a_running_scheduler_is_used_and_daemon_workers_are_refused_with_advice(tmp_path):
    folder = _inputs(tmp_path)
    runner.run([str(folder)], str(tmp_path / "local"), runner.Options(jobs=1))
    with _cluster(daemon=False) as cluster:
        options = runner.Options(engine="dask", scheduler=cluster.scheduler_address)
        runner.run([str(folder)], str(tmp_path / "remote"), options)
    assert _files(tmp_path / "remote") == _files(tmp_path / "local")
    with _cluster(daemon=True) as cluster:
        options = runner.Options(engine="dask", scheduler=cluster.scheduler_address)
        with pytest.raises(ValueError, match="DASK_DISTRIBUTED__WORKER__DAEMON=False"):
            runner.run([str(folder)], str(tmp_path / "refused"), options)
