"""Ruled tables a page break cut open: the missing rule at the cut, for pdfplumber's table finder.

Browsers (Chromium's print to PDF) draw no border where a page break cuts a
table: the column rules run down to the foot of the page, or start at its
head, with no horizontal rule across their ends. pdfplumber builds cells only
from closed boxes, so the cut rows -- and a merged 工作任务 cell running into
the next page -- vanish or fall into the row above. A rule drawn across the
open ends closes them; the table stage then joins the parts as it joins
Word's (extractors/pdf.py ``rejoin_split_rows``, pipeline/tables.py). A part
printed without the header that split some columns gets them back
(``widen_parts``), so that it joins the part before it.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Optional, Union

from extractors.base import is_trivial
from pipeline.model import Block, Cell, Paragraph, Table


@dataclass(frozen=True, slots=True)
class CutSettings:
    """Thresholds for finding rules a page break left open (a dict of the same keys is accepted)."""
    tolerance: float = 1.5      # points a rule's end may miss the cut and still end there
    min_rule: float = 3.0       # shorter horizontal edges are the ends of thick vertical rules
    min_vertical: float = 3.0   # shorter vertical edges are no column rules
    same_edge: float = 3.0      # points two parts' column edges may differ by and be one edge


def _settings(value: Union[CutSettings, dict, None]) -> CutSettings:
    """Settings from None, a dict of some of the fields (an unknown key is a TypeError naming it), or settings."""
    return value if isinstance(value, CutSettings) else CutSettings(**(value or {}))


def cut_rules(vertical: list[dict], horizontal: list[dict],
              settings: Union[CutSettings, dict, None] = None) -> list[dict]:
    """Horizontal edges closing the column rules left open at the page's lowest and highest rule ends.

    vertical and horizontal are pdfplumber edges (x0, x1, top, bottom). Between
    two neighbouring column rules that end at the cut, the cell is open when no
    horizontal rule runs across its middle there. The cut is closed only where
    the column rules are joined by some horizontal rule, at the cut or higher up
    or lower down: they belong to a ruled table, not a bar beside the text.
    """
    s = _settings(settings)
    columns = [e for e in vertical if e["bottom"] - e["top"] >= s.min_vertical]
    rules = [e for e in horizontal if e["x1"] - e["x0"] >= s.min_rule]
    if not columns or not rules:
        return []
    anywhere = _Spans(rules)
    out = []
    for side, end in (("bottom", max(e["bottom"] for e in columns)), ("top", min(e["top"] for e in columns))):
        xs = sorted({e["x0"] for e in columns if abs(e[side] - end) <= s.tolerance})
        cells = [(a + b) / 2 for a, b in zip(xs, xs[1:]) if b - a >= s.min_rule]
        at_cut = _Spans([r for r in rules if abs(r["top"] - end) <= s.tolerance])
        if any(not at_cut.covers(x) for x in cells) and any(anywhere.covers(x) for x in cells):
            out.append(_edge(xs[0], xs[-1], end))
    return out


class _Spans:
    """The x ranges some horizontal rules cover, merged, for quick point look-ups (pages may hold thousands)."""

    def __init__(self, rules: list[dict]):
        merged: list[list[float]] = []
        for lo, hi in sorted((r["x0"], r["x1"]) for r in rules):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self.starts = [lo for lo, _ in merged]
        self.ends = [hi for _, hi in merged]

    def covers(self, x: float) -> bool:
        """True when a rule passes over x."""
        i = bisect_right(self.starts, x) - 1
        return i >= 0 and x <= self.ends[i]


def _edge(left: float, right: float, y: float) -> dict:
    """A horizontal edge as pdfplumber's explicit_horizontal_lines takes it."""
    return {"object_type": "cut_edge", "orientation": "h", "x0": left, "x1": right,
            "top": y, "bottom": y, "width": right - left, "height": 0.0}


def widen_parts(blocks: list[Block], edges: dict[int, list[float]],
                settings: Union[CutSettings, dict, None] = None) -> list[Block]:
    """Give a table part on the next page the columns of the part before it, when it lost some.

    A header may split a column (公开对象 over 全社会 | 特定群体) that every row
    below spans whole; the part on the next page, printed without the header,
    then shows fewer column rules. When its column edges are some of the
    previous part's, its cells are laid over the previous part's columns as
    merged cells, so the parts join. edges (left edge of each column and the
    right edge, by id of the table) is updated for the new tables.
    """
    tolerance = _settings(settings).same_edge
    out: list[Block] = []
    last: Optional[Table] = None  # the previous table part, if only page furniture came between
    for block in blocks:
        if isinstance(block, Paragraph):
            if not is_trivial(block):
                last = None
        elif last is not None and _next_page(last, block):
            wide = _laid_over(block, edges.get(id(block)), edges.get(id(last)), tolerance)
            if wide is not None:
                edges[id(wide)] = edges.pop(id(block))
                edges[id(wide)] = list(edges[id(last)])
                block = wide
        if isinstance(block, Table):
            last = block
        out.append(block)
    return out


def _next_page(first: Table, second: Table) -> bool:
    """Two ruled parts, the second on the page after the first one ends."""
    end = first.page_of(first.n_rows - 1) or first.page
    return (first.spans_known and second.spans_known and end is not None and second.page is not None
            and second.page == end + 1)


def _laid_over(table: Table, mine: Optional[list[float]], theirs: Optional[list[float]],
               tolerance: float) -> Optional[Table]:
    """table with its cells laid over the columns theirs, or None when its edges are not some of theirs."""
    if mine is None or theirs is None or len(mine) >= len(theirs) or len(mine) != table.n_cols + 1:
        return None
    index = [next((j for j, x in enumerate(theirs) if abs(x - edge) <= tolerance), None) for edge in mine]
    if None in index or index[0] != 0 or index[-1] != len(theirs) - 1:
        return None
    owner = [k for k in range(table.n_cols) for _ in range(index[k + 1] - index[k])]  # new col -> my col
    first_col = {k: index[k] for k in range(table.n_cols)}
    copies: dict[int, Cell] = {}
    grid = []
    for row in table.grid:
        new_row = []
        for k in owner:
            cell = row[k]
            if id(cell) not in copies:
                span = index[cell.col + cell.colspan] - index[cell.col]
                copies[id(cell)] = Cell(cell.text, cell.row, first_col[cell.col], cell.rowspan, span, ocr=cell.ocr)
            new_row.append(copies[id(cell)])
        grid.append(new_row)
    return Table(grid, table.page, table.row_pages, spans_known=table.spans_known)
