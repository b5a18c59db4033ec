"""Table grids from the ruling lines of a page image, and OCR text lines placed into their cells.

Ruling lines are what survives a morphological opening with a kernel longer
than any glyph stroke. Their positions give the grid's row and column edges;
a grid edge that no ruling line covers joins the two positions beside it into
one merged cell (a 序号 or 工作任务 cell spanning rows, a title across columns).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from pipeline.disjoint import DisjointSets
from pipeline.model import Cell, Table

if TYPE_CHECKING:  # settings live with the OCR entry point, which imports this module
    from extractors.ocr import OcrSettings

Region = tuple[int, int, int, int]  # first row, first column, last row + 1, last column + 1


@dataclass(slots=True)
class TextLine:
    """One line of text found by OCR: its box in page pixels."""
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def centre(self) -> tuple[float, float]:
        """Centre point of the box."""
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass(slots=True)
class Grid:
    """A table's row and column edges (page pixels) and its cells as grid regions."""
    xs: list[float]
    ys: list[float]
    regions: list[Region]
    owner: list[list[int]]  # region index of every grid position


def ruling_masks(gray: np.ndarray, s: OcrSettings) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines of a grey page as two binary masks."""
    import cv2
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 35, 15)
    length = s.px(s.min_rule_mm)
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    # Scan noise breaks a rule here and there: bridge gaps of a few pixels along it.
    gap = s.px(s.rule_merge_mm)
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    return horiz, vert


def find_grids(gray: np.ndarray, s: OcrSettings) -> list[Grid]:
    """The ruled tables of a page, top to bottom; a frame of fewer than 2x2 cells is no table."""
    import cv2
    horiz, vert = ruling_masks(gray, s)
    frame = cv2.dilate(horiz | vert, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(frame, connectivity=8)
    least = s.px(s.min_table_mm)
    grids = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < least or h < least:
            continue
        inside = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        grid = _grid(horiz[y:y + h, x:x + w] * inside, vert[y:y + h, x:x + w] * inside, s)
        if grid is not None:
            grid.xs = [v + x for v in grid.xs]
            grid.ys = [v + y for v in grid.ys]
            grids.append(grid)
    return sorted(grids, key=lambda g: g.ys[0])


def _grid(horiz: np.ndarray, vert: np.ndarray, s: OcrSettings) -> Optional[Grid]:
    """The grid of one table frame (masks cut to the frame's box), or None when it is no table."""
    tol = s.px(s.rule_merge_mm)
    h, w = horiz.shape
    ys = _cluster(_positions(horiz, axis=0) + [0, h - 1], tol)
    xs = _cluster(_positions(vert, axis=1) + [0, w - 1], tol)
    if len(ys) < 3 or len(xs) < 3:
        return None
    n_cols = len(xs) - 1
    sets = DisjointSets((len(ys) - 1) * n_cols)
    for r in range(len(ys) - 1):
        for c in range(n_cols):
            if c + 1 < n_cols and not _covered(vert, xs[c + 1], ys[r], ys[r + 1], tol, s, vertical=True):
                sets.union(r * n_cols + c + 1, r * n_cols + c)
            if r + 2 < len(ys) and not _covered(horiz, ys[r + 1], xs[c], xs[c + 1], tol, s, vertical=False):
                sets.union((r + 1) * n_cols + c, r * n_cols + c)
    return _regions(xs, ys, [sets.find(i) for i in range(len(sets.parent))])


def _regions(xs: list[float], ys: list[float], roots: list[int]) -> Grid:
    """Each merged group of positions as the rectangle that bounds it."""
    n_cols = len(xs) - 1
    bounds: dict[int, list[int]] = {}
    for i, root in enumerate(roots):
        r, c = divmod(i, n_cols)
        b = bounds.setdefault(root, [r, c, r + 1, c + 1])
        b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r + 1), max(b[3], c + 1)
    owner = [[-1] * n_cols for _ in range(len(ys) - 1)]
    regions: list[Region] = []
    for root in sorted(bounds, key=lambda k: (bounds[k][0], bounds[k][1])):
        r0, c0, r1, c1 = bounds[root]
        index = len(regions)
        regions.append((r0, c0, r1, c1))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if owner[r][c] == -1:  # a non-rectangular merge: first come keeps the position
                    owner[r][c] = index
    for r, row in enumerate(owner):  # positions lost to an overlap become cells of their own
        for c, index in enumerate(row):
            if index == -1:
                row[c] = len(regions)
                regions.append((r, c, r + 1, c + 1))
    return Grid(xs, ys, regions, owner)


def _positions(mask: np.ndarray, axis: int) -> list[float]:
    """Centre line of each ruling segment: rows for horizontal rules (axis 0), columns for vertical."""
    import cv2
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [float(centroids[i][1 - axis]) for i in range(1, n)]


def _cluster(values: list[float], tol: int) -> list[float]:
    """Sorted values with those closer than tol merged into their mean."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [float(np.mean(g)) for g in groups]


def _covered(mask: np.ndarray, at: float, lo: float, hi: float, tol: int, s: OcrSettings,
             vertical: bool) -> bool:
    """True when a ruling line runs at `at` over most of [lo, hi] (ends, where rules cross, left out)."""
    a, b = int(lo) + tol, int(hi) - tol
    if b <= a:
        return True  # too short to tell: keep the cells apart
    k0, k1 = max(0, int(at) - tol), int(at) + tol + 1
    band = mask[a:b, k0:k1] if vertical else mask[k0:k1, a:b].T
    return float(np.mean(band.any(axis=1))) >= s.edge_cover


def place_lines(grid: Grid, lines: list[TextLine], page: Optional[int]) -> tuple[Table, list[TextLine]]:
    """The grid as a Table holding the text lines whose centres fall in it; the other lines."""
    inside: dict[int, list[TextLine]] = {}
    outside = []
    for line in lines:
        x, y = line.centre
        if not (grid.xs[0] <= x <= grid.xs[-1] and grid.ys[0] <= y <= grid.ys[-1]):
            outside.append(line)
            continue
        for piece in _split_at_rules(grid, line):
            px, py = piece.centre
            index = grid.owner[bisect_cell(grid.ys, py)][bisect_cell(grid.xs, px)]
            inside.setdefault(index, []).append(piece)
    cells = [Cell(cell_text(inside.get(i, [])), r0, c0, r1 - r0, c1 - c0, ocr=True)
             for i, (r0, c0, r1, c1) in enumerate(grid.regions)]
    rows = [[cells[index] for index in row] for row in grid.owner]
    table = Table(rows, page, [page] * len(rows) if page is not None else None)
    return table, outside


def _split_at_rules(grid: Grid, line: TextLine) -> list[TextLine]:
    """A text line that runs across a cell border cut there (characters are evenly wide)."""
    height = line.y1 - line.y0
    r = bisect_cell(grid.ys, line.centre[1])
    cuts = [x for c, x in enumerate(grid.xs[1:-1], start=1)
            if line.x0 + height / 2 < x < line.x1 - height / 2 and grid.owner[r][c - 1] != grid.owner[r][c]]
    if not cuts:
        return [line]
    pieces, start, x_start = [], 0, line.x0
    n = len(line.text)
    for x in cuts + [line.x1]:
        end = n if x == line.x1 else round((x - line.x0) / (line.x1 - line.x0) * n)
        if line.text[start:end].strip():
            pieces.append(TextLine(x_start, line.y0, x, line.y1, line.text[start:end].strip()))
        start, x_start = end, x
    return pieces


def group_rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Boxes grouped into rows (vertical centres within half a line height), each left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda t: t.centre[1]):
        if rows:
            last = rows[-1]
            height = max(t.y1 - t.y0 for t in last)
            if abs(line.centre[1] - np.mean([t.centre[1] for t in last])) <= height / 2:
                last.append(line)
                continue
        rows.append([line])
    for row in rows:
        row.sort(key=lambda t: t.x0)
    return rows


def join_row(row: list[TextLine]) -> str:
    """Texts of one row: a space only between two pieces that are not Chinese on both sides."""
    out = row[0].text
    for piece in row[1:]:
        cjk = _is_cjk(out[-1]) or _is_cjk(piece.text[0])
        out += piece.text if cjk else " " + piece.text
    return out


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\uf900" <= ch <= "\ufaff"


def bisect_cell(edges: list[float], value: float) -> int:
    """Index of the interval of sorted edges that holds value (clamped to the grid)."""
    return min(max(bisect_right(edges, value) - 1, 0), len(edges) - 2)


def cell_text(lines: list[TextLine]) -> str:
    """Text of one cell: its lines top to bottom, pieces of one line left to right."""
    return "\n".join(join_row(row) for row in group_rows(lines))

