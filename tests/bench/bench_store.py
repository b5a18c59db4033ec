"""Benchmark: a first batch into a fresh store against the same batch again (nothing to read).

Prints the two wall times measured side by side and their ratio (issue 9 asks
for at least 5). Run from the repository root:

    python tests/bench/bench_store.py [COPIES]

The batch is the sample corpus plus COPIES distinct variants of each sample
text (default 20), so that reading dominates and start-up does not.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        batch, store = Path(tmp) / "batch", Path(tmp) / "store"
        batch.mkdir()
        n = make_batch(batch, copies)
        first = timed(batch, store)
        again = timed(batch, store)
    print(f"{n} files: first run {first:.2f} s, re-run {again:.2f} s, ratio {first / again:.1f}x")


if __name__ == "__main__":
    main()
