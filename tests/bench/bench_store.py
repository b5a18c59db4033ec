"""Benchmark: a first batch into a fresh store against the same batch again (nothing to read);
then a batch of one new document into a store of HELD documents, its export copied from the
published one against written in full.

Prints the wall times measured side by side and their ratios (issue 9 asks for
at least 5 on the first pair). Run from the repository root:

    python tests/bench/bench_store.py [COPIES] [HELD]

The first batch is the sample corpus plus COPIES distinct variants of each sample
text (default 20), so that reading dominates and start-up does not. The held store
is HELD distinct copies of the sample notices (default 2,000).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.store import SPANS_NAME  # noqa: E402


def make_batch(folder: Path, copies: int) -> int:
    """The corpus notices plus distinct copies of each TXT variant; the number of files."""
    n = 0
    for path in sorted((ROOT / "corpus").rglob("*")):
        if path.suffix in (".pdf", ".docx", ".html", ".txt"):
            data = path.read_bytes()
            for k in range(copies + 1 if path.suffix == ".txt" else 1):
                suffix = f"\n附{k}\n".encode() if k else b""
                (folder / f"{path.stem}_{k}{path.suffix}").write_bytes(data + suffix)
                n += 1
    return n


def timed(batch: Path, store: Path) -> float:
    """Seconds for one `govnotice extract BATCH -o STORE --quiet`."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "extract", str(batch), "-o", str(store), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def grow(held: int, rounds: int = 4) -> None:
    """One new document into a store of ``held``: the spans kept (rows copied) against removed (all
    written), alternated, each a fresh document; the best of each."""
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    from bench_throughput import distinct_copy, make_corpus, samples
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        timed(make_corpus(Path(tmp) / "held", held, samples()), store)
        source = ROOT / "corpus" / "donghu_2020.html"
        times: dict[bool, list[float]] = {True: [], False: []}
        for k in range(rounds):
            for copied in (True, False):
                one = Path(tmp) / f"one-{k}-{copied}"
                one.mkdir()
                (one / f"new-{k}-{copied}.html").write_bytes(
                    distinct_copy(source.read_bytes(), ".html", 10 ** 6 + 2 * k + copied))
                if not copied:
                    (store / SPANS_NAME).unlink()
                times[copied].append(timed(one, store))
        sizes = sum(p.stat().st_size for p in store.glob("*.*") if p.suffix in (".jsonl", ".csv"))
    best_copied, best_full = min(times[True]), min(times[False])
    print(f"1 new document into a store of {held} ({sizes / 1e6:.0f} MB of JSONL and CSV): "
          f"rows copied {best_copied:.2f} s, all written {best_full:.2f} s, ratio {best_full / best_copied:.1f}x "
          f"(best of {rounds} each)")


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    held = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        batch, store = Path(tmp) / "batch", Path(tmp) / "store"
        batch.mkdir()
        n = make_batch(batch, copies)
        first = timed(batch, store)
        again = timed(batch, store)
    print(f"{n} files: first run {first:.2f} s, re-run {again:.2f} s, ratio {first / again:.1f}x")
    grow(held)


if __name__ == "__main__":
    main()
