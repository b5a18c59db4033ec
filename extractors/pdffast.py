"""Faster equivalents of pdfplumber steps whose library version is needlessly slow; same results."""
from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Optional

from pdfplumber.page import FilteredPage
from pdfplumber.utils.clustering import cluster_objects

_POSITION = itemgetter("doctop", "x0")


def dedupe_chars(page, tolerance: float = 1, extra_attrs: Optional[tuple[str, ...]] = ("fontname", "size")):
    """``page.dedupe_chars()`` with the same chars in the same order, without its quadratic final sort.

    pdfplumber puts the kept chars back in page order with ``sorted(kept, key=chars.index)``,
    a linear search by equality per char (30-42% of our PDF time on table pages). A map from
    each char's identity to its place gives the same order: a char equal to an earlier one
    falls in that one's cluster and is never the one kept.
    """
    chars = page.chars
    kept = list(_unique_chars(chars, tolerance, extra_attrs))
    place = {id(char): k for k, char in enumerate(chars)}
    kept.sort(key=lambda char: place[id(char)])
    deduped = FilteredPage(page, lambda obj: True)
    deduped._objects = dict(page.objects)   # as pdfplumber's own dedupe_chars builds it
    deduped._objects["char"] = kept
    return deduped


def _unique_chars(chars: list[dict], tolerance: float, extra_attrs: Optional[tuple[str, ...]]):
    """pdfplumber's rule: among chars of one text, font and size, one per doctop/x0 cluster, the top-left."""
    key = itemgetter("upright", "text", *(extra_attrs or ()))
    for _, group in itertools.groupby(sorted(chars, key=key), key=key):
        group = list(group)
        if len(group) == 1:   # most glyphs of a page: nothing to cluster
            yield group[0]
            continue
        for y_cluster in cluster_objects(group, itemgetter("doctop"), tolerance):
            for x_cluster in cluster_objects(y_cluster, itemgetter("x0"), tolerance):
                yield min(x_cluster, key=_POSITION)


class CellIndex:
    """Answers "is this point inside a cell of one of these tables?" by looking only at cells near its height."""

    BAND = 12.0   # points of page height per bucket: about one line of text

    def __init__(self, tables: list[tuple[tuple, list[tuple]]]):
        self.bands: dict[int, list[tuple[tuple, tuple]]] = {}
        for bbox, cells in tables:
            for cell in cells:
                for band in range(int(cell[1] // self.BAND), int(cell[3] // self.BAND) + 1):
                    self.bands.setdefault(band, []).append((bbox, cell))

    def covers(self, point: tuple[float, float]) -> bool:
        """True when a cell holds the point and its table's box does too (edges included)."""
        x, y = point
        for bbox, cell in self.bands.get(int(y // self.BAND), ()):
            if (bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]
                    and cell[0] <= x <= cell[2] and cell[1] <= y <= cell[3]):
                return True
        return False
