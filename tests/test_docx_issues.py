"""Issue Word-table quirks of county annexes: a grid whose header and rows put their column edges apart, a
title that is only the table's first row, and tick marks inserted as symbols of Wingdings fonts.

The files are tests/data/issue-docx-*, built by tests/fixtures/build_docx_issues.py (python-docx, then
LibreOffice for the .doc twins); each is read through process(), as a published annex would be.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from extractors.captions import caption_lines
from extractors.docx import DocxExtractor, logical_columns
from extractors.docx_symbols import font_text, sym_text, symbol_font
from pipeline.catalog import channel_names, is_ticked, read_marks
from pipeline.model import Paragraph, Table, build_grid
from pipeline.run import process

DATA = Path(__file__).resolve().parent / "data"
BOTH = ["docx", "doc"]
TASKS = [("推进决策公开", "完善重大行政决策事项目录并向社会公开", ["县司法局"], "2021年6月底前"),
         ("推进决策公开", "重大决策草案公开征求意见", ["县政府办公室", "县直各部门"], "持续推进"),
         ("推进执行公开", "公开重点改革任务落实情况", ["县发改局"], "2021年12月底前")]


def _read(name: str):
    return process((DATA / name).read_bytes(), name)


def _tasks(result) -> list[tuple]:
    return [(t.group, t.item, t.lead_units, t.deadline_text) for t in result.tasks]


# --------------------------------------------------------------------------
# Grid columns that split no column of the table are folded
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_header_and_rows_with_edges_apart_read_as_five_columns(ext):
    # header 序号 | 工作任务(2) | 具体事项 | 责任单位(2) | 完成时限, rows 序号 | 工作任务 | 具体事项(2) | 责任单位 | 完成时限(2)
    result = _read(f"issue-docx-jagged-grid.{ext}")
    assert _tasks(result) == TASKS
    assert {t.subgroup for t in result.tasks} == {None}


def test_jagged_grid_folds_to_the_header_columns():
    table = DocxExtractor().extract((DATA / "issue-docx-jagged-grid.docx").read_bytes()).tables[0]
    assert [table.text(0, c) for c in range(table.n_cols)] == ["序号", "工作任务", "具体事项", "责任单位", "完成时限"]
    assert [table.text(1, c) for c in range(table.n_cols)] == [
        "1", "推进决策公开", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"]
    assert table.grid[2][1] is table.grid[1][1]   # 工作任务 merged down still


@pytest.mark.parametrize("ext", BOTH)
def test_a_border_dragged_in_one_row_splits_no_column(ext):
    result = _read(f"issue-docx-dragged-border.{ext}")
    assert _tasks(result) == TASKS
    assert DocxExtractor().extract((DATA / "issue-docx-dragged-border.docx").read_bytes()).tables[0].n_cols == 5


def test_edges_some_row_has_both_of_are_kept():
    # a row of six cells holds every edge: nothing folds, however near two edges are
    rows = [[(0, 1), (1, 3), (3, 4)], [(0, 1), (1, 2), (2, 3), (3, 4)]]
    assert logical_columns(rows, [800, 1800, 100, 3000]) == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}
    # edge 3 may fold with 2 (at 2600) or with 4 (at 5700), not both (a row has 2 and 4): the nearer wins
    rows = [[(0, 1), (1, 2), (2, 4), (4, 5)], [(0, 1), (1, 3), (3, 5)]]
    assert logical_columns(rows, [800, 1800, 100, 3000, 1500]) == {0: 0, 1: 1, 2: 2, 3: 2, 4: 3, 5: 4}
    assert logical_columns(rows, [800, 1800, 3000, 100, 1500]) == {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4}


# --------------------------------------------------------------------------
# A caption row atop the first table is the document's title
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_caption_row_gives_the_title_and_region(ext):
    result = _read(f"issue-docx-caption-row-title.{ext}")
    doc = result.document
    assert doc.title == "礼泉县2021年政务公开重点任务分工表"
    assert (doc.province, doc.city, doc.county, doc.adcode) == ("陕西省", "咸阳市", "礼泉县", "610425")
    assert [(t.item, t.lead_units) for t in result.tasks] == [("重要政策文件同步发布解读材料", ["县政府办"]),
                                                              ("建立政务舆情回应机制", ["县委网信办"])]


def test_caption_row_is_a_paragraph_before_the_table_and_stays_in_it():
    raw = DocxExtractor().extract((DATA / "issue-docx-caption-row-title.docx").read_bytes())
    assert [type(b).__name__ for b in raw.blocks] == ["Paragraph", "Paragraph", "Table"]
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)] == ["附件", "礼泉县2021年政务公开重点任务分工表"]
    assert raw.tables[0].text(0, 0) == "礼泉县2021年政务公开重点任务分工表"


def test_a_title_paragraph_already_above_the_table_is_not_repeated():
    # the jagged-grid annex has its title as a paragraph and no caption row: nothing is added
    raw = DocxExtractor().extract((DATA / "issue-docx-jagged-grid.docx").read_bytes())
    assert [b.text for b in raw.blocks if isinstance(b, Paragraph)] == ["附件1", "桐庐县2021年政务公开工作任务清单"]


def _table(*rows: list[str]) -> list[list]:
    """The grid of a table of five columns; a row of one text spans them all."""
    return Table(build_grid([[(row[0], 1, 5)] if len(row) == 1 else [(t, 1, 1) for t in row]
                             for row in rows])).grid


def test_caption_lines_need_a_header_below_and_no_numbered_heading():
    # one rule for Word tables and sheets (extractors.base): up to four caption rows, blank ones passed over
    header = ["序  号", "工作任务", "具体事项", "责任单位", "完成时限"]
    data = ["1", "推进决策公开", "完善重大行政决策事项目录", "县司法局", "2021年6月底前"]
    assert caption_lines(_table(["附件2\n某县2021年任务分工表"], ["填报单位：县政府办"], header, data)) == [
        "附件2", "某县2021年任务分工表", "填报单位：县政府办"]
    assert caption_lines(_table(["附件2"], ["某县2021年政务公开"], ["重点任务分工表"], ["填报单位：县政府办"],
                                header, data)) == ["附件2", "某县2021年政务公开", "重点任务分工表", "填报单位：县政府办"]
    assert caption_lines(_table(["某县任务分工表"], [""], header, data)) == ["某县任务分工表"]
    assert caption_lines(_table(["一、推进决策公开"], header, data)) == []   # a group heading, not a caption
    assert caption_lines(_table(["推进决策公开"], data)) == []                # a group label over data rows
    assert caption_lines(_table(header, data)) == []


# --------------------------------------------------------------------------
# Tick marks inserted as Wingdings symbols
# --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", BOTH)
def test_symbol_ticks_and_boxes_are_read(ext):
    rows = _read(f"issue-docx-symbol-ticks.{ext}").catalog
    assert [(r.channels, r.audience, r.mode) for r in rows] == [
        (["政府网站", "公开查阅点"], ["全社会"], ["主动公开"]),     # w:sym Wingdings 2 boxes, Wingdings ✓
        (["两微一端"], ["特定群体"], ["依申请公开"]),               # boxes typed in Wingdings 2 (R, £)
        (["政府网站", "两微一端"], ["全社会"], ["主动公开"]),
        (["政府网站", "公示栏"], ["全社会"], ["依申请公开"])]      # private-use text, font from a style


def test_symbol_cells_read_as_marks():
    table = DocxExtractor().extract((DATA / "issue-docx-symbol-ticks.docx").read_bytes()).tables[0]
    assert table.text(2, 7) == "☑政府网站\n□政府公报\n☑公开查阅点\n□广播电视"
    assert (table.text(2, 8), table.text(3, 7)) == ("✓", "□政府网站\n☑两微一端")


@pytest.mark.parametrize("ext", BOTH)
def test_symbol_font_radical_ticks_and_crosses_are_read(ext):
    # Symbol's √ (w:sym F0D6, or Ö typed in Symbol) ticks, its × (F0B4) crosses
    rows = _read(f"issue-docx-symbol-radical.{ext}").catalog
    assert [(r.channels, r.audience, r.mode) for r in rows] == [
        (["政府网站"], ["全社会"], ["主动公开"]), (["两微一端"], ["特定群体"], ["依申请公开"])]


def test_symbol_radical_cells_read_as_marks():
    table = DocxExtractor().extract((DATA / "issue-docx-symbol-radical.docx").read_bytes()).tables[0]
    assert [table.text(2, c) for c in range(7, 12)] == ["√政府网站\n□政府公报", "√", "×", "√", "×"]
    assert table.text(3, 7) == "√两微一端"


def test_symbol_font_codes():
    assert (sym_text("Wingdings 2", "F052"), sym_text("Wingdings 2", "00A3"), sym_text("wingdings", "F0FC")) == \
        ("☑", "□", "✓")
    assert (sym_text("Symbol", "F0D6"), sym_text("Symbol", "00B4"), font_text(symbol_font("Symbol"), "Öa")) == \
        ("√", "×", "√a")
    assert (sym_text("Webdings", "F061"), sym_text("Wingdings", "F04A"), sym_text("Symbol", "F0B7")) == ("✔", "", "")
    assert font_text(symbol_font("Wingdings 2"), "R\uf0a3Q") == "☑□☒"
    assert symbol_font("宋体") is None


def test_private_use_marks_in_catalog_text():
    assert channel_names("\uf052政府网站\n\uf0a3政府公报\n\uf052公开查阅点") == ["政府网站", "公开查阅点"]
    assert is_ticked("\uf0fc") and not is_ticked("\uf0a3")
    assert is_ticked("\uf0d6") and read_marks("\uf0d6政府网站") == "√政府网站"   # Symbol's √ with its font lost
    assert read_marks("政府网站\ue123") == "政府网站"   # an unknown private-use character is dropped


def test_the_catalog_stage_takes_the_marks_from_the_lexicon_not_a_reader():
    tree = ast.parse((DATA.parent.parent / "pipeline" / "catalog.py").read_text(encoding="utf-8"))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "pipeline.lexicon" in modules and not any(m.startswith("extractors") for m in modules)


# --------------------------------------------------------------------------
# A grid width no integer holds
# --------------------------------------------------------------------------

def test_a_grid_width_of_1e999_reads_the_table_without_widths():
    data = (DATA / "issue-docx-gridcol-inf.docx").read_bytes()
    table = DocxExtractor().extract(data).tables[0]
    assert [[table.text(r, c) for c in range(table.n_cols)] for r in range(table.n_rows)] == [
        ["序号", "具体事项", "责任单位"], ["1", "公开预算", "县财政局"]]
    assert [(t.item, t.lead_units) for t in process(data, "issue-docx-gridcol-inf.docx").tasks] == [
        ("公开预算", ["县财政局"])]


# --------------------------------------------------------------------------
# Hidden text (w:vanish): Word and WPS neither show nor print it
# --------------------------------------------------------------------------

def _docx_with_hidden_runs() -> bytes:
    import io

    import docx
    document = docx.Document()
    title = document.add_paragraph("泾阳县2021年政务公开重点任务分工表")
    title.add_run("（征求意见稿）").font.hidden = True
    table = document.add_table(rows=4, cols=4)
    rows = [["序号", "工作任务", "责任单位", "完成时限"],
            ["1", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"],
            ["2", "重大决策草案公开征求意见", "县政府办公室", "持续推进"],
            ["3", "公开重点改革任务落实情况", "县发改局", ""]]
    hidden = {(1, 1): "（此项已删除）", (2, 2): "、县档案局", (3, 3): "2019年12月底", (1, 3): "2020年"}
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            paragraph = table.cell(r, c).paragraphs[0]
            paragraph.add_run(text)
            if (r, c) in hidden:
                paragraph.add_run(hidden[(r, c)]).font.hidden = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_hidden_runs_are_not_read():
    data = _docx_with_hidden_runs()
    assert b"w:vanish" in _document_xml(data)   # python-docx wrote the runs hidden, as Word does
    result = process(data, "hidden.docx")
    assert result.document.title == "泾阳县2021年政务公开重点任务分工表"
    assert [(t.item, t.lead_units, t.deadline_text, t.deadline_kind) for t in result.tasks] == [
        ("完善重大行政决策事项目录并向社会公开", ["县司法局"], "2021年6月底前", "date"),
        ("重大决策草案公开征求意见", ["县政府办公室"], "持续推进", "ongoing"),
        ("公开重点改革任务落实情况", ["县发改局"], None, "none")]
    # a run hidden with w:val="false" shows
    shown = _with_document_xml(data, lambda xml: xml.replace(b"<w:vanish/>", b'<w:vanish w:val="false"/>'))
    items = [t.item for t in process(shown, "shown.docx").tasks]
    assert items[0] == "完善重大行政决策事项目录并向社会公开(此项已删除)"


def _document_xml(data: bytes) -> bytes:
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml")


def _with_document_xml(data: bytes, change) -> bytes:
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, change(body) if info.filename == "word/document.xml" else body)
    return out.getvalue()


# --------------------------------------------------------------------------
# A layout table: the annex's label and title in cells beside or above the task table
# --------------------------------------------------------------------------

def _framed(beside: list[str], title_row: bool) -> bytes:
    """The task table nested in a layout table whose other cell(s) hold the annex label and title."""
    import io

    import docx
    document = docx.Document()
    outer = document.add_table(rows=2 if title_row else 1, cols=2)
    if title_row:   # 附件2 | title, then one merged cell holding the table
        outer.cell(0, 0).text, outer.cell(0, 1).text = beside
        holder = outer.cell(1, 0).merge(outer.cell(1, 1))
    else:           # 附件2 in a narrow cell beside the table
        outer.cell(0, 0).text = beside[0]
        holder = outer.cell(0, 1)
    rows = [["序号", "工作任务", "责任单位", "完成时限"],
            ["1", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"],
            ["2", "重大决策草案公开征求意见", "县政府办公室", "持续推进"],
            ["3", "公开重点改革任务落实情况", "县发改局", "2021年12月底前"]]
    inner = holder.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("beside, title_row", [(["附件2"], False), (["附件2", "泾阳县2021年政务公开任务分工表"], True)])
def test_a_task_table_framed_beside_its_annex_label_and_title_is_read(beside, title_row):
    result = process(_framed(beside, title_row), "framed.docx")
    assert [(t.item, t.lead_units) for t in result.tasks] == [
        ("完善重大行政决策事项目录并向社会公开", ["县司法局"]), ("重大决策草案公开征求意见", ["县政府办公室"]),
        ("公开重点改革任务落实情况", ["县发改局"])]
    if title_row:
        assert (result.document.title, result.document.county) == ("泾阳县2021年政务公开任务分工表", "泾阳县")


def test_a_label_of_another_kind_beside_a_nested_table_keeps_the_layout_table():
    """项目 | (a table of its own) is data: the inner table's text stays in the cell beside the label."""
    table = DocxExtractor().extract(_framed(["工作内容"], False)).tables[0]
    assert table.text(0, 0) == "工作内容" and "县司法局" in table.text(0, 1)


# --------------------------------------------------------------------------
# A title set in the page header
# --------------------------------------------------------------------------

def _with_header(header: str, body_title: str | None = None) -> bytes:
    import io

    import docx
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    if body_title:
        document.add_paragraph(body_title)
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(["序号", "工作任务", "责任单位"]):
        table.cell(0, c).text = text
    for c, text in enumerate(["1", "完善重大行政决策事项目录并向社会公开", "县司法局"]):
        table.cell(1, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_title_only_in_the_page_header_is_the_title_and_the_body_heading_outranks_it():
    assert process(_with_header("泾阳县2021年政务公开任务分工表"), "a.docx").document.title == "泾阳县2021年政务公开任务分工表"
    # an office's or column's name in the header is no title
    assert process(_with_header("泾阳县人民政府办公室"), "a.docx").document.title is None
    # the body's own heading first
    both = _with_header("泾阳县2021年政务公开任务分工表", "泾阳县2021年政务公开工作要点")
    assert process(both, "a.docx").document.title == "泾阳县2021年政务公开工作要点"


# --------------------------------------------------------------------------
# A body imported whole (w:altChunk): an editor's or a CMS's HTML inside the .docx
# --------------------------------------------------------------------------

def _with_alt_chunk(content: bytes, content_type: str) -> bytes:
    import io

    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.ns import qn
    from lxml import etree
    document = docx.Document()
    document.add_paragraph("附件2")
    part = Part(PackURI("/word/afchunk.htm"), content_type, content, document.part.package)
    chunk = etree.SubElement(document.element.body, qn("w:altChunk"))
    chunk.set(qn("r:id"), document.part.relate_to(part, RT.A_F_CHUNK))
    document.element.body.append(document.element.body.find(qn("w:sectPr")))   # sectPr stays last
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_CHUNK_PAGE = ("<html><head><meta charset='utf-8'><title>泾阳县2021年政务公开任务分工表</title></head><body>"
               "<h1>泾阳县2021年政务公开任务分工表</h1><table border='1'>"
               "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
               "<tr><td>1</td><td>完善重大行政决策事项目录并向社会公开</td><td>县司法局</td><td>2021年6月底前</td></tr>"
               "<tr><td>2</td><td>重大决策草案公开征求意见</td><td>县政府办公室</td><td>持续推进</td></tr>"
               "</table></body></html>").encode("utf-8")


def test_an_imported_html_body_is_read_where_it_stands():
    result = process(_with_alt_chunk(_CHUNK_PAGE, "text/html"), "chunk.docx")
    assert [(t.item, t.lead_units, t.deadline_text) for t in result.tasks] == [
        ("完善重大行政决策事项目录并向社会公开", ["县司法局"], "2021年6月底前"),
        ("重大决策草案公开征求意见", ["县政府办公室"], "持续推进")]
    assert (result.document.title, result.document.county) == ("泾阳县2021年政务公开任务分工表", "泾阳县")
    raw = DocxExtractor().extract(_with_alt_chunk(_CHUNK_PAGE, "text/html"))
    assert isinstance(raw.blocks[0], Paragraph) and raw.blocks[0].text == "附件2"   # in body order


def test_an_imported_part_of_another_kind_is_a_warning():
    raw = DocxExtractor().extract(_with_alt_chunk(b"{\\rtf1 x}", "application/rtf"))
    assert "imported content not read (application/rtf)" in raw.warnings


def test_an_imported_page_keeps_its_own_title_over_its_links_and_brings_its_metadata():
    """A CMS's page wrapped in a .docx: its <title>, not a related article's link, names it, and its
    metadata box (发布机构) is the file's."""
    page = ("<html><head><meta charset='utf-8'><title>泾阳县2021年政务公开任务分工表_泾阳县人民政府</title></head><body>"
            "<div class='related'><a href='/a.html'>三原县2020年政务公开工作要点</a></div>"
            "<div class='info'>发布机构：泾阳县人民政府办公室</div><div class='content'><table border='1'>"
            "<tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>"
            "<tr><td>1</td><td>完善重大行政决策事项目录并向社会公开</td><td>县司法局</td><td>2021年6月底前</td></tr>"
            "<tr><td>2</td><td>重大决策草案公开征求意见</td><td>县政府办公室</td><td>持续推进</td></tr>"
            "</table></div></body></html>").encode("utf-8")
    as_html = process(page, "page.html").document
    wrapped = process(_with_alt_chunk(page, "text/html"), "chunk.docx").document
    assert (wrapped.title, wrapped.county, wrapped.issuer) == (as_html.title, as_html.county, as_html.issuer) == (
        "泾阳县2021年政务公开任务分工表", "泾阳县", "泾阳县人民政府办公室")


# --------------------------------------------------------------------------
# Tracked changes left in a published annex
# --------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _with_deleted_row_copies(xml: bytes) -> bytes:
    """Every third data row of the table followed by a copy of it deleted with changes tracked, as Word
    writes one: w:del in the row's properties, each run in a w:del, its text as w:delText."""
    from copy import deepcopy

    from lxml import etree
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(xml)
    for tr in list(root.iter(w + "tr"))[1::3]:
        gone = deepcopy(tr)
        props = gone.find(w + "trPr")
        if props is None:
            props = etree.SubElement(gone, w + "trPr")
            gone.insert(0, props)
        etree.SubElement(props, w + "del", {w + "id": "90", w + "author": "起草人"})
        for run in list(gone.iter(w + "r")):
            wrapper = etree.Element(w + "del", {w + "id": "91", w + "author": "起草人"})
            run.addprevious(wrapper)
            wrapper.append(run)
            for text in run.iter(w + "t"):
                text.tag = w + "delText"
        tr.addnext(gone)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


@pytest.mark.parametrize("name", ["jx_county_2022_tasks.docx", "tunliu_2020_tasks.docx"])
def test_a_row_deleted_with_changes_tracked_is_no_task(name):
    data = (CORPUS / name).read_bytes()
    revised = _with_document_xml(data, _with_deleted_row_copies)
    assert _document_xml(revised).count(b"<w:delText>") > 10
    fields = lambda r: [(t.group_no, t.group, t.subgroup, t.item_no, t.item, t.lead_units, t.guide_units,
                         t.deadline) for t in r.tasks]
    assert fields(process(revised, name)) == fields(process(data, name))


def _docx_with_form_fields() -> bytes:
    """A task table filled in through content controls; two were left unfilled and show their prompt."""
    import io

    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    document = docx.Document()
    document.add_paragraph("泾阳县2021年政务公开重点任务分工表")
    rows = [["序号", "工作任务", "责任单位", "完成时限"],
            ["1", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"],
            ["2", "重大决策草案公开征求意见", "县政府办公室", "持续推进"]]
    table = document.add_table(rows=3, cols=4)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).paragraphs[0].add_run(text)
    # Word writes the prompt in its "Placeholder Text" character style, under a localized id (a5 here)
    document.styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER).element.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}styleId", "a5")
    prompt = '<w:r><w:rPr><w:rStyle w:val="a5"/></w:rPr><w:t>单击或点击此处输入文字。</w:t></w:r>'
    # run-level control in the deadline cell of row 2, showing its placeholder
    table.cell(2, 3).paragraphs[0]._p.append(parse_xml(
        f'<w:sdt {w}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{prompt}</w:sdtContent></w:sdt>'))
    table.cell(2, 3).paragraphs[0].runs[0].text = ""
    # block-level control holding a second paragraph of the unit cell of row 1, unfilled too
    table.cell(1, 2)._tc.append(parse_xml(
        f'<w:sdt {w}><w:sdtPr><w:showingPlcHdr w:val="true"/></w:sdtPr><w:sdtContent><w:p>{prompt}</w:p>'
        f'</w:sdtContent></w:sdt>'))
    # a filled control (its text typed over the prompt) is read
    table.cell(2, 2).paragraphs[0]._p.append(parse_xml(
        f'<w:sdt {w}><w:sdtPr/><w:sdtContent><w:r><w:t>、县档案局</w:t></w:r></w:sdtContent></w:sdt>'))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_content_control_showing_its_placeholder_gives_no_text():
    result = process(_docx_with_form_fields(), "form.docx")
    assert [(t.item, t.lead_units, t.deadline_text, t.deadline_kind) for t in result.tasks] == [
        ("完善重大行政决策事项目录并向社会公开", ["县司法局"], "2021年6月底前", "date"),
        ("重大决策草案公开征求意见", ["县政府办公室", "县档案局"], None, "none")]


def _filled_controls_still_flagged(block: bool) -> bytes:
    """A task table filled through content controls by a program that left w:showingPlcHdr on: the whole
    table in a block control (block), or 县司法局 in an inline control of its 责任单位 cell. Its runs carry no
    placeholder style: they are the content."""
    import io

    import docx
    from docx.oxml import parse_xml
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = docx.Document()
    document.add_paragraph("泾阳县2021年政务公开重点任务分工表")
    rows = [["序号", "工作任务", "责任单位", "完成时限"], ["1", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"]]
    table = document.add_table(rows=2, cols=4)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).paragraphs[0].add_run(text)
    sdt = parse_xml(f'<w:sdt xmlns:w="{w}"><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent/></w:sdt>')
    if block:
        table._tbl.addprevious(sdt)
        sdt.find(f"{{{w}}}sdtContent").append(table._tbl)
    else:
        run = table.cell(1, 2).paragraphs[0].runs[0]._r
        run.addprevious(sdt)
        sdt.find(f"{{{w}}}sdtContent").append(run)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("block", [True, False])
def test_a_filled_control_left_flagged_as_showing_its_placeholder_keeps_its_content(block):
    result = process(_filled_controls_still_flagged(block), "form.docx")
    assert [(t.item, t.lead_units, t.deadline_text) for t in result.tasks] == [
        ("完善重大行政决策事项目录并向社会公开", ["县司法局"], "2021年6月底前")]


def _letterhead_in_tables(xml: bytes) -> bytes:
    """The notice's 文号 set in a borderless table beside 签发人：…, and its signature over its date in another,
    as many 红头 templates lay them out."""
    from lxml import etree
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(xml)
    body = root.find(w + "body")

    def line(text: str):
        p = etree.Element(w + "p")
        etree.SubElement(etree.SubElement(p, w + "r"), w + "t").text = text
        return p

    def box(rows: list[list[str]]):
        tbl = etree.Element(w + "tbl")
        borders = etree.SubElement(etree.SubElement(tbl, w + "tblPr"), w + "tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            etree.SubElement(borders, w + side, {w + "val": "nil"})
        for texts in rows:
            tr = etree.SubElement(tbl, w + "tr")
            for text in texts:
                etree.SubElement(tr, w + "tc").append(line(text) if text else etree.Element(w + "p"))
        return tbl

    paragraphs = {"".join(p.itertext()).strip(): p for p in body.iterchildren(w + "p")}
    number, date = paragraphs["东政办秘〔2020〕64号"], paragraphs["2020年8月14日"]
    number.addprevious(box([["东政办秘〔2020〕64号", "签发人：张三"]]))
    date.addprevious(box([["", "东至县人民政府办公室（盖章）"], ["", "2020年8月14日"], ["", "（此件公开发布）"]]))
    for p in (number, date):
        body.remove(p)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def test_a_letterhead_and_signature_laid_out_in_tables_give_the_number_issuer_and_date():
    data = (CORPUS / "variants" / "dongzhi_2020.docx").read_bytes()
    boxed = process(_with_document_xml(data, _letterhead_in_tables), "dongzhi_2020.docx")
    plain = process(data, "dongzhi_2020.docx")
    fields = lambda d: (d.title, d.doc_number, d.issuer, d.issue_date, d.county)
    assert fields(boxed.document) == fields(plain.document) == (
        "东至县人民政府办公室关于印发东至县全面推进基层政务公开标准化规范化工作实施方案的通知",
        "东政办秘〔2020〕64号", "东至县人民政府办公室", "2020-08-14", "东至县")
    assert len(boxed.tasks) == len(plain.tasks) == 36


def test_a_small_table_of_data_is_no_letterhead():
    # cells that are office names and a full date, but a number and a task beside them: data
    from extractors.docx import _is_letterhead
    from lxml import etree
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def table(*rows):
        xml = "".join("<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>" for t in row) + "</w:tr>"
                      for row in rows)
        tbl = etree.fromstring(f'<w:tbl xmlns:w="{w}">{xml}</w:tbl>')
        trs = tbl.findall(f"{{{w}}}tr")
        return trs, [tc for tr in trs for tc in tr.findall(f"{{{w}}}tc")]
    assert not _is_letterhead(*table(["1", "编制目录", "县司法局", "2020年8月14日"]))
    assert not _is_letterhead(*table(["县司法局", "县财政局"]))   # no number or date: a list of units
    assert _is_letterhead(*table(["某政办发〔2021〕3号", "签 发 人：李四"]))
    assert _is_letterhead(*table(["", "东至县人民政府办公室"], ["", "2020年8月14日"]))   # a signature over its date
    assert not _is_letterhead(*table(["2020年8月14日"], ["东至县人民政府办公室"]))     # a date over an office
    assert not _is_letterhead(*table(["报送截止时间：", "2021年9月30日"]))              # a label and its value


# --------------------------------------------------------------------------
# Legacy check-box form fields (FORMCHECKBOX) in a catalog
# --------------------------------------------------------------------------

def _form_check_box(checked: bool, by_default: bool = False) -> str:
    """The runs of a FORMCHECKBOX field: its state in w:ffData, no text of its own."""
    state = f'<w:default w:val="{int(checked)}"/>' if by_default else \
        f'<w:default w:val="0"/><w:checked w:val="{int(checked)}"/>'
    return ('<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
            f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _catalog_with_form_boxes() -> bytes:
    import io

    import docx
    from docx.oxml import parse_xml
    document = docx.Document()
    document.add_paragraph("城乡规划领域基层政务公开标准目录")
    header = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
              "全社会", "特定群体", "主动", "依申请"]
    rows = [["1", "规划编制", "控制性详细规划", "规划批准文件", "《城乡规划法》", "自作出决定之日起20个工作日内",
             "县自然资源局"], ["2", "规划许可", "乡村建设规划许可", "许可证号", "《城乡规划法》",
                          "自作出决定之日起20个工作日内", "县自然资源局"]]
    boxes = [([(True, "政府网站"), (False, "政府公报")], [True, False, True, False]),
             ([(False, "政府网站"), (True, "两微一端")], [False, True, False, True])]
    table = document.add_table(rows=3, cols=len(header))
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, (row, (channels, ticks)) in enumerate(zip(rows, boxes), start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
        cell = table.cell(r, 7)._tc
        cell.remove(cell.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"))
        for k, (ticked, name) in enumerate(channels):
            cell.append(parse_xml(f"<w:p {w}>{_form_check_box(ticked, by_default=k == 0)}"
                                  f"<w:r><w:t>{name}</w:t></w:r></w:p>"))
        for c, ticked in enumerate(ticks, start=8):
            table.cell(r, c).paragraphs[0]._p.extend(list(parse_xml(f"<w:p {w}>{_form_check_box(ticked)}</w:p>")))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_legacy_check_box_form_fields_read_as_ticks_and_boxes():
    data = _catalog_with_form_boxes()
    table = DocxExtractor().extract(data).tables[0]
    assert table.text(1, 7) == "☑政府网站\n□政府公报" and [table.text(1, c) for c in range(8, 12)] == ["☑", "□", "☑", "□"]
    rows = process(data, "form-boxes.docx").catalog
    assert [(r.channels, r.audience, r.mode) for r in rows] == [
        (["政府网站"], ["全社会"], ["主动公开"]), (["两微一端"], ["特定群体"], ["依申请公开"])]


def _notice_with_small_table(rows: list[list[str]], signed: bool) -> bytes:
    """A notice with a small borderless table of data before its task table, signed with a date or not."""
    import io

    import docx
    document = docx.Document()
    document.add_paragraph("东至县人民政府办公室关于印发2021年政务公开工作要点的通知")
    document.add_paragraph("东政办秘〔2021〕12号")
    document.add_paragraph("各乡镇人民政府，县政府各部门：现将有关事项通知如下。")
    for table_rows in (rows, [["序号", "具体事项", "责任单位", "完成时限"],
                              ["1", "完善重大行政决策事项目录并向社会公开", "县司法局", "2021年6月底前"]]):
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for r, row in enumerate(table_rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
    if signed:
        document.add_paragraph("东至县人民政府办公室")
        document.add_paragraph("2021年3月5日")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rows, signed, issued", [
    ([["报送截止时间：", "2021年9月30日"], ["报送单位：", "县政务公开办"]], True, "2021-03-05"),
    ([["报送截止时间：", "2021年9月30日"], ["报送单位：", "县政务公开办"]], False, None),
    ([["县政务公开办", "2021年4月30日"], ["县数据资源局", "2021年6月30日"]], True, "2021-03-05")])
def test_a_small_table_of_labels_or_a_schedule_stays_a_table_and_gives_no_issue_date(rows, signed, issued):
    data = _notice_with_small_table(rows, signed)
    assert DocxExtractor().extract(data).tables[0].n_rows == 2
    assert process(data, "notice.docx").document.issue_date == issued
