"""Catalog (标准目录) and domain (试点领域 → 牵头单位) records."""
from __future__ import annotations

import re
from typing import Optional

from normalizers.text import normalize
from normalizers.units import split_units
from pipeline.model import CatalogRecord, DomainRecord, Table
from pipeline.tables import Layout, is_header_row, row_cells, squash
from pipeline.tasks import label_text, seq_number

TICKED = "■☑√✓✔☒"
UNTICKED = "□☐"
_MARKS = TICKED + UNTICKED
_AUDIENCE = ("全社会", "特定群体")
_MODE = ("主动公开", "依申请公开")
_TIME_LIMIT = re.compile(r"日起|日内|工作日|个工作|天内|及时|实时|即时")
_DOMAIN_SUFFIX = re.compile(r"(领域)?基层政务公开标准目录$|领域$")


def ticked_names(text: str) -> list[str]:
    """Names marked ticked in a cell such as `■政府网站□政府公报` (mark before or after the name)."""
    out: list[str] = []
    for line in re.split(r"\n|(?=[" + _MARKS + r"])", text or ""):
        line = line.strip()
        if not line:
            continue
        if line[0] in TICKED:
            name = line[1:]
        elif line[-1] in TICKED and line[0] not in UNTICKED:
            name = line[:-1]
        else:
            continue
        name = normalize(name.strip(_MARKS))
        if name and name not in out:
            out.append(name)
    return out


def is_ticked(text: str) -> bool:
    """A cell holding a tick mark (and nothing that unticks it)."""
    t = squash(text)
    return bool(t) and any(ch in TICKED for ch in t) and not any(ch in UNTICKED for ch in t)


def time_limit_days(text: str) -> tuple[Optional[int], Optional[str]]:
    """(days, 'workday' | 'day') from a 公开时限 such as `信息形成之日起20个工作日内`."""
    m = re.search(r"(\d+)\s*个?\s*(工作)?\s*(日|天)?", text or "")
    if not m or not (m.group(2) or m.group(3)):
        return None, None
    return int(m.group(1)), "workday" if m.group(2) else "day"


def _tick_columns(table: Table, layout: Layout) -> dict[str, list[tuple[int, str]]]:
    """Columns whose cells are tick marks, as (column, label) for audience and mode."""
    out: dict[str, list[tuple[int, str]]] = {"audience": [], "mode": []}
    start = layout.header_rows
    marks = []
    for c in range(table.n_cols):
        cells = [squash(table.text(r, c)) for r in range(start, table.n_rows)]
        if layout.roles.get(c) in (None, "cat_audience", "cat_mode") and all(
                not t or set(t) <= set(_MARKS + "×xX") for t in cells):
            marks.append(c)
    for c in marks:
        head = squash("".join(table.text(r, c) for r in range(start)))
        label = next((name for name in _AUDIENCE + _MODE if name[:2] in head), None)
        if label:
            out["audience" if label in _AUDIENCE else "mode"].append((c, label))
    # The standard template's order (对象: 全社会, 特定群体; then 方式: 主动, 依申请)
    # stands in for labels that are unreadable.
    labelled = {c for pairs in out.values() for c, _ in pairs}
    unlabelled = [c for c in marks if c not in labelled]
    if not out["audience"]:
        first_mode = min((c for c, _ in out["mode"]), default=None)
        before = [c for c in unlabelled if first_mode is None or c < first_mode][:2]
        out["audience"] = list(zip(before, _AUDIENCE))
        unlabelled = [c for c in unlabelled if c not in before]
    if not out["mode"]:
        out["mode"] = list(zip(unlabelled[:2], _MODE))
    return out


def _time_column(table: Table, layout: Layout) -> Optional[int]:
    col = layout.col("cat_time")
    if col is not None:
        return col
    for c in range(table.n_cols):
        if c in layout.roles:
            continue
        cells = [normalize(table.text(r, c)) for r in range(layout.header_rows, table.n_rows)]
        filled = [t for t in cells if t]
        if filled and sum(bool(_TIME_LIMIT.search(t)) for t in filled) * 2 >= len(filled):
            return c
    return None


def catalog_records(table: Table, layout: Layout, index: int, doc_id: str) -> list[CatalogRecord]:
    """One record per item row of a 标准目录 table; merged 一级事项 cells carried down."""
    ticks = _tick_columns(table, layout)
    time_col = _time_column(table, layout)
    text_of = {role: layout.col(role) for role in
               ("cat_level1", "cat_level2", "cat_content", "cat_basis", "cat_subject")}
    seq_col = layout.col("seq") if layout.col("seq") is not None else (0 if 0 not in layout.roles else None)
    records: list[CatalogRecord] = []
    level1 = None
    for r in range(layout.header_rows, table.n_rows):
        if is_header_row(table, r) or not any(squash(c.text) for c in row_cells(table, r)):
            continue
        rec = CatalogRecord(doc_id=doc_id, table=index, row=len(records))
        if seq_col is not None:
            rec.seq = seq_number(table.text(r, seq_col))
        values = {role: (normalize(table.text(r, c)) or None) if c is not None else None
                  for role, c in text_of.items()}
        if values["cat_level1"]:
            level1 = label_text(table.text(r, text_of["cat_level1"]))
        rec.level1, rec.level2, rec.content = level1, values["cat_level2"], values["cat_content"]
        rec.basis, rec.subject = values["cat_basis"], values["cat_subject"]
        if time_col is not None:
            rec.time_limit = normalize(table.text(r, time_col)) or None
            rec.time_limit_days, rec.time_limit_unit = time_limit_days(rec.time_limit or "")
        channel_col = layout.col("cat_channel")
        if channel_col is not None:
            rec.channels = ticked_names(table.text(r, channel_col))
        rec.audience = [label for c, label in ticks["audience"] if is_ticked(table.text(r, c))]
        rec.mode = [label for c, label in ticks["mode"] if is_ticked(table.text(r, c))]
        records.append(rec)
    return records


def domain_name(text: str) -> str:
    """A domain without its trailing `领域基层政务公开标准目录`."""
    return _DOMAIN_SUFFIX.sub("", normalize(text)) or normalize(text)


def domain_records(table: Table, layout: Layout, index: int, doc_id: str) -> list[DomainRecord]:
    """One record per row of a domain → lead-unit table."""
    records: list[DomainRecord] = []
    dom_col, min_col = layout.col("dom_domain"), layout.col("dom_ministry")
    unit_cols = layout.cols("lead") + layout.cols("guide")
    seq_col = layout.col("seq")
    for r in range(layout.header_rows, table.n_rows):
        if is_header_row(table, r) or not squash(table.text(r, dom_col)):
            continue
        rec = DomainRecord(doc_id=doc_id, table=index, row=len(records))
        rec.seq = seq_number(table.text(r, seq_col)) if seq_col is not None else None
        rec.domain = domain_name(table.text(r, dom_col))
        rec.ministry = normalize(table.text(r, min_col)) or None if min_col is not None else None
        for c in unit_cols:
            rec.lead_units.extend(u for u in split_units(table.text(r, c)) if u not in rec.lead_units)
        records.append(rec)
    return records
