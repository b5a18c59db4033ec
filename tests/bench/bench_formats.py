"""Seconds per converted .doc/.wps and per spreadsheet and OFD, beside the DOCX/PDF of the same notice.

    PYTHONPATH=. python tests/bench/bench_formats.py [ROUNDS]

Builds the samples in every format (tests/fixtures/build_formats.py), then
times process() on each, ROUNDS times (default 3), and prints the median
seconds per file and its ratio to the same notice read from its DOCX (or
PDF for OFD). Not collected by pytest: speed is measured here, never asserted.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import build_formats  # noqa: E402
from pipeline.run import process  # noqa: E402


def seconds(path: Path, rounds: int) -> float:
    """Median wall-clock seconds of process() on the file."""
    data = path.read_bytes()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        process(data, path.name)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Build, time and print one line per file."""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_formats.build(folder)
        from_docx = {p.stem: seconds(p, rounds) for p in build_formats.DOCX_SAMPLES}
        from_pdf = {p.stem: seconds(p, rounds) for p in build_formats.PDF_SAMPLES}
        print(f"{'file':34} {'s/file':>8} {'x base':>7}  (base: the DOCX, or the PDF for OFD)")
        by_kind: dict[str, list[float]] = {}
        for path in sorted(folder.iterdir()):
            took = seconds(path, rounds)
            by_kind.setdefault(path.suffix, []).append(took)
            base = (from_pdf if path.suffix == ".ofd" else from_docx)[path.stem.split("-")[0]]
            print(f"{path.name:34} {took:8.3f} {took / base:7.1f}")
        for suffix, values in sorted(by_kind.items()):
            print(f"mean {suffix:6} {statistics.mean(values):8.3f} s per file")


if __name__ == "__main__":
    main()
