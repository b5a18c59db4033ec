"""Tables a page break cut open: browser prints of the sample pages read as the pages themselves.

Chromium's print to PDF draws no rule where a page break cuts a table, so the
cut rows and the merged 工作任务 cells running into the next page have open
ends. The sample HTML pages are printed here on A4 and Letter, portrait and
landscape, once per session (printing takes seconds); a small PDF written
here reproduces the quirk without a browser.
"""
from __future__ import annotations

import dataclasses
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from extractors.pagecut import CutSettings, cut_rules, widen_parts
from pipeline.model import Cell, Paragraph, Table
from pipeline.run import process
from _helpers import make_pdf, pdf_line, pdf_text

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PAGES = ["dongzhi_2020.html", "donghu_2020.html"]
PAPERS = ["A4", "A4 landscape", "letter", "letter landscape"]
# fields that differ by format or file, not by what was read
DOC_BOUND = {"doc_id", "source", "page"}


def _print(chromium: str, html: Path, paper: str, out_dir: Path) -> Path:
    """html printed by headless Chromium on the given paper (CSS @page size in a copy of the page)."""
    name = f"{html.stem}-{paper.replace(' ', '-')}"
    page = out_dir / f"{name}.html"
    style = f"<head><style>@page {{ size: {paper} }}</style>".encode("ascii")
    source = html.read_bytes()  # bytes: pages may be GBK
    assert b"<head>" in source, f"{html.name}: no <head> to put the paper size in"
    page.write_bytes(source.replace(b"<head>", style, 1))
    pdf = out_dir / f"{name}.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={out_dir / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, check=True, timeout=300)
    return pdf


@pytest.fixture(scope="session")
def chromium_prints(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every sample page printed on every paper: (page, paper) -> PDF path."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed (installed by .ci/setup)"
    out_dir = tmp_path_factory.mktemp("chromium")
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    return {(page, paper): _print(chromium, CORPUS / page, paper, out_dir)
            for page in PAGES for paper in PAPERS}


def _records(items) -> list[dict]:
    return [{k: v for k, v in dataclasses.asdict(rec).items() if k not in DOC_BOUND} for rec in items]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("page", PAGES)
def test_chromium_print_gives_the_tasks_of_the_page(chromium_prints, page, paper):
    pdf = chromium_prints[(page, paper)]
    from_pdf = process(pdf.read_bytes(), pdf.name)
    from_html = process((CORPUS / page).read_bytes(), page)
    assert from_html.tasks
    # the print really is cut: a task table runs over more than one page
    assert len({t.page for t in from_pdf.tasks}) > 1
    assert _records(from_pdf.tasks) == _records(from_html.tasks)
    assert _records(from_pdf.domains) == _records(from_html.domains)
    assert _records(from_pdf.catalog) == _records(from_html.catalog)


# --------------------------------------------------------------------------
# The quirk in a PDF written here: a merged group cell runs over the break
# --------------------------------------------------------------------------

_XS = [50, 80, 180, 400, 490, 560]  # 序号 | 工作任务 | 具体事项 | 责任单位 | 完成时限
_ITEMS = ["(1)编制政务公开事项目录", "(2)公开事项目录清单", "(3)规范政府信息管理流程",
          "(4)动态调整公开属性", "(5)优化政府网站栏目设置"]


def _rule(y: float, left: float = _XS[0], right: float = _XS[-1]) -> str:
    return pdf_line(left, y, right, y)


def _row_text(y: float, item: str, seq: str = "", group: str = "") -> list[str]:
    ops = [pdf_text(_XS[2] + 3, y, item, 9), pdf_text(_XS[3] + 3, y, "县政府办公室", 9),
           pdf_text(_XS[4] + 3, y, "2020年底", 9)]
    if seq:
        ops += [pdf_text(_XS[0] + 10, y, seq, 9), pdf_text(_XS[1] + 3, y, group, 9)]
    return ops


def _cut_table_pdf() -> bytes:
    """Two pages as a browser prints them: no rule at the foot of page 1 under the merged
    group cell (it runs on), no rule at the head of page 2 (PDF y grows upwards)."""
    first = [pdf_line(x, 742, x, 552) for x in _XS]
    first += [_rule(742), _rule(712), _rule(632), _rule(672, _XS[2]), _rule(552, _XS[2])]
    first += [pdf_text(x + 3, 722, h, 9) for x, h in zip(_XS, ["序号", "工作任务", "具体事项", "责任单位", "完成时限"])]
    first += _row_text(690, _ITEMS[0], "1", "编制目录") + _row_text(650, _ITEMS[1])
    first += _row_text(600, _ITEMS[2], "2", "规范管理")
    second = [pdf_line(x, 742, x, 662) for x in _XS] + [_rule(702), _rule(662)]
    second += _row_text(720, _ITEMS[3]) + _row_text(680, _ITEMS[4], "3", "网站建设")
    return make_pdf([first, second])


def test_rows_and_merged_cells_cut_by_a_page_break_are_read():
    result = process(_cut_table_pdf(), "issue-browser-page-cut.pdf")
    got = [(t.group_no, t.group, t.item_no, t.item, t.lead_units, t.deadline_text, t.page)
           for t in result.tasks]
    groups = [("1", "编制目录"), ("1", "编制目录"), ("2", "规范管理"), ("2", "规范管理"), ("3", "网站建设")]
    want = [(no, group, str(i + 1), item[3:], ["县政府办公室"], "2020年底", 1 if i < 3 else 2)
            for i, ((no, group), item) in enumerate(zip(groups, _ITEMS))]
    assert got == want


def _edge(x0, top, x1, bottom):
    return {"x0": x0, "top": top, "x1": x1, "bottom": bottom}


def _grid(xs, ys, open_bottom=(), open_top=()):
    """Vertical and horizontal edges of a grid; the cells between xs[i], xs[i+1] listed in
    open_bottom / open_top get no rule at the last / first y."""
    vertical = [_edge(x, ys[0], x, ys[-1]) for x in xs]
    horizontal = []
    for j, y in enumerate(ys):
        for i in range(len(xs) - 1):
            if (j == len(ys) - 1 and i in open_bottom) or (j == 0 and i in open_top):
                continue
            horizontal.append(_edge(xs[i], y, xs[i + 1], y))
    return vertical, horizontal


def test_a_closed_table_gets_no_extra_rule():
    assert cut_rules(*_grid([10, 50, 90, 130], [100, 120, 140])) == []


def test_open_cells_at_foot_and_head_are_closed_across_the_table():
    vertical, horizontal = _grid([10, 50, 90, 130], [100, 120, 140], open_bottom={0}, open_top={0, 1, 2})
    closing = cut_rules(vertical, horizontal)
    assert sorted((e["top"], e["x0"], e["x1"]) for e in closing) == [(100, 10, 130), (140, 10, 130)]


def test_column_rules_without_any_crossing_rule_are_no_table():
    # a page with vertical lines only (a margin bar, a sidebar) is left alone
    vertical = [_edge(x, 100, x, 300) for x in (10, 50, 90)]
    assert cut_rules(vertical, [_edge(200, 50, 400, 50)]) == []


def test_cut_settings_accept_a_dict_and_refuse_unknown_keys():
    vertical, horizontal = _grid([10, 50, 90], [100, 120, 140], open_bottom={0})
    assert cut_rules(vertical, horizontal, {"tolerance": 2.0}) == cut_rules(vertical, horizontal, CutSettings(2.0))
    with pytest.raises(TypeError, match="nope"):
        cut_rules(vertical, horizontal, {"nope": 1})


# --------------------------------------------------------------------------
# A part printed without the header that split a column
# --------------------------------------------------------------------------

def _table(texts: list[list[str]], page: int) -> Table:
    return Table([[Cell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(texts)], page,
                 [page] * len(texts))


def test_a_part_with_fewer_columns_is_laid_over_the_columns_before_it():
    first = _table([["序号", "主动", "依申请"], ["1", "是", "否"]], 1)
    second = _table([["2", "全部公开"]], 2)
    edges = {id(first): [0.0, 10.0, 20.0, 30.0], id(second): [0.5, 10.5, 30.0]}
    out = widen_parts([first, Paragraph("- 2 -", 2), second], edges)
    wide = out[2]
    assert wide.n_cols == 3 and [wide.text(0, c) for c in range(3)] == ["2", "全部公开", "全部公开"]
    assert wide.grid[0][1] is wide.grid[0][2] and wide.grid[0][1].colspan == 2
    assert edges[id(wide)] == edges[id(first)]
    assert second.n_cols == 2  # the part read from the page is left as it was


def test_a_scanned_part_laid_over_the_columns_before_it_keeps_its_ocr_mark():
    first = _table([["序号", "主动", "依申请"], ["1", "是", "否"]], 1)
    second = Table([[Cell("2", 0, 0, ocr=True), Cell("全部公开", 0, 1, ocr=True)]], 2, [2])
    edges = {id(first): [0.0, 10.0, 20.0, 30.0], id(second): [0.5, 10.5, 30.0]}
    wide = widen_parts([first, second], edges)[1]
    assert wide.n_cols == 3 and all(cell.ocr for cell in wide.grid[0])


def test_parts_with_other_columns_or_text_between_are_left_alone():
    first = _table([["序号", "主动", "依申请"]], 1)
    other = _table([["2", "全部公开"]], 2)
    edges = {id(first): [0.0, 10.0, 20.0, 30.0], id(other): [0.0, 15.0, 30.0]}
    assert widen_parts([first, other], edges)[1] is other
    edges[id(other)] = [0.0, 20.0, 30.0]
    assert widen_parts([first, Paragraph("二、保障措施", 2), other], edges)[2] is other
