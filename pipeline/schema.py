"""The SQL schema of notices.db: typed tables with keys, the unit table, views, full-text search.

Columns come from the record dataclasses (SPEC field order): an ``int`` field
is INTEGER, lists and objects are JSON text (checked with ``json_valid``), a
field that is not Optional is NOT NULL. Triggers keep the unit table and the
full-text index in step with ``tasks``, whoever writes to it.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import fields
from functools import lru_cache
from typing import Callable

from pipeline.model import CatalogRecord, DocumentRecord, DomainRecord, ErrorRecord, Record, TaskRecord, field_values

log = logging.getLogger("govnotice")
SCHEMA_VERSION = 1
DATASETS: dict[str, type[Record]] = {
    "documents": DocumentRecord,
    "tasks": TaskRecord,
    "catalog": CatalogRecord,
    "domains": DomainRecord,
    "errors": ErrorRecord,
}
DOC_DATASETS = ("documents", "tasks", "catalog", "domains")   # rows grouped by document, in source order
KEYS = {"documents": ("doc_id",), "tasks": ("doc_id", "table", "row"), "catalog": ("doc_id", "table", "row"),
        "domains": ("doc_id", "table", "row"), "errors": ("source",)}
ROLES = {"lead": "lead_units", "guide": "guide_units", "support": "support_units"}
FTS_COLUMNS = ("item", "group", "subgroup", "lead_units", "guide_units", "support_units")


def q(name: str) -> str:
    """An SQL identifier, quoted (`table`, `row` and `group` are keywords)."""
    return '"' + name.replace('"', '""') + '"'


def json_columns(cls: type[Record]) -> list[str]:
    """Fields stored as JSON text (lists and objects)."""
    return [f.name for f in fields(cls) if column_kind(f) == "json"]


@lru_cache(maxsize=None)
def layout(cls) -> tuple[tuple[str, ...], tuple[int, ...], Callable]:
    """A record class's columns (its fields), the positions of those stored as JSON text, and a function
    that returns a record's values of those columns as a tuple."""
    columns = tuple(cls.columns())
    json_fields = set(json_columns(cls))
    return columns, tuple(k for k, c in enumerate(columns) if c in json_fields), field_values(cls)


def column_kind(f) -> str:
    """How a record field is stored: "json" (lists and objects, as JSON text), "integer" or "text"."""
    kind = str(f.type)
    if kind.startswith(("list", "dict")):
        return "json"
    return "integer" if "int" in kind.replace("Optional", "") else "text"


def _column(f) -> str:
    kind = column_kind(f)
    sql = f"{q(f.name)} {'INTEGER' if kind == 'integer' else 'TEXT'}"
    if not str(f.type).startswith("Optional"):
        sql += " NOT NULL"
    if kind == "json":
        sql += f" CHECK (json_valid({q(f.name)}))"
    return sql


def table_sql(name: str) -> str:
    """CREATE TABLE for one dataset."""
    parts = [_column(f) for f in fields(DATASETS[name])]
    parts.append(f"PRIMARY KEY ({', '.join(map(q, KEYS[name]))})")
    if name == "documents":
        parts.append("UNIQUE (source)")
    elif name != "errors":
        parts.append("FOREIGN KEY (doc_id) REFERENCES documents (doc_id) ON DELETE CASCADE")
    return f"CREATE TABLE {q(name)} (\n  " + ",\n  ".join(parts) + "\n)"


def _units_select(row: str, where: str = "") -> str:
    """SELECT of the task_units rows of the tasks row(s) named ``row`` (``new`` in a trigger, ``t`` in bulk)."""
    source = "" if row == "new" else "tasks t, "
    return " UNION ALL ".join(
        f"SELECT {row}.doc_id, {row}.\"table\", {row}.\"row\", '{role}', CAST(j.key AS INTEGER), j.value "
        f"FROM {source}json_each({row}.{column}) j{where}" for role, column in ROLES.items())


_UNITS_INSERT = _units_select("new")
_FTS_COLS = ", ".join(map(q, FTS_COLUMNS))
_FTS_NEW = ", ".join(f"new.{q(c)}" for c in FTS_COLUMNS)
_FTS_OLD = ", ".join(f"old.{q(c)}" for c in FTS_COLUMNS)

UNITS_TRIGGER = f"CREATE TRIGGER tasks_units_ai AFTER INSERT ON tasks BEGIN INSERT INTO task_units {_UNITS_INSERT}; END"
STATIC = [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE batches (
  batch INTEGER PRIMARY KEY,
  finished TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  read INTEGER NOT NULL, unchanged INTEGER NOT NULL, removed INTEGER NOT NULL, errors INTEGER NOT NULL
)""",
    """CREATE TABLE provenance (
  doc_id TEXT PRIMARY KEY REFERENCES documents (doc_id) ON DELETE CASCADE,
  rules_version TEXT NOT NULL,
  override TEXT NOT NULL,     -- digest of the manifest row applied ('' for none)
  batch INTEGER NOT NULL REFERENCES batches (batch) DEFERRABLE INITIALLY DEFERRED
)""",
    """CREATE TABLE task_units (
  doc_id TEXT NOT NULL, "table" INTEGER NOT NULL, "row" INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('lead', 'guide', 'support')),
  position INTEGER NOT NULL, unit TEXT NOT NULL,
  PRIMARY KEY (doc_id, "table", "row", role, position),
  FOREIGN KEY (doc_id, "table", "row") REFERENCES tasks (doc_id, "table", "row") ON DELETE CASCADE
)""",
    "CREATE INDEX task_units_unit ON task_units (unit, role)",
    "CREATE INDEX documents_region ON documents (province, city, county)",
    "CREATE INDEX tasks_region ON tasks (province, city, county)",
    "CREATE INDEX tasks_deadline ON tasks (deadline)",
    "CREATE INDEX tasks_deadline_kind ON tasks (deadline_kind)",
    UNITS_TRIGGER,
    """CREATE TRIGGER tasks_units_ad AFTER DELETE ON tasks BEGIN
  DELETE FROM task_units WHERE doc_id = old.doc_id AND "table" = old."table" AND "row" = old."row"; END""",
    """CREATE VIEW tasks_documents AS
  SELECT t.*, d.format, d.doc_number, d.issuer, d.url
  FROM tasks t JOIN documents d ON d.doc_id = t.doc_id""",
    """CREATE VIEW unit_tasks AS
  SELECT u.unit, u.role, t.doc_id, t.source, t.title, t.province, t.city, t.county, t."table", t."row",
         t."group", t.item, t.deadline_text, t.deadline, t.deadline_kind
  FROM task_units u JOIN tasks t ON t.doc_id = u.doc_id AND t."table" = u."table" AND t."row" = u."row\"""",
]

FTS_TABLE = f"CREATE VIRTUAL TABLE tasks_fts USING fts5({_FTS_COLS}, content=\"tasks\", tokenize='trigram')"
FTS_TRIGGERS = {
    "tasks_fts_ai": f"CREATE TRIGGER tasks_fts_ai AFTER INSERT ON tasks BEGIN "
                    f"INSERT INTO tasks_fts (rowid, {_FTS_COLS}) VALUES (new.rowid, {_FTS_NEW}); END",
    "tasks_fts_ad": f"CREATE TRIGGER tasks_fts_ad AFTER DELETE ON tasks BEGIN "
                    f"INSERT INTO tasks_fts (tasks_fts, rowid, {_FTS_COLS}) VALUES ('delete', old.rowid, {_FTS_OLD}); END",
}
FTS = [FTS_TABLE, *FTS_TRIGGERS.values()]

# --------------------------------------------------------------------------
# Bulk upkeep for the batch writer
# --------------------------------------------------------------------------
# The triggers above keep task_units and tasks_fts in step for any writer, one row at a time. Fed
# row by row, the trigram index costs 8 times what one INSERT ... SELECT over the same rows costs
# (0.28 s against 0.04 s for 6,354 tasks), so the batch writer drops these triggers inside its
# transaction, indexes its documents in bulk before it commits and creates the triggers again: the
# committed schema is always the one above, and a batch that rolls back takes the drop with it.
DEFERRED_TRIGGERS = {"tasks_units_ai": UNITS_TRIGGER, **FTS_TRIGGERS}
BATCH_DOCS = "temp.batch_docs"   # doc_ids whose tasks are not indexed yet
BATCH_DOCS_TABLE = f"CREATE TABLE IF NOT EXISTS {BATCH_DOCS} (doc_id TEXT PRIMARY KEY)"
# The batch's rows are read in rowid order from the lowest rowid they hold (:lo), the doc_id checked
# against the batch (`+` keeps SQLite off the doc_id index): by the index they were read in key order,
# one random page access each, which took 2.5 times as long.
_IN_BATCH = f" WHERE t.rowid >= :lo AND +t.doc_id IN (SELECT doc_id FROM {BATCH_DOCS})"
LOWEST_ROWID = f"SELECT min(rowid) FROM tasks WHERE doc_id IN (SELECT doc_id FROM {BATCH_DOCS})"
BULK_UNITS = f"INSERT INTO task_units {_units_select('t', _IN_BATCH)}"
BULK_FTS = f"INSERT INTO tasks_fts (rowid, {_FTS_COLS}) SELECT t.rowid, {_FTS_COLS} FROM tasks t{_IN_BATCH}"
FTS_DELETE = (f"INSERT INTO tasks_fts (tasks_fts, rowid, {_FTS_COLS}) "
              f"SELECT 'delete', rowid, {_FTS_COLS} FROM tasks WHERE doc_id = ?")


def trigram_supported(db: sqlite3.Connection) -> bool:
    """True when this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    try:
        db.execute("CREATE VIRTUAL TABLE temp.probe USING fts5(x, tokenize='trigram')")
        db.execute("DROP TABLE temp.probe")
        return True
    except sqlite3.OperationalError:
        return False


def jieba_fts(db: sqlite3.Connection) -> bool:
    """True when tasks_fts holds jieba words that the store keeps up to date (no trigram tokenizer)."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'tasks_fts'").fetchone()
    return bool(sql) and "trigram" not in sql[0]


def words(text: str, for_query: bool = False) -> str:
    """Text as space-separated jieba words (finer words for the index, so that a query's words are in it)."""
    import jieba  # loads its dictionary: only stores without the trigram tokenizer pay for it
    cut = jieba.cut(text) if for_query else jieba.cut_for_search(text)
    return " ".join(w for w in (w.strip() for w in cut) if w and w.isalnum())


def create(db: sqlite3.Connection) -> None:
    """Create every table, index, trigger and view of an empty store (inside the caller's transaction)."""
    for name in DATASETS:
        db.execute(table_sql(name))
    for statement in STATIC:
        db.execute(statement)
    if trigram_supported(db):
        for statement in FTS:
            db.execute(statement)
    else:  # a SQLite older than 3.34: words cut by jieba, indexed by the store (see jieba_fts)
        log.info("this SQLite (%s) has no trigram tokenizer: full text indexed as jieba words",
                 sqlite3.sqlite_version)
        db.execute(f"CREATE VIRTUAL TABLE tasks_fts USING fts5({_FTS_COLS}, tokenize='unicode61')")
    db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


LABELS = {
    "documents": ("Documents", "One row per notice read: title, 发文字号, issuer, issue date, region, url.", "title"),
    "tasks": ("Tasks", "One row per concrete task (具体事项): who leads, guides, supports it and by when.", "item"),
    "catalog": ("Catalog items", "Items of 标准目录 disclosure catalogs.", "content"),
    "domains": ("Domains", "Domain → lead-unit rows (e.g. 26 试点领域 牵头单位).", "domain"),
    "errors": ("Errors", "Inputs that could not be read, with the reason.", "source"),
    "task_units": ("Units of tasks", "One row per (task, role, unit): every task led by a unit is one query.", "unit"),
    "batches": ("Batches", "Each extract or remove committed to the store.", None),
    "provenance": ("Provenance", "Which batch, rules version and manifest row read each document.", None),
}
FACETS = {
    "documents": ["province", "city", "county", "format"],
    "tasks": ["province", "city", "county", "deadline_kind", {"array": "lead_units"}, {"array": "flags"}],
    "task_units": ["role", "unit"],
    "catalog": ["time_limit_unit"],
    "domains": ["ministry"],
    "errors": ["error"],
}


def datasette_metadata() -> dict:
    """Datasette metadata for notices.db: labelled tables, facets on region, deadline kind and units."""
    tables = {}
    for name, (title, description, label) in LABELS.items():
        meta = {"title": title, "description": description}
        if label:
            meta["label_column"] = label
        if name in FACETS:
            meta["facets"] = FACETS[name]
        tables[name] = meta
    tables["tasks"].update(sort="deadline", fts_table="tasks_fts", fts_pk="rowid")
    return {"title": "govnotice store", "description": "Chinese government notices as task datasets "
            "(SPEC.md). Search tasks with full text (three characters or more).",
            "databases": {"notices": {"tables": tables}}}
