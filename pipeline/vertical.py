"""One task laid out vertically: label | value rows (任务名称 | …, 责任单位 | …) with no header row.

Such a table (or a row of label | value pairs side by side) is one task
record; when the first label comes again, a second task starts. Labels are
read with the one lexicon, so 工作内容, 牵头单位, 办结时限 … all count.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Optional

from normalizers.deadlines import parse_deadline
from normalizers.text import normalize
from normalizers.units import parse_units
from pipeline.columns import Layout, is_label, role_of, row_cells, squash
from pipeline.lexicon import GROUP_NUMBER, ITEM_NUMBER, SEQ_CELL
from pipeline.model import Table, TaskRecord

_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_TASK_ROLES = ("seq", "group", "item", "lead", "guide", "support", "deadline")
_ANCHORS = ("seq", "group", "item")   # the label a vertical task opens with


def vertical_layout(table: Table) -> Optional[Layout]:
    """The Layout of a vertical task table, or None when the table is not one.

    Every filled row is label | value pairs; labels the lexicon does not name
    (备注, 联系人 …) are skipped, but the first label must open a task (序号,
    任务名称, 工作内容 …) and every task needs its text and a unit or deadline.
    """
    tasks: list[dict[str, tuple[int, int]]] = []
    current: dict[str, tuple[int, int]] = {}
    labels: dict[tuple[int, int], str] = {}
    for r in range(table.n_rows):
        cells = [c for c in row_cells(table, r) if squash(c.text)]
        if len(cells) == 1 and table.n_cols > 1 and table.grid[r][0] is table.grid[r][-1]:
            continue  # a caption across the table (重点任务一)
        if len(cells) % 2 or any(c.row != r for c in cells):
            return None
        for label, value in zip(cells[::2], cells[1::2]):
            text = _BRACKETED.sub("", squash(label.text)) or squash(label.text)
            if not is_label(text):
                return None
            role = role_of(text)
            if not tasks and not current and role not in _ANCHORS:
                return None
            if role not in _TASK_ROLES:
                continue
            if role in _ANCHORS and role in current:
                tasks.append(current)
                current = {}
            role = _unit_role(role, text, current, labels)
            current.setdefault(role, (r, value.col))
            labels[(r, value.col)] = text
    if current:
        tasks.append(current)
    if not tasks or not all(t.keys() & {"item", "group"} and t.keys() & {"lead", "guide", "support", "deadline"}
                            for t in tasks):
        return None
    return Layout("task", 0, vertical=tuple(tasks))


def _unit_role(role: str, label: str, current: dict, labels: dict) -> str:
    """A second lead label in one task: 牵头单位 leads, the other (责任单位) supports."""
    if role != "lead" or "lead" not in current:
        return role
    if "牵头" in label and "牵头" not in labels[current["lead"]]:
        current["support"] = current.pop("lead")
        return "lead"
    return "support"


def vertical_records(table: Table, layout: Layout, index: int, doc_id: str,
                     issue_date: Optional[date]) -> list[TaskRecord]:
    """One task record per vertical task of the table."""
    records = []
    for fields in layout.vertical:
        def text(role: str) -> str:
            return normalize(table.text(*fields[role])) if role in fields else ""
        rec = TaskRecord(doc_id=doc_id, table=index, row=len(records), page=table.page_of(min(fields.values())[0]))
        item, group = text("item"), text("group")
        if not item:
            item, group = group, ""
        m = ITEM_NUMBER.match(item)
        rec.item_no, rec.item = (m.group(1) or m.group(2), item[m.end():]) if m else (None, item)
        seq = SEQ_CELL.match(squash(text("seq")))
        rec.item_no = seq.group(1) if seq else rec.item_no
        rec.group = GROUP_NUMBER.sub("", group, count=1) or None
        for role in ("lead", "guide", "support"):
            cell = parse_units(table.text(*fields[role])) if role in fields else None
            if cell:
                getattr(rec, f"{role}_units").extend(u for u in cell.units if u not in getattr(rec, f"{role}_units"))
                rec.support_units.extend(u for u in cell.support if u not in rec.support_units)
        if "deadline" in fields:
            d = parse_deadline(table.text(*fields["deadline"]), issue_date)
            rec.deadline_text, rec.deadline, rec.deadline_start, rec.deadline_kind = d.text, d.deadline, d.start, d.kind
            rec.flags.extend(d.flags)
        records.append(rec)
    return records
