"""Task records from a task table: groups carried down, numbers split off, units and deadlines parsed."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from typing import Optional

from normalizers.deadlines import parse_deadline
from normalizers.garbled import is_garbled
from normalizers.text import normalize
from normalizers.units import UnitCell, parse_units
from pipeline.model import Cell, Table, TaskRecord
from pipeline.lexicon import (CIRCLED_AS_BRACKETED, CN_SEQ_CELL, FIRST_LEVEL, GROUP_NUMBER, ITEM_NUMBER,
                              SECOND_LEVEL, SEQ_CELL, UNIT_ROLES)
from pipeline.vertical import vertical_records
from pipeline.tables import (Layout, across, is_header_row, is_note_row, is_title_row, row_cells, squash,
                             title_row_count)

_BLANK_LINE = re.compile(r"\n\s*\n")
_TYPED_AGAIN = re.compile(r"(.{4,}?)\1+")


@dataclass(slots=True)
class TaskContext:
    """What a task row takes from its document."""
    doc_id: str
    issue_date: Optional[date] = None


def label_text(raw: str) -> str:
    """Normalised label; a label typed again inside one tall merged cell counts once."""
    chunks: list[str] = []
    for chunk in _BLANK_LINE.split(raw) if raw and "\n" in raw else [raw or ""]:
        t = normalize(chunk)
        if t and t not in chunks:
            chunks.append(t)
    text = "".join(chunks)
    m = _TYPED_AGAIN.fullmatch(text)
    return m.group(1) if m else text


def strip_group_number(text: str) -> str:
    """A group label without its leading 一、 / (一) / 1. numbering."""
    return GROUP_NUMBER.sub("", text, count=1) if text else text


def split_item_number(text: str) -> tuple[Optional[str], str]:
    """(item number, item text) from an item cell such as `(8)编制目录` or `8.编制目录`."""
    m = ITEM_NUMBER.match(text)
    if not m:
        return None, text
    return (m.group(1) or m.group(2)), text[m.end():]


def seq_number(text: str) -> Optional[str]:
    """The number a 序号 cell holds (`3`, `(3)`, `3.`), or None for marks and blanks."""
    m = SEQ_CELL.match(squash(text))
    return m.group(1) if m else None


class _ReadLayout(Layout):
    """A layout as task_records reads it on every row: each role's columns worked out once."""
    __slots__ = ("_memo",)

    @classmethod
    def of(cls, layout: Layout) -> "_ReadLayout":
        """A copy of layout (which nothing changes while the records are built)."""
        read = cls(**{f.name: getattr(layout, f.name) for f in fields(Layout)})   # every field, one day's new ones too
        read._memo = {}
        return read

    def cols(self, role: str) -> list[int]:
        """Columns with this role, left to right."""
        return list(self._cols(role))

    def col(self, role: str) -> Optional[int]:
        """The first column with this role, or None."""
        cols = self._cols(role)
        return cols[0] if cols else None

    def _cols(self, role: str) -> tuple[int, ...]:
        if role not in self._memo:
            self._memo[role] = tuple(Layout.cols(self, role))
        return self._memo[role]


# rows a column must fill before a blank at a page top in it reads as the rest of a merged cell
_FILLED_ROWS = 4


class _Rows:
    """Walks the data rows of one task table, carrying merged and blank cells down."""

    def __init__(self, table: Table, layout: Layout):
        self.table = table
        self.layout = layout
        self.units: dict[int, UnitCell] = {}
        # every cell's squashed text, read once: the row tests below ask for it again and again (the
        # header and title tests squash every cell of every row anyway, so none is squashed in vain)
        self.squashed = [tuple([squash(cell.text) for cell in row]) for row in table.grid]
        self.top = title_row_count(table)
        self.captions = {self.first_text(r) for r in range(self.top)}
        # each header row as written: a two-row header repeated at page tops repeats both
        self.heads = [self.squashed[r] for r in range(self.top, layout.header_rows)] or [layout.signature]
        self.rows = self._data_rows()
        self.seq_numbers_groups = self._seq_numbers_groups()
        self.carry_blank = {c for c in layout.roles if self._mostly_blank(c)}
        self.headings_numbered = False
        self.chinese_tasks = self._chinese_tasks()
        # what every row reads, worked out once for the table: the unit columns by role (roles without
        # a column left out), each with its key into the units carried down; those the garbled test
        # reads; the task columns a group heading spans; the deadline's column(s); the item's number
        # columns (序号 | 工作任务 under one header) and text columns; the 序号 columns
        self.unit_roles = [(role, [(c, f"{role}:{c}") for c in layout.cols(role)])
                           for role in UNIT_ROLES if layout.cols(role)]
        self.garble_cols = layout.cols("lead") + layout.cols("guide") + layout.cols("support")
        self.task_cols = layout.cols("item") + self.garble_cols + layout.cols("deadline")
        self.deadline_pair = _start_and_end(layout)
        self.deadline_col = self.deadline_pair[1] if self.deadline_pair else layout.col("deadline")
        self.schedule = _is_schedule(layout)
        self.item_no_cols = [c for c in layout.number_cols if layout.roles.get(c) == "item"]
        self.item_text_cols = [c for c in layout.cols("item") if c not in self.item_no_cols]
        self.seq_cols = layout.cols("seq")
        self._unit_garbled: dict[str, tuple[str, bool]] = {}
        # lead units only: a task without a 配合单位, a guide or a deadline is common, and such a blank
        # may open a page by chance
        self.filled_cols = self._filled_columns(layout.cols("lead"))

    def _page_top(self, r: int, c: int) -> bool:
        """True when the cell at (r, c) starts on the first row of a page after the table's first."""
        top = self.table.grid[r][c].row
        return top > 0 and self.table.page_of(top) != self.table.page_of(top - 1)

    def _filled_columns(self, cols: list[int]) -> frozenset[int]:
        """Of a ruled table printed over pages, the columns that every data row fills but for blank cells
        at a page top: there a blank is the rest of a cell merged across the break, which Word prints
        once, above it (units written for every task, a blank 县数字经济发展中心 under item 26)."""
        if not self.table.spans_known or self.table.row_pages is None:
            return frozenset()
        out = set()
        for c in cols:
            blanks = [r for r in self.rows if not self.squashed[r][c]]
            if blanks and len(self.rows) - len(blanks) >= _FILLED_ROWS and all(self._page_top(r, c) for r in blanks):
                out.add(c)
        return frozenset(out)

    def _seq_numbers_groups(self) -> bool:
        """True when 序号 numbers merged groups rather than every row."""
        c = self.layout.col("seq")
        if c is None:
            return False
        rows = self.rows
        blanks = sum(1 for r in rows if self.table.is_continuation(r, c) or not self.squashed[r][c])
        if blanks:
            return True
        # beside a group column, items that carry their own numbers leave 序号 to the groups
        item, group = self.layout.col("item"), self.layout.col("group")
        if item is None or group is None or not rows:
            return False
        own = sum(1 for r in rows if split_item_number(normalize(self.table.text(r, item)))[0])
        return own * 2 > len(rows)

    def _mostly_blank(self, c: int) -> bool:
        """In a table rebuilt from text, a column blank in a quarter of its rows is a merged column.
        Not a 配合单位 column: many tasks have no supporting unit, and a blank there says so."""
        if self.table.spans_known or self.layout.roles.get(c) == "support":
            return False
        rows = self.rows
        blank = sum(1 for r in rows if not self.squashed[r][c])
        return bool(rows) and blank * 4 >= len(rows)

    def _data_rows(self) -> list[int]:
        """Rows below the header that are not repeated headers and not empty."""
        out = []
        for r in range(self.layout.header_rows, self.table.n_rows):
            if self.repeats_header(r):
                continue
            if not any(self.squashed[r]):
                continue
            out.append(r)
        return out

    def first_text(self, r: int) -> str:
        """Squashed text of the first filled cell of row r ('' for an empty row)."""
        return next((t for t in self.squashed[r] if t), "")

    def filled_cells(self, r: int) -> list[Cell]:
        """The distinct cells of row r that hold text, left to right (row_cells(), filled ones)."""
        row, texts = self.table.grid[r], self.squashed[r]
        return [cell for c, cell in enumerate(row) if texts[c] and (c == 0 or row[c - 1] is not cell)]

    def repeats_header(self, r: int) -> bool:
        """A header row (or the caption above it) typed in again at a page top."""
        if self.captions and is_title_row(self.table, r):
            return self.first_text(r) in self.captions
        texts = self.squashed[r]
        if any(texts == sig and any(sig) for sig in self.heads):
            return True  # a header row typed again, whether or not the lexicon knows its words
        if not is_header_row(self.table, r):
            return False
        sig = self.layout.signature
        if not sig:
            return True
        return any(sum(1 for t, h in zip(texts, head) if h and t == h) * 2 >= max(1, sum(1 for h in head if h))
                   for head in self.heads)

    def heading_level(self, r: int) -> int:
        """1 for a group heading numbered 一、 (or 一 in the 序号 column, 第一部分), 2 for one numbered (一);
        0 for an unnumbered one."""
        text = label_text(self.first_text(r))
        if SECOND_LEVEL.match(text):
            return 2
        return 1 if FIRST_LEVEL.match(text) or CN_SEQ_CELL.match(squash(text)) else 0

    def _chinese_tasks(self) -> bool:
        """True when rows with units or a deadline carry a Chinese number in the 序号 column: 一 二 三 number
        the tasks themselves, so a row 二 with blank unit cells is a task, not a group heading."""
        c = self.layout.col("seq")
        if c is None:
            return False
        filled = self.layout.cols("lead") + self.layout.cols("guide") + self.layout.cols("support") \
            + self.layout.cols("deadline")
        return any(CN_SEQ_CELL.match(self.squashed[r][c]) and any(self.squashed[r][k] for k in filled)
                   for r in self.rows)

    def section_heading(self, r: int) -> Optional[tuple[Optional[str], str]]:
        """(number, label) of a group heading row: one text across the task columns, at most a number before it."""
        table, L = self.table, self.layout
        filled = self.filled_cells(r)
        if not filled or len(filled) > 2 or table.n_cols <= 2 or filled[-1].row != r:
            return None
        task_cols = self.task_cols
        label_cell = filled[-1]
        spans_across = sum(1 for c in task_cols if table.grid[r][c] is label_cell) >= 2
        rest_empty = all(not self.squashed[r][c] for c in task_cols if table.grid[r][c] is not label_cell)
        # 一 | 推进决策公开 | (blank) | (blank): a group written into the item column, unmerged, under a
        # Chinese number the task rows do not use
        chinese = len(filled) == 2 and CN_SEQ_CELL.match(squash(filled[0].text)) is not None and not self.chinese_tasks
        if not (spans_across or (rest_empty and (label_cell.col not in task_cols or chinese))):
            return None
        number = seq_number(filled[0].text) if len(filled) == 2 else None
        if len(filled) == 2 and number is None:
            return None
        text = label_text(label_cell.text)
        m = GROUP_NUMBER.match(text)
        if number is None and m:
            number = seq_number(m.group(0).strip()) or m.group(0).strip(" 、.．")
        return number, strip_group_number(text)

    def is_note(self, r: int) -> bool:
        """A 注：/说明：/合计 row or a form's footer under the tasks (is_note_row)."""
        return is_note_row(self.table, r)

    def label_goes_on(self, r: int, group: Optional[str]) -> bool:
        """A group label that a page break cut in two: its rest opens the page, with no 序号 of its own."""
        seq = self.layout.col("seq")
        if not group or seq is None or not self.table.spans_known or r == 0:
            return False
        page_top = self.table.page_of(r) is not None and self.table.page_of(r) != self.table.page_of(r - 1)
        return page_top and not self.squashed[r][seq] and self.table.grid[r][seq].row == r

    def carries(self, r: int, c: int) -> bool:
        """True when blank cell (r, c) stands for the value above it.

        Either the table is rebuilt from text and the column is mostly blank, or
        the cell is a merged cell that starts a page: Word leaves a merged cell's
        text on the page where the cell began and draws the rest of it empty. The
        rest may cover one row only, and so look like a cell of its own: it is
        read so in a column no other row leaves blank (``_filled_columns``).
        """
        cell = self.table.grid[r][c]
        if self.squashed[r][c]:
            return False
        if c in self.carry_blank:
            return True
        return (cell.rowspan >= 2 or c in self.filled_cols) and self._page_top(r, c)

    def unit_cell(self, r: int, c: int, previous: Optional[UnitCell]) -> UnitCell:
        """Units of cell (r, c): a merged cell's own, a carried blank's, or parsed."""
        cell: Cell = self.table.grid[r][c]
        if previous is not None and self.carries(r, c):
            return previous
        if id(cell) not in self.units:
            self.units[id(cell)] = parse_units(cell.text)
        return self.units[id(cell)]

    def unit_text(self, r: int, c: int) -> tuple[str, bool]:
        """Text of unit cell (r, c) said once, and whether it is garbled: each text read once (both depend
        on the text alone, and row after row names the same offices)."""
        raw = self.table.grid[r][c].text
        if raw not in self._unit_garbled:
            text = _said_once(raw)
            self._unit_garbled[raw] = text, is_garbled(text)
        return self._unit_garbled[raw]


def text_table_groups(table: Table, layout: Layout, rows: list[int]) -> dict[int, tuple[Optional[str], str]]:
    """(group_no, group) per row of a table rebuilt from text, where a group label may be split over rows.

    Text pulled out of a PDF writes a merged 序号/工作任务 cell's lines on the
    rows they face: the number on one row, label pieces above and below it.
    Consecutive rows holding a number or a label piece form runs; a run is cut
    before a numbered row with a label piece of its own (a new label starts
    there) once the piece so far has a number, and label pieces read top down.
    """
    seq_col, group_col = layout.col("seq"), layout.col("group")
    marks = [(r, seq_number(table.text(r, seq_col)), label_text(table.text(r, group_col))) for r in rows]
    segments: list[list[tuple[int, Optional[str], str]]] = []
    current: list = []
    previous_active = False
    for r, number, piece in marks:
        active = bool(number or piece)
        if not active:
            previous_active = False
            continue
        has_number = any(n for _, n, _ in current)
        new = not previous_active or (number and piece and has_number)
        if new and current:
            segments.append(current)
            current = []
        current.append((r, number, piece))
        previous_active = True
    if current:
        segments.append(current)
    out: dict[int, tuple[Optional[str], str]] = {}
    starts = [(seg[0][0], next((n for _, n, _ in seg if n), None), strip_group_number("".join(p for _, _, p in seg)))
              for seg in segments]
    for r in rows:
        chosen = starts[0] if starts else None
        for start in starts:
            if start[0] <= r:
                chosen = start
        if chosen:
            out[r] = (chosen[1], chosen[2])
    return out


@dataclass(slots=True)
class _Groups:
    """The group a row falls in, carried down the table."""
    no: Optional[str] = None
    label: Optional[str] = None
    sub: Optional[str] = None


def _own_label(table: Table, r: int, c: Optional[int]) -> str:
    """The label cell (r, c) states itself ('' for a blank or merged-from-above cell)."""
    if c is None or table.grid[r][c].row != r:
        return ""
    return label_text(table.grid[r][c].text)


def _update_groups(g: _Groups, rows: _Rows, r: int, records: list[TaskRecord],
                   split_labels: dict[int, tuple[Optional[str], str]], one_per_row: bool, nested: bool = False) -> None:
    """Move the group state to row r: a new 序号, a new or continued label, a new subgroup. ``nested``: a
    heading row across the table (一、…) holds the group, so the group column's labels are subgroups."""
    table, L = rows.table, rows.layout
    if nested:
        text = _own_label(table, r, L.col("group"))
        if text and rows.label_goes_on(r, g.sub):   # a label cut by a page break: its rest
            g.sub = _extend_group(records, g.sub, g.sub + text, "subgroup")
        elif text:
            g.sub = strip_group_number(text)
        if r in split_labels:   # a table rebuilt from text: the label's pieces put together
            g.sub = split_labels[r][1]
        return
    seq_col = L.col("seq")
    if seq_col is not None and rows.seq_numbers_groups and table.grid[r][seq_col].row == r:
        g.no = seq_number(table.text(r, seq_col)) or g.no
    text = "" if one_per_row else _own_label(table, r, L.col("group"))
    if text and rows.label_goes_on(r, g.label):
        g.label = _extend_group(records, g.label, g.label + text)
    elif text:
        g.label, g.sub = strip_group_number(text), None
    if r in split_labels:
        g.no, g.label = split_labels[r]
    sub = _own_label(table, r, L.col("subgroup"))
    if sub:
        g.sub = strip_group_number(sub)


def _said_once(text: str) -> str:
    """A cell whose lines all say the same (a label a source repeats inside one tall merged cell), said once."""
    lines = [line for line in text.split("\n") if line.strip()]
    return lines[0] if len(lines) > 1 and len({squash(line) for line in lines}) == 1 else text


def _flag_garbled(rec: TaskRecord, r: int, rows: _Rows) -> None:
    """Flag a row whose item or unit cells show a broken font map.

    Unit cells interleaved into the item betray a broken extraction; the group
    labels are left out because items legitimately repeat their wording."""
    units = [rows.unit_text(r, c) for c in rows.garble_cols]
    if is_garbled(rec.item or "", [text for text, _ in units]) or any(garbled for _, garbled in units):
        rec.flags.append("garbled_text")


def task_records(table: Table, layout: Layout, index: int, ctx: TaskContext) -> list[TaskRecord]:
    """The task records of one task table, in row order."""
    if layout.vertical:
        return vertical_records(table, layout, index, ctx.doc_id, ctx.issue_date)
    L = _ReadLayout.of(layout)
    rows = _Rows(table, L)
    g = _Groups()
    last_units: dict[str, UnitCell] = {}
    last_deadline = ""
    records: list[TaskRecord] = []
    refs: list[dict[str, tuple[str, ...]]] = []
    item_col, group_col = L.col("item"), L.col("group")
    one_per_row = item_col is None
    # under a heading row across the table (一、…), the group column's labels are subgroups
    flat_groups = not one_per_row and L.col("subgroup") is None and group_col is not None
    unit_cols = L.cols("lead") + L.cols("guide")
    split_labels: dict[int, tuple[Optional[str], str]] = {}
    if not table.spans_known and rows.seq_numbers_groups and group_col is not None:
        split_labels = text_table_groups(table, layout, rows.rows)
    top_heading = False   # the current group came from a first-level heading row (一、…)
    # a numbered heading among the caption rows above the header (一、推进决策公开 over a sheet's table,
    # the workbook holding a sheet per group) is the group of the table's rows
    for r in range(rows.top):
        heading = rows.section_heading(r) if FIRST_LEVEL.match(across(table, r)) else None
        if heading:
            (g.no, g.label), top_heading = heading, True
            rows.headings_numbered = g.no is not None
    for r in rows.rows:
        if rows.is_note(r):   # before the headings: a 备注：… merged across the table is no group
            continue
        heading = rows.section_heading(r)
        if heading:
            level = rows.heading_level(r)
            if level == 2 and top_heading:   # (一)… under 一、…: the second level of the group
                g.sub = heading[1]
            else:
                (g.no, g.label), g.sub = heading, None
                top_heading = level == 1
            rows.headings_numbered = rows.headings_numbered or g.no is not None
            continue
        _update_groups(g, rows, r, records, split_labels, one_per_row, top_heading and flat_groups)
        rec = TaskRecord(doc_id=ctx.doc_id, table=index, row=len(records), page=table.page_of(r))
        _fill_item(rec, table, r, rows, item_col if not one_per_row else group_col)
        if one_per_row:  # only group headings can group such a table
            rec.group_no, rec.group, rec.subgroup = g.no, g.label, None
        else:
            numbered = rows.seq_numbers_groups or rows.headings_numbered
            rec.group_no, rec.group, rec.subgroup = (g.no if numbered else None), g.label, g.sub
        if not rec.item and not any(rows.squashed[r][c] for c in unit_cols):
            continue
        row_refs: dict[str, tuple[str, ...]] = {}
        for role, cols in rows.unit_roles:
            _fill_units(rec, role, cols, r, rows, last_units, row_refs)
        last_deadline = _fill_deadline(rec, table, r, L, rows, last_deadline, ctx)
        _flag_garbled(rec, r, rows)
        if any(cell.ocr for cell in table.grid[r]):  # provenance: read from a page image
            rec.flags.append("ocr")
        records.append(rec)
        refs.append(row_refs)
    _resolve_refs(records, refs)
    _resolve_deadline_refs(records)
    _restore_first_group_number(records)
    return records


_NEXT_NUMBER = {"二": "一", "2": "1"}


def _restore_first_group_number(records: list[TaskRecord]) -> None:
    """A scanned table's first group number 一 (a lone flat stroke OCR finds no text in) when the groups
    after it are numbered 二, 三 … (or 2, 3 …): the rows of the first group, read by OCR, get it back."""
    firsts = [rec for rec in records if rec.group_no is None and rec.group is not None]
    if not firsts or firsts[0] is not records[0] or not all("ocr" in rec.flags for rec in firsts):
        return
    label = firsts[0].group
    later = next((rec.group_no for rec in records if rec.group != label and rec.group_no is not None), None)
    if later not in _NEXT_NUMBER or any(rec.group_no is not None for rec in records if rec.group == label):
        return
    for rec in records:
        if rec.group == label and rec.group_no is None:
            rec.group_no = _NEXT_NUMBER[later]


def _fill_item(rec: TaskRecord, table: Table, r: int, rows: _Rows, item_col: Optional[int]) -> None:
    if item_col is None:
        return
    raw = table.text(r, item_col)
    text = normalize("".join(CIRCLED_AS_BRACKETED.get(ch, ch) for ch in raw[:2]) + raw[2:])
    number, text = split_item_number(text)
    no_cols = rows.item_no_cols
    if no_cols:
        number = seq_number(table.text(r, no_cols[0])) or number
        text_cols = rows.item_text_cols
        if text_cols:
            number2, text = split_item_number(normalize(table.text(r, text_cols[0])))
            number = number or number2
    seq_cols = rows.seq_cols
    if len(seq_cols) > 1:   # 序号 | 工作任务 | 序号 | 具体任务: the second numbers the items
        number = seq_number(table.text(r, seq_cols[1])) or number
    elif seq_cols and not rows.seq_numbers_groups:
        number = seq_number(table.text(r, seq_cols[0])) or number
    rec.item_no, rec.item = number, text or None


def _fill_units(rec: TaskRecord, role: str, cols: list[tuple[int, str]], r: int, rows: _Rows,
                last_units: dict[str, UnitCell], row_refs: dict) -> None:
    names: list[str] = []
    refs: list[str] = []
    for c, key in cols:
        unit_cell = rows.unit_cell(r, c, last_units.get(key))
        last_units[key] = unit_cell
        names.extend(u for u in unit_cell.units if u not in names)
        refs.extend(unit_cell.refs)
        for u in unit_cell.support:
            if u not in rec.support_units:
                rec.support_units.append(u)
    target = getattr(rec, f"{role}_units")
    target.extend(u for u in names if u not in target)
    if refs:
        row_refs[role] = tuple(refs)


# marks that tick a period in a schedule (进度安排 | 第一季度 | 第二季度 …)
TICKS = frozenset("√✓✔☑●★▲■◆◎")


def _fill_deadline(rec: TaskRecord, table: Table, r: int, L: Layout, rows: _Rows,
                   last: str, ctx: TaskContext) -> str:
    pair, c = rows.deadline_pair, rows.deadline_col
    if c is None:
        rec.deadline_kind = "none"
        return last
    text = table.text(r, c)
    if rows.carries(r, c):
        text = last
    text = _said_once(text)
    ticked = _ticked_periods(table, r, L) if rows.schedule else None
    d = parse_deadline(ticked if ticked is not None else text, ctx.issue_date)
    rec.deadline_text, rec.deadline, rec.deadline_start, rec.deadline_kind = d.text, d.deadline, d.start, d.kind
    rec.flags.extend(f for f in d.flags if f not in rec.flags)
    if pair and d.kind == "date" and d.start is None:
        # 开始时间 | 完成时间: the deadline is the end cell's; the start cell, when both read as one span
        # ending there, gives deadline_start (a start alone is no deadline)
        start = _said_once(table.text(r, pair[0])).strip()
        span = parse_deadline(f"{start}至{text}", ctx.issue_date) if start else None
        if span is not None and span.kind == "date" and span.deadline == d.deadline:
            rec.deadline_start = span.start
    return text


_START_WORD = re.compile(r"开始|起始|启动|始于")


def _start_and_end(L: Layout) -> Optional[tuple[int, int]]:
    """The (start, end) columns of a time given in two: 开始时间 | 完成时间 (or 截止时间 …); None otherwise."""
    cols = L.cols("deadline")
    if len(cols) != 2:
        return None
    starts = [c for c in cols if _START_WORD.search(L.signature[c] if c < len(L.signature) else "")]
    if len(starts) != 1:
        return None
    return starts[0], next(c for c in cols if c != starts[0])


def _is_schedule(L: Layout) -> bool:
    """True when the deadline columns may be a schedule of periods: two or more under a two-row header,
    each named differently."""
    cols = L.cols("deadline")
    return not (len(cols) < 2 or L.header_rows < 2 or len({L.signature[c] for c in cols}) < len(cols))


def _ticked_periods(table: Table, r: int, L: Layout) -> Optional[str]:
    """进度安排 over 第一季度 … 第四季度 (or months, 上半年 …) ticked with √: the periods ticked in this row,
    as one deadline text (第一季度、第二季度), or None when the deadline columns are no such schedule."""
    if not _is_schedule(L):
        return None
    cols = L.cols("deadline")
    marks = [squash(table.text(r, c)) for c in cols]
    if not any(marks) or not all(m in TICKS for m in marks if m):
        return None
    return "、".join(L.signature[c] for c, m in zip(cols, marks) if m)


_DEADLINE_FLAGS = ("year_inferred", "deadline_before_issue")
# a deadline cell that points at another row's: 同上 / 同（3） / 同3
_DEADLINE_REF = re.compile(r"^同\s*(?:(上)|[(（]?\s*(\d{1,3})\s*[)）]?)$")


def _resolve_deadline_refs(records: list[TaskRecord]) -> None:
    """A deadline written 同上 or 同（N）: the deadline of the row above or of row N (the text stays as written);
    rows are taken in order, so a chain of 同上 resolves down to its first date."""
    for i, rec in enumerate(records):
        m = _DEADLINE_REF.match(rec.deadline_text or "")
        if not m:
            continue
        source = (records[i - 1] if i else None) if m.group(1) else _numbered(records, i, m.group(2))
        if source is None or source is rec or source.deadline_kind == "unparsed":
            continue   # nothing to point at, or an unresolved reference: left unparsed
        rec.deadline, rec.deadline_start, rec.deadline_kind = source.deadline, source.deadline_start, source.deadline_kind
        rec.flags.extend(f for f in source.flags if f in _DEADLINE_FLAGS and f not in rec.flags)


def _resolve_refs(records: list[TaskRecord], refs: list[dict[str, tuple[str, ...]]]) -> None:
    """Replace `同（N）` / `同上` by the units of row N (or the row above) in the same column."""
    for i, (rec, row_refs) in enumerate(zip(records, refs)):
        for role, targets in row_refs.items():
            mine = getattr(rec, f"{role}_units")
            for target in targets:
                source = records[i - 1] if target == "上" and i else _numbered(records, i, target)
                if source is None or source is rec:
                    continue
                mine.extend(u for u in getattr(source, f"{role}_units") if u not in mine)


def _numbered(records: list[TaskRecord], i: int, number: str) -> Optional[TaskRecord]:
    """Row `number` as seen from row i: the nearest in i's group, else the nearest anywhere.

    Numbering often restarts in each group, so 同（1） means this group's item 1."""
    candidates = [rec for rec in records if rec.item_no == number]
    same_group = [rec for rec in candidates if (rec.group_no, rec.group) == (records[i].group_no, records[i].group)]
    pool = same_group or candidates
    return min(pool, key=lambda rec: abs(records.index(rec) - i), default=None)


def _extend_group(records: list[TaskRecord], old: str, new: str, field: str = "group") -> str:
    """Give the rows already written under a cut label (their ``field``: group or subgroup) its whole text;
    returns the whole label."""
    for rec in reversed(records):
        if getattr(rec, field) != old:
            break
        setattr(rec, field, new)
    return new
