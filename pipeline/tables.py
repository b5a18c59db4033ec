"""Finding the tables that matter: joining page continuations, reading header rows into column roles.

Everything here is format-blind: it sees only the RawDocument's blocks.
Columns are recognised by what their headers say (synonyms, in priority
order) or, for a table with no header row, by what their cells hold.
"""
from __future__ import annotations

import dataclasses

import re
from typing import Iterable, Optional, Union

from normalizers.text import normalize
from extractors.base import is_trivial
from pipeline.columns import (DEFAULT_SETTINGS, Column, ContentSettings, Layout, column_of, content_role, is_date,
                              is_label, is_row_number, reaches, role_of, row_cells, squash)
from pipeline.lexicon import (FIRST_LEVEL, FORM_FOOTER, FORM_LABEL, HEADER_ENDINGS, ITEM_START, MAX_CAPTION_ROWS,
                              NUMBER_CELL, SECOND_LEVEL, UNIT_ROLES, is_generic)
from pipeline.model import Block, Cell, Paragraph, Table, same_header_text
from pipeline.vertical import vertical_layout


_HEADER_END = re.compile("(" + "|".join(sorted(HEADER_ENDINGS, key=len, reverse=True)) + ")$")
_BRACKETED_TAIL = re.compile(r"[(（][^)）]*[)）]$")
_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_MAX_TITLE_ROWS = 3
# what a caption names: a table, list or plan, or an annex
_CAPTION_WORDS = re.compile(r"(?:表|清单|台账|目录|方案|计划|安排|要点|分工|分解|一览|汇总|任务)$|^附件")


# --------------------------------------------------------------------------
# Joining page continuations
# --------------------------------------------------------------------------

def logical_tables(blocks: Iterable[Block]) -> list[Table]:
    """Tables in document order, each continued table (next page, next part) joined to its start."""
    runs: list[list[Table]] = []   # each logical table as its parts, joined once at the end
    rows: list[list[Cell]] = []     # the rows of the last run so far, for the continuation test
    joinable = False
    for block in blocks:
        if isinstance(block, Paragraph):
            if joinable and not is_trivial(block):   # (once not joinable, no paragraph makes it so)
                joinable = False
            continue
        # The test reads the run as one table (its top rows and its length); the cells are copied
        # once per run, not once per page: joining page by page copied a long table's rows again
        # for every page that followed.
        if joinable and runs and _continues(Table(rows), block):
            runs[-1].append(block)
        else:
            runs.append([block])
            rows = []
        rows.extend(block.grid)
        joinable = True
    return [run[0] if len(run) == 1 else join_all(run) for run in runs]


def _continues(first: Table, second: Table) -> bool:
    """Same width, and the second part starts with the first's header or with no header at all."""
    if first.n_cols != second.n_cols or not second.grid:
        return False
    head_first = header_row_count(first)
    head_second = header_row_count(second)
    if head_second == 0:
        return head_first > 0 or _looks_like_rows(second)
    # the header repeated, below any caption rows either part has (a caption atop the first part only);
    # a cell OCR read may be one character off
    a, b = title_row_count(first), title_row_count(second)
    return all(same_header_text(x, y, first.grid[a][c].ocr or second.grid[b][c].ocr)
               for c, (x, y) in enumerate(zip(_row_sig(first, a), _row_sig(second, b))))


def _looks_like_rows(table: Table) -> bool:
    return table.n_cols >= 3


def _row_sig(table: Table, r: int) -> tuple[str, ...]:
    return tuple(squash(table.text(r, c)) for c in range(table.n_cols))


def join(first: Table, second: Table) -> Table:
    """One new table: the rows of ``second`` appended to ``first``; neither input is changed.

    The reader's cells are copied, not re-indexed in place: the document model
    must read the same however often the table stage runs over it.
    """
    grid = _copy_grid(first.grid, 0) + _copy_grid(second.grid, first.n_rows)
    pages = [first.page_of(r) for r in range(first.n_rows)] + \
            [second.page_of(r) for r in range(second.n_rows)]
    return Table(grid, page=first.page, row_pages=pages,
                 spans_known=first.spans_known and second.spans_known)


def join_all(parts: list[Table]) -> Table:
    """One new table: the rows of every part in order (what joining them two at a time gives); none is changed."""
    grid: list[list[Cell]] = []
    pages: list[Optional[int]] = []
    for part in parts:
        grid += _copy_grid(part.grid, len(grid))
        pages += [part.page_of(r) for r in range(part.n_rows)]
    return Table(grid, page=parts[0].page, row_pages=pages, spans_known=all(p.spans_known for p in parts))


def _copy_grid(grid: list[list[Cell]], offset: int) -> list[list[Cell]]:
    """A copy of a grid with its rows moved down by offset; a merged cell stays one shared Cell."""
    copies: dict[int, Cell] = {}
    out = []
    for row in grid:
        new_row = []
        for cell in row:
            if id(cell) not in copies:
                copies[id(cell)] = dataclasses.replace(cell, row=cell.row + offset)
            new_row.append(copies[id(cell)])
        out.append(new_row)
    return out


# --------------------------------------------------------------------------
# Header rows and column roles
# --------------------------------------------------------------------------

# a date finer than a year, which no column name holds: 2021年7月底前, 2021.6.30
_DATED = re.compile(r"\d{4}\s*(?:年\s*\d{1,2}\s*月|[./-]\s*\d{1,2}\s*[./-]\s*\d{1,2})")


def _is_header_cell(text: str) -> bool:
    """A header wording: a known role, ending like a column name (单位, 时限, 事项 …), not numbered."""
    core = _BRACKETED_TAIL.sub("", text)
    return bool(role_of(text)) and bool(_HEADER_END.search(core)) and not ITEM_START.match(text)


def is_header_row(table: Table, r: int) -> bool:
    """A row most of whose filled cells are header wordings and none of which reads like data."""
    raw = []
    for cell in row_cells(table, r):   # cell by cell: a data row is mostly told by its first cells
        text = squash(cell.text)
        if NUMBER_CELL.match(text) or ITEM_START.match(text):
            return False  # a numbered cell is data
        raw.append(text)
    filled = [_BRACKETED.sub("", t) or t for t in raw if t]
    if len(filled) < 2 or any(len(t) > 16 for t in filled) or any(_DATED.search(t) for t in filled):
        return False   # a cell holding a month or a day (2021年7月底前) is data
    hits = sum(1 for t in filled if _is_header_cell(t))
    return hits >= 2 and hits * 2 >= len(filled)


def is_title_row(table: Table, r: int) -> bool:
    """A row that is one text across the table (a caption such as 2021年任务分解表), not a header."""
    filled = [c for c in row_cells(table, r) if squash(c.text)]
    return len(filled) == 1 and table.n_cols > 2 and not is_header_row(table, r)


def _form_line(table: Table, r: int) -> bool:
    """A line of a form's head: every filled cell a short label and its value (填报单位(盖章):县政府办公室 |
    填报时间:2023年3月20日), as a 台账 or 报表 is filled in above its header."""
    filled = [squash(c.text) for c in row_cells(table, r) if squash(c.text)]
    return 0 < len(filled) <= 3 and table.n_cols > 2 and all(FORM_LABEL.match(t) for t in filled)


# a note under a table's rows: 备注：…, or a total row; 备注 without a colon only in a cell of its own with
# the note beside it to the table's end (a task's item may well open with 备注 or 说明)
_NOTE = re.compile(r"^(注|备注|说明|附注)\d*[:：]|^(合计|总计|小计)")
_BARE_NOTE = re.compile(r"^(注|备注|说明|附注)\d*$")


def is_note_row(table: Table, r: int) -> bool:
    """A 注：/说明：/合计 row under the records, 备注 | its note to the table's end, or a form's footer
    (填表人： | 联系电话： | 审核人：, every filled cell one of a footer's labels and its value)."""
    filled = [text for text in (squash(c.text) for c in row_cells(table, r)) if text]
    if not filled:
        return False
    if _NOTE.match(filled[0]):
        return True
    if _BARE_NOTE.match(filled[0]):
        texts = [squash(c.text) for c in table.grid[r]]
        first = next(c for c, text in enumerate(texts) if text)
        label = table.grid[r][first]
        rest = [texts[c] for c in range(first, len(texts)) if table.grid[r][c] is not label]
        return len(rest) >= 2 and len(set(rest)) == 1 and bool(rest[0])
    return len(filled) >= 2 and all(FORM_FOOTER.match(text) for text in filled)


# the title of a domain's catalog (某县就业领域基层政务公开标准目录), where a sheet holds several one after another
CATALOG_TITLE = re.compile(r"(?:领域|标准|事项)\S*目录$")


def runs_across(table: Table, r: int) -> bool:
    """A row whose one text runs across the table: merged over most of its columns or typed again in them
    (as some readers give a merge), a chapter heading (二、…) in its first column, or a catalog's title.
    One text in one ordinary column (a 公开内容 going on, a 二级事项 alone) runs across nothing."""
    texts = [squash(c.text) for c in table.grid[r]]
    filled = {text for text in texts if text}
    if len(filled) != 1:
        return False
    text = next(iter(filled))
    return (2 * sum(1 for t in texts if t) > table.n_cols or bool(texts[0] and FIRST_LEVEL.match(text))
            or bool(CATALOG_TITLE.search(text)))


def title_row_count(table: Table) -> int:
    """Caption rows and form lines above the header (at most six, and only when a header row follows):
    附件2 / 某县2023年政务公开工作要点 / 重点任务分工方案, or a caption over 填报单位:… 填报时间:…"""
    n = 0
    while n < min(MAX_CAPTION_ROWS, table.n_rows - 1) and (is_title_row(table, n) or _form_line(table, n)):
        n += 1
    return n if n and is_header_row(table, n) else 0


def header_row_count(table: Table) -> int:
    """How many rows at the top of the table are header rows (0 to 3)."""
    top = title_row_count(table)
    n = top
    while n < min(top + 3, table.n_rows) and (is_header_row(table, n) or _header_fragment(table, n)
                                                or (n > top and _sub_header(table, n))):
        n += 1
    return n if any(is_header_row(table, r) for r in range(top, n)) else 0


def _header_fragment(table: Table, r: int) -> bool:
    """A row of a two-row header whose other row carries the wordings (e.g. garbled group labels)."""
    if r + 1 >= table.n_rows or r > 1:
        return False
    texts = [squash(c.text) for c in row_cells(table, r)]
    return all(len(t) <= 6 for t in texts) and is_header_row(table, r + 1)


def _sub_header(table: Table, r: int) -> bool:
    """The lower row of a two-row header whose own cells stand only under header cells spanning several
    columns (进度安排 over 第一季度 … 第四季度), each short and unnumbered; the header's other cells reach
    down through it (merged) or leave it blank."""
    if not table.spans_known:
        return False
    own = 0
    for c in range(table.n_cols):
        cell, above = table.grid[r][c], table.grid[r - 1][c]
        if cell is above:
            continue
        text = squash(cell.text)
        spanned = (c > 0 and table.grid[r - 1][c - 1] is above) or \
                  (c + 1 < table.n_cols and table.grid[r - 1][c + 1] is above)
        if text and (not spanned or len(text) > 8 or NUMBER_CELL.match(text) or ITEM_START.match(text)):
            return False
        own += bool(text)
    return own >= 2


def layout_of(table: Table, settings: Union[ContentSettings, dict, None] = None) -> Layout:
    """Read a table's header rows and its content into a Layout.

    A header names the columns it knows; what the columns hold names the rest
    and overrules a generic header. A table without a recognised header row is
    read from a first row of short labels, as a vertical label/value table, or
    from its content alone.
    """
    s = ContentSettings.of(settings)
    n_head = header_row_count(table)
    if n_head:
        return _layout_from_header(table, n_head, s)
    vertical = vertical_layout(table)
    if vertical is not None:
        return vertical
    n_head = unnamed_header_rows(table, s)
    if n_head:
        layout = _layout_from_header(table, n_head, s)
        if layout.kind == "task":
            return layout
    return _layout_from_content(table, s)


def _header_roles(table: Table, top: int, n_head: int) -> tuple[dict[int, str], set[int], set[int]]:
    """Roles the header rows name, the number columns under a spanning header, and generic headers."""
    roles: dict[int, str] = {}
    number_cols: set[int] = set()
    generic: set[int] = set()
    for c in range(table.n_cols):
        texts = []
        for r in range(top, n_head):
            t = table.text(r, c)
            if t and t not in texts:
                texts.append(t)
        role = None
        for t in reversed(texts):  # the lowest header row is the most specific
            role = role_of(t)
            if role:
                break
        if role is None and texts:
            role = role_of("".join(texts))
        if role:
            roles[c] = role
        if texts and is_generic(_BRACKETED.sub("", squash(texts[-1]))):
            generic.add(c)
        head = table.grid[n_head - 1][c]
        if c + 1 < table.n_cols and table.grid[n_head - 1][c + 1] is head and head.col == c:
            number_cols.add(c)
        elif roles.get(c) in (None, "seq"):
            # 具体事项 spanning 编号 | 内容 in the row below: the number of what the spanning header names
            for r in range(top, n_head - 1):
                head = table.grid[r][c]
                if c + 1 < table.n_cols and table.grid[r][c + 1] is head and head.col == c and role_of(head.text):
                    roles[c] = role_of(head.text)
                    number_cols.add(c)
                    break
    return roles, number_cols, generic


def _layout_from_header(table: Table, n_head: int, s: ContentSettings) -> Layout:
    """Roles from the header rows, completed (and, under a generic header, overruled) by content."""
    roles, number_cols, generic = _header_roles(table, title_row_count(table), n_head)
    _settle_unit_roles(table, roles, n_head)
    _roles_from_content(table, roles, n_head, s, generic)
    _merged_item_groups(table, roles, n_head)
    groups = sorted(c for c, r in roles.items() if r == "group")
    if len(groups) >= 2 and "item" not in roles.values():
        # 重点工作 | 工作任务 with no 具体事项: the inner grouping column holds the tasks
        roles[groups.pop()] = "item"
    if len(groups) >= 2:
        roles[groups[1]] = "subgroup"
    number_cols = {c for c in number_cols if _mostly_numbers(table, c, n_head, s)}
    _domain_as_group(roles)
    kind = _kind(roles)
    if kind == "task" and "deadline" not in roles.values():
        _find_deadline_column(table, roles, n_head, s)
    return Layout(kind, n_head, roles, number_cols,
                  tuple(squash(table.text(n_head - 1, c)) for c in range(table.n_cols)))


def _merged_item_groups(table: Table, roles: dict[int, str], start: int) -> None:
    """Of two item columns (主要内容 | 具体任务), one merged over several rows beside one that is not groups
    the items: it becomes the group column, or the subgroup where a group column stands left of it."""
    items = sorted(c for c, r in roles.items() if r == "item")
    rows = table.n_rows - start
    if len(items) < 2 or not table.spans_known or rows < 2:
        return

    def cells(c: int) -> int:   # distinct cells the column has over the data rows
        return len({id(table.grid[r][c]) for r in range(start, table.n_rows)})
    if cells(items[-1]) < rows:   # the tasks' column holds a cell per row
        return
    for c in items[:-1]:
        if cells(c) == rows:
            continue
        # most rows in cells merged over several (not a cell or two spanning a tall row), or merged and
        # numbered as groups are: （一）完善决策机制 over 1. … 2. …
        spans = [table.grid[r][c] for r in range(start, table.n_rows) if not table.is_continuation(r, c)]
        covered = sum(min(x.rowspan, table.n_rows - x.row) for x in spans if x.rowspan > 1)
        numbered = sum(1 for x in spans if _cn_group_number(squash(x.text))) * 2 >= len(spans)
        if covered * 2 > rows or numbered:
            has_group = any(r == "group" and k < c for k, r in roles.items())
            roles[c] = "subgroup" if has_group else "group"


def _roles_from_content(table: Table, roles: dict[int, str], start: int, s: ContentSettings,
                        generic: set[int]) -> None:
    """Name the columns no header named (or only generically) from what they hold.

    Numbers, dates and unit names are taken as such; of the text columns, the
    one of long varied sentences is the item column when no header names one,
    and a text column left of the items that repeats its values groups them.
    Not for catalog or domain tables: their headers name every column.
    """
    if any(r.startswith(("cat_", "dom_")) for r in roles.values()):
        return
    open_cols = [c for c in range(table.n_cols) if c not in roles or c in generic]
    columns = {c: column_of(table, c, start) for c in open_cols}
    what = {c: content_role(columns[c], s) for c in open_cols}
    for c in open_cols:
        present = set(roles.values()) - {roles.get(c)}
        if what[c] == "seq" and "seq" not in present and c not in generic:
            roles[c] = "seq"
        elif what[c] == "deadline" and "deadline" not in present:
            roles[c] = "deadline"
        elif what[c] == "units":
            roles[c] = "lead" if "lead" not in present else "support"
    texts = [c for c in open_cols if what[c] in ("item", "group", "text") and roles.get(c) not in UNIT_ROLES]
    item = _item_from_content(roles, texts, what, columns)
    # the groups stand left of the items, or of the column a header calls a group (惠民项目):
    # then that one holds the items, and the inner-group rule of the caller makes it so
    anchor = item if item is not None else max((c for c, r in roles.items() if r == "group"), default=None)
    if anchor is None or any(r == "group" and c < anchor for c, r in roles.items()):
        return
    kinds = ("group", "item") if item is not None else ("group",)
    left = [c for c in texts if c < anchor and what[c] in kinds and c not in roles]
    if left:
        roles[left[-1]] = "group"


def _item_from_content(roles: dict[int, str], texts: list[int], what: dict[int, Optional[str]],
                       columns: dict[int, Column]) -> Optional[int]:
    """The item column: the header's, else the open column of long varied sentences, else (when
    no header names any text column) the open column of distinct texts with the longest cells."""
    item = next((c for c, r in sorted(roles.items()) if r == "item"), None)
    if item is not None:
        return item
    candidates = [c for c in texts if what[c] == "item"]
    if not candidates and "group" not in roles.values():
        candidates = [c for c in texts if what[c] == "text" and columns[c].distinct == 1.0]
    if not candidates:
        return None
    item = max(candidates, key=lambda c: columns[c].mean_length)
    roles[item] = "item"
    return item


def _find_deadline_column(table: Table, roles: dict[int, str], start: int, s: ContentSettings) -> None:
    """A task table whose deadline header was not recognised: a column of dates is its deadline."""
    for c in range(table.n_cols):
        if c in roles:
            continue
        texts = [normalize(table.text(r, c)) for r in range(start, table.n_rows)]
        filled = [t for t in texts if t]
        if filled and reaches(filled, is_date, s.date_share):
            roles[c] = "deadline"
            return


def _settle_unit_roles(table: Table, roles: dict[int, str], n_head: int) -> None:
    """Two lead columns: the 牵头 one leads, a plain 责任单位 one supports."""
    leads = [c for c, r in roles.items() if r == "lead"]
    if len(leads) < 2:
        return
    heads = {c: squash(" ".join(table.text(r, c) for r in range(n_head))) for c in leads}
    if any("牵头" in h for h in heads.values()):
        for c in leads:
            if "牵头" not in heads[c]:
                roles[c] = "support"


def _domain_as_group(roles: dict[int, str]) -> None:
    """重点领域 | 具体任务 | 牵头单位 …: in a task table the domain column groups the tasks."""
    present = set(roles.values())
    if "dom_domain" in present and "group" not in present and "item" in present:
        for c, r in roles.items():
            if r == "dom_domain":
                roles[c] = "group"


def _kind(roles: dict[int, str]) -> Optional[str]:
    """The table's kind from its column roles."""
    present = set(roles.values())
    if sum(1 for r in present if r.startswith("cat_")) >= 3:
        return "catalog"
    if "dom_domain" in present and ("dom_ministry" in present or "lead" in present) \
            and not present & {"item", "deadline"}:
        return "domain"
    if present & {"item", "group"} and present & {"lead", "guide", "support", "deadline"}:
        return "task"
    return None


def _mostly_numbers(table: Table, c: int, start: int, s: ContentSettings) -> bool:
    texts = [squash(table.text(r, c)) for r in range(start, table.n_rows)]
    filled = [t for t in texts if t]
    return bool(filled) and reaches(filled, lambda t: bool(NUMBER_CELL.match(t)), s.number_share)


# --------------------------------------------------------------------------
# Tables without a header row: columns from their content
# --------------------------------------------------------------------------

def unnamed_header_rows(table: Table, s: ContentSettings = DEFAULT_SETTINGS) -> int:
    """Rows down to a header row of short labels that no lexicon word names (0 if there is none).

    Such a row (攻坚方向 | 实施路径 | 谁来抓 | 何时完成) is told from data by its
    cells, all short wordings without digits, punctuation or dates, above rows
    that hold numbers, dates or sentences. A caption row may stand above it.
    """
    for r in range(min(2, table.n_rows - 1)):
        texts = [squash(c.text) for c in row_cells(table, r)]
        filled = [t for t in texts if t]
        if len(filled) == 1 and table.n_cols > 2:
            continue  # a caption across the table
        if table.n_cols < 3 or len(filled) < max(2, (table.n_cols * 2 + 2) // 3):
            return 0
        if not all(is_label(_BRACKETED.sub("", t) or t, s) for t in filled):
            return 0
        below = [normalize(table.text(b, c)) for b in range(r + 1, table.n_rows) for c in range(table.n_cols)]
        data = any(t and (is_row_number(t) or is_date(t) or ITEM_START.match(t) or len(t) > s.label_max_length)
                   for t in below)
        return r + 1 if data else 0
    return 0


def _layout_from_content(table: Table, s: ContentSettings) -> Layout:
    """Recognise seq, group, item, unit and deadline columns of a headerless table.

    The item column is the one of numbered cells ((1), 1.) or, failing that, of
    long varied sentences; columns left of it group the items.
    """
    roles: dict[int, str] = {}
    top = _caption_rows(table)
    columns = {c: column_of(table, c, top) for c in range(table.n_cols)}
    what = {c: content_role(col, s) for c, col in columns.items()}
    for c in columns:
        if what[c] == "seq":
            roles[c] = "seq"
        elif what[c] == "deadline":
            roles[c] = "deadline"
        elif what[c] == "units":
            roles[c] = "lead" if "lead" not in roles.values() else "guide"
    free = [c for c in columns if c not in roles and columns[c].texts]
    numbered = [c for c in free if reaches(columns[c].texts, lambda t: bool(ITEM_START.match(t)), s.numbered_share)]
    candidates = numbered or [c for c in free if what[c] == "item"]
    if not candidates:
        return Layout(None, 0)
    item = max(candidates, key=lambda c: columns[c].mean_length)
    roles[item] = "item"
    groups = [c for c in free if c < item and c not in roles]
    for c, role in zip(groups, ("group", "subgroup")):
        roles[c] = role
    return Layout(_kind(roles), top, roles)


def _caption_rows(table: Table) -> int:
    """Caption rows atop a headerless table (2020年政务公开重点工作任务分工表 across it, or alone in its
    first cell), at most three: one text across the table that names a table or plan (…表, …清单,
    附件…), is no numbered group heading (一、…), and has no like below it (rows across the table
    further down are group headings, and so is the first)."""
    n = 0
    while n < min(_MAX_TITLE_ROWS, table.n_rows - 1) and is_title_row(table, n):
        if not _caption_like(across(table, n)):
            break
        n += 1
    # further rows across the table that are unnumbered headings too (推进决策公开 …): the first is one
    if n and any(is_title_row(table, r) and _plain_heading(across(table, r)) for r in range(n + 1, table.n_rows)):
        return 0
    return n


def _cn_group_number(text: str) -> bool:
    """Text opening with a group heading's Chinese number: 一、 / 第一部分 / （一）."""
    return bool(FIRST_LEVEL.match(text) or SECOND_LEVEL.match(text))


def across(table: Table, r: int) -> str:
    """The one text of a row across the table (its first text; '' for a blank row), squashed."""
    return next((squash(c.text) for c in row_cells(table, r) if squash(c.text)), "")


def _caption_like(text: str) -> bool:
    """A text that names a table, list or plan (…任务分工表, …重点工作任务, 附件…), not a numbered heading."""
    return not (_cn_group_number(text) or ITEM_START.match(text)) and bool(_CAPTION_WORDS.search(text))


def _plain_heading(text: str) -> bool:
    """A heading without a number that names no table: neither a caption, nor a note (注：…), nor a form line."""
    return not (_cn_group_number(text) or ITEM_START.match(text) or _CAPTION_WORDS.search(text)
                or re.search(r"[:：]", text))
