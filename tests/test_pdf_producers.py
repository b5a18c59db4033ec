"""PDFs as particular producers write them: what they put in the text layer that is not on the page.

The PDFs are built by tests/fixtures/build_pdf_producers.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

from normalizers.text import normalize
from pipeline.run import process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fixtures"))
from build_pdf_producers import GROUPS  # noqa: E402


def test_merged_label_drawn_in_the_page_margin_does_not_cut_the_table():
    # LibreOffice Calc centres group 9's label over its whole merged range, which a page break cuts a
    # row below its middle: a copy of the label lands in the top margin of page 2, above the table,
    # invisible. It is no paragraph between the two parts: they stay one table, every row a task.
    name = "issue-calc-merged-label-in-margin.pdf"
    result = process((HERE / "pdfs" / name).read_bytes(), name)
    got = [(t.group_no, t.group, t.item, t.lead_units, t.support_units, t.deadline_text) for t in result.tasks]
    want = [(str(g), label, normalize(item), [lead], [support], normalize(deadline))
            for g, (label, items) in enumerate(GROUPS, 1) for item, lead, support, deadline in items]
    assert got == want
    assert [t.page for t in result.tasks[23:29]] == [1, 1, 1, 1, 2, 2]
