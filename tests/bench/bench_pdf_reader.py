"""Benchmark: the PDF reader and process() per page beside the raw pdfplumber floor, in one process.

    PYTHONPATH=. python tests/bench/bench_pdf_reader.py [PDF ...]

Not collected by pytest (no test_ prefix). For the sample PDFs and a generated
50-page ruled task table (or the PDFs given), prints CPU ms per page (best of
several runs, the three in turn so that load changes hit all of them) of:
the floor (pdfplumber open, extract_tables() and extract_text() per page,
tests/bench/bench_throughput.py's pdf_floor), our reader alone
(PdfExtractor.extract) and process() (reader, rules and records), with the
ratios to the floor. Issue 12's share for the reader: process() <= 1.1x.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from bench_throughput import best_of, clear_text_caches, pdf_floor, samples, task_table_pdf  # noqa: E402
from extractors.pdf import PdfExtractor  # noqa: E402
from pipeline.run import process  # noqa: E402


def measure(name: str, data: bytes, rounds: int = 2) -> None:
    """Print the three costs of one PDF per page and their ratios to the floor."""
    process(data, name)   # warm: readers, lexicons and gazetteer loaded once, as in a worker
    best = {"floor": float("inf"), "reader": float("inf"), "process": float("inf")}
    pages = 0
    for _ in range(rounds):   # the three in turn, so that a change of load hits all of them
        seconds, pages = pdf_floor(data)
        best["floor"] = min(best["floor"], seconds)
        best["reader"] = min(best["reader"], best_of(lambda: PdfExtractor().extract(data)))
        best["process"] = min(best["process"], best_of(lambda: (clear_text_caches(), process(data, name))))
    ms = {key: value / pages * 1000 for key, value in best.items()}
    print(f"{name:26s} {pages:3d} pages  floor {ms['floor']:6.1f}  reader {ms['reader']:6.1f} "
          f"({ms['reader'] / ms['floor']:4.2f}x)  process() {ms['process']:6.1f} "
          f"({ms['process'] / ms['floor']:4.2f}x; target <= 1.1)  ms CPU/page")


def main(paths: list[str]) -> None:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if paths:
        cases = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    else:
        cases = [(p.name, p.read_bytes()) for p in samples() if p.suffix == ".pdf"]
        cases.append(("task-table-50p.pdf", task_table_pdf()))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, data in cases:
        measure(name, data)


if __name__ == "__main__":
    main(sys.argv[1:])
