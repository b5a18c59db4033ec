"""Catalog (标准目录) and domain (试点领域 → 牵头单位) records.

Judgment calls (SPEC.md is silent):

* a tick is any check mark (■ ☑ √ ✓ ✔ ☒ ●) or the word 是; □ ☐ ○ × ✗ 否
  and blanks are no tick;
* a mark of a symbol font left as a private-use character (a .doc's Wingdings 2
  ☑ after LibreOffice, a PDF's Wingdings ✓) is read as the mark it draws; other
  private-use characters are dropped (never part of a channel's name);
* a 公开渠道 cell without any mark lists its channels as free text
  (`政府网站、公开栏`): every listed channel counts;
* 公开对象 / 公开方式 written as text (`全社会`, `主动`) instead of tick
  columns give the values they name;
* a catalog with one 事项 column (事项名称, 公开事项) gives it as `level2`;
* 公开层级 (县级 | 乡级) is not in the contract and is ignored; its tick
  columns never stand in for unreadable 对象 / 方式 columns.
"""
from __future__ import annotations

import re
from typing import Optional

from normalizers.text import cn_int, normalize, normalize_lines
from normalizers.units import split_units
from pipeline.lexicon import PRIVATE_USE_MARKS
from pipeline.model import CatalogRecord, DomainRecord, Table
from pipeline.tables import (CATALOG_TITLE, Layout, is_header_row, is_note_row, row_cells, runs_across,
                             squash)
from pipeline.tasks import label_text, seq_number

TICKED = "■☑√✓✔☒●"
UNTICKED = "□☐○"
_MARKS = TICKED + UNTICKED
_TICK_WORDS = ("是",)
_NO_TICK = set(UNTICKED + "×✗✘xX否-—/")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_AUDIENCE = ("全社会", "特定群体")
_MODE = ("主动公开", "依申请公开")
_TIME_LIMIT = re.compile(r"日起|日内|工作日|个工作|天内|及时|实时|即时|时限")
# Headers of columns the contract leaves out: 公开层级 (县级 | 乡级 | 市级).
_IGNORED_HEAD = re.compile(r"层级|[县乡市]级$")
_CHANNEL_SEPS = re.compile(r"[、,，;；\n]+|\s{2,}")
_DOMAIN_SUFFIX = re.compile(r"(领域)?(基层)?(政务公开)?标准(目录|指引)$|领域$")
_MINISTRY = re.compile(r"^(国家|国务院|中国|全国)|部$|总局$|署$|[银证]\S*监\S*会$")
_LOCAL = re.compile(r"^(省|市|县|区|州|盟|旗|乡|镇|街道|[^\s]{1,6}[省市县区])")
# a number of (working) days; 工作 alone is a 工作日 cut short by a wrap or a bad text layer
_DURATION = re.compile(r"(?<![年月\d])([\d〇零一二两三四五六七八九十]+)\s*个?\s*(工作|日|天)")


def read_marks(text: str) -> str:
    """Text with the symbol-font marks left in the private-use area read as the marks they draw (\\uf052 as ☑),
    any other private-use character dropped."""
    return _PRIVATE_USE.sub(lambda m: PRIVATE_USE_MARKS.get(m.group(), ""), text) if text else ""


def _split_marked(text: str) -> list[str]:
    """A check-box cell cut into one piece per box: at each mark, or after it when marks trail names.

    Marks before names: text up to the next mark is the name, whatever line it
    is on (a narrow cell wraps `■两微一端` after 两微一).
    """
    t = text.strip()
    trailing = bool(t) and t[0] not in _MARKS and t[-1] in _MARKS
    pattern = r"\n|(?<=[" + _MARKS + r"])" if trailing else r"(?=[" + _MARKS + r"])"
    return [p.strip() for p in re.split(pattern, text) if p.strip()]


def ticked_names(text: str) -> list[str]:
    """Names marked ticked in a cell such as `■政府网站□政府公报` (mark before or after the name)."""
    out: list[str] = []
    for piece in _split_marked(read_marks(text)):
        if piece[0] in TICKED:
            name = piece[1:]
        elif piece[-1] in TICKED and piece[0] not in UNTICKED:
            name = piece[:-1]
        else:
            continue
        name = normalize(name.strip(_MARKS))
        if name and name not in out:
            out.append(name)
    return out


def channel_names(text: str) -> list[str]:
    """The channels a 公开渠道 cell gives: the ticked ones, or every listed one when nothing is marked."""
    text = read_marks(text)
    if any(ch in _MARKS for ch in text):
        return ticked_names(text)
    out: list[str] = []
    for line in normalize_lines(text):
        for name in _CHANNEL_SEPS.split(line):
            name = name.strip(" 。.")
            if name and name not in out:
                out.append(name)
    return out


def is_ticked(text: str) -> bool:
    """A cell holding a tick mark or 是 (and nothing that unticks it)."""
    t = squash(read_marks(text))
    if not t or any(ch in UNTICKED for ch in t):
        return False
    return t in _TICK_WORDS or any(ch in TICKED for ch in t)


def _is_tick_value(text: str) -> bool:
    """A cell that can sit in a tick column: blank, a mark, 是 / 否, a cross."""
    text = read_marks(text)
    return not text or text in _TICK_WORDS or text == "否" or set(text) <= set(_MARKS) | _NO_TICK


def time_limit_days(text: str) -> tuple[Optional[int], Optional[str]]:
    """(days, 'workday' | 'day') from a 公开时限 such as `信息形成之日起20个工作日内`; a date (`每月10日前`) is none."""
    for m in _DURATION.finditer(normalize(text)):
        days = cn_int(m.group(1))
        if days is not None:
            return days, "workday" if m.group(2).startswith("工作") else "day"
    return None, None


def _head(table: Table, layout: Layout, c: int) -> str:
    """The header wording over column c, all header rows joined."""
    return squash("".join(table.text(r, c) for r in range(layout.header_rows)))


def _tick_columns(table: Table, layout: Layout) -> dict[str, list[tuple[int, str]]]:
    """Columns whose cells are tick marks, as (column, label) for audience and mode."""
    out: dict[str, list[tuple[int, str]]] = {"audience": [], "mode": []}
    marks = []
    for c in range(table.n_cols):
        cells = [squash(table.text(r, c)) for r in range(layout.header_rows, table.n_rows)]
        if layout.roles.get(c) in (None, "cat_audience", "cat_mode") and all(map(_is_tick_value, cells)) \
                and not _IGNORED_HEAD.search(_head(table, layout, c)):
            marks.append(c)
    for c in marks:
        head = _head(table, layout, c)
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


def named_values(text: str, names: tuple[str, ...]) -> list[str]:
    """The names (全社会, 主动公开 …) a text cell gives, by their first two characters; ticked ones only when marked."""
    text = read_marks(text)
    if any(ch in _MARKS for ch in text):
        text = "\n".join(ticked_names(text))
    t = squash(text)
    return [name for name in names if name[:2] in t or (name == "依申请公开" and "申请" in t)]


def _header_col(table: Table, layout: Layout, words: tuple[str, ...], roles: tuple = (None,)) -> Optional[int]:
    """The first column with one of `roles` whose header holds one of `words`."""
    for c in range(table.n_cols):
        if layout.roles.get(c) in roles and any(w in _head(table, layout, c) for w in words):
            return c
    return None


def _time_column(table: Table, layout: Layout) -> Optional[int]:
    for role in ("cat_time", "deadline"):
        if layout.col(role) is not None:
            return layout.col(role)
    for c in range(table.n_cols):
        if c in layout.roles:
            continue
        cells = [normalize(table.text(r, c)) for r in range(layout.header_rows, table.n_rows)]
        filled = [t for t in cells if t]
        if filled and sum(bool(_TIME_LIMIT.search(t)) for t in filled) * 2 >= len(filled):
            return c
    return None


def _text_columns(table: Table, layout: Layout) -> dict[str, Optional[int]]:
    """Column of each text field, with fall-backs for wordings the header lexicon reads otherwise."""
    cols = {role: layout.col(role) for role in
            ("cat_level1", "cat_level2", "cat_content", "cat_basis", "cat_subject", "cat_channel",
             "cat_audience", "cat_mode")}
    if cols["cat_level2"] is None:   # 事项名称 / 公开事项 / 具体事项
        cols["cat_level2"] = next((c for c in layout.cols("item") if c != cols["cat_level1"]), None)
    if cols["cat_content"] is None:  # 公开标准 / 公开要素
        cols["cat_content"] = _header_col(table, layout, ("内容", "要素", "标准"), (None, "item", "other"))
    if cols["cat_basis"] is None:
        cols["cat_basis"] = _header_col(table, layout, ("依据",), (None, "other"))
    if cols["cat_subject"] is None:  # 责任主体 / 责任单位 / 公开部门
        cols["cat_subject"] = layout.col("lead")
    if cols["cat_channel"] is None:
        cols["cat_channel"] = _header_col(table, layout, ("渠道", "载体", "平台"), (None, "other"))
    cols["time"] = _time_column(table, layout)
    return cols


def _is_data_row(table: Table, r: int) -> bool:
    """A row that may hold a catalog item: not a header typed again, blank, a note or a form's footer."""
    return (not is_header_row(table, r) and any(squash(c.text) for c in row_cells(table, r))
            and not is_note_row(table, r))


def _first_level_alone(table: Table, r: int, col: Optional[int]) -> bool:
    """A row whose one filled cell is its 一级事项 (col), within that column or a few more and no catalog's
    title: the heading of the items below, no item itself."""
    filled = [c for c in row_cells(table, r) if squash(c.text)]
    if col is None or len(filled) != 1 or filled[0] is not table.grid[r][col]:
        return False
    width = sum(1 for c in table.grid[r] if c is filled[0])
    return 2 * width <= table.n_cols and not CATALOG_TITLE.search(squash(filled[0].text))


def catalog_records(table: Table, layout: Layout, index: int, doc_id: str) -> list[CatalogRecord]:
    """One record per item row of a 标准目录 table; merged 一级事项 cells carried down."""
    ticks = _tick_columns(table, layout)
    tick_cols = {c for pairs in ticks.values() for c, _ in pairs}
    cols = _text_columns(table, layout)
    seq_col = layout.col("seq") if layout.col("seq") is not None else (0 if 0 not in layout.roles else None)
    text = {role: cols[role] for role in ("cat_level2", "cat_content", "cat_basis", "cat_subject")}
    records: list[CatalogRecord] = []
    level1 = None
    for r in (r for r in range(layout.header_rows, table.n_rows) if _is_data_row(table, r)):
        rec = CatalogRecord(doc_id=doc_id, table=index, row=len(records))
        if seq_col is not None:
            rec.seq = seq_number(table.text(r, seq_col))
        if _first_level_alone(table, r, cols["cat_level1"]):
            level1 = label_text(table.text(r, cols["cat_level1"]))
            continue
        if runs_across(table, r):
            # a text across the table starts another catalog or section, whose items name their own
            level1 = None
            continue
        if cols["cat_level1"] is not None and squash(table.text(r, cols["cat_level1"])):
            level1 = label_text(table.text(r, cols["cat_level1"]))
        values = {role: (normalize(table.text(r, c)) or None) if c is not None else None for role, c in text.items()}
        rec.level1, rec.level2, rec.content = level1, values["cat_level2"], values["cat_content"]
        rec.basis, rec.subject = values["cat_basis"], values["cat_subject"]
        if cols["time"] is not None:
            rec.time_limit = normalize(table.text(r, cols["time"])) or None
            rec.time_limit_days, rec.time_limit_unit = time_limit_days(rec.time_limit or "")
        if cols["cat_channel"] is not None:
            rec.channels = channel_names(table.text(r, cols["cat_channel"]))
        rec.audience = _choices(table, r, ticks["audience"], cols["cat_audience"], tick_cols, _AUDIENCE)
        rec.mode = _choices(table, r, ticks["mode"], cols["cat_mode"], tick_cols, _MODE)
        records.append(rec)
    return records


def _choices(table: Table, r: int, ticks: list[tuple[int, str]], text_col: Optional[int],
             tick_cols: set[int], names: tuple[str, ...]) -> list[str]:
    """Audience or mode of row r: from its tick columns, else from a column that names the values."""
    if ticks:
        return [label for c, label in ticks if is_ticked(table.text(r, c))]
    if text_col is None or text_col in tick_cols:
        return []
    return named_values(table.text(r, text_col), names)


def domain_name(text: str) -> str:
    """A domain without its trailing `领域基层政务公开标准目录` (or 标准指引, 领域) and without 《》."""
    name = normalize(text).strip("《》〈〉\"“”")
    return _DOMAIN_SUFFIX.sub("", name) or name


def _is_ministry_column(table: Table, layout: Layout, c: int) -> bool:
    """A column naming State Council departments (教育部, 国家发展改革委, 税务总局), not local units."""
    names = [u for r in range(layout.header_rows, table.n_rows) for u in split_units(table.text(r, c))]
    hits = sum(1 for u in names if _MINISTRY.search(u) and not _LOCAL.match(u))
    return bool(names) and hits * 10 >= len(names) * 8


def domain_records(table: Table, layout: Layout, index: int, doc_id: str) -> list[DomainRecord]:
    """One record per row of a domain → lead-unit table."""
    records: list[DomainRecord] = []
    dom_col, min_col = layout.col("dom_domain"), layout.col("dom_ministry")
    unit_cols = layout.cols("lead") + layout.cols("guide")
    if min_col is None:  # 标准指引制定部门 and the like, read by the lexicon as a unit column
        min_col = next((c for c in unit_cols if _is_ministry_column(table, layout, c)), None)
        unit_cols = [c for c in unit_cols if c != min_col]
    seq_col = layout.col("seq")
    for r in range(layout.header_rows, table.n_rows):
        if is_header_row(table, r) or not squash(table.text(r, dom_col)) or is_note_row(table, r):
            continue
        rec = DomainRecord(doc_id=doc_id, table=index, row=len(records))
        rec.seq = seq_number(table.text(r, seq_col)) if seq_col is not None else None
        rec.domain = domain_name(table.text(r, dom_col))
        rec.ministry = (normalize(table.text(r, min_col)) or None) if min_col is not None else None
        for c in unit_cols:
            rec.lead_units.extend(u for u in split_units(table.text(r, c)) if u not in rec.lead_units)
        records.append(rec)
    return records
