"""Benchmark: CPU of closing tables cut by a page break. Not collected by pytest (no test_ prefix).

    PYTHONPATH=. python tests/bench/bench_pagecut.py [PDF ...]

Prints, side by side: cut_rules on pages of n and 8n cells with one rule per
cell (the ratio shows how it grows; 8 is linear), and the PDF reader on each
given PDF (say, a Chromium print of a sample page) with and without the rules
it adds (best of 3 CPU seconds).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from unittest import mock

from extractors import pagecut
from extractors.pdf import PdfExtractor
from bench_table_stage import _best  # run as a script: tests/bench is on the path


def _page(n: int) -> tuple[list[dict], list[dict]]:
    """n cells in a row, open at the foot, each with a top rule of its own."""
    vertical = [{"x0": 2.0 * i, "x1": 2.0 * i, "top": 10.0, "bottom": 50.0} for i in range(n + 1)]
    horizontal = [{"x0": 2.0 * i, "x1": 2.0 * i + 2, "top": 10.0, "bottom": 10.0} for i in range(n)]
    return vertical, horizontal


def main(paths: list[str]) -> None:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    small, large = _best(lambda: pagecut.cut_rules(*_page(1000))), _best(lambda: pagecut.cut_rules(*_page(8000)))
    print(f"cut_rules 1000 cells {small:.4f}s  8000 cells {large:.4f}s  ratio {large / small:.1f} (8 = linear)")
    for path in paths:
        data = Path(path).read_bytes()
        with_cuts = _best(lambda: PdfExtractor().extract(data))
        with mock.patch("extractors.pdf.cut_rules", lambda *args: []):
            without = _best(lambda: PdfExtractor().extract(data))
        print(f"{Path(path).name}: reader {with_cuts:.2f}s with cut rules, {without:.2f}s without, "
              f"ratio {with_cuts / without:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
