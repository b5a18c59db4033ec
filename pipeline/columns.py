"""What a table column is, read from its header wording and from what its cells hold.

A person reads a column from its content as much as from its name: long,
varied sentences are the items, a column of organisation names is a unit
column, dates are the deadline, small numbers are 序号, a few values repeated
over many rows (or merged across them) are a grouping column. The thresholds
are in ContentSettings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Optional, Union

from normalizers.deadlines import parse_deadline
from normalizers.text import normalize
from normalizers.units import parse_units
from pipeline.lexicon import (ITEM_START, LABEL_MAX_LENGTH, NUMBER_CELL, ORG_ENDINGS, SEQ_CELL, looks_like_label,
                              role_of_words)
from pipeline.model import Cell, Table

_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_MAX_DATE_CELL = 200


@dataclass(frozen=True, slots=True)
class ContentSettings:
    """Thresholds for reading a column from what it holds (a dict of the same keys is accepted)."""
    number_share: float = 0.7      # of cells that are row numbers: a 序号 column
    date_share: float = 0.6        # of deadline phrases (dates, 长期坚持 …): a deadline column
    unit_share: float = 0.6        # of organisation names: a unit column
    item_min_length: float = 10.0  # mean characters of an item cell (items are sentences)
    item_distinct: float = 0.8     # least share of distinct texts among an item column's cells
    group_repeat: float = 0.75     # most distinct values per row covered, for a grouping column
    label_max_length: int = LABEL_MAX_LENGTH  # longest cell of a header row no lexicon word names
    numbered_share: float = 0.4    # of numbered cells: the item column of a headerless table
    max_unit_cell: int = 200       # longer cells are not read as unit lists

    @classmethod
    def of(cls, value: Union["ContentSettings", dict, None]) -> "ContentSettings":
        """Settings from None (the defaults), a dict of some of the fields, or settings."""
        if value is None:
            return DEFAULT_SETTINGS
        if isinstance(value, cls):
            return value
        unknown = set(value) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown content settings: {', '.join(sorted(unknown))}")
        return cls(**value)


DEFAULT_SETTINGS = ContentSettings()


@dataclass(slots=True)
class Layout:
    """What a table is and which column holds what."""
    kind: Optional[str]                      # "task", "catalog", "domain" or None
    header_rows: int
    roles: dict[int, str] = field(default_factory=dict)
    # columns whose header spans another column of the same role (number + text)
    number_cols: set[int] = field(default_factory=set)
    signature: tuple[str, ...] = ()
    # a vertical table (label | value rows): per task, role -> (row, col) of its value cell
    vertical: tuple[dict[str, tuple[int, int]], ...] = ()

    def cols(self, role: str) -> list[int]:
        """Columns with this role, left to right."""
        return sorted(c for c, r in self.roles.items() if r == role)

    def col(self, role: str) -> Optional[int]:
        """The first column with this role, or None."""
        cols = self.cols(role)
        return cols[0] if cols else None


_SPACES = re.compile(r"\s\s*")   # (\s+ spelled so that the engine skips to a space)


@lru_cache(maxsize=4096)
def squash(text: str) -> str:
    """Normalised text with every space removed (header cells are often letter-spaced)."""
    # cached: the table stage squashes the same cells for every header and numbering test
    return _SPACES.sub("", normalize(text))


def role_of(header: str) -> Optional[str]:
    """The column role a header wording stands for, or None."""
    h = _BRACKETED.sub("", squash(header)) or squash(header)
    if not h or len(h) > 16:
        return None
    return role_of_words(h)


def row_cells(table: Table, r: int) -> list[Cell]:
    """The distinct cells of row r, left to right."""
    out: list[Cell] = []
    for cell in table.grid[r]:
        if not out or out[-1] is not cell:
            out.append(cell)
    return out


# --------------------------------------------------------------------------
# What a cell holds
# --------------------------------------------------------------------------

def is_date(text: str) -> bool:
    """A deadline phrase: a date, a span or an ongoing wording (长期坚持)."""
    # a deadline cell is a phrase: longer cells are sentences (and must not fill the cache)
    return len(text) <= _MAX_DATE_CELL and _is_date(text)


@lru_cache(maxsize=4096)
def _is_date(text: str) -> bool:
    return parse_deadline(text).kind in ("date", "ongoing")


def is_units(text: str, limit: int = DEFAULT_SETTINGS.max_unit_cell) -> bool:
    """A cell naming organisations only (县民政局、县财政局)."""
    return len(text) <= limit and not ITEM_START.match(text) and _names_only(text)


@lru_cache(maxsize=4096)
def _names_only(text: str) -> bool:
    units = parse_units(text).units
    return bool(units) and all(u.endswith(ORG_ENDINGS) for u in units)


def is_row_number(text: str) -> bool:
    """A cell holding only a row number (3, (3), 3., 三)."""
    return bool(NUMBER_CELL.match(text) or SEQ_CELL.match(text))


def is_label(text: str, settings: ContentSettings = DEFAULT_SETTINGS) -> bool:
    """A short wording with no digits or punctuation that reads as no date: a column name."""
    return looks_like_label(text, settings.label_max_length) and not is_date(text)


def reaches(texts: list[str], test, threshold: float) -> bool:
    """True when the share of texts for which test holds (0 for none) is at least threshold.

    Decided as soon as the texts left cannot change the answer: the tests parse
    dates and unit lists, and a column of sentences fails them early."""
    n = len(texts)
    if not n:
        return 0.0 >= threshold
    hits = 0
    for k, text in enumerate(texts):
        hits += 1 if test(text) else 0
        if hits / n >= threshold:
            return True
        if (hits + n - k - 1) / n < threshold:
            return False
    return hits / n >= threshold


# --------------------------------------------------------------------------
# What a column holds
# --------------------------------------------------------------------------

@dataclass(slots=True)
class Column:
    """The body of one column: its cells' texts (a merged cell once) and the rows they cover."""
    texts: list[str]
    rows_covered: int

    @property
    def mean_length(self) -> float:
        """Mean characters per filled cell."""
        # (sum / len, not statistics.mean: the same correctly rounded value, without its exact fractions)
        return sum(map(len, self.texts)) / len(self.texts) if self.texts else 0.0

    @property
    def distinct(self) -> float:
        """Distinct texts per filled cell."""
        return len(set(self.texts)) / len(self.texts) if self.texts else 0.0


def column_of(table: Table, c: int, start: int) -> Column:
    """Column c below row start. A blank cell of a table rebuilt from text covers its row too
    (the text above stands for it there)."""
    texts, seen, covered, active = [], set(), 0, False
    for r in range(start, table.n_rows):
        cell = table.grid[r][c]
        filled = bool(cell.text.strip())
        if not any(x.text.strip() for x in table.grid[r]):
            continue
        if filled or (active and not table.spans_known):
            covered += 1
        active = active or filled
        if id(cell) in seen or not filled:
            continue
        seen.add(id(cell))
        texts.append(normalize(cell.text))
    return Column([t for t in texts if t], covered)


def content_role(column: Column, settings: ContentSettings = DEFAULT_SETTINGS) -> Optional[str]:
    """What a column holds: 'seq', 'deadline', 'units', 'group', 'item', 'text' or None (empty)."""
    s, texts = settings, column.texts
    if not texts:
        return None
    if reaches(texts, is_row_number, s.number_share):
        return "seq"
    if reaches(texts, is_date, s.date_share):
        return "deadline"
    if reaches(texts, lambda t: is_units(t, s.max_unit_cell), s.unit_share):
        return "units"
    if column.rows_covered >= 2 and len(set(texts)) <= s.group_repeat * column.rows_covered \
            and len(set(texts)) < column.rows_covered:
        return "group"
    if column.mean_length >= s.item_min_length and column.distinct >= s.item_distinct:
        return "item"
    return "text"
