"""The table stage reads the document model and never changes it (issue 8, design faults)."""
import copy
from pathlib import Path

from extractors.pdf import PdfExtractor
from pipeline.model import Table
from pipeline.tables import join, layout_of, logical_tables
from pipeline.tasks import TaskContext, task_records

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _snapshot(raw):
    """Everything a reader returned, as plain values (merged cells shown by their shared identity)."""
    out = []
    for block in raw.blocks:
        if isinstance(block, Table):
            ids: dict[int, int] = {}
            out.append([[(c.text, c.row, c.col, c.rowspan, c.colspan, ids.setdefault(id(c), len(ids)))
                         for c in row] for row in block.grid] + [block.row_pages, block.spans_known])
        else:
            out.append((block.text, block.page))
    return out


def _table_stage(raw):
    records = []
    for index, table in enumerate(logical_tables(raw.blocks)):
        layout = layout_of(table)
        if layout.kind == "task":
            records.extend(r.as_dict() for r in task_records(table, layout, index, TaskContext("d")))
    return records


def test_the_jiujiang_document_reads_the_same_twice_and_is_left_unchanged():
    raw = PdfExtractor().extract((CORPUS / "jiujiang_2020_annex1.pdf").read_bytes())
    before = copy.deepcopy(_snapshot(raw))
    first = _table_stage(raw)
    second = _table_stage(raw)
    assert len(first) == 28
    assert first == second
    assert _snapshot(raw) == before


def test_join_builds_new_cells_and_keeps_merges():
    from pipeline.model import Cell
    a_cell = Cell("组", 0, 0, 2, 1)
    first = Table([[a_cell, Cell("x", 0, 1)], [a_cell, Cell("y", 1, 1)]])
    merged = Cell("下", 0, 0, 1, 2)
    second = Table([[merged, merged]])
    joined = join(first, second)
    assert joined.grid[2][0] is joined.grid[2][1] and joined.grid[2][0].row == 2
    assert joined.grid[0][0] is joined.grid[1][0]
    assert merged.row == 0 and joined.grid[2][0] is not merged
