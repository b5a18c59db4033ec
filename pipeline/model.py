"""The document model every extractor produces, and the records the pipeline writes.

Field names of the record classes are exactly those of SPEC.md; the exporters
take their column order from the dataclass field order.
"""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Callable, Optional, Union


# --------------------------------------------------------------------------
# Raw document model (extractor output, before any interpretation)
# --------------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class Cell:
    """One source cell: its text as extracted and where it sits in the grid.

    A merged cell is one Cell object placed at every grid position it covers,
    so ``grid[r][c] is grid[r - 1][c]`` means "vertically merged with the row
    above". ``row``/``col`` are the top-left position of the cell.
    Text keeps its line breaks ("\\n"): a hard break in DOCX/HTML, a wrap in PDF.
    """
    text: str
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    # read by OCR from a page image (provenance: the `ocr` task flag); per cell, so that a
    # table continued from a text page onto a scanned one flags only the scanned rows
    ocr: bool = False


def one_slip_apart(a: str, b: str) -> bool:
    """True when b is a with at most one character inserted, dropped or read as another."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]


def same_header_text(a: str, b: str, ocr: bool) -> bool:
    """Two header cells' texts (whitespace removed) as one: equal, or, where OCR read either, two
    characters or more one slip apart (序号 read as 序亭号 on one page of a scan)."""
    return a == b or (ocr and min(len(a), len(b)) >= 2 and one_slip_apart(a, b))


@dataclass(slots=True)
class Table:
    """A grid of cells with spans resolved; every row has the same width."""
    grid: list[list[Cell]]
    page: Optional[int] = None
    # 1-based page of each grid row (PDF only; None elsewhere)
    row_pages: Optional[list[Optional[int]]] = None
    # False for tables rebuilt from plain text, where a merged cell cannot be
    # told from an empty one: a blank cell may then stand for "same as above"
    spans_known: bool = True

    @property
    def n_rows(self) -> int:
        """Number of grid rows."""
        return len(self.grid)

    @property
    def n_cols(self) -> int:
        """Number of grid columns."""
        return len(self.grid[0]) if self.grid else 0

    def text(self, r: int, c: int) -> str:
        """Text of the cell covering position (r, c)."""
        return self.grid[r][c].text

    def is_continuation(self, r: int, c: int) -> bool:
        """True when (r, c) is covered by a cell that starts in an earlier row."""
        return self.grid[r][c].row < r

    def page_of(self, r: int) -> Optional[int]:
        """1-based page of grid row r, when known."""
        if self.row_pages and r < len(self.row_pages):
            return self.row_pages[r]
        return self.page


@dataclass(slots=True)
class Paragraph:
    """A run of body text (one paragraph or one line)."""
    text: str
    page: Optional[int] = None


Block = Union[Paragraph, Table]


@dataclass(slots=True)
class RawDocument:
    """What an extractor returns: ordered blocks plus what the file says about itself."""
    format: str
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    # page <title> or file properties title; a hint only, the body decides
    title_hint: Optional[str] = None
    # text the site wraps around the article (footer etc.): region evidence only
    chrome_text: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        """The tables in document order."""
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The paragraphs in document order."""
        return [b for b in self.blocks if isinstance(b, Paragraph)]


def build_grid(rows: list[list[tuple[str, int, int]]]) -> list[list[Cell]]:
    """Lay out rows of (text, rowspan, colspan) like an HTML table and pad ragged rows.

    Shared by the extractors whose sources state spans (HTML, DOCX): the
    result is the rectangular grid of ``Table``.
    """
    n_rows = len(rows)
    # one list per source row: a rowspan is clamped to the rows left, so no cell reaches past them
    grid: list[list[Optional[Cell]]] = [[] for _ in range(n_rows)]
    for r, row in enumerate(rows):
        line = grid[r]
        c = 0
        for text, rowspan, colspan in row:
            while c < len(line) and line[c] is not None:
                c += 1
            if rowspan <= 1 and colspan <= 1 and c == len(line):
                # a plain cell at the end of its line (most cells): what the general case below does
                # for it, without the clamping and slicing
                line.append(Cell(text, r, c, 1, 1))
                c += 1
                continue
            rowspan = max(1, min(rowspan, n_rows - r))
            colspan = max(1, colspan)
            cell = Cell(text, r, c, rowspan, colspan)
            end = c + colspan
            for target in grid[r:r + rowspan]:
                if len(target) < end:
                    target.extend([None] * (end - len(target)))
                target[c:end] = [cell] * colspan
            c = end
    width = max((len(line) for line in grid), default=0)
    out: list[list[Cell]] = []
    for r, line in enumerate(grid):
        if len(line) == width and None not in line:
            out.append(line)   # full already (most rows)
            continue
        out.append([cell if cell is not None else Cell("", r, c) for c, cell in enumerate(line)]
                   + [Cell("", r, c) for c in range(len(line), width)])
    return out


# --------------------------------------------------------------------------
# Records (pipeline output, SPEC.md "What comes out")
# --------------------------------------------------------------------------

@lru_cache(maxsize=None)
def field_values(cls) -> Callable[[object], tuple]:
    """A function that gives an instance's field values, in field order, as one tuple."""
    get = operator.attrgetter(*(f.name for f in fields(cls)))
    return get if len(fields(cls)) > 1 else lambda obj: (get(obj),)   # one name: attrgetter gives no tuple


@lru_cache(maxsize=None)
def _fields_of(cls) -> Callable[[object], tuple]:
    """field_values(cls) when those values, in order, are the arguments that build the instance again."""
    shape = fields(cls)
    slots_only = all("__slots__" in vars(k) for k in cls.__mro__[:-1])
    if any(not f.init or f.kw_only for f in shape) or hasattr(cls, "__post_init__") or not slots_only:
        raise TypeError(f"{cls.__name__} cannot be pickled as a call with its fields: a field outside "
                        f"__init__'s positional arguments, a __post_init__ or attributes besides its slots")
    return field_values(cls)


class PickledAsCall:
    """Mixin of the slots dataclasses that go from a worker to the writer: pickled as a call with the
    fields in order. A slots dataclass's own state protocol takes 1.6 times as long to write and
    twice as long to read."""
    __slots__ = ()

    def __reduce__(self) -> tuple:
        return (self.__class__, _fields_of(self.__class__)(self))


class Record(PickledAsCall):
    """Mixin: dict view and column order for the exporters."""
    __slots__ = ()

    def as_dict(self) -> dict:
        """The record as a plain dict in SPEC field order."""
        return asdict(self)

    @classmethod
    def columns(cls) -> list[str]:
        """Field names in output order."""
        return [f.name for f in fields(cls)]


@dataclass(slots=True)
class DocumentRecord(Record):
    """One row of documents.jsonl."""
    doc_id: str
    source: str
    format: str
    title: Optional[str] = None
    doc_number: Optional[str] = None
    issuer: Optional[str] = None
    issue_date: Optional[str] = None
    province: Optional[str] = None
    city: Optional[str] = None
    county: Optional[str] = None
    adcode: Optional[str] = None
    meta: dict = field(default_factory=dict)
    n_tasks: int = 0
    n_catalog: int = 0
    n_domains: int = 0
    warnings: list[str] = field(default_factory=list)
    url: Optional[str] = None


@dataclass(slots=True)
class TaskRecord(Record):
    """One row of tasks.jsonl: a concrete task (具体事项)."""
    doc_id: str
    # copied from the document, so that a task row stands alone in a spreadsheet
    source: Optional[str] = None
    title: Optional[str] = None
    issue_date: Optional[str] = None
    province: Optional[str] = None
    city: Optional[str] = None
    county: Optional[str] = None
    adcode: Optional[str] = None
    table: int = 0
    row: int = 0
    page: Optional[int] = None
    group_no: Optional[str] = None
    group: Optional[str] = None
    subgroup: Optional[str] = None
    item_no: Optional[str] = None
    item: Optional[str] = None
    lead_units: list[str] = field(default_factory=list)
    guide_units: list[str] = field(default_factory=list)
    support_units: list[str] = field(default_factory=list)
    deadline_text: Optional[str] = None
    deadline: Optional[str] = None
    deadline_start: Optional[str] = None
    deadline_kind: str = "none"
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CatalogRecord(Record):
    """One row of catalog.jsonl: an item of a 标准目录 table."""
    doc_id: str
    table: int = 0
    row: int = 0
    seq: Optional[str] = None
    level1: Optional[str] = None
    level2: Optional[str] = None
    content: Optional[str] = None
    basis: Optional[str] = None
    time_limit: Optional[str] = None
    time_limit_days: Optional[int] = None
    time_limit_unit: Optional[str] = None
    subject: Optional[str] = None
    channels: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    mode: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DomainRecord(Record):
    """One row of domains.jsonl: a domain and the units that lead it."""
    doc_id: str
    table: int = 0
    row: int = 0
    seq: Optional[str] = None
    domain: Optional[str] = None
    ministry: Optional[str] = None
    lead_units: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ErrorRecord(Record):
    """One row of errors.jsonl: an input that could not be read."""
    source: str
    error: str
    detail: str


@dataclass(slots=True)
class Result(PickledAsCall):
    """Everything one document yields."""
    document: DocumentRecord
    tasks: list[TaskRecord] = field(default_factory=list)
    catalog: list[CatalogRecord] = field(default_factory=list)
    domains: list[DomainRecord] = field(default_factory=list)
