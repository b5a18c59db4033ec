"""Ruled tables a page break cut open: the missing rule at the cut, for pdfplumber's table finder.

Browsers (Chromium's print to PDF) draw no border where a page break cuts a
table: the column rules run down to the foot of the page, or start at its
head, with no horizontal rule across their ends. pdfplumber builds cells only
from closed boxes, so the cut rows -- and a merged 工作任务 cell running into
the next page -- vanish or fall into the row above. A rule drawn across the
open ends closes them; the table stage then joins the parts as it joins
Word's (extractors/pdf.py ``rejoin_split_rows``, pipeline/tables.py).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Optional, Union


@dataclass(frozen=True, slots=True)
class CutSettings:
    """Thresholds for finding rules a page break left open (a dict of the same keys is accepted)."""
    tolerance: float = 1.5      # points a rule's end may miss the cut and still end there
    min_rule: float = 3.0       # shorter horizontal edges are the ends of thick vertical rules
    min_vertical: float = 3.0   # shorter vertical edges are no column rules

    @classmethod
    def of(cls, value: Union["CutSettings", dict, None]) -> "CutSettings":
        """Settings from None (the defaults), a dict of some of the fields, or settings."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        unknown = set(value) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown cut settings: {', '.join(sorted(unknown))}")
        return cls(**value)


def cut_rules(vertical: list[dict], horizontal: list[dict],
              settings: Union[CutSettings, dict, None] = None) -> list[dict]:
    """Horizontal edges closing the column rules left open at the page's lowest and highest rule ends.

    vertical and horizontal are pdfplumber edges (x0, x1, top, bottom). Between
    two neighbouring column rules that end at the cut, the cell is open when no
    horizontal rule runs across its middle there. The cut is closed only where
    such an open cell is crossed by a rule higher up or lower down: its rules
    belong to a ruled table (whose rules are often drawn cell by cell).
    """
    s = CutSettings.of(settings)
    columns = [e for e in vertical if e["bottom"] - e["top"] >= s.min_vertical]
    rules = [e for e in horizontal if e["x1"] - e["x0"] >= s.min_rule]
    if not columns or not rules:
        return []
    out = []
    for side, end in (("bottom", max(e["bottom"] for e in columns)), ("top", min(e["top"] for e in columns))):
        xs = sorted({e["x0"] for e in columns if abs(e[side] - end) <= s.tolerance})
        cells = [(a + b) / 2 for a, b in zip(xs, xs[1:]) if b - a >= s.min_rule]
        open_cells = [x for x in cells if not _crossed(x, end, rules, s.tolerance)]
        if open_cells and all(_crossed(x, None, rules, s.tolerance) for x in open_cells):
            out.append(_edge(xs[0], xs[-1], end))
    return out


def _crossed(x: float, y: Optional[float], rules: list[dict], tolerance: float) -> bool:
    """True when a horizontal rule passes through point (x, y) (y None: at any height)."""
    return any((y is None or abs(r["top"] - y) <= tolerance) and r["x0"] <= x <= r["x1"] for r in rules)
def _edge(left: float, right: float, y: float) -> dict:
    """A horizontal edge as pdfplumber's explicit_horizontal_lines takes it."""
    return {"object_type": "cut_edge", "orientation": "h", "x0": left, "x1": right,
            "top": y, "bottom": y, "width": right - left, "height": 0.0}
