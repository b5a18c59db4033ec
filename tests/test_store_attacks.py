"""Issue 9 "done when": a store stays consistent when its run is killed, the disk fills, or two runs race.

The runs are real `govnotice extract` processes, slowed down where the test
says so (a sleep in each phase) so that kills land in every phase: reading,
adding to the transaction, exporting, staging, committing, publishing.
"""
from __future__ import annotations

import errno
import fcntl
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline import exporters as exporters_module
from pipeline import read_store
from pipeline.cli import main
from pipeline.run import run
from pipeline.store import DB_NAME, LOCK_NAME, PENDING, StoreWriter
from test_store import CORPUS, ROOT, assert_consistent, notices, snapshot

# A govnotice run with a sleep in every phase; KILL_AT=phase:n makes it SIGKILL itself there.
SLOW_CLI = """
import os, signal, sys, time
import pipeline.exporters as ex, pipeline.run as runner, pipeline.store as st
phase, _, at = os.environ.get("KILL_AT", "").partition(":")
seen = {}
def tick(name):
    seen[name] = seen.get(name, 0) + 1
    if name == phase and seen[name] == int(at):
        os.kill(os.getpid(), signal.SIGKILL)
real_process = runner.process
def process(*a, **k):
    time.sleep(0.05)
    return real_process(*a, **k)
runner.process = process
real_add = st.StoreWriter.add
def add(self, *args, **kwargs):
    tick("add")
    real_add(self, *args, **kwargs)
st.StoreWriter.add = add
for cls in (ex.JsonLinesExporter, ex.CsvExporter):
    def export_stored(self, *row, _real=cls.export_stored):
        tick("export")
        time.sleep(0.001)
        _real(self, *row)
    cls.export_stored = export_stored
real_rename, real_replace = os.rename, os.replace
def rename(a, b):
    tick("stage")
    real_rename(a, b)
    tick("staged")
def replace(a, b):
    time.sleep(0.02)
    tick("publish")
    real_replace(a, b)
os.rename, os.replace = rename, replace
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""
# before the commit: reading and adding, exporting, staging (before and after the rename to .export-pending);
# after it: publishing (before the first rename into place, and between two of them)
PHASES = ["add:2", "export:40", "stage:1", "staged:1", "publish:1", "publish:3"]


def slow_run(batch: Path, out: Path, kill_at: str = "", **kwargs) -> subprocess.Popen:
    """Start the slowed-down CLI adding batch to the store out."""
    env = {**os.environ, "KILL_AT": kill_at, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.Popen([sys.executable, "-c", SLOW_CLI, "extract", str(batch), "-o", str(out), "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, **kwargs)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A store holding one batch (one notice)."""
    out = tmp_path_factory.mktemp("base") / "store"
    run([str(CORPUS / "dongzhi_2020.html")], str(out))
    return out


def _pending_is_committed(out: Path) -> bool:
    """As recover() reads it: a pending folder without its stamp (a kill between unlinking BATCH and
    removing the folder, every file already in place) is not a committed export."""
    import sqlite3
    try:
        stamped = int((out / PENDING / "BATCH").read_text())
    except FileNotFoundError:
        return False
    with sqlite3.connect(out / DB_NAME) as db:
        return stamped == db.execute("SELECT MAX(batch) FROM batches").fetchone()[0]


def _check_after_kill(out: Path, states: list) -> str:
    """The store agrees with itself (after the next writer finishes a committed export); old or new state."""
    if not ((out / PENDING).exists() and _pending_is_committed(out)):
        # no committed batch is half published: the files agree before anyone repairs anything
        assert_consistent(out, clean=False)
    with StoreWriter(out) as writer:
        writer.commit()
    held = assert_consistent(out)
    assert held in states
    return "old" if held == states[0] else "new"


def test_kills_at_every_phase_and_at_random_moments_leave_a_consistent_store(base, tmp_path):
    batch = notices(tmp_path / "in", 4)
    done = tmp_path / "done"
    shutil.copytree(base, done)
    started = time.monotonic()
    proc = slow_run(batch, done)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    duration = time.monotonic() - started
    states = [read_store(base), read_store(done)]
    assert len(states[1]["documents"]) == 5
    outcomes: Counter[str] = Counter()
    rng = random.Random(9)
    kills = [(phase, None) for phase in PHASES]
    kills += [("", rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT])) for _ in range(20)]
    for k, (phase, sig) in enumerate(kills):
        out = tmp_path / f"kill{k}"
        shutil.copytree(base, out)
        proc = slow_run(batch, out, kill_at=phase)
        if sig is not None:
            time.sleep(rng.uniform(0.0, duration))
            proc.send_signal(sig)
        proc.wait(timeout=300)
        outcomes[(phase.split(":")[0] or sig.name, _check_after_kill(out, states))] += 1
    print(dict(outcomes))
    # the phases before the commit keep the old state, those after it the new one
    for phase in ("add", "export", "stage", "staged"):
        assert outcomes[(phase, "old")] == 1, phase
    assert outcomes[("publish", "new")] == 2


def test_a_killed_publish_is_finished_by_the_next_run(base, tmp_path):
    out = tmp_path / "store"
    shutil.copytree(base, out)
    proc = slow_run(notices(tmp_path / "in", 2), out, kill_at="publish:3")
    assert proc.wait(timeout=300) == -signal.SIGKILL
    assert (out / PENDING).is_dir() and _pending_is_committed(out)
    assert main(["extract", str(CORPUS / "dongzhi_2020.html"), "-o", str(out), "--quiet"]) == 0
    assert len(assert_consistent(out)["documents"]) == 3


def _limit_file_size(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_full_disk_leaves_the_store_unchanged_and_clean(base, tmp_path):
    out = tmp_path / "store"
    shutil.copytree(base, out)
    before = snapshot(out)
    limit = (out / DB_NAME).stat().st_size   # the database cannot grow: the first write past it fails
    done = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(notices(tmp_path / "in", 3)),
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_file_size(limit))
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("govnotice: cannot write the store") and "unchanged" in last
    assert "Traceback" not in done.stderr
    assert snapshot(out) == before
    assert_consistent(out)


def test_no_space_during_the_export_leaves_the_store_unchanged(base, tmp_path, monkeypatch, capsys):
    out = tmp_path / "store"
    shutil.copytree(base, out)
    before = snapshot(out)
    real = exporters_module.CsvExporter.export_stored
    written = Counter()

    def full(self, *row):
        written["rows"] += 1
        if written["rows"] > 30:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, *row)
    monkeypatch.setattr(exporters_module.CsvExporter, "export_stored", full)
    assert main(["extract", str(notices(tmp_path / "in", 2)), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"govnotice: cannot write the store {out}: No space left on device; it is unchanged"
    assert snapshot(out) == before


def _locked(out: Path) -> bool:
    """True while another process holds the store's lock."""
    try:
        fd = os.open(out / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def test_two_runs_into_one_store_never_mix(base, tmp_path, capsys):
    out = tmp_path / "store"
    shutil.copytree(base, out)
    first = slow_run(notices(tmp_path / "a", 3), out)
    while not _locked(out):
        assert first.poll() is None, first.stderr.read().decode()
        time.sleep(0.01)
    second = notices(tmp_path / "b", 2, start=10)
    assert main(["extract", str(second), "-o", str(out)]) == 2
    assert "another govnotice run is writing to" in capsys.readouterr().err
    assert first.wait(timeout=300) == 0
    assert [d["source"] for d in assert_consistent(out)["documents"]] == \
        ["dongzhi_2020.html", "notice00.txt", "notice01.txt", "notice02.txt"]
    assert main(["extract", str(second), "-o", str(out), "--quiet"]) == 0
    assert len(assert_consistent(out)["documents"]) == 6


def test_discarding_a_batch_keeps_a_committed_pending_export(base, tmp_path):
    # An interrupt that lands after COMMIT but before the writer records it discards the batch:
    # a pending export whose batch is committed must stay for the next writer to publish (seen as
    # notices.db ahead of its exports after a random SIGTERM under load); an uncommitted one goes.
    import sqlite3
    for offset, kept in ((0, True), (1, False)):
        out = tmp_path / f"store{offset}"
        shutil.copytree(base, out)
        with sqlite3.connect(out / DB_NAME) as db:
            last = db.execute("SELECT MAX(batch) FROM batches").fetchone()[0]
        with StoreWriter(out) as writer:
            (out / PENDING).mkdir()
            (out / PENDING / "BATCH").write_text(str(last + offset))
            (out / (".export-" + "leftover")).mkdir()
            writer._discard()
            assert (out / PENDING).is_dir() == kept
            assert not (out / ".export-leftover").exists()


def test_a_pending_folder_left_without_its_stamp_is_swept(base, tmp_path):
    """A kill between unlinking .export-pending/BATCH and removing the folder leaves it empty, every file
    already in place: the store reads as it is and the next writer removes the folder."""
    out = tmp_path / "store"
    shutil.copytree(base, out)
    (out / PENDING).mkdir()
    assert _check_after_kill(out, [read_store(base)]) == "old"
    assert not (out / PENDING).exists()
