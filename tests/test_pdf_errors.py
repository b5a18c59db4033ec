"""A broken PDF is `unreadable`; a bug in our own table rebuilding is `internal_error` (issue 8)."""
import pytest

import extractors.pdf as pdf
from pipeline.errors import UnreadableDocument
from pipeline.run import process
from _helpers import make_pdf, pdf_text

# an unruled task table: header words on one line, rows below, no rules
UNRULED = [pdf_text(x, 700, s) for x, s in zip((60, 120, 300, 450), ("序号", "工作任务", "责任单位", "完成时间"))] + \
          [pdf_text(x, 680, s) for x, s in zip((60, 120, 300, 450), ("1", "编制目录", "区民政局", "2021年3月"))] + \
          [pdf_text(x, 660, s) for x, s in zip((60, 120, 300, 450), ("2", "开展培训", "区司法局", "2021年6月"))]


def _bug(*args, **kwargs):
    raise IndexError("list index out of range (planted)")


def test_a_bug_in_table_rebuilding_is_not_called_a_broken_file(monkeypatch):
    data = make_pdf([UNRULED])
    assert pdf.PdfExtractor().extract(data).tables  # the file itself reads
    monkeypatch.setattr(pdf, "_column_gaps", _bug)
    # the bug itself comes out, not a named error: the runner reports it as internal_error
    with pytest.raises(IndexError, match="planted"):
        process(data, "plan.pdf")


def test_a_library_failure_is_unreadable(monkeypatch):
    import pdfplumber.page
    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", _bug)
    with pytest.raises(UnreadableDocument, match="IndexError"):
        pdf.PdfExtractor().extract(make_pdf([UNRULED]))
