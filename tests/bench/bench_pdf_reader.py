"""Benchmark: the PDF reader and process() per page beside the raw pdfplumber floor, in one process.

    PYTHONPATH=. python tests/bench/bench_pdf_reader.py [PDF ...]

Not collected by pytest (no test_ prefix). For the sample PDFs and a generated
50-page ruled task table (or the PDFs given), prints CPU ms per page (best of
several runs, interleaved so that load changes hit all three alike) of:
the floor (pdfplumber open, extract_tables() and extract_text() per page, as
tests/bench/bench_throughput.py measures it), our reader alone
(PdfExtractor.extract) and process() (reader, rules and records), with the
ratios to the floor. Issue 12's share for the reader: process() <= 1.1x.
"""
from __future__ import annotations

import io
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from bench_throughput import clear_text_caches, samples, task_table_pdf  # noqa: E402
from extractors.pdf import PdfExtractor  # noqa: E402
from pipeline.run import process  # noqa: E402


def floor(data: bytes) -> int:
    """Raw pdfplumber over every page, as bench_throughput.pdf_floor does; the page count."""
    import pdfplumber
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()
            page.close()
        return len(pdf.pages)


def _cpu(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def measure(name: str, data: bytes, repeat: int) -> None:
    """Print the three costs of one PDF per page and their ratios to the floor."""
    pages = floor(data)
    process(data, name)   # warm: readers, lexicons and gazetteer loaded once, as in a worker
    steps = {
        "floor": lambda: floor(data),
        "reader": lambda: PdfExtractor().extract(data),
        "process": lambda: (clear_text_caches(), process(data, name)),
    }
    best = {key: float("inf") for key in steps}
    for _ in range(repeat):
        for key, fn in steps.items():
            best[key] = min(best[key], _cpu(fn))
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
        pages = floor(data)
        measure(name, data, repeat=max(3, min(7, round(60 / pages))))


if __name__ == "__main__":
    main(sys.argv[1:])
