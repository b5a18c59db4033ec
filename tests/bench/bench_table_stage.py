"""Benchmark: CPU of the table stage (joins, column roles from header and content, records)
beside the reader's, per corpus file. Not collected by pytest (no test_ prefix).

    PYTHONPATH=. python tests/bench/bench_table_stage.py [FILE ...]

Prints seconds of CPU per file (best of 3) and the ratio table stage / reader.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from extractors import detect_format, extractor_for
from pipeline.tables import layout_of, logical_tables
from pipeline.tasks import TaskContext, task_records

ROOT = Path(__file__).resolve().parents[2]


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _table_stage(raw) -> int:
    n = 0
    for index, table in enumerate(logical_tables(raw.blocks)):
        layout = layout_of(table)
        if layout.kind == "task":
            n += len(task_records(table, layout, index, TaskContext("bench")))
    return n


def main(paths: list[Path]) -> None:
    print(f"{'file':44} {'reader s':>9} {'tables s':>9} {'ratio':>6} {'tasks':>6}")
    for path in paths:
        data = path.read_bytes()
        reader = extractor_for(detect_format(data, path.name))
        raw = reader.extract(data)
        read_s = _best(lambda: reader.extract(data))
        table_s = _best(lambda: _table_stage(raw))
        print(f"{path.name:44} {read_s:9.3f} {table_s:9.3f} {table_s / max(read_s, 1e-9):6.2f} {_table_stage(raw):6d}")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or sorted(
        p for p in (ROOT / "corpus").rglob("*") if p.is_file() and p.suffix != ".md" and "gold" not in p.parts)
    main(args)
