"""Tables written as plain text, shared by the TXT and HTML readers.

Three ways a table survives as text (SPEC.md "TXT"):

* tab-separated: one row per line, cells split by tabs (pdfplumber-style text);
* one cell per line after a tab, a blank line between rows; a cell's own line
  breaks continue on lines without a tab, an empty cell is a line holding
  only a tab (text pulled out of DOCX/HTML tables);
* one cell per paragraph with nothing marking the rows (a page dump, or an
  HTML page that writes its table as <p>s): found from a run of header labels
  and rebuilt from the numbers that start rows (序号 ``1``, item ``(1)``).

Nothing here interprets what a table means; the header lexicon (pipeline/lexicon.py) only finds
where a paragraph-stream table starts. Grids from text carry no spans: a
blank cell is its own empty Cell (the table stage carries group cells down).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from itertools import combinations
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional
from unicodedata import east_asian_width

from pipeline.lexicon import (BARE_NUMBER, FIRST_LABELS, FORM_LABEL, HEADING_START, ITEM_START, NOT_LABEL,
                              ORG_ENDINGS, SECOND_LEVEL, TABLE_HEADER_WORDS, looks_like_label, role_of_words)
from normalizers.text import nfkc, to_simplified
from extractors.base import is_trivial
from pipeline.model import Block, Paragraph, Table, build_grid

# --------------------------------------------------------------------------
# Matching helpers (for recognising labels only: output text is never changed)
# --------------------------------------------------------------------------

# (the bracket is matched first, then the ideograph before it looked back at: the engine skips
# to brackets instead of testing the look-behind at every character)
_GLOSS = re.compile(r"[(（](?<=[\u3400-\u9fff][(（])\s*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\s*[)）]")


@lru_cache(maxsize=4096)
def canon(text: str) -> str:
    """Comparison key of a short label: glosses, width, script and spaces levelled."""
    # a gloss needs a bracket (most labels have none); str.split() drops what \s matches
    text = nfkc(_GLOSS.sub("", text) if "(" in text or "（" in text else text)
    return "".join(to_simplified(text).split())


_CHECKBOX = tuple("□■☑☐√✓✔")
# Paragraphs that never belong to a table: they close a paragraph-stream table.
_TABLE_END = re.compile(r"^(?:注释?|说明|备注)[:：]|^(?:注释?|说明)$|^附件\d*[:：]?$|^抄送|" + HEADING_START.pattern)
_MAX_LABEL = 20
# A table's caption or annex label, never one of its column labels.
_CAPTION = re.compile(r"^附件|[:：]|(?:一览)?表$")
_MAX_REPEAT = 400   # longest text compared for a label typed twice
# any of the header words, found in one scan instead of one `in` per word
_HEADER_WORD = re.compile("|".join(map(re.escape, TABLE_HEADER_WORDS)))


# the first _MAX_LABEL + 1 ideographs of a text, whatever stands between them
_OVER_LABEL = re.compile(r"(?:[^\u4e00-\u9fff]*[\u4e00-\u9fff]){%d}" % (_MAX_LABEL + 1))


def _over_label(text: str) -> bool:
    """True for text holding more ideographs than a label's key may hold characters."""
    # canon() keeps each ideograph as one character (a gloss holds none, NFKC maps none, OpenCC's t2s turns
    # a character or phrase into as many characters, none a space): told without an OpenCC call, and most
    # paragraphs asked about are prose
    return len(text) > _MAX_LABEL and _OVER_LABEL.match(text) is not None


def is_header_word(text: str) -> bool:
    """True for a short cell that reads like a column label (序号, 责任单位 …)."""
    if len(text) > 3 * _MAX_LABEL or _over_label(text):
        return False
    key = canon(text)
    return 0 < len(key) <= _MAX_LABEL and _HEADER_WORD.search(key) is not None


# --------------------------------------------------------------------------
# Tab tables in the lines of a text file
# --------------------------------------------------------------------------

def _kind(line: str) -> str:
    """'cell' (one tab, leading), 'multi' (tab-separated row), 'blank' or 'text'."""
    if "\t" in line:
        if line.startswith("\t") and "\t" not in line[1:]:
            return "cell"
        return "multi" if line.strip() else "blank"
    return "text" if line.strip() else "blank"


def find_text_tables(lines: list[str]) -> list[Block]:
    """Split the lines of a text into Paragraphs and Tables, in order."""
    kinds = [_kind(line) for line in lines]
    blocks: list[Block] = []
    pending: list[tuple[int, Optional[str]]] = []  # lines (index, unit) not yet emitted
    i = 0
    while i < len(lines):
        if kinds[i] == "multi" or (kinds[i] == "cell" and _next_kind(kinds, i) == "multi"):
            rows, end = _tab_rows(lines, kinds, i)
            if len(rows) >= 2:
                blocks.extend(_paragraph_blocks(pending))
                pending = []
                blocks.append(tab_table(rows))
                i = end
                continue
        elif kinds[i] == "cell":
            rows, end = _cell_rows(lines, kinds, i)
            first = _absorb_first_cell(rows, pending, lines, kinds, i)
            if first is not None:
                rows[0].insert(0, first)
            blocks.extend(_paragraph_blocks(pending))
            pending = []
            table = _text_table(rows)
            if table is not None:
                blocks.append(table)
            i = max(end, i + 1)
            continue
        pending.append((i, _unit(lines[i], kinds[i])))
        i += 1
    blocks.extend(_paragraph_blocks(pending))
    return [b for b in blocks if b is not None]


def _next_kind(kinds: list[str], i: int) -> str:
    return kinds[i + 1] if i + 1 < len(kinds) else ""


def _unit(line: str, kind: str) -> Optional[str]:
    """A paragraph unit: its text; '' for a line of non-breaking spaces (an empty cell
    in a page dump); None for a plain blank line."""
    if kind == "blank":
        return "" if line.strip(" \t\r\n") else None
    return line.strip()


def _paragraph_blocks(pending: list[tuple[int, Optional[str]]]) -> list[Block]:
    units = [text for _, text in pending if text is not None]
    return stream_blocks(units)


def _tab_rows(lines: list[str], kinds: list[str], i: int) -> tuple[list[list[str]], int]:
    """Consecutive tab-separated lines from i: one row each. A short line without a tab between two rows
    is a row of one cell: a group's heading merged across the table (一、推进决策公开), which Word's
    "save as text" and a browser's copy write without tabs; the table goes on below it. A line above a
    header line of its own (二、县直部门任务清单, 表2 …, then 序号 | 工作任务 …) heads the next table: the
    table above ends there."""
    rows: list[list[str]] = []
    while i < len(lines):
        if kinds[i] in ("multi", "cell"):
            rows.append([cell.strip() for cell in lines[i].split("\t")])
        elif kinds[i] == "text" and rows and _next_kind(kinds, i) == "multi" and not _page_mark(lines[i]) \
                and not _is_header_line([cell.strip() for cell in lines[i + 1].split("\t")]) \
                and any(sum(1 for cell in row if cell) >= 2 for row in rows) \
                and (_row_heading(lines[i]) or 2 <= len(rows[-1]) < len(rows[0])):
            # (or the middle lines of a cell cut over three lines: the row above is short; see _rejoined)
            rows.append([lines[i].strip()])
        else:
            break
        i += 1
    return rows, i


# a note under a table, a new annex or the copy list: never a row of the table above
_NOT_A_HEADING = re.compile(r"^(?:注释?|说明|备注)[:：]|^附件|^抄送|[。；;:：]$")
_MAX_HEADING_ROW = 40   # characters of a group's heading written across a table


def _page_mark(line: str) -> bool:
    """A page number or 续表 mark between two parts of a table (left out of it, as the table stage
    expects): no row."""
    return is_trivial(Paragraph(line))


def _row_heading(line: str) -> bool:
    """A line that may be a group's heading inside a table: short, no sentence, note or annex."""
    text = line.strip()
    return 0 < len(text) <= _MAX_HEADING_ROW and not _NOT_A_HEADING.search(text)


def _text_table(rows: list[list[str]]) -> Optional[Table]:
    """A spanless Table from rows of cell texts; all-empty trailing columns dropped."""
    rows = [row for row in rows if row]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    while width > 1 and all(len(row) < width or not row[width - 1] for row in rows):
        width -= 1
    grid = build_grid([[(text, 1, 1) for text in row[:width]] for row in rows])
    if not any(cell.text for row in grid for cell in row):
        return None
    # text states no merges: a blank cell may stand for "same as above"
    return Table(grid, spans_known=False)


def tab_table(rows: list[list[str]]) -> Optional[Table]:
    """A Table from tab-separated rows (a group label split over rows is rejoined by the table stage);
    short rows placed under the columns their cells read like (``_placed``)."""
    return _text_table(_placed(_rejoined([row for row in rows if row])))


def _rejoined(rows: list[list[str]]) -> list[list[str]]:
    """Rows broken at a line break inside a cell put back together under a header line.

    Word's "save as text" and a browser's copy end a line at every paragraph or <br> inside a cell, tabs or
    not: `1 | 做好… | 县卫健局` then `县委宣传部 | 各乡镇 | 2021年12月底前`. Lines whose cells add up to the header's
    count, counting the cell cut in two once, are one row again, the cut cell's lines joined by a line break.
    A line that opens a row (a full row, a 序号, a numbered item) is never a continuation, and a line that
    already ends with the table's last column (a time under 完成时限) is no broken row: a browser copies
    a row without the cells a rowspan covers, and such rows stay as they are for ``_placed``.
    """
    if len(rows) < 3:
        return rows
    rows = _header_rejoined(rows)
    if len(rows) < 3 or not _is_header_line(rows[0], rows[1]):
        return rows
    width = len(rows[0])
    last = Counter(_cell_class(row[-1]) for row in rows[1:] if len(row) == width and row[-1]).most_common(1)
    last_kind = last[0][0] if last and last[0][0] in _EVIDENCE else None
    out = [rows[0]]
    i = 1
    while i < len(rows):
        row, end = rows[i], i + 1
        if 2 <= len(row) < width and not (last_kind and _cell_class(row[-1]) == last_kind):
            cells = list(row)
            while len(cells) < width and end < len(rows) and not _opens_row(rows[end], width) \
                    and _continues(cells[-1], rows[end][0]):
                cells[-1] = f"{cells[-1]}\n{rows[end][0]}".strip("\n")
                cells.extend(rows[end][1:])
                end += 1
            if len(cells) == width and end > i + 1 and (not last_kind or not cells[-1]
                                                         or _cell_class(cells[-1]) == last_kind):
                out.append(cells)
                i = end
                continue
        out.append(row)
        i += 1
    return out


_LABEL_TAIL = 4   # characters of the part of a label that a line break put on a line of its own


def _header_rejoined(rows: list[list[str]]) -> list[list[str]]:
    """The header line cut at a label's line break (完成⏎时限) put back together: the first lines, all short
    labels, whose cells add up to the width most rows have, when together they read as column labels."""
    widths = Counter(len(row) for row in rows[1:] if len(row) >= 2).most_common(1)
    width = widths[0][0] if widths else 0
    if len(rows[0]) > width:
        return rows
    cells, end = list(rows[0]), 1
    while len(cells) < width and end < len(rows) and all(len(cell) <= _MAX_LABEL for cell in rows[end]):
        cells[-1] = f"{cells[-1]}\n{rows[end][0]}"
        cells.extend(rows[end][1:])
        end += 1
    # the last label's tail on a line of its own (完成⏎时限 as the header's last cell): a few characters that
    # hold a header word (时限, 单位, 事项); a group's heading under the header does not (党建引领, 一、…)
    tail = rows[end][0] if len(cells) == width and end < len(rows) and len(rows[end]) == 1 else ""
    if tail and len(tail) <= _LABEL_TAIL and is_header_word(tail) and not HEADING_START.match(tail):
        cells[-1] = f"{cells[-1]}\n{tail}"
        end += 1
    if end == 1:
        return rows   # the header was whole
    if len(cells) == width and end < len(rows) and _is_header_line(cells, rows[end]):
        return [cells, *rows[end:]]
    return rows


def _continues(cell: str, after: str) -> bool:
    """Whether a line's first cell can go on a cell cut at a line break: after a complete unit's name only
    another unit's (县卫健局 / 县委宣传部); an item after a unit is the next row, short by a rowspan
    (做好决策解读 | 县司法局, then 做好决策后评估 | 县发改委 | 2021年12月底前)."""
    return not _unit_like(cell) or _unit_like(after)


def _unit_like(text: str) -> bool:
    """A short cell that ends as a unit's name does (县司法局)."""
    return 0 < len(text) <= _MAX_UNIT_NAME and text.endswith(ORG_ENDINGS)


_MAX_UNIT_NAME = 20


def _opens_row(row: list[str], width: int) -> bool:
    """A line that starts a row of its own: all the table's cells, or a 序号 / numbered item first."""
    return len(row) >= width or bool(BARE_NUMBER.match(row[0]) or ITEM_START.match(row[0]))


# a time's wording, to place a short row (readers parse no deadlines: the deadline parser is the table
# stage's, and this only needs to tell a time from a unit or an item)
_TIME_LIKE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|[底末]前?$|持续|长期|常态|季度")
_MAX_TIME = 24


def _cell_class(text: str) -> str:
    """What a cell reads like, to place a short row: a bare number (序号), a numbered item, a time (完成时限),
    other text."""
    if BARE_NUMBER.match(text):
        return "number"
    if ITEM_START.match(text):
        return "item"   # (28)推行… under 具体事项
    return "time" if len(text) <= _MAX_TIME and _TIME_LIKE.search(text) else "text"


def _placed(rows: list[list[str]], prefer_right: bool = False) -> list[list[str]]:
    """Short rows of two or more cells moved under the columns whose full rows hold cells of their kinds.

    A browser copies a table's rows without the cells a rowspan covers (序号 | 工作任务 left out of every
    row of a group but the first), a text editor drops a row's trailing empty cells, and a row may leave
    a unit out between its item and its time. A row's cells keep their order and go where a bare number
    falls under 序号, a numbered item (（28）…) under the items and a time under 完成时限, as most full
    rows have them; other text is no evidence (a group row 一 | 推进决策公开 stays where it is). Among
    equal fits the cells stay together, then at the left (at the right with ``prefer_right``: space-aligned
    rows lack their leading, merged cells more often than a trailing one), as before this placing. A
    one-cell row (a group's label) is left alone.
    """
    rows = [_without_trailing_blanks(row) for row in rows]
    width = max((len(row) for row in rows), default=0)
    full = [row for row in rows if len(row) == width]
    if len(full) < 2 or all(len(row) in (1, width) for row in rows):
        return rows
    profile = [Counter(_cell_class(row[c]) for row in full if row[c]) for c in range(width)]
    side = 1 if prefer_right else -1
    chosen: dict[tuple[str, ...], tuple[int, ...]] = {}   # a row's cell kinds -> its columns

    def columns_for(kinds: tuple[str, ...]) -> tuple[int, ...]:
        n = len(kinds)
        ways = combinations(range(width), n) if width <= _MAX_PLACED_WIDTH else \
            (tuple(range(k, k + n)) for k in range(width - n + 1))
        return max(ways, key=lambda cols: (sum(profile[c][kind] for c, kind in zip(cols, kinds) if kind in _EVIDENCE),
                                           -sum(b - a > 1 for a, b in zip(cols, cols[1:])), side * sum(cols)))

    out = []
    for row in rows:
        if len(row) in (1, width):
            out.append(row)
            continue
        kinds = tuple(_cell_class(text) if text else "" for text in row)
        if kinds not in chosen:
            chosen[kinds] = columns_for(kinds)
        placed = [""] * width
        for c, text in zip(chosen[kinds], row):
            placed[c] = text
        out.append(placed)
    return out


_EVIDENCE = frozenset({"number", "item", "time"})   # the kinds that tell a column; plain text does not
_MAX_PLACED_WIDTH = 12   # wider tables: a short row's cells are placed together only (C(12, 6) = 924 ways)


def _without_trailing_blanks(row: list[str]) -> list[str]:
    """The row without empty cells at its end (a stray tab, an editor's trailing spaces)."""
    end = len(row)
    while end > 1 and not row[end - 1]:
        end -= 1
    return row if end == len(row) else row[:end]


def _is_header_line(row: list[str], below: Optional[list[str]] = None) -> bool:
    """Column labels: most cells header words, or (given the next row) all short wordings
    that no lexicon knows (攻坚方向, 谁来抓 …) above a row holding data (numbers, dates)."""
    filled = [t for t in row if t]
    if not filled or BARE_NUMBER.match(row[0]):
        return False
    if sum(1 for t in filled if is_header_word(t)) >= max(2, len(filled) // 2):
        return True
    keys = [canon(t) for t in filled]
    return below is not None and all(looks_like_label(k) for k in keys) and sum(len(k) >= 2 for k in keys) >= 2 \
        and len(below) >= 2 and any(NOT_LABEL.search(t) for t in below)


# --------------------------------------------------------------------------
# Columns set apart by runs of spaces (text copied from a rendered page)
# --------------------------------------------------------------------------

# Two or more spaces, or a full-width space: where a spaced-out column ends.
_SPACED = re.compile(r"[ \xa0\u3000]{2,}|\u3000")
_MIN_SPACED_COLS = 3


def spaced_to_tabs(lines: list[str]) -> list[str]:
    """Lines of space-aligned tables rewritten as tab-separated rows; other lines as they are.

    A table is a header line of column labels (序号, 具体事项, 责任单位 …, or
    short wordings no lexicon knows above a line of data) set apart by runs of spaces, followed directly by at least two lines split
    the same way into no more cells than the header has. A short row is placed
    under the columns its cells read like (``_placed``); without a sign, it lacks
    its leading (merged group) cells and is padded on the left.
    """
    out = list(lines)
    spaced = [_spaced_cells(line) for line in lines]   # each line split once, not as header and as row
    end = 0   # lines before it were looked at as the rows of a header already
    for i in [k for k, cells in enumerate(spaced) if len(cells) >= _MIN_SPACED_COLS]:   # (few lines split so)
        header = spaced[i]
        below = spaced[i + 1] if i + 1 < len(lines) else []
        if i < end or "\t" in lines[i] or not _is_header_line(header, below):
            continue
        width = len(header)
        rows: list[list[str]] = []
        j = i + 1
        while j < len(lines) and "\t" not in lines[j]:
            cells = spaced[j]
            if not max(2, (width + 1) // 2) <= len(cells) <= width:
                break
            rows.append(cells)
            j += 1
        if len(rows) >= 2:
            out[i] = "\t".join(header)
            placed = _placed([header, *rows], prefer_right=True)
            by_position = _placed_by_position(lines[i + 1:j], width)
            for k, cells in enumerate(placed[1:], start=i + 1):
                cells = by_position.get(k - i - 1, cells)
                out[k] = "\t".join([""] * (width - len(cells)) + cells)   # (unplaced: lacking leading cells)
        end = max(j, i + 1)
    return out


def _placed_by_position(lines: list[str], width: int) -> dict[int, list[str]]:
    """Short rows of a space-aligned table placed by where their cells start, by row index.

    Text printed in columns (a PDF's text saved with its layout, a table lined up in an editor) leaves an
    empty cell as blank room: `2  加强疫苗接种政策解读  县卫健局  <blank>  持续推进` has its units under 牵头单位,
    whatever its cells read like. The columns start where the full rows' cells start; in characters (a PDF's
    layout text) or in display width (an ideograph two columns wide, as a monospaced editor shows it),
    whichever keeps every full row's cells inside their columns. A row whose cells do not fall one to a
    column in order, or a table whose full rows do not line up (cells set apart by a few spaces only), is
    left to ``_placed``.
    """
    starts = [_cell_starts(line) for line in lines]
    full = [row for row in starts if len(row) == width]
    if len(full) < 2 or all(len(row) == width for row in starts):
        return {}
    fits = []   # (how far the full rows' cells start from their column's left edge, measure, the edges)
    for measure in (1, 2):
        left = [min(row[c][measure] for row in full) for c in range(width)]
        if all(left[c] < left[c + 1] for c in range(width - 1)) and all(
                _column_at(left, row[c][measure]) == c for row in full for c in range(width)):
            fits.append((sum(row[c][measure] - left[c] for row in full for c in range(width)), measure, left))
    if not fits:
        return {}
    _, measure, left = min(fits)   # the measure the text was lined up in: its cells start together
    out: dict[int, list[str]] = {}
    for k, row in enumerate(starts):
        if len(row) == width or len(row) < 2:
            continue
        columns = [_column_at(left, cell[measure]) for cell in row]
        if all(a < b for a, b in zip(columns, columns[1:])):
            placed = [""] * width
            for c, cell in zip(columns, row):
                placed[c] = cell[0]
            out[k] = placed
    return out


def _column_at(left: list[int], start: int) -> int:
    """The column whose room a cell starting at `start` begins in (-1 left of the first)."""
    return bisect_right(left, start) - 1


def _cell_starts(line: str) -> list[tuple[str, int, int]]:
    """A spaced line's cells with where each starts: in characters and in display width."""
    cells: list[tuple[str, int, int]] = []
    pos = 0
    for m in [*_SPACED.finditer(line), None]:
        end = m.start() if m is not None else len(line)
        piece = line[pos:end]
        text = piece.strip(" \t\xa0\u3000")
        if text:
            at = pos + (len(piece) - len(piece.lstrip(" \t\xa0\u3000")))
            cells.append((text, at, _display_width(line[:at])))
        if m is not None:
            pos = m.end()
    return cells


def _display_width(text: str) -> int:
    """Columns a monospaced editor gives the text: two for a wide (CJK) character."""
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def _spaced_cells(line: str) -> list[str]:
    text = line.strip(" \t\xa0\u3000")
    if "  " not in text and "\xa0" not in text and "\u3000" not in text:
        return [text] if text else []   # no run of spaces to split at (most lines)
    return [cell for cell in _SPACED.split(text) if cell] if text else []


# --------------------------------------------------------------------------
# One cell per line after a tab
# --------------------------------------------------------------------------

@dataclass(slots=True)
class _Run:
    """Lines without a tab between two tab lines."""
    start: int
    end: int            # exclusive: index of the next tab line or of the end
    adjacent: int       # text lines right after the tab line, before any blank line
    last_text: int      # index after the last text line (== start when none)

    @property
    def has_text(self) -> bool:
        """True when the run holds a line of text, not only blank lines."""
        return self.last_text > self.start


def _scan_run(kinds: list[str], i: int) -> _Run:
    j = i
    while j < len(kinds) and kinds[j] in ("blank", "text"):
        j += 1
    adjacent = i
    while adjacent < j and kinds[adjacent] == "text":
        adjacent += 1
    last = j
    while last > i and kinds[last - 1] == "blank":
        last -= 1
    return _Run(i, j, adjacent - i, last)


def _cell_rows(lines: list[str], kinds: list[str], i: int) -> tuple[list[list[str]], int]:
    """Rows of a one-cell-per-line table starting at line i; returns (rows, end index)."""
    width = _initial_width(lines, kinds, i)
    rows: list[list[list[str]]] = []   # row -> cell -> lines
    row: list[list[str]] = []
    n = len(lines)
    while i < n:
        kind = kinds[i]
        if kind == "cell":
            row.append([lines[i][1:]])
            i += 1
            continue
        if kind == "multi":
            break
        run = _scan_run(kinds, i)
        next_is_cell = run.end < n and kinds[run.end] == "cell"
        if not run.has_text:
            if not next_is_cell:
                break
            rows, row = _close(rows, row), []
            i = run.end
            continue
        w = _row_width(rows, width)
        take, ends = _decide(run, row, w, lines, kinds, next_is_cell)
        if row and take > run.start:
            row[-1].extend(lines[run.start:take])
        if ends:
            i = take
            break
        if run.last_text < run.end:  # blank lines before the next cell: a row break
            rows, row = _close(rows, row), []
        i = run.end
    rows = _close(rows, row)
    return [["\n".join(cell).strip() for cell in r] for r in rows], i


def _close(rows: list, row: list) -> list:
    if row:
        rows.append(row)
    return rows


def _decide(run: _Run, row: list[list[str]], width: int, lines: list[str],
            kinds: list[str], next_is_cell: bool) -> tuple[int, bool]:
    """How much of a text run continues the last cell, and whether the table ends there.

    Returns (index up to which the run's lines join the last cell, table ends).
    """
    complete = len(row) >= width
    adjacent_end = run.start + run.adjacent
    if not next_is_cell:
        return adjacent_end, True
    if not complete:
        return run.last_text, False
    if run.last_text == run.end:
        # text directly followed by a tab line although the row is full: a
        # paragraph (caption) in front of the next table
        return run.start, True
    last_cell = "\n".join(row[-1] + lines[run.start:adjacent_end]).strip()
    rest = "\n".join(lines[adjacent_end:run.last_text]).strip()
    if not last_cell or _same_label(rest, last_cell) or _next_row_continues(lines, kinds, run.end, width):
        return run.last_text, False
    return adjacent_end, True


def _same_label(a: str, b: str) -> bool:
    """A label typed twice in one tall merged cell (so that it shows after a page break)."""
    if not a or len(a) > _MAX_REPEAT or len(b) > _MAX_REPEAT:
        return False
    return canon(a) == canon(b)


def _next_row_continues(lines: list[str], kinds: list[str], i: int, width: int) -> bool:
    """True when the row starting at line i has the table's width and an empty first cell."""
    rows = _naive_rows(lines, kinds, i, 1)
    return bool(rows) and rows[0][0] == width and rows[0][1]


def _naive_rows(lines: list[str], kinds: list[str], i: int, limit: int) -> list[tuple[int, bool]]:
    """(cell count, first cell empty) of up to `limit` rows from i, split at blank lines;
    the scan stops at text after a blank line, where another table may begin."""
    out: list[tuple[int, bool]] = []
    count, first_empty, j = 0, False, i
    while j < len(kinds) and len(out) < limit:
        kind = kinds[j]
        if kind == "cell":
            if count == 0:
                first_empty = not lines[j][1:].strip() and j + 1 < len(kinds) and kinds[j + 1] == "cell"
            count += 1
        elif kind == "blank" and count:
            k = j
            while k < len(kinds) and kinds[k] == "blank":
                k += 1
            if k < len(kinds) and kinds[k] == "text":
                break   # a continued cell or a paragraph: either way no row to count on
            if k < len(kinds) and kinds[k] == "cell":
                out.append((count, first_empty))
                count = 0
            j = k
            continue
        elif kind == "multi":
            break
        j += 1
    if count and len(out) < limit:
        out.append((count, first_empty))
    return out


def _initial_width(lines: list[str], kinds: list[str], i: int) -> int:
    lengths = [count for count, _ in _naive_rows(lines, kinds, i, 6)]
    return _mode(lengths) if lengths else 1


def _row_width(rows: list[list[list[str]]], initial: int) -> int:
    lengths = [len(r) for r in rows] + [initial]
    return _mode(lengths)


def _mode(values: list[int]) -> int:
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], v))


def _absorb_first_cell(rows: list[list[str]], pending: list[tuple[int, Optional[str]]],
                       lines: list[str], kinds: list[str], start: int) -> Optional[str]:
    """The first cell of a table whose tab was lost: text right above a short first row.

    Takes the text block directly above the first tab line, plus an identical
    block further up when the label was typed twice in a tall merged cell.
    """
    if len(rows) < 2 or start == 0 or kinds[start - 1] != "text":
        return None
    if len(rows[0]) != _mode([len(r) for r in rows[1:]]) - 1:
        return None
    top = start
    while top > 0 and kinds[top - 1] == "text":
        top -= 1
    gap = top
    while gap > 0 and kinds[gap - 1] == "blank":
        gap -= 1
    earlier = gap
    while earlier > 0 and kinds[earlier - 1] == "text":
        earlier -= 1
    if earlier < gap < top and _same_label("\n".join(lines[earlier:gap]), "\n".join(lines[top:start])):
        top = earlier
    if not pending or pending[0][0] > top:
        return None   # those lines belong to an earlier table
    while pending and pending[-1][0] >= top:
        pending.pop()
    return "\n".join(line.strip() for line in lines[top:start]).strip()


# --------------------------------------------------------------------------
# One cell per paragraph, rows unmarked
# --------------------------------------------------------------------------

def stream_blocks(units: list[str]) -> list[Block]:
    """Paragraph units (''= an empty paragraph) to blocks, with cell-per-paragraph tables and task
    records found."""
    blocks: list[Block] = []
    pos = 0
    for start, end, table in _stream_tables(units):
        blocks.extend(Paragraph(u) for u in units[pos:start] if u)
        blocks.append(table)
        pos = end
    blocks.extend(Paragraph(u) for u in units[pos:] if u)
    return blocks


def _stream_tables(units: list[str]) -> list[tuple[int, int, Table]]:
    """Task records, and cell-per-paragraph tables between them, in order."""
    found: list[tuple[int, int, Table]] = []
    pos = 0
    for start, end, table in find_record_tables(units) + [(len(units), len(units), None)]:
        found += [(a + pos, b + pos, t) for a, b, t in find_cell_tables(units[pos:start])]
        if table is not None:
            found.append((start, end, table))
        pos = end
    return found


# --------------------------------------------------------------------------
# Tasks written as records: a numbered item, then one field per line
# --------------------------------------------------------------------------

# 牵头单位：X / 责任单位：Y / 完成时限：Z under 4.推进…公开。 A field's label names a task's unit or its
# deadline in the words task tables use (not 主办单位/承办单位 or a bare 时间 of an event schedule).
_FIELD_ROLES = ("lead", "guide", "support", "deadline")
_FIELD_WORDS = re.compile("牵头|责任|配合|协办|协助|参与|指导|主管|完成时限|完成时间|完成期限|时间节点|时限要求|"
                          "时间要求|进度安排|进度要求")
_MIN_FIELDS = 2    # fields under each item
_MIN_RECORDS = 2   # records in a row
# what a record's item starts with, the two patterns in one look
_RECORD_ITEM = re.compile(f"(?:{ITEM_START.pattern})|(?:{SECOND_LEVEL.pattern})")


def _label_and_value(unit: str) -> Optional[tuple[str, str]]:
    """(label, value) of a line holding a short label, its colon and a value (填报单位：X, 牵头单位：Y); else None."""
    m = FORM_LABEL.match(unit)
    value = unit[m.end():].strip() if m else ""
    return (unit[:m.end()].rstrip(":： \t"), value) if value else None


def _field(unit: str) -> Optional[tuple[str, str]]:
    """(label, value) of a field line, or None."""
    parts = _label_and_value(unit)
    if parts is None:
        return None
    label = canon(parts[0])
    if role_of_words(label) not in _FIELD_ROLES or not _FIELD_WORDS.search(label):
        return None
    return label, parts[1]


def find_record_tables(units: list[str]) -> list[tuple[int, int, Table]]:
    """Runs of task records (a numbered item, then its fields one per line) as tables: a 具体事项
    column, then a column per field label in the order met."""
    found: list[tuple[int, int, Table]] = []
    i = 0
    while i < len(units):
        if not units[i] or not _RECORD_ITEM.match(units[i]):
            i += 1   # no record starts here (most units): told before the walk
            continue
        records, end = _records(units, i)
        if len(records) < _MIN_RECORDS:
            i += 1
            continue
        labels = list(dict.fromkeys(label for _, fields in records for label in fields))
        rows = [["具体事项", *labels]] + [[item, *(fields.get(label, "") for label in labels)]
                                      for item, fields in records]
        found.append((i, end, Table(build_grid([[(t, 1, 1) for t in row] for row in rows]), spans_known=False)))
        i = end
    return found


def _records(units: list[str], i: int) -> tuple[list[tuple[str, dict[str, str]]], int]:
    """The records from units[i] on, and where they end."""
    records: list[tuple[str, dict[str, str]]] = []
    k = i
    while k < len(units) and units[k] and _RECORD_ITEM.match(units[k]):
        fields: dict[str, str] = {}
        j = k + 1
        while j < len(units) and units[j]:
            field_ = _field(units[j])
            if field_ is None or field_[0] in fields:
                break
            fields[field_[0]] = field_[1]
            j += 1
        if len(fields) < _MIN_FIELDS:
            break
        records.append((units[k], fields))
        k = j
        while k < len(units) and not units[k]:   # empty paragraphs between records
            k += 1
    return records, k


def find_cell_tables(units: list[str]) -> list[tuple[int, int, Table]]:
    """Tables written one cell per paragraph: (start, end, Table) spans over the units."""
    found: list[tuple[int, int, Table]] = []
    i = 0
    while i < len(units):
        header_end = _header_run(units, i)
        if header_end is None:
            i += 1
            continue
        parsed = _stream_rows(units, header_end, header_end - i)
        if parsed is None:
            i = header_end
            continue
        rows, end = parsed
        i = _header_start(units, i, header_end)
        labels = _lend_group_cells(units[i:header_end], rows)
        width = max(len(r) for r in rows)
        rows = [_align(r, width) for r in rows]
        header = _header_row(labels, width)
        grid = build_grid([[(t, 1, 1) for t in row] for row in header + rows])
        found.append((i, end, Table(grid, spans_known=False)))
        i = end
    return found


def _header_run(units: list[str], i: int) -> Optional[int]:
    """End of a run of header labels starting at i, followed by a row number; else None."""
    if not units[i] or not is_header_word(units[i]) or _label_and_value(units[i]):
        return None
    j, hits = i, 0
    while j < len(units) and units[j] and _label_like(units[j]):
        hits += is_header_word(units[j])
        j += 1
    if hits < 3 or j >= len(units):
        return None
    if not (BARE_NUMBER.match(units[j]) or ITEM_START.match(units[j])):
        return None
    return j


def _header_start(units: list[str], i: int, end: int) -> int:
    """Where the header labels begin: at a 序号/编号 label when the run has one (a caption
    made of header words may come first), else where the run begins."""
    for k in range(i, end):
        if canon(units[k]) in FIRST_LABELS:
            return k
    for k in range(end - 1, i - 1, -1):
        if _CAPTION.search(canon(units[k])):
            return k + 1
    return i


def _label_like(text: str) -> bool:
    if len(text) > 3 * _MAX_LABEL or _label_and_value(text):
        return False   # 牵头单位：区教体局 is a field with its value, no column label
    if _over_label(text):
        return False
    key = canon(text)
    return 0 < len(key) <= _MAX_LABEL and not BARE_NUMBER.match(key) and not ITEM_START.match(key) \
        and not key.endswith(("。", "；", ";"))


@dataclass(slots=True)
class _StreamState:
    """Rows being rebuilt from a paragraph stream."""
    rows: list[list[str]]
    row: list[str]
    item_col: Optional[int] = None
    last_seq: int = 0
    width: int = 0
    # group cells written before the next numbered item (a table without 序号)
    prefix: list[str] = field(default_factory=list)
    lent: int = 0   # group cells in front of the current row's item


def _stream_rows(units: list[str], i: int, n_labels: int) -> Optional[tuple[list[list[str]], int]]:
    """Data rows from i: a row starts at a 序号 (the next number) or at a numbered item.

    The table ends at a paragraph that closes tables (注释:, 附件, 抄送 …) or
    when a full row is followed by something that starts no row.
    """
    cells, owners = _merge_checkbox_lines(units, i)
    st = _StreamState([], [])
    k = 0
    while k < len(cells):
        if _place(st, cells[k], n_labels):
            k += 1
            continue
        g = _group_prefix(st, cells, k)
        if not g:
            break
        st.prefix = cells[k:k + g]
        k += g
    rows = [r for r in _close(st.rows, st.row) if any(r)]
    if len(rows) < 2 and not (rows and len(rows[0]) >= 3):
        return None
    return rows, owners[k] if k < len(owners) else len(units)


_MAX_GROUP_CELLS = 2   # group and subgroup


def _group_prefix(st: _StreamState, cells: list[str], k: int) -> int:
    """How many cells from k are group labels of the next item, in a table whose rows
    start at numbered items (no 序号): short texts right before a numbered item."""
    if not st.row or not ITEM_START.match(st.row[0]) or st.last_seq:
        return 0
    for g in range(1, _MAX_GROUP_CELLS + 1):
        if k + g >= len(cells) or not _group_label(cells[k + g - 1]):
            return 0
        if ITEM_START.match(cells[k + g]):
            return g
    return 0


def _group_label(text: str) -> bool:
    """A cell that can name a task group: short, no row number, not a sentence, no table end."""
    key = canon(text)
    return 0 < len(key) <= 3 * _MAX_LABEL and not BARE_NUMBER.match(key) and not ITEM_START.match(key) \
        and not key.endswith(("。", "；", ";")) and not _TABLE_END.match(key)


def _lend_group_cells(labels: list[str], rows: list[list[str]]) -> list[str]:
    """Header labels without the group cells of the first row that ran into them.

    In a table whose rows start at numbered items, the first row's group
    label sits between the header labels and item (1), and reads like one
    more label; it is moved to the front of the first row when that row is
    short by exactly that many cells.
    """
    width = max(len(r) for r in rows)
    extra = len(labels) - width
    first = rows[0]
    if extra <= 0 or not ITEM_START.match(first[0]) or len(first) + extra != width:
        return labels
    moved = labels[-extra:]
    if any(len(canon(t)) <= 2 or canon(t) in FIRST_LABELS for t in moved):
        return labels   # a label split over two paragraphs, not a group cell
    rows[0] = moved + first
    return labels[:-extra]


def _place(st: _StreamState, text: str, n_labels: int) -> bool:
    """Put one cell into the rows being rebuilt; False when the table has ended."""
    if text and len(text) <= 3 * _MAX_LABEL and _TABLE_END.match(canon(text)):
        return False
    seq = BARE_NUMBER.match(text) is not None and int(text) in (st.last_seq, st.last_seq + 1) \
        and len(st.row) != 1
    item = not seq and ITEM_START.match(text) is not None
    row_has_seq = bool(st.row) and BARE_NUMBER.match(st.row[0]) is not None
    limit = st.width + st.lent if st.width else n_labels
    if seq:
        st.rows, st.row, st.last_seq = _close(st.rows, st.row), [text], int(text)
    elif item and row_has_seq and st.item_col is None:
        st.item_col = len(st.row)
        st.row.append(text)
    elif item and not (row_has_seq and len(st.row) == st.item_col):
        st.rows, st.row = _close(st.rows, st.row), [*st.prefix, text]
        st.lent, st.prefix = len(st.prefix), []
    elif st.row and len(st.row) < limit:
        st.row.append(text)
    else:
        return False
    if st.rows and not st.width:
        st.width = len(st.rows[0])
    return True


def _merge_checkbox_lines(units: list[str], i: int) -> tuple[list[str], list[int]]:
    """Cells from units[i:]: consecutive check-box lines (□政府网站 ■…) form one cell."""
    cells: list[str] = []
    owners: list[int] = []   # unit index where each cell starts
    for k in range(i, len(units)):
        text = units[k]
        # a box with a name is one line of a channel list; a lone mark is a tick cell of its own
        if text.startswith(_CHECKBOX) and len(canon(text)) > 1 and cells \
                and cells[-1].startswith(_CHECKBOX) and len(canon(cells[-1].split("\n")[-1])) > 1:
            cells[-1] += "\n" + text
            continue
        cells.append(text)
        owners.append(k)
    return cells, owners


def _align(row: list[str], width: int) -> list[str]:
    """Place a short row: merged leading cells (group columns) are what a row lacks,
    so its cells go to the right; a leading 序号 stays in column 0."""
    missing = width - len(row)
    if missing <= 0:
        return row
    if BARE_NUMBER.match(row[0]):
        return [row[0]] + [""] * missing + row[1:]
    return [""] * missing + row


def _header_row(labels: list[str], width: int) -> list[list[str]]:
    """The header cells as one row. A label split over two paragraphs (公开 / 事项) is
    rejoined: a short word that is no column label itself, then a short word; a
    two-row header (公开对象 over 全社会 | 特定群体) is flattened to one label a column."""
    if len(labels) == width:
        return [labels]
    joined = _join_split_labels(labels)
    if len(joined) > width:
        flat = _flatten_two_rows(joined)
        if flat is not None and len(flat) >= width:
            return [flat]
    return [joined]


def _join_split_labels(labels: list[str]) -> list[str]:
    joined: list[str] = []
    k = 0
    while k < len(labels):
        a, b = canon(labels[k]), canon(labels[k + 1]) if k + 1 < len(labels) else ""
        # 县级 / 乡级 end alike: two sibling labels under one cell, not one label split in two
        if b and len(a) <= 2 and not is_header_word(labels[k]) and len(b) <= 2 and a[-1:] != b[-1:]:
            joined.append(labels[k] + "\n" + labels[k + 1])
            k += 2
        else:
            joined.append(labels[k])
            k += 1
    return joined


# Sub-labels that name no word of the label they sit under (公开对象: 全社会 | 特定群体).
_SUB_OF = {
    "对象": ("全社会", "社会", "特定", "群体", "公众"),
    "方式": ("主动", "依申请", "申请"),
    "层级": ("省级", "市级", "县级", "乡级", "村级"),
}
_COMMON_WORDS = ("公开",)   # shared by most labels of a 公开 table: says nothing about nesting


def _is_sub_label(sub: str, parent: str) -> bool:
    """True when `sub` can sit under `parent` in a two-row header: they share a word
    (一级事项 under 公开事项, 牵头单位 under 责任单位) or `sub` is a known value of it."""
    a, b = canon(sub), canon(parent)
    if a == b:
        return False
    shared = {a[k:k + 2] for k in range(len(a) - 1)} & {b[k:k + 2] for k in range(len(b) - 1)}
    if shared - set(_COMMON_WORDS):
        return True
    return any(key in b and any(w in a for w in words) for key, words in _SUB_OF.items())


def _flatten_two_rows(labels: list[str]) -> Optional[list[str]]:
    """Labels of a two-row header written in reading order (top row, then the sub-labels
    under its spanning cells) as one label a column (`公开对象\n全社会`); None when no
    split works. The top row is the shortest prefix under which every later label
    finds a parent, in order, with at least two sub-labels a parent."""
    for m in range(2, len(labels) - 1):
        top, subs = labels[:m], labels[m:]
        owners: list[int] = []
        for sub in subs:
            start = owners[-1] if owners else 0
            owner = next((p for p in range(start, m) if _is_sub_label(sub, top[p])), None)
            if owner is None:
                break
            owners.append(owner)
        if len(owners) < len(subs) or any(owners.count(p) < 2 for p in set(owners)):
            continue
        flat: list[str] = []
        for p, parent in enumerate(top):
            children = [s for s, o in zip(subs, owners) if o == p]
            flat.extend(f"{parent}\n{child}" for child in children) if children else flat.append(parent)
        return flat
    return None
