"""Benchmark: seconds per OCR page at 200 dpi (issue 7 target: at most 5 s per page on one core).

    python tests/bench/bench_ocr.py

Builds the 200-dpi scans of the sample PDFs (tests/fixtures/build_scans.py),
then reads each scan and its born-digital original side by side and prints,
per document, the seconds per page of both and their ratio, and the split of
an OCR page into its steps (render, deskew + grid, text recognition).
onnxruntime runs on one thread (OcrSettings.threads), as in a worker.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fixtures")]

import build_scans  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from extractors.ocr import OcrSettings, deskew, engine, read_text_lines, to_gray  # noqa: E402
from extractors.ocrgrid import find_grids  # noqa: E402
from extractors.pdf import PdfExtractor  # noqa: E402


def timed(fn, *args):
    """(result, wall seconds) of one call."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def cpu_timed(fn, *args):
    """(wall seconds, CPU seconds of this process) of one call: on a busy machine the CPU
    seconds are what one free core would take (onnxruntime runs one thread)."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - start, time.process_time() - cpu


def steps(scan: Path, s: OcrSettings) -> dict[str, list[float]]:
    """Seconds of each OCR step on every page of a scan."""
    out: dict[str, list[float]] = {"render": [], "deskew+grid": [], "recognition": []}
    pdf = pdfium.PdfDocument(scan.read_bytes())
    for i in range(len(pdf)):
        image, t = timed(lambda: pdf[i].render(scale=s.dpi / 72).to_numpy())
        out["render"].append(t)
        start = time.perf_counter()
        gray, _ = deskew(to_gray(image, s), s)
        find_grids(gray, s)
        out["deskew+grid"].append(time.perf_counter() - start)
        out["recognition"].append(timed(read_text_lines, gray, s)[1])
    pdf.close()
    return out


def main() -> None:
    """Print the table of measurements."""
    s = OcrSettings()
    engine(s.threads, s.detect_side, s.max_side)  # model loading is once per process: not per page
    with tempfile.TemporaryDirectory() as tmp:
        scans = build_scans.build(Path(tmp))
        print(f"{'document':26} {'pages':>5} {'text s/page':>11} {'OCR s/page':>10} {'ratio':>6} "
              f"{'OCR CPU s/page':>14}")
        per_page: list[float] = []
        for name, original in build_scans.SAMPLES.items():
            n = len(pdfium.PdfDocument(original.read_bytes()))
            t_text, _ = cpu_timed(PdfExtractor().extract, original.read_bytes())
            t_ocr, cpu_ocr = cpu_timed(PdfExtractor().extract, scans[name].read_bytes())
            per_page.append(cpu_ocr / n)
            print(f"{name:26} {n:5d} {t_text / n:11.2f} {t_ocr / n:10.2f} {t_ocr / t_text:5.0f}x "
                  f"{cpu_ocr / n:14.2f}")
        print(f"\nOCR CPU seconds per page, mean over documents: {statistics.mean(per_page):.2f} "
              "(target <= 5 on one core)")
        split = steps(scans["tunliu_2020_tasks.pdf"], s)
        print("steps, median seconds per page (tunliu scan): "
              + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in split.items()))


if __name__ == "__main__":
    main()
