"""Timings that tests must not assert: huge unit cells and pathological files, n against 4n.

Run from the worktree root:
    PYTHONPATH=$PWD python tests/bench/bench_normalizers.py [--quick]

Prints, for each input shape, CPU seconds at size n and 4n and their ratio
(about 4 when the work grows linearly, 16 when quadratic). The tests count
work instead (tests/test_units.py); these timings are for people.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

from normalizers.units import parse_units  # noqa: E402
from pipeline.run import process  # noqa: E402
from test_robustness import big_cell_html, deep_html, many_objects_pdf  # noqa: E402

UNIT_SHAPES = {
    "run together": "县发改委县教育局市公安局",
    "one per line": "县发改委\n县教育局\n市公安局\n",
    "no cut": "某局",
    "no ending": "某某某",
    "role words": "县教育局牵头,县财政局配合;",
}


def cpu(fn) -> float:
    """CPU seconds of one call (process time: other load on the machine does not count)."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def row(label: str, small: float, large: float) -> None:
    """One line: times at n and 4n and their ratio."""
    print(f"{label:<28} {small:8.3f} s {large:8.3f} s   x{large / max(small, 1e-9):5.1f}")


def bench_units(chars: int) -> None:
    """parse_units on cells of chars and 4*chars characters."""
    print(f"parse_units, {chars:,} vs {4 * chars:,} characters")
    for label, unit in UNIT_SHAPES.items():
        reps = max(1, chars // len(unit))
        row(label, cpu(lambda: parse_units(unit * reps)), cpu(lambda: parse_units(unit * 4 * reps)))


def bench_files(scale: int) -> None:
    """process() on the pathological files of tests/test_robustness.py at two sizes."""
    print(f"process(), size n vs 4n (4n = 1/{scale} of the size tests/test_robustness.py uses)")
    builds = {
        "deep.html": (lambda n: deep_html(n), 200_000),
        "big_cell.html": (lambda n: big_cell_html(n), 3 * 1024 * 1024),
        "many_objects.pdf": (lambda n: many_objects_pdf(n), 30_000),
    }
    for name, (build, full) in builds.items():
        n = full // 4 // scale
        small, large = build(n), build(4 * n)
        row(name, cpu(lambda: process(small, name)), cpu(lambda: process(large, name)))


def main() -> None:
    """Run the benchmarks and print one line per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    quick = parser.parse_args().quick
    bench_units(15_000 if quick else 60_000)
    bench_files(4 if quick else 1)


if __name__ == "__main__":
    main()
