"""Finding the tables that matter: joining page continuations, reading header rows into column roles.

Everything here is format-blind: it sees only the RawDocument's blocks.
Columns are recognised by what their headers say (synonyms, in priority
order) or, for a table with no header row, by what their cells hold.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from normalizers.deadlines import parse_deadline
from normalizers.text import normalize
from normalizers.units import parse_units
from extractors.base import is_trivial
from pipeline.model import Block, Cell, Paragraph, Table

# Column roles, checked in this order: the first role one of whose keywords
# occurs in a header wins, so the specific wordings come before the generic.
ROLE_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("cat_level1", ("一级事项",)),
    ("cat_level2", ("二级事项",)),
    ("cat_content", ("公开内容", "公开要素")),
    ("cat_basis", ("公开依据",)),
    ("cat_time", ("公开时限",)),
    ("cat_subject", ("公开主体",)),
    ("cat_channel", ("公开渠道", "载体")),
    ("cat_audience", ("公开对象", "全社会", "特定群体")),
    ("cat_mode", ("公开方式", "主动公开", "依申请")),
    ("dom_ministry", ("国务院部门", "编制部门", "制定部门", "国务院")),
    ("dom_domain", ("试点领域", "领域", "标准目录", "标准指引")),
    ("deadline", ("进度安排", "完成时间", "完成时限", "时限要求", "时间节点", "完成期限", "进度要求",
                  "计划进度", "时间要求", "截止时间", "时限", "时间", "期限", "时序", "节点", "年限")),
    ("other", ("当前进度", "进度", "进展", "备注", "情况", "说明", "成效", "佐证", "领导", "联系人", "电话",
               "责任人", "负责人", "经办人",
               "完成标准", "工作标准", "验收标准", "考核标准", "评价标准", "成果形式", "预期成果", "考核指标",
               "分值", "评分", "资金", "经费")),
    ("guide", ("指导", "主管", "督导", "督办")),
    ("support", ("配合", "协办", "协助", "参与", "协同")),
    ("lead", ("牵头", "责任", "主体", "承办", "负责", "实施单位", "单位", "部门")),
    ("item", ("具体", "事项", "要求", "内容", "措施", "举措", "分解", "描述", "要点", "职责")),
    ("group", ("任务", "目标", "类别", "项目", "重点工作", "工作", "领域")),
    ("seq", ("序号", "编号", "序")),
]
UNIT_ROLES = ("lead", "guide", "support")

_NUMBER_ONLY = re.compile(r"^[(（]?\d{1,3}[)）.、．]?$")
_HEADER_END = re.compile(
    r"(序号?|编号|任务|事项|内容|要求|措施|举措|目标|类别|项目|工作|单位|部门|主体|时间|时限|期限|节点|安排|进度|"
    r"备注|领域|依据|渠道|载体|对象|方式|情况|说明|标准|领导|分工|群体|公开|社会|分解|牵头|配合|协办|成果|指标|"
    r"电话|联系人|分值|国务院部门|年限|描述|要点|职责|责任人|负责人)$")
_BRACKETED_TAIL = re.compile(r"[(（][^)）]*[)）]$")
_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_NUMBERED = re.compile(r"^([(（]\s*\d{1,3}\s*[)）]|\d{1,3}\s*[.、．])")


def squash(text: str) -> str:
    """Normalised text with every space removed (header cells are often letter-spaced)."""
    return re.sub(r"\s+", "", normalize(text))


def role_of(header: str) -> Optional[str]:
    """The column role a header wording stands for, or None."""
    h = _BRACKETED.sub("", squash(header)) or squash(header)
    if not h or len(h) > 16:
        return None
    for role, keywords in ROLE_KEYWORDS:
        if any(k in h for k in keywords):
            return role
    return None


# --------------------------------------------------------------------------
# Joining page continuations
# --------------------------------------------------------------------------

def logical_tables(blocks: Iterable[Block]) -> list[Table]:
    """Tables in document order, each continued table (next page, next part) joined to its start."""
    tables: list[Table] = []
    joinable = False
    for block in blocks:
        if isinstance(block, Paragraph):
            if not is_trivial(block):
                joinable = False
            continue
        if joinable and tables and _continues(tables[-1], block):
            tables[-1] = join(tables[-1], block)
        else:
            tables.append(block)
        joinable = True
    return tables


def _continues(first: Table, second: Table) -> bool:
    """Same width, and the second part starts with the first's header or with no header at all."""
    if first.n_cols != second.n_cols or not second.grid:
        return False
    head_first = header_row_count(first)
    head_second = header_row_count(second)
    if head_second == 0:
        return head_first > 0 or _looks_like_rows(second)
    return _row_sig(first, 0) == _row_sig(second, 0)


def _looks_like_rows(table: Table) -> bool:
    return table.n_cols >= 3


def _row_sig(table: Table, r: int) -> tuple[str, ...]:
    return tuple(squash(table.text(r, c)) for c in range(table.n_cols))


def join(first: Table, second: Table) -> Table:
    """One table: the rows of ``second`` appended to ``first`` (cells re-indexed)."""
    offset = first.n_rows
    seen: set[int] = set()
    for row in second.grid:
        for cell in row:
            if id(cell) not in seen:
                seen.add(id(cell))
                cell.row += offset
    pages = [first.page_of(r) for r in range(first.n_rows)] + \
            [second.page_of(r) for r in range(second.n_rows)]
    return Table(first.grid + second.grid, page=first.page, row_pages=pages,
                 spans_known=first.spans_known and second.spans_known)


# --------------------------------------------------------------------------
# Header rows and column roles
# --------------------------------------------------------------------------

def row_cells(table: Table, r: int) -> list[Cell]:
    """The distinct cells of row r, left to right."""
    out: list[Cell] = []
    for cell in table.grid[r]:
        if not out or out[-1] is not cell:
            out.append(cell)
    return out


def _is_header_cell(text: str) -> bool:
    """A header wording: a known role, ending like a column name (单位, 时限, 事项 …), not numbered."""
    core = _BRACKETED_TAIL.sub("", text)
    return bool(role_of(text)) and bool(_HEADER_END.search(core)) and not _NUMBERED.match(text)


def is_header_row(table: Table, r: int) -> bool:
    """A row most of whose filled cells are header wordings and none of which reads like data."""
    raw = [squash(c.text) for c in row_cells(table, r)]
    if any(_NUMBER_ONLY.match(t) or _NUMBERED.match(t) for t in raw):
        return False  # a numbered cell is data
    filled = [_BRACKETED.sub("", t) or t for t in raw if t]
    if len(filled) < 2 or any(len(t) > 16 for t in filled):
        return False
    hits = sum(1 for t in filled if _is_header_cell(t))
    return hits >= 2 and hits * 2 >= len(filled)


def is_title_row(table: Table, r: int) -> bool:
    """A row that is one text across the table (a caption such as 2021年任务分解表), not a header."""
    filled = [c for c in row_cells(table, r) if squash(c.text)]
    return len(filled) == 1 and table.n_cols > 2 and not is_header_row(table, r)


def title_row_count(table: Table) -> int:
    """Caption rows above the header (at most two, and only when a header row follows)."""
    n = 0
    while n < min(2, table.n_rows - 1) and is_title_row(table, n):
        n += 1
    return n if n and is_header_row(table, n) else 0


def header_row_count(table: Table) -> int:
    """How many rows at the top of the table are header rows (0 to 3)."""
    top = title_row_count(table)
    n = top
    while n < min(top + 3, table.n_rows) and (is_header_row(table, n) or _header_fragment(table, n)):
        n += 1
    return n if any(is_header_row(table, r) for r in range(top, n)) else 0


def _header_fragment(table: Table, r: int) -> bool:
    """A row of a two-row header whose other row carries the wordings (e.g. garbled group labels)."""
    if r + 1 >= table.n_rows or r > 1:
        return False
    texts = [squash(c.text) for c in row_cells(table, r)]
    return all(len(t) <= 6 for t in texts) and is_header_row(table, r + 1)


@dataclass(slots=True)
class Layout:
    """What a table is and which column holds what."""
    kind: Optional[str]                      # "task", "catalog", "domain" or None
    header_rows: int
    roles: dict[int, str] = field(default_factory=dict)
    # columns whose header spans another column of the same role (number + text)
    number_cols: set[int] = field(default_factory=set)
    signature: tuple[str, ...] = ()

    def cols(self, role: str) -> list[int]:
        """Columns with this role, left to right."""
        return sorted(c for c, r in self.roles.items() if r == role)

    def col(self, role: str) -> Optional[int]:
        """The first column with this role, or None."""
        cols = self.cols(role)
        return cols[0] if cols else None


def layout_of(table: Table) -> Layout:
    """Read a table's header rows (or, without any, its content) into a Layout."""
    n_head = header_row_count(table)
    if n_head == 0:
        return _layout_from_content(table)
    top = title_row_count(table)
    roles: dict[int, str] = {}
    number_cols: set[int] = set()
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
        head = table.grid[n_head - 1][c]
        if c + 1 < table.n_cols and table.grid[n_head - 1][c + 1] is head and head.col == c:
            number_cols.add(c)
    _settle_unit_roles(table, roles, n_head)
    groups = sorted(c for c, r in roles.items() if r == "group")
    if len(groups) >= 2 and "item" not in roles.values():
        # 重点工作 | 工作任务 with no 具体事项: the inner grouping column holds the tasks
        roles[groups.pop()] = "item"
    if len(groups) >= 2:
        roles[groups[1]] = "subgroup"
    number_cols = {c for c in number_cols if _mostly_numbers(table, c, n_head)}
    _domain_as_group(roles)
    kind = _kind(roles)
    if kind == "task" and "deadline" not in roles.values():
        _find_deadline_column(table, roles, n_head)
    return Layout(kind, n_head, roles, number_cols,
                  tuple(squash(table.text(n_head - 1, c)) for c in range(table.n_cols)))


def _find_deadline_column(table: Table, roles: dict[int, str], start: int) -> None:
    """A task table whose deadline header was not recognised: a column of dates is its deadline."""
    for c in range(table.n_cols):
        if c in roles:
            continue
        texts = [normalize(table.text(r, c)) for r in range(start, table.n_rows)]
        filled = [t for t in texts if t]
        if filled and _share(filled, _is_date) >= 0.6:
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


def _mostly_numbers(table: Table, c: int, start: int) -> bool:
    texts = [squash(table.text(r, c)) for r in range(start, table.n_rows)]
    filled = [t for t in texts if t]
    return bool(filled) and sum(1 for t in filled if _NUMBER_ONLY.match(t)) * 10 >= len(filled) * 7


# --------------------------------------------------------------------------
# Tables without a header row: columns from their content
# --------------------------------------------------------------------------

def _column_texts(table: Table, c: int) -> list[str]:
    """Normalised text of the cells that start in column c, one per cell."""
    out, seen = [], set()
    for r in range(table.n_rows):
        cell = table.grid[r][c]
        if id(cell) in seen:
            continue
        seen.add(id(cell))
        t = normalize(cell.text)
        if t:
            out.append(t)
    return out


def _share(texts: list[str], test) -> float:
    return sum(1 for t in texts if test(t)) / len(texts) if texts else 0.0


def _is_date(text: str) -> bool:
    return parse_deadline(text).kind in ("date", "ongoing")


def _is_units(text: str) -> bool:
    if len(text) > 200 or _NUMBERED.match(text):
        return False
    units = parse_units(text).units
    return bool(units) and all(re.search(r"(局|委|办|室|部|厅|院|中心|政府|处|所|站|馆|会|队|单位|部门|街道|镇|乡|公司)$", u)
                               for u in units)


def _layout_from_content(table: Table) -> Layout:
    """Recognise seq, group, item, unit and deadline columns of a headerless table."""
    roles: dict[int, str] = {}
    texts = {c: _column_texts(table, c) for c in range(table.n_cols)}
    for c, ts in texts.items():
        if not ts:
            continue
        if _share(ts, lambda t: bool(_NUMBER_ONLY.match(t))) >= 0.7:
            roles[c] = "seq"
        elif _share(ts, _is_date) >= 0.6:
            roles[c] = "deadline"
        elif _share(ts, _is_units) >= 0.6:
            roles[c] = "lead" if "lead" not in roles.values() else "guide"
    free = [c for c in texts if c not in roles and texts[c]]
    numbered = [c for c in free if _share(texts[c], lambda t: bool(_NUMBERED.match(t))) >= 0.4]
    if not numbered:
        return Layout(None, 0)
    item = max(numbered, key=lambda c: sum(map(len, texts[c])) / len(texts[c]))
    roles[item] = "item"
    groups = [c for c in free if c < item and c not in roles]
    for c, role in zip(groups, ("group", "subgroup")):
        roles[c] = role
    return Layout(_kind(roles), 0, roles)
